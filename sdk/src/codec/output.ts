/**
 * Canonical output bytes (docs/encoding.md): version 0x01, uint32 LE batch, then every output in
 * manifest order, encoded by its manifest `encoding` (raw, fixed:<bits>, argmax, topk:<k>). These are
 * the bytes operators sign (outputHash) and the contract compares. Decoding validates everything it
 * can without the model (lengths, version, batch, index ranges, canonical NaN) and never returns a
 * value the bytes do not mean.
 */
import { ENCODING_HEADER_BYTES, MAX_OUTPUT_BYTES, OUTPUT_ENCODING_VERSION } from '../protocol/constants.js';
import type { Manifest, ManifestOutput } from '../manifest/schema.js';
import { readHeader, toBytes, writeHeader, type BytesInput } from './bytes.js';
import { DTYPE_INFO, allocTensorData, readElement, writeElement, type TensorData } from './dtype.js';
import { TensorErrorCode, tensorError } from './errors.js';
import { argmaxOf, fromFixedPoint, toFixedPoint, topkOf } from './fixedPoint.js';
import { concreteDims, fixedDims, hasBatchDim, outputRowBytes, outputRowElements, parseOutputEncoding, type OutputEncoding } from './layout.js';
import { checkElement, resolveTensor, type TensorValues } from './values.js';

/** One decoded output. */
export interface DecodedOutput {
  /** The manifest name. */
  name: string;
  /** The manifest encoding string (`raw`, `fixed:16`, `argmax`, `topk:3`). */
  encoding: string;
  /** The parsed encoding. */
  kind: OutputEncoding['kind'];
  /**
   * Dims of `data`: the output's dims for raw/fixed; without the last axis for argmax; with the last
   * axis replaced by k for topk.
   */
  dims: number[];
  /** raw: the output dtype's typed array; fixed/argmax/topk: Int32Array (fixed-point values or indices). */
  data: TensorData;
  /** fixed only: the values as floats (data[i] / 2^bits). */
  values?: Float64Array;
}

/** Decoded output bytes. */
export interface DecodedOutputs {
  /** The version byte. */
  version: number;
  /** The batch size from the header. */
  batch: number;
  /** Outputs in manifest order. */
  outputs: DecodedOutput[];
  /** The same outputs by name. */
  byName: Record<string, DecodedOutput>;
}

/** Options for encodeOutput. */
export interface EncodeOutputOptions {
  /** The batch of the input these outputs answer; an error when the outputs hold another. */
  batch?: number;
}

function encodingOf(o: ManifestOutput): OutputEncoding {
  const enc = parseOutputEncoding(o.encoding);
  if (enc === undefined) return tensorError(TensorErrorCode.Malformed, `Output "${o.name}" has encoding "${o.encoding}"; validate the manifest first`, {});
  return enc;
}

/** Bytes of canonical output for a batch (header included). */
export function outputByteLength(manifest: Manifest, batch: number): number {
  return ENCODING_HEADER_BYTES + batch * manifest.outputs.reduce((a, o) => a + outputRowBytes(o, encodingOf(o)), 0);
}

function checkBatch(manifest: Manifest, batch: number): void {
  const batched = manifest.outputs.some((o) => hasBatchDim(o.shape));
  if ((!batched && batch !== 1) || batch < 1 || batch > manifest.maxBatch) {
    tensorError(TensorErrorCode.Batch, `Output batch is ${batch}; model ${manifest.name} allows ${batched ? `1..${manifest.maxBatch}` : 'only 1 (no batch dimension)'}`, { batch });
  }
}

/**
 * Encodes model outputs (onnxruntime tensors or plain values, by manifest name) into canonical
 * output bytes. Outputs the manifest does not declare are ignored (a graph may have extra outputs).
 * Throws ERR_TENSOR_* for a missing output, wrong dims/type, NaN under fixed/argmax/topk, or a batch
 * that differs from `options.batch`.
 * @example encodeOutput(manifest, await session.run(feeds), { batch: decoded.batch })
 */
export function encodeOutput(manifest: Manifest, outputsByName: Readonly<Record<string, TensorValues>>, options: EncodeOutputOptions = {}): Uint8Array {
  let batch = options.batch;
  const resolved = manifest.outputs.map((decl) => {
    const value = Object.prototype.hasOwnProperty.call(outputsByName, decl.name) ? outputsByName[decl.name] : undefined;
    if (value === undefined) tensorError(TensorErrorCode.Missing, `Output "${decl.name}" of model ${manifest.name} is missing`, { tensor: decl.name });
    const r = resolveTensor(decl, value, 'output');
    if (batch === undefined) batch = r.batch;
    else if (r.batch !== batch) {
      tensorError(TensorErrorCode.Batch, `Output "${decl.name}" holds a batch of ${r.batch}; expected ${batch}`, { tensor: decl.name, batch: r.batch });
    }
    return { decl, enc: encodingOf(decl), values: r.values };
  });
  const b = batch as number;
  checkBatch(manifest, b);
  const total = outputByteLength(manifest, b);
  if (total > MAX_OUTPUT_BYTES) tensorError(TensorErrorCode.TooLarge, `Output is ${total} bytes; the protocol cap is ${MAX_OUTPUT_BYTES}`, { bytes: total });

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  writeHeader(view, OUTPUT_ENCODING_VERSION, b);
  let off = ENCODING_HEADER_BYTES;
  for (const { decl, enc, values } of resolved) {
    const label = `output "${decl.name}"`;
    switch (enc.kind) {
      case 'raw': {
        const width = DTYPE_INFO[decl.dtype].bytes;
        const integer = DTYPE_INFO[decl.dtype].integer;
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          let w: number | bigint;
          if (integer) w = checkElement(decl.dtype, v, label, i);
          else if (typeof v === 'number') w = v; // NaN is written as the canonical quiet NaN; ±Infinity as is
          else return tensorError(TensorErrorCode.Value, `${label}[${i}] must be a number (${decl.dtype})`, { tensor: decl.name, index: i });
          writeElement(view, off, decl.dtype, w);
          off += width;
        }
        break;
      }
      case 'fixed':
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (typeof v !== 'number') tensorError(TensorErrorCode.Value, `${label}[${i}] must be a number for ${decl.encoding}`, { index: i });
          if (Number.isNaN(v)) tensorError(TensorErrorCode.Value, `${label}[${i}] is NaN; ${decl.encoding} cannot encode NaN`, { tensor: decl.name, index: i });
          view.setInt32(off, toFixedPoint(v, enc.bits), true);
          off += 4;
        }
        break;
      case 'argmax':
      case 'topk': {
        const dims = fixedDims(decl.shape);
        const last = dims[dims.length - 1] as number;
        const vectors = values.length / last;
        for (let r = 0; r < vectors; r++) {
          const idx = enc.kind === 'argmax' ? [argmaxOf(values, r * last, last, label)] : topkOf(values, r * last, last, enc.k, label);
          for (const i of idx) {
            view.setInt32(off, i, true);
            off += 4;
          }
        }
        break;
      }
    }
  }
  return out;
}

/**
 * Decodes canonical output bytes for a manifest. Rejects a wrong version, bad batch, truncated or
 * trailing bytes, argmax/topk indices outside the ranked axis or repeated within a top-k, and
 * non-canonical NaN bit patterns in raw float outputs. Throws ERR_TENSOR_*.
 */
export function decodeOutput(manifest: Manifest, input: BytesInput): DecodedOutputs {
  const bytes = toBytes(input, 'Output bytes');
  if (bytes.length > MAX_OUTPUT_BYTES) tensorError(TensorErrorCode.TooLarge, `Output is ${bytes.length} bytes; the protocol cap is ${MAX_OUTPUT_BYTES}`, { bytes: bytes.length });
  const { version, batch } = readHeader(bytes, OUTPUT_ENCODING_VERSION, 'Output bytes');
  checkBatch(manifest, batch);
  const expected = outputByteLength(manifest, batch);
  if (bytes.length < expected) tensorError(TensorErrorCode.Truncated, `Output is ${bytes.length} bytes; batch ${batch} of model ${manifest.name} needs ${expected}`, { bytes: bytes.length, expected });
  if (bytes.length > expected) tensorError(TensorErrorCode.Trailing, `Output is ${bytes.length} bytes; batch ${batch} of model ${manifest.name} needs exactly ${expected}`, { bytes: bytes.length, expected });

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = ENCODING_HEADER_BYTES;
  const outputs = manifest.outputs.map((decl): DecodedOutput => {
    const enc = encodingOf(decl);
    const n = outputRowElements(decl, enc) * batch;
    const full = concreteDims(decl.shape, batch);
    if (enc.kind === 'raw') {
      const data = allocTensorData(decl.dtype, n);
      const width = DTYPE_INFO[decl.dtype].bytes;
      for (let i = 0; i < n; i++) {
        const v = readElement(view, off, decl.dtype);
        if (typeof v === 'number' && Number.isNaN(v)) {
          const canonical = decl.dtype === 'float32' ? view.getUint32(off, true) === 0x7fc00000 : view.getBigUint64(off, true) === 0x7ff8000000000000n;
          if (!canonical) tensorError(TensorErrorCode.Value, `Output "${decl.name}"[${i}] is a non-canonical NaN`, { tensor: decl.name, index: i });
        }
        (data as unknown as { [k: number]: number | bigint })[i] = v;
        off += width;
      }
      return { name: decl.name, encoding: decl.encoding, kind: enc.kind, dims: full, data };
    }
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      data[i] = view.getInt32(off, true);
      off += 4;
    }
    if (enc.kind === 'fixed') {
      const values = Float64Array.from(data, (v) => fromFixedPoint(v, enc.bits));
      return { name: decl.name, encoding: decl.encoding, kind: enc.kind, dims: full, data, values };
    }
    const last = full[full.length - 1] as number;
    const per = enc.kind === 'argmax' ? 1 : enc.k;
    for (let r = 0; r < n / per; r++) {
      const seen = new Set<number>();
      for (let j = 0; j < per; j++) {
        const i = r * per + j;
        const v = data[i] as number;
        if (v < 0 || v >= last || seen.has(v)) {
          tensorError(TensorErrorCode.Value, `Output "${decl.name}"[${i}] = ${v} is not a ${seen.has(v) ? 'distinct ' : ''}index into the last axis (0..${last - 1})`, { tensor: decl.name, index: i });
        }
        seen.add(v);
      }
    }
    const dims = enc.kind === 'argmax' ? full.slice(0, -1) : [...full.slice(0, -1), enc.k];
    return { name: decl.name, encoding: decl.encoding, kind: enc.kind, dims, data };
  });
  return { version, batch, outputs, byName: Object.fromEntries(outputs.map((o) => [o.name, o])) };
}

/**
 * The int32 elements after the 5-byte header, little-endian: the contract's view of any output
 * (tolerance checks, feed answers). Checks the version and that the body is a whole number of
 * int32s; needs no manifest. Throws ERR_TENSOR_*.
 */
export function outputElementsInt32(input: BytesInput): Int32Array {
  const bytes = toBytes(input, 'Output bytes');
  if (bytes.length > MAX_OUTPUT_BYTES) tensorError(TensorErrorCode.TooLarge, `Output is ${bytes.length} bytes; the protocol cap is ${MAX_OUTPUT_BYTES}`, { bytes: bytes.length });
  readHeader(bytes, OUTPUT_ENCODING_VERSION, 'Output bytes');
  const body = bytes.length - ENCODING_HEADER_BYTES;
  if (body % 4 !== 0) tensorError(TensorErrorCode.Truncated, `Output body is ${body} bytes, not a whole number of int32 elements`, { bytes: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(body / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(ENCODING_HEADER_BYTES + 4 * i, true);
  return out;
}

/** The int32 element at `index` (a feed's answer); ERR_TENSOR_VALUE when out of range. */
export function outputElementInt32(input: BytesInput, index: number): number {
  const els = outputElementsInt32(input);
  const v = Number.isInteger(index) ? els[index] : undefined;
  if (v === undefined) tensorError(TensorErrorCode.Value, `Output element ${index} does not exist (the output has ${els.length})`, { index, length: els.length });
  return v;
}

/** Helper for docs and callers: elements of one batch row of an output declaration. */
export function outputElementsPerRow(decl: ManifestOutput): number {
  return outputRowElements(decl, encodingOf(decl));
}
