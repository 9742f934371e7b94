/**
 * Error codes of inputs by reference (protocol.md "Inputs by reference"). Operators that meet one
 * sign nothing for the task (it expires and refunds); clients meet them before sending.
 */
import { AioracleError, type AioracleErrorOptions } from '../errors.js';

/** Stable codes of the input carriers. */
export const InputErrorCode = {
  /** The TaskCreated input is neither the inline bytes nor a well-formed reference descriptor. */
  RefInvalid: 'ERR_INPUT_REF_INVALID',
  /** The bytes could not be fetched: unreachable, HTTP error, timeout, blob not found. */
  Unavailable: 'ERR_INPUT_UNAVAILABLE',
  /** The fetched input is larger than the model's (or the operator's) cap; the fetch was cut off there. */
  TooLarge: 'ERR_INPUT_TOO_LARGE',
  /** The fetched bytes do not hash to the task's inputHash. */
  HashMismatch: 'ERR_INPUT_HASH_MISMATCH',
  /** The requested carrier cannot carry this input (too large for calldata or blobs, no URI, no KZG). */
  Carrier: 'ERR_INPUT_CARRIER',
} as const;
export type InputErrorCode = (typeof InputErrorCode)[keyof typeof InputErrorCode];

/** Builds an input error (non-retryable unless told). */
export function inputError(code: InputErrorCode, message: string, options: AioracleErrorOptions = {}): AioracleError {
  return new AioracleError(code, message, options);
}
