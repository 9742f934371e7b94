/**
 * The operator's error codes. Every error is an sdk `AioracleError` (code, message, cause,
 * retryable); the queue turns non-retryable ones into BullMQ's UnrecoverableError, the CLI prints
 * the code and the cause chain and exits with the code's exit status.
 */
import { AioracleError, type AioracleErrorOptions } from '@aioracle/sdk';

/** Stable codes of the operator. */
export const OperatorErrorCode = {
  /** The task's model is not registered, not active, or not in models.dir. */
  ModelUnknown: 'ERR_OPERATOR_MODEL_UNKNOWN',
  ModelInactive: 'ERR_OPERATOR_MODEL_INACTIVE',
  /** The model file or manifest does not hash to what the ModelRegistry says. */
  ModelIntegrity: 'ERR_OPERATOR_MODEL_INTEGRITY',
  /** onnxruntime failed to load or run the model. */
  Inference: 'ERR_OPERATOR_INFERENCE',
  /** The task's input bytes do not hash to task.inputHash, or fail the canonical decoding. */
  BadInput: 'ERR_OPERATOR_BAD_INPUT',
  /** The task's deadline has passed: nothing to do. */
  TaskExpired: 'ERR_OPERATOR_TASK_EXPIRED',
  /** A different output was already signed for this task: refusing to equivocate. */
  Equivocation: 'ERR_OPERATOR_EQUIVOCATION',
  /** The anti-equivocation log cannot be read or written. */
  SigningLog: 'ERR_OPERATOR_SIGNING_LOG',
  /** Delivery to an aggregator failed (after retries or with a final status). */
  Delivery: 'ERR_OPERATOR_DELIVERY',
  /** Bad job data in the queue. */
  BadJob: 'ERR_OPERATOR_BAD_JOB',
  /** Keys: missing, exists, wrong password, unreadable. */
  KeyNotFound: 'ERR_OPERATOR_KEY_NOT_FOUND',
  KeyExists: 'ERR_OPERATOR_KEY_EXISTS',
  Password: 'ERR_OPERATOR_PASSWORD',
  /** The chain does not match the configuration (chain id, missing addresses). */
  ChainMismatch: 'ERR_OPERATOR_CHAIN_MISMATCH',
  /** Bad CLI usage. */
  Usage: 'ERR_OPERATOR_USAGE',
} as const;
export type OperatorErrorCode = (typeof OperatorErrorCode)[keyof typeof OperatorErrorCode];

/** Builds an operator error (non-retryable unless told). */
export function operatorError(code: OperatorErrorCode, message: string, options: AioracleErrorOptions = {}): AioracleError {
  return new AioracleError(code, message, options);
}

/** Reasons a task is rejected without signing (the bounded label set of the rejected counter). */
export const REJECT_REASONS = ['model_unknown', 'model_inactive', 'model_integrity', 'bad_input', 'expired', 'equivocation', 'inference', 'bad_task'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Maps an error to the reject reason label. */
export function rejectReasonOf(err: unknown): RejectReason {
  const code = err instanceof AioracleError ? err.code : '';
  switch (code) {
    case OperatorErrorCode.ModelUnknown:
    case 'ERR_CHAIN_MODEL_UNKNOWN':
      return 'model_unknown';
    case OperatorErrorCode.ModelInactive:
      return 'model_inactive';
    case OperatorErrorCode.ModelIntegrity:
    case 'ERR_MODEL_INTEGRITY':
      return 'model_integrity';
    case OperatorErrorCode.TaskExpired:
      return 'expired';
    case OperatorErrorCode.Equivocation:
      return 'equivocation';
    case OperatorErrorCode.BadJob:
    case 'ERR_TASK_INVALID':
      return 'bad_task';
    case OperatorErrorCode.BadInput:
      return 'bad_input';
    default:
      return code.startsWith('ERR_TENSOR_') || code.startsWith('ERR_INPUT_') ? 'bad_input' : 'inference';
  }
}

/** CLI exit codes: 0 ok, 1 unexpected, 2 usage, 3 config, 4 keys/password, 5 chain/RPC, 6 conflict. */
export function exitCodeOf(err: unknown): number {
  const code = err instanceof AioracleError ? err.code : '';
  if (code === OperatorErrorCode.Usage) return 2;
  if (code.startsWith('ERR_CONFIG')) return 3;
  if (code.startsWith('ERR_KEYSTORE') || code.startsWith('ERR_OPERATOR_KEY') || code === OperatorErrorCode.Password) return 4;
  if (code.startsWith('ERR_TX') || code.startsWith('ERR_RPC') || code.startsWith('ERR_CHAIN') || code === OperatorErrorCode.ChainMismatch || code === 'ERR_DEPLOYMENT_FILE') return 5;
  if (code === OperatorErrorCode.Equivocation) return 6;
  return 1;
}
