/**
 * Turning what callers hand in (nested arrays, flat arrays, typed arrays, onnxruntime tensors) into
 * a flat element list plus a batch size checked against a manifest shape, and checking elements
 * against a dtype. Shared by the input and output encoders.
 */
import { DTYPE_INFO, type Dtype } from './dtype.js';
import { TensorErrorCode, tensorError } from './errors.js';
import { fixedDims, hasBatchDim, rowElements, type Shape } from './layout.js';

/** Nested arrays of numbers or bigints (row-major, outermost = first dimension). */
export type NestedValues = readonly (number | bigint | NestedValues)[];

/** Anything with a flat element list and dims: an onnxruntime Tensor, or a plain object. */
export interface DimsTensor {
  readonly data: ArrayLike<number | bigint>;
  readonly dims: readonly number[];
  /** onnxruntime's dtype string; checked against the manifest when present. */
  readonly type?: string;
}

/**
 * A tensor's values: a flat list (typed array or array; the batch is inferred from its length),
 * nested arrays (dims inferred and checked), or `{ data, dims }` (an onnxruntime Tensor fits).
 */
export type TensorValues = ArrayLike<number | bigint> | NestedValues | DimsTensor;

/** A flat element list and the batch it holds. */
export interface ResolvedTensor {
  values: ArrayLike<number | bigint>;
  batch: number;
}

function isDimsTensor(v: unknown): v is DimsTensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && 'data' in v && 'dims' in v;
}

function flattenNested(value: NestedValues, name: string): { values: (number | bigint)[]; dims: number[] } {
  const dims: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    dims.push(probe.length);
    probe = probe[0];
  }
  const out: (number | bigint)[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === dims.length) {
      if (Array.isArray(node)) tensorError(TensorErrorCode.Shape, `${name}${path} is nested deeper than its siblings`, { tensor: name });
      out.push(node as number | bigint);
      return;
    }
    if (!Array.isArray(node) || node.length !== dims[depth]) {
      tensorError(TensorErrorCode.Shape, `${name}${path} must be an array of ${String(dims[depth])} (the nested arrays are not rectangular)`, { tensor: name });
    }
    node.forEach((child: unknown, i: number) => walk(child, depth + 1, `${path}[${i}]`));
  };
  walk(value, 0, '');
  return { values: out, dims };
}

/**
 * Resolves caller values for one tensor declaration into a flat list and its batch.
 * `kind` names the tensor in messages ("input", "output").
 */
export function resolveTensor(decl: { name: string; dtype: Dtype; shape: Shape }, value: TensorValues, kind: string): ResolvedTensor {
  const label = `${kind} "${decl.name}"`;
  const per = rowElements(decl.shape);
  const batched = hasBatchDim(decl.shape);
  const fixed = fixedDims(decl.shape);
  const fixedText = JSON.stringify(decl.shape);

  let values: ArrayLike<number | bigint>;
  let dims: readonly number[] | undefined;
  if (isDimsTensor(value)) {
    if (value.type !== undefined && value.type !== decl.dtype) {
      tensorError(TensorErrorCode.Dtype, `${label} has type ${value.type}; the manifest says ${decl.dtype}`, { tensor: decl.name, type: value.type });
    }
    values = value.data;
    dims = Array.from(value.dims, Number);
  } else if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    const flat = flattenNested(value as NestedValues, label);
    values = flat.values;
    dims = flat.dims;
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    if (value instanceof DataView) tensorError(TensorErrorCode.Malformed, `${label} must be an array or typed array, not a DataView`, { tensor: decl.name });
    values = value as ArrayLike<number | bigint>;
  } else {
    return tensorError(TensorErrorCode.Malformed, `${label} must be an array, a typed array, nested arrays or { data, dims }`, { tensor: decl.name });
  }
  if (typeof values.length !== 'number') {
    tensorError(TensorErrorCode.Malformed, `${label} data must be array-like`, { tensor: decl.name });
  }

  let batch: number;
  if (dims !== undefined) {
    const expectRank = fixed.length + (batched ? 1 : 0);
    const tail = batched ? dims.slice(1) : dims;
    if (dims.length !== expectRank || tail.some((d, i) => d !== fixed[i])) {
      tensorError(TensorErrorCode.Shape, `${label} has dims ${JSON.stringify(dims)}; the manifest shape is ${fixedText}`, { tensor: decl.name, dims: [...dims] });
    }
    batch = batched ? (dims[0] as number) : 1;
    if (values.length !== batch * per) {
      tensorError(TensorErrorCode.Shape, `${label} has ${values.length} elements; dims ${JSON.stringify(dims)} need ${batch * per}`, { tensor: decl.name });
    }
  } else {
    if (values.length === 0 || values.length % per !== 0 || (!batched && values.length !== per)) {
      tensorError(TensorErrorCode.Shape, batched
        ? `${label} has ${values.length} elements; a batch of shape ${fixedText} needs a positive multiple of ${per}`
        : `${label} has ${values.length} elements; shape ${fixedText} needs exactly ${per}`, { tensor: decl.name, length: values.length });
    }
    batch = values.length / per;
  }
  return { values, batch };
}

/**
 * Checks one element for a dtype and returns it in the form writeElement takes. Integers must be
 * whole and in range (64-bit types: a bigint, or a safe integer); floats must be finite numbers
 * (float32: also finite after rounding to float32). Throws ERR_TENSOR_VALUE.
 */
export function checkElement(dtype: Dtype, v: unknown, label: string, index: number): number | bigint {
  const info = DTYPE_INFO[dtype];
  const bad = (why: string): never =>
    tensorError(TensorErrorCode.Value, `${label}[${index}] = ${typeof v === 'bigint' ? `${v}n` : String(v)} ${why}`, { index, dtype });
  if (info.integer) {
    let b: bigint;
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'number') {
      if (!Number.isInteger(v)) return bad(`is not an integer (${dtype})`);
      if (info.big && !Number.isSafeInteger(v)) return bad(`is beyond 2^53; pass ${dtype} values this large as bigints`);
      b = BigInt(v);
    } else return bad(`must be a number or bigint (${dtype})`);
    if (b < info.min || b > info.max) return bad(`is out of range for ${dtype} [${info.min}, ${info.max}]`);
    return info.big ? b : Number(b);
  }
  if (typeof v !== 'number') return bad(`must be a number (${dtype})`);
  if (!Number.isFinite(v)) return bad(`is not finite; ${dtype} tensors must not hold NaN or Infinity`);
  if (dtype === 'float32' && !Number.isFinite(Math.fround(v))) return bad('overflows float32');
  return v;
}
