/** Typed errors of the keystore module. Messages and details never carry passwords or keys. */
import { AioracleError } from '../errors.js';

/** Stable error codes raised by the keystore module. */
export const KeystoreErrorCode = {
  /** The MAC does not match: wrong password (or a tampered ciphertext). */
  WrongPassword: 'ERR_KEYSTORE_WRONG_PASSWORD',
  /** Not JSON, missing/ill-typed fields, bad hex, bad plaintext, or pubKey ≠ the derived key. */
  Corrupt: 'ERR_KEYSTORE_CORRUPT',
  /** A cipher, KDF or KDF parameter this implementation does not support. */
  Unsupported: 'ERR_KEYSTORE_UNSUPPORTED',
  /** The file could not be read or written. */
  Io: 'ERR_KEYSTORE_IO',
  /** writeBlsKeystore refused to replace an existing file. */
  Exists: 'ERR_KEYSTORE_EXISTS',
} as const;

/** One of the codes in {@link KeystoreErrorCode}. */
export type KeystoreErrorCode = (typeof KeystoreErrorCode)[keyof typeof KeystoreErrorCode];

/** Builds a non-retryable AioracleError with a keystore code. */
export function keystoreError(code: KeystoreErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown): AioracleError {
  return new AioracleError(code, message, { details: details ?? {}, cause, retryable: false });
}
