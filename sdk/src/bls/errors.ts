/**
 * Typed errors of the BLS module. Every failure a caller can meet carries one of these stable
 * codes; messages and details never carry secret keys.
 */
import { AioracleError } from '../errors.js';

/** Stable error codes raised by the BLS module. */
export const BlsErrorCode = {
  /** A BLS function was called before `await initBls()`. */
  NotInitialized: 'ERR_BLS_NOT_INITIALIZED',
  /** The requested curve backend could not be loaded (e.g. mcl-wasm failed to instantiate). */
  BackendUnavailable: 'ERR_BLS_BACKEND_UNAVAILABLE',
  /** A point is not on the curve, is infinity, is outside the subgroup, or has a coordinate ≥ p. */
  InvalidPoint: 'ERR_BLS_INVALID_POINT',
  /** Bytes, hex or a Solidity-form value has the wrong shape, length or characters. */
  InvalidEncoding: 'ERR_BLS_INVALID_ENCODING',
  /** A secret key is 0, ≥ r, or of the wrong length. */
  InvalidSecretKey: 'ERR_BLS_INVALID_SECRET_KEY',
  /** Any other bad argument (empty aggregate, digest not 32 bytes, mismatched lengths). */
  InvalidArgument: 'ERR_BLS_INVALID_ARGUMENT',
} as const;

/** One of the codes in {@link BlsErrorCode}. */
export type BlsErrorCode = (typeof BlsErrorCode)[keyof typeof BlsErrorCode];

/** Builds a non-retryable AioracleError with a BLS code. */
export function blsError(code: BlsErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown): AioracleError {
  return new AioracleError(code, message, { details: details ?? {}, cause, retryable: false });
}
