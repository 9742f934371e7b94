/**
 * Error codes of the aggregator and their HTTP status (docs/aggregator-api.md). Every error an
 * operator can meet is an AioracleError with one of these codes; the API answers
 * `{"code","message"}` with the status below.
 */
import { AioracleError, type AioracleErrorOptions } from '@aioracle/sdk';

/** Stable codes of the aggregator API and workers. */
export const AggErrorCode = {
  BadRequest: 'ERR_BAD_REQUEST',
  OperatorNotRegistered: 'ERR_OPERATOR_NOT_REGISTERED',
  TaskUnknown: 'ERR_TASK_UNKNOWN',
  ConflictingResponse: 'ERR_CONFLICTING_RESPONSE',
  TaskClosed: 'ERR_TASK_CLOSED',
  BodyTooLarge: 'ERR_BODY_TOO_LARGE',
  SignatureInvalid: 'ERR_SIGNATURE_INVALID',
  /**
   * POST /v1/batches: the task list is not exactly one of the protocol's batches of its reference
   * block (sdk batchesOf over every TaskCreated of the block): a subset, a superset or another cut.
   */
  BatchNotCanonical: 'ERR_BATCH_NOT_CANONICAL',
  Overloaded: 'ERR_OVERLOADED',
  Internal: 'ERR_INTERNAL',
  /** Redis (the aggregation state) is not connected: nothing can be counted now; retry. */
  RedisUnavailable: 'ERR_REDIS_UNAVAILABLE',
  NotFound: 'ERR_NOT_FOUND',
  /** Start-up: the submitter keystore or its password cannot be read or decrypted. */
  Keystore: 'ERR_SUBMITTER_KEYSTORE',
  /** Start-up: the node's chain id differs from the configured one. */
  ChainMismatch: 'ERR_CHAIN_MISMATCH',
  /** A job carries data that cannot be processed (never retried). */
  BadJob: 'ERR_BAD_JOB',
} as const;

/** One of {@link AggErrorCode}. */
export type AggErrorCode = (typeof AggErrorCode)[keyof typeof AggErrorCode];

const STATUS: Record<string, number> = {
  ERR_BAD_REQUEST: 400,
  ERR_OPERATOR_NOT_REGISTERED: 403,
  ERR_TASK_UNKNOWN: 404,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICTING_RESPONSE: 409,
  ERR_TASK_CLOSED: 410,
  ERR_BODY_TOO_LARGE: 413,
  ERR_SIGNATURE_INVALID: 422,
  ERR_BATCH_NOT_CANONICAL: 422,
  ERR_OVERLOADED: 429,
  ERR_REDIS_UNAVAILABLE: 503,
};

/** The HTTP status for an error code (500 for anything not listed; 503 for retryable I/O). */
export function httpStatusFor(err: AioracleError): number {
  return STATUS[err.code] ?? (err.retryable ? 503 : 500);
}

/** Builds an aggregator error. */
export function aggError(code: AggErrorCode, message: string, options: AioracleErrorOptions = {}): AioracleError {
  return new AioracleError(code, message, options);
}
