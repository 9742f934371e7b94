/**
 * Client-side model handling: finding a model in the models directory by id, name or name@version;
 * reading a request's input file and encoding it with the sdk codec (so a bad input is refused
 * before any transaction); and turning canonical output bytes into plain JSON values per the
 * manifest's output encodings.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { decodeInput, encodeInput } from '../codec/input.js';
import { decodeOutput } from '../codec/output.js';
import type { TensorValues } from '../codec/values.js';
import type { Manifest } from '../manifest/schema.js';
import { scanModels, type LocalModel } from '../runtime/modelFolder.js';
import { CliErrorCode, cliError } from './io.js';

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** The models in `dir` (none when dir is null or holds none). */
export function localModels(dir: string | null): LocalModel[] {
  return dir ? scanModels(dir) : [];
}

/** True when `ref` is a 0x bytes32 model id. */
export function isModelId(ref: string): boolean {
  return BYTES32.test(ref);
}

/**
 * The local model `ref` names: a 0x modelId, a manifest name (when only one version is present) or
 * name@version. ERR_MODEL_NOT_FOUND otherwise, listing what the directory holds.
 */
export function findLocalModel(dir: string | null, ref: string): LocalModel {
  const all = localModels(dir);
  const r = ref.toLowerCase();
  const hits = isModelId(ref)
    ? all.filter((m) => m.modelId === r)
    : all.filter((m) => m.manifest.name.toLowerCase() === r || `${m.manifest.name}@${m.manifest.version}`.toLowerCase() === r);
  if (hits.length === 1) return hits[0]!;
  const known = all.map((m) => `${m.manifest.name}@${m.manifest.version} (${m.modelId})`).join(', ') || 'none';
  if (hits.length > 1) throw cliError(CliErrorCode.ModelNotFound, `Model "${ref}" is ambiguous in ${dir}: use name@version or the model id (models: ${known})`);
  throw cliError(CliErrorCode.ModelNotFound, `Model "${ref}" is not in the models directory ${dir ?? '(none: pass --models-dir or set AIORACLE_MODELS_DIR)'}; its manifest is needed to validate the input (models: ${known})`);
}

/**
 * Reads a request input file and returns its canonical bytes for `manifest`. Accepted shapes:
 * `{"inputs": {"<tensor>": values, ...}}` (the models' sample-input.json), `{"<tensor>": values}`,
 * or `{"inputBytes": "0x…"}` (already canonical; decoded to check it). Values are nested arrays in
 * the manifest's shape (or flat). Throws ERR_INPUT_INVALID or the codec's ERR_TENSOR_*.
 */
export function readInputFile(path: string, manifest: Manifest): Uint8Array {
  if (path.endsWith('.bin')) return readBytesFile(path, manifest);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw cliError(CliErrorCode.Input, `Cannot read the input file ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw cliError(CliErrorCode.Input, `The input file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof json === 'object' && json !== null && typeof (json as { inputBytesFile?: unknown }).inputBytesFile === 'string') {
    // Large samples keep their canonical bytes in a file beside the JSON (config/models/text-direction).
    return readBytesFile(resolve(dirname(path), (json as { inputBytesFile: string }).inputBytesFile), manifest);
  }
  return encodeInputJson(json, manifest, path);
}

/** Canonical input bytes from a file (`.bin`), checked against the manifest. */
function readBytesFile(path: string, manifest: Manifest): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (cause) {
    throw cliError(CliErrorCode.Input, `Cannot read the input bytes file ${path}`, { cause });
  }
  decodeInput(manifest, bytes);
  return bytes;
}

/** {@link readInputFile} for an already parsed JSON value. */
export function encodeInputJson(json: unknown, manifest: Manifest, what = 'input'): Uint8Array {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw cliError(CliErrorCode.Input, `The ${what} must be a JSON object: {"inputs": {${manifest.inputs.map((t) => `"${t.name}": [...]`).join(', ')}}}`);
  }
  const o = json as Record<string, unknown>;
  if (o.inputs !== undefined) {
    if (typeof o.inputs !== 'object' || o.inputs === null || Array.isArray(o.inputs)) throw cliError(CliErrorCode.Input, `"inputs" in the ${what} must be an object of tensors by name`);
    return encodeInput(manifest, o.inputs as Record<string, TensorValues>);
  }
  if (typeof o.inputBytes === 'string') {
    decodeInput(manifest, o.inputBytes);
    return Uint8Array.from(Buffer.from(o.inputBytes.replace(/^0x/, ''), 'hex'));
  }
  return encodeInput(manifest, o as Record<string, TensorValues>);
}

type Nested = number | string | Nested[];

function nest(values: ArrayLike<number | bigint>, dims: readonly number[]): Nested {
  const flat = Array.from(values, (v) => (typeof v === 'bigint' ? v.toString() : v));
  if (dims.length === 0) return flat[0] ?? 0;
  const build = (off: number, d: number): Nested[] => {
    const n = dims[d]!;
    if (d === dims.length - 1) return flat.slice(off, off + n);
    const stride = dims.slice(d + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => build(off + i * stride, d + 1));
  };
  return build(0, 0);
}

/**
 * Canonical output bytes as JSON, one entry per manifest output: nested arrays shaped like the
 * decoded output (batch first). `fixed:<bits>` outputs give the real values (int / 2^bits),
 * `argmax`/`topk` the indices, `raw` the elements (64-bit integers as decimal strings).
 */
export function decodedOutputJson(manifest: Manifest, output: Uint8Array): Record<string, Nested> {
  const d = decodeOutput(manifest, output);
  const out: Record<string, Nested> = {};
  for (const o of d.outputs) out[o.name] = nest(o.values ?? o.data, o.dims);
  return out;
}
