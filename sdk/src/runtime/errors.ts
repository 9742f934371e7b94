/**
 * Error codes of the model runtime: a runtime package that is not installed (the sdk declares
 * onnxruntime-node / onnxruntime-web as optional peers, so a client that never runs a model does
 * not pull them in), a model folder that does not hash to what its manifest or the chain says, and
 * a model that fails to load or run. None is retryable.
 */
import { AioracleError, type AioracleErrorOptions } from '../errors.js';

/** Stable codes raised by sdk/src/runtime. */
export const RuntimeErrorCode = {
  /** onnxruntime-node or onnxruntime-web is not installed. */
  Missing: 'ERR_RUNTIME_MISSING',
  /** onnxruntime could not create a session or run the model. */
  Inference: 'ERR_RUNTIME_INFERENCE',
  /** A model folder has no manifest.json, or the manifest fails the schema. */
  ModelInvalid: 'ERR_MODEL_INVALID',
  /** The ONNX file or the manifest does not hash to what the manifest / the ModelRegistry says. */
  ModelIntegrity: 'ERR_MODEL_INTEGRITY',
} as const;

/** One of {@link RuntimeErrorCode}. */
export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];

/** Builds a non-retryable AioracleError with a runtime code. */
export function runtimeError(code: RuntimeErrorCode, message: string, options: AioracleErrorOptions = {}): AioracleError {
  return new AioracleError(code, message, options);
}
