/**
 * Sizes and shapes derived from a manifest's tensor declarations: how many elements and bytes one
 * batch row of each input and output takes on the wire. Shared by manifest validation (size caps)
 * and the codecs, so the two can never disagree.
 */
import { DTYPE_INFO, type Dtype } from './dtype.js';

/** The batch marker allowed as the first dimension of a shape. */
export const BATCH_DIM = 'batch';

/** A manifest shape: fixed positive dims, optionally led by the batch marker. */
export type Shape = readonly (number | typeof BATCH_DIM)[];

/** A parsed output encoding. */
export type OutputEncoding =
  | { readonly kind: 'raw' }
  | { readonly kind: 'fixed'; readonly bits: number }
  | { readonly kind: 'argmax' }
  | { readonly kind: 'topk'; readonly k: number };

/** Grammar of the manifest's `encoding` string (canonical decimals: no sign, no leading zeros). */
export const ENCODING_REGEX = /^(raw|argmax|fixed:(0|[1-9][0-9]?)|topk:([1-9][0-9]{0,5}))$/;

/** Largest `fixed:<bits>` (2^31 already saturates any |x| >= 1). */
export const MAX_FIXED_BITS = 31;

/** Parses `raw` / `fixed:<bits>` / `argmax` / `topk:<k>`; undefined when the string is not one. */
export function parseOutputEncoding(encoding: string): OutputEncoding | undefined {
  const m = ENCODING_REGEX.exec(encoding);
  if (m === null) return undefined;
  if (encoding === 'raw') return { kind: 'raw' };
  if (encoding === 'argmax') return { kind: 'argmax' };
  if (m[2] !== undefined) {
    const bits = Number(m[2]);
    return bits <= MAX_FIXED_BITS ? { kind: 'fixed', bits } : undefined;
  }
  return { kind: 'topk', k: Number(m[3]) };
}

/** True when the shape starts with the batch marker. */
export function hasBatchDim(shape: Shape): boolean {
  return shape[0] === BATCH_DIM;
}

/** The fixed dims (the shape without its batch marker). */
export function fixedDims(shape: Shape): number[] {
  return (hasBatchDim(shape) ? shape.slice(1) : shape) as number[];
}

/** Elements in one batch row (product of the fixed dims; 1 for a scalar). */
export function rowElements(shape: Shape): number {
  return fixedDims(shape).reduce((a, b) => a * b, 1);
}

/** The concrete dims for a given batch (the batch marker replaced by `batch`). */
export function concreteDims(shape: Shape, batch: number): number[] {
  return hasBatchDim(shape) ? [batch, ...fixedDims(shape)] : fixedDims(shape);
}

/** Bytes one batch row of an input occupies on the wire. */
export function inputRowBytes(input: { dtype: Dtype; shape: Shape }): number {
  return rowElements(input.shape) * DTYPE_INFO[input.dtype].bytes;
}

/**
 * Elements one batch row of an output occupies in the canonical output: the tensor's elements for
 * `raw` and `fixed`, one index per last-axis vector for `argmax`, k per vector for `topk`.
 */
export function outputRowElements(output: { shape: Shape }, encoding: OutputEncoding): number {
  const elems = rowElements(output.shape);
  const dims = fixedDims(output.shape);
  const last = dims[dims.length - 1] ?? 1;
  switch (encoding.kind) {
    case 'raw':
    case 'fixed':
      return elems;
    case 'argmax':
      return elems / last;
    case 'topk':
      return (elems / last) * encoding.k;
  }
}

/** Bytes one batch row of an output occupies on the wire. */
export function outputRowBytes(output: { dtype: Dtype; shape: Shape }, encoding: OutputEncoding): number {
  const width = encoding.kind === 'raw' ? DTYPE_INFO[output.dtype].bytes : 4;
  return outputRowElements(output, encoding) * width;
}
