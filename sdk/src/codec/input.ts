/**
 * Canonical input bytes (docs/encoding.md): version 0x01, uint32 LE batch, then every input tensor in
 * manifest order, row-major, elements little-endian in the manifest dtype. The client encodes them
 * and the chain carries them; operators decode them into onnxruntime-ready typed arrays. Any byte
 * string that is not exactly one valid encoding is rejected with ERR_TENSOR_*.
 */
import { ENCODING_HEADER_BYTES, INPUT_ENCODING_VERSION, MAX_INPUT_BYTES } from '../protocol/constants.js';
import type { Manifest } from '../manifest/schema.js';
import { readHeader, toBytes, writeHeader, type BytesInput } from './bytes.js';
import { DTYPE_INFO, allocTensorData, readElement, writeElement, type Dtype, type DtypeArrayMap } from './dtype.js';
import { TensorErrorCode, tensorError } from './errors.js';
import { concreteDims, hasBatchDim, inputRowBytes, rowElements } from './layout.js';
import { checkElement, resolveTensor, type TensorValues } from './values.js';

/** A decoded tensor, ready for `new ort.Tensor(type, data, dims)`. */
export interface DecodedTensor<D extends Dtype = Dtype> {
  /** The manifest name (the ONNX graph input name). */
  name: string;
  /** The dtype (onnxruntime's type string). */
  type: D;
  /** Concrete dims, batch included when the model has a batch dimension. */
  dims: number[];
  /** Row-major elements in the typed array onnxruntime expects. */
  data: DtypeArrayMap[D];
}

/** Decoded input bytes. */
export interface DecodedInput {
  /** The version byte. */
  version: number;
  /** The batch size from the header (1 for a model without a batch dimension). */
  batch: number;
  /** Tensors in manifest order. */
  tensors: DecodedTensor[];
  /** The same tensors by name. */
  byName: Record<string, DecodedTensor>;
}

/** Options for encodeInput. */
export interface EncodeInputOptions {
  /** The expected batch; an error when the tensors imply another. */
  batch?: number;
}

function checkBatch(manifest: Manifest, batch: number, what: string): void {
  const batched = manifest.inputs.some((t) => hasBatchDim(t.shape));
  if (!batched && batch !== 1) {
    tensorError(TensorErrorCode.Batch, `${what} batch is ${batch}; model ${manifest.name} has no batch dimension, so it must be 1`, { batch });
  }
  if (batch < 1 || batch > manifest.maxBatch) {
    tensorError(TensorErrorCode.Batch, `${what} batch is ${batch}; model ${manifest.name} accepts 1..${manifest.maxBatch}`, { batch, maxBatch: manifest.maxBatch });
  }
}

/** Bytes of canonical input for a batch (header included). */
export function inputByteLength(manifest: Manifest, batch: number): number {
  return ENCODING_HEADER_BYTES + batch * manifest.inputs.reduce((a, t) => a + inputRowBytes(t), 0);
}

/**
 * The largest input `manifest` accepts: its `maxInputBytes` (inputs by reference), else the calldata
 * cap MAX_INPUT_BYTES (encoding.md).
 */
export function inputCapOf(manifest: Pick<Manifest, 'maxInputBytes'>): number {
  return manifest.maxInputBytes ?? MAX_INPUT_BYTES;
}

/**
 * Encodes input tensors, given by manifest name, into canonical input bytes. Validates every
 * element (integers whole and in range, floats finite), every shape, the batch (same for all
 * inputs, 1..maxBatch) and the size cap. Throws ERR_TENSOR_*.
 * @example encodeInput(manifest, { x: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]] })
 */
export function encodeInput(manifest: Manifest, tensorsByName: Readonly<Record<string, TensorValues>>, options: EncodeInputOptions = {}): Uint8Array {
  const declared = new Set(manifest.inputs.map((t) => t.name));
  for (const name of Object.keys(tensorsByName)) {
    if (!declared.has(name)) {
      tensorError(TensorErrorCode.Unknown, `Input "${name}" is not declared by model ${manifest.name} (inputs: ${[...declared].join(', ')})`, { tensor: name });
    }
  }
  let batch = options.batch;
  const resolved = manifest.inputs.map((decl) => {
    const value = Object.prototype.hasOwnProperty.call(tensorsByName, decl.name) ? tensorsByName[decl.name] : undefined;
    if (value === undefined) tensorError(TensorErrorCode.Missing, `Input "${decl.name}" of model ${manifest.name} is missing`, { tensor: decl.name });
    const r = resolveTensor(decl, value, 'input');
    if (batch === undefined) batch = r.batch;
    else if (r.batch !== batch) {
      tensorError(TensorErrorCode.Batch, `Input "${decl.name}" holds a batch of ${r.batch}; expected ${batch} (every input carries the same batch)`, { tensor: decl.name, batch: r.batch });
    }
    return { decl, values: r.values };
  });
  const b = batch as number;
  checkBatch(manifest, b, 'Input');
  const total = inputByteLength(manifest, b);
  const cap = inputCapOf(manifest);
  if (total > cap) tensorError(TensorErrorCode.TooLarge, `Input is ${total} bytes; the model's cap is ${cap}`, { bytes: total });

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  writeHeader(view, INPUT_ENCODING_VERSION, b);
  let off = ENCODING_HEADER_BYTES;
  for (const { decl, values } of resolved) {
    const width = DTYPE_INFO[decl.dtype].bytes;
    const label = `input "${decl.name}"`;
    for (let i = 0; i < values.length; i++) {
      writeElement(view, off, decl.dtype, checkElement(decl.dtype, values[i], label, i));
      off += width;
    }
  }
  return out;
}

/**
 * Decodes canonical input bytes (Uint8Array or 0x-hex) for a manifest into typed arrays and dims.
 * Rejects a wrong version, a batch of 0, over maxBatch or not 1 for an unbatched model, truncated
 * or trailing bytes, oversize input, and NaN/Infinity in float tensors. Throws ERR_TENSOR_*.
 */
export function decodeInput(manifest: Manifest, input: BytesInput): DecodedInput {
  const bytes = toBytes(input, 'Input bytes');
  const cap = inputCapOf(manifest);
  if (bytes.length > cap) tensorError(TensorErrorCode.TooLarge, `Input is ${bytes.length} bytes; the model's cap is ${cap}`, { bytes: bytes.length });
  const { version, batch } = readHeader(bytes, INPUT_ENCODING_VERSION, 'Input bytes');
  checkBatch(manifest, batch, 'Input');
  const expected = inputByteLength(manifest, batch);
  if (bytes.length < expected) tensorError(TensorErrorCode.Truncated, `Input is ${bytes.length} bytes; batch ${batch} of model ${manifest.name} needs ${expected}`, { bytes: bytes.length, expected });
  if (bytes.length > expected) tensorError(TensorErrorCode.Trailing, `Input is ${bytes.length} bytes; batch ${batch} of model ${manifest.name} needs exactly ${expected}`, { bytes: bytes.length, expected });

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = ENCODING_HEADER_BYTES;
  const tensors: DecodedTensor[] = manifest.inputs.map((decl) => {
    const n = rowElements(decl.shape) * batch;
    const data = allocTensorData(decl.dtype, n);
    const width = DTYPE_INFO[decl.dtype].bytes;
    const float = !DTYPE_INFO[decl.dtype].integer;
    for (let i = 0; i < n; i++) {
      const v = readElement(view, off, decl.dtype);
      if (float && !Number.isFinite(v)) {
        tensorError(TensorErrorCode.Value, `Input "${decl.name}"[${i}] is ${String(v)}; ${decl.dtype} inputs must be finite`, { tensor: decl.name, index: i });
      }
      (data as unknown as { [k: number]: number | bigint })[i] = v;
      off += width;
    }
    return { name: decl.name, type: decl.dtype, dims: concreteDims(decl.shape, batch), data };
  });
  return { version, batch, tensors, byName: Object.fromEntries(tensors.map((t) => [t.name, t])) };
}
