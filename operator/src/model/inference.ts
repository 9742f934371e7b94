/**
 * One inference: canonical input bytes → tensors → session.run → canonical output bytes, by the
 * sdk's `runInference`. Malformed input is an ERR_TENSOR_* error (non-retryable) before anything
 * runs; a runtime failure becomes ERR_OPERATOR_INFERENCE.
 */
import { isAioracleError, runInference as sdkRunInference } from '@aioracle/sdk';
import { OperatorErrorCode, operatorError } from '../errors.js';
import type { LoadedModel } from './modelStore.js';

/** Runs `model` on canonical `input` and returns the canonical output bytes. */
export async function runInference(model: LoadedModel, input: Uint8Array): Promise<Uint8Array> {
  try {
    return await sdkRunInference(model, input);
  } catch (err) {
    if (isAioracleError(err, 'ERR_RUNTIME_INFERENCE') || isAioracleError(err, 'ERR_RUNTIME_MISSING')) {
      throw operatorError(OperatorErrorCode.Inference, err.message, { cause: err, details: { modelId: model.modelId } });
    }
    throw err;
  }
}
