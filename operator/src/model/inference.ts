/**
 * One inference: canonical input bytes → tensors → session.run → canonical output bytes (the sdk
 * codec). Malformed input is an ERR_TENSOR_* error (non-retryable) before anything runs.
 */
import { decodeInput, encodeOutput, type TensorValues } from '@aioracle/sdk';
import { OperatorErrorCode, operatorError } from '../errors.js';
import type { LoadedModel } from './modelStore.js';
import { runtimeFor } from './runtime.js';

/** Runs `model` on canonical `input` and returns the canonical output bytes. */
export async function runInference(model: LoadedModel, input: Uint8Array): Promise<Uint8Array> {
  const decoded = decodeInput(model.manifest, input);
  const ort = await runtimeFor(model.manifest);
  const feeds: Record<string, unknown> = {};
  for (const t of decoded.tensors) feeds[t.name] = new ort.Tensor(t.type, t.data, t.dims);
  let out: Awaited<ReturnType<LoadedModel['session']['run']>>;
  try {
    out = await model.session.run(feeds);
  } catch (cause) {
    throw operatorError(OperatorErrorCode.Inference, `onnxruntime failed to run model ${model.modelId}`, { cause, details: { modelId: model.modelId } });
  }
  return encodeOutput(model.manifest, out as Record<string, TensorValues>, { batch: decoded.batch });
}
