/**
 * One inference, as operators and auditors run it: canonical input bytes → tensors → session.run
 * → canonical output bytes (the sdk codec). Malformed input is an ERR_TENSOR_* error before
 * anything runs; a runtime failure is ERR_RUNTIME_INFERENCE.
 */
import { decodeInput } from '../codec/input.js';
import { encodeOutput } from '../codec/output.js';
import type { TensorValues } from '../codec/values.js';
import type { Manifest } from '../manifest/schema.js';
import { RuntimeErrorCode, runtimeError } from './errors.js';
import { runtimeFor, type InferenceSessionLike } from './ort.js';

/** What {@link runInference} needs: the manifest and a session created from it. */
export interface RunnableModel {
  /** For error messages (0x modelId or a name). */
  modelId: string;
  manifest: Manifest;
  session: InferenceSessionLike;
}

/**
 * Runs `model` on canonical `input` and returns the canonical output bytes.
 * @example const output = await runInference(await loadModelDir('config/models/liquidation-risk'), inputBytes)
 */
export async function runInference(model: RunnableModel, input: Uint8Array): Promise<Uint8Array> {
  const decoded = decodeInput(model.manifest, input);
  const ort = await runtimeFor(model.manifest);
  const feeds: Record<string, unknown> = {};
  for (const t of decoded.tensors) feeds[t.name] = new ort.Tensor(t.type, t.data, t.dims);
  let out: Awaited<ReturnType<InferenceSessionLike['run']>>;
  try {
    out = await model.session.run(feeds);
  } catch (cause) {
    throw runtimeError(RuntimeErrorCode.Inference, `onnxruntime failed to run model ${model.modelId}`, { cause, details: { modelId: model.modelId } });
  }
  return encodeOutput(model.manifest, out as Record<string, TensorValues>, { batch: decoded.batch });
}
