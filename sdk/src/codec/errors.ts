/**
 * Error codes of the tensor and output codecs. All are non-retryable: the same bytes or values
 * will fail the same way. Operators that meet one for on-chain input sign nothing (the task expires
 * and refunds); clients meet them before sending.
 */
import { AioracleError } from '../errors.js';

/** Stable codes thrown by encodeInput/decodeInput/encodeOutput/decodeOutput and friends. */
export const TensorErrorCode = {
  /** The version byte is not one this sdk knows. */
  Version: 'ERR_TENSOR_VERSION',
  /** Fewer bytes than the header and the declared batch need. */
  Truncated: 'ERR_TENSOR_TRUNCATED',
  /** More bytes than the header and the declared batch need. */
  Trailing: 'ERR_TENSOR_TRAILING',
  /** Batch 0, over maxBatch, not 1 for an unbatched model, or inconsistent between tensors. */
  Batch: 'ERR_TENSOR_BATCH',
  /** Dims or element count do not match the manifest shape. */
  Shape: 'ERR_TENSOR_SHAPE',
  /** An element the dtype cannot hold: non-integer, out of range, NaN/Inf, bad index. */
  Value: 'ERR_TENSOR_VALUE',
  /** A tensor the manifest declares was not given. */
  Missing: 'ERR_TENSOR_MISSING',
  /** A tensor the manifest does not declare was given. */
  Unknown: 'ERR_TENSOR_UNKNOWN',
  /** Bytes over MAX_INPUT_BYTES / MAX_OUTPUT_BYTES. */
  TooLarge: 'ERR_TENSOR_TOO_LARGE',
  /** A runtime tensor's `type` differs from the manifest dtype. */
  Dtype: 'ERR_TENSOR_DTYPE',
  /** Not bytes at all (bad hex, wrong argument type). */
  Malformed: 'ERR_TENSOR_MALFORMED',
} as const;

/** One of the TensorErrorCode values. */
export type TensorErrorCodeValue = (typeof TensorErrorCode)[keyof typeof TensorErrorCode];

/** Throws a non-retryable AioracleError with a tensor error code. */
export function tensorError(code: TensorErrorCodeValue, message: string, details: Record<string, unknown> = {}): never {
  throw new AioracleError(code, message, { details, retryable: false });
}
