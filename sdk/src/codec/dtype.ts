/**
 * Tensor element types: the manifest's dtype names (the same strings onnxruntime uses for
 * `Tensor.type`), their byte widths, integer ranges and typed-array classes. Every multi-byte
 * element is little-endian on the wire, whatever the host's byte order.
 */

/** Element types a manifest may name, in onnxruntime's spelling. */
export const DTYPES = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'] as const;

/** One of DTYPES. */
export type Dtype = (typeof DTYPES)[number];

/** The typed array onnxruntime expects for each dtype. */
export interface DtypeArrayMap {
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** Any typed array a decoded tensor may hold. */
export type TensorData = DtypeArrayMap[Dtype];

/** Static facts about a dtype. */
export interface DtypeInfo {
  /** Bytes per element on the wire. */
  readonly bytes: 1 | 2 | 4 | 8;
  /** Integer type (values must be whole numbers in [min, max]). */
  readonly integer: boolean;
  /** Elements are JavaScript bigints (int64, uint64). */
  readonly big: boolean;
  /** Smallest value (integers only). */
  readonly min: bigint;
  /** Largest value (integers only). */
  readonly max: bigint;
}

const int = (bytes: 1 | 2 | 4 | 8, signed: boolean): DtypeInfo => {
  const bits = BigInt(bytes * 8);
  return {
    bytes,
    integer: true,
    big: bytes === 8,
    min: signed ? -(1n << (bits - 1n)) : 0n,
    max: signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n,
  };
};

/** Facts for every dtype. */
export const DTYPE_INFO: Readonly<Record<Dtype, DtypeInfo>> = {
  int8: int(1, true),
  uint8: int(1, false),
  int16: int(2, true),
  uint16: int(2, false),
  int32: int(4, true),
  uint32: int(4, false),
  int64: int(8, true),
  uint64: int(8, false),
  float32: { bytes: 4, integer: false, big: false, min: 0n, max: 0n },
  float64: { bytes: 8, integer: false, big: false, min: 0n, max: 0n },
};

/** True for the integer dtypes (the only ones allowed in `exact-int` models). */
export function isIntegerDtype(dtype: Dtype): boolean {
  return DTYPE_INFO[dtype].integer;
}

/** A new zero-filled typed array of `length` elements for `dtype`. */
export function allocTensorData<D extends Dtype>(dtype: D, length: number): DtypeArrayMap[D] {
  switch (dtype) {
    case 'int8': return new Int8Array(length) as DtypeArrayMap[D];
    case 'uint8': return new Uint8Array(length) as DtypeArrayMap[D];
    case 'int16': return new Int16Array(length) as DtypeArrayMap[D];
    case 'uint16': return new Uint16Array(length) as DtypeArrayMap[D];
    case 'int32': return new Int32Array(length) as DtypeArrayMap[D];
    case 'uint32': return new Uint32Array(length) as DtypeArrayMap[D];
    case 'int64': return new BigInt64Array(length) as DtypeArrayMap[D];
    case 'uint64': return new BigUint64Array(length) as DtypeArrayMap[D];
    case 'float32': return new Float32Array(length) as DtypeArrayMap[D];
    case 'float64': return new Float64Array(length) as DtypeArrayMap[D];
    default: throw new Error(`unreachable dtype ${String(dtype)}`);
  }
}

/**
 * Writes one element little-endian. The value must already be validated for the dtype (integers
 * in range; bigints for 64-bit types). NaN is written as the canonical quiet NaN so that no
 * payload bits leak host differences into signed bytes.
 */
export function writeElement(view: DataView, offset: number, dtype: Dtype, value: number | bigint): void {
  switch (dtype) {
    case 'int8': view.setInt8(offset, Number(value)); return;
    case 'uint8': view.setUint8(offset, Number(value)); return;
    case 'int16': view.setInt16(offset, Number(value), true); return;
    case 'uint16': view.setUint16(offset, Number(value), true); return;
    case 'int32': view.setInt32(offset, Number(value), true); return;
    case 'uint32': view.setUint32(offset, Number(value), true); return;
    case 'int64': view.setBigInt64(offset, BigInt(value), true); return;
    case 'uint64': view.setBigUint64(offset, BigInt(value), true); return;
    case 'float32':
      if (Number.isNaN(Number(value))) view.setUint32(offset, 0x7fc00000, true);
      else view.setFloat32(offset, Number(value), true);
      return;
    case 'float64':
      if (Number.isNaN(Number(value))) view.setBigUint64(offset, 0x7ff8000000000000n, true);
      else view.setFloat64(offset, Number(value), true);
      return;
    default: throw new Error(`unreachable dtype ${String(dtype)}`);
  }
}

/** Reads one little-endian element (bigint for 64-bit integer types). */
export function readElement(view: DataView, offset: number, dtype: Dtype): number | bigint {
  switch (dtype) {
    case 'int8': return view.getInt8(offset);
    case 'uint8': return view.getUint8(offset);
    case 'int16': return view.getInt16(offset, true);
    case 'uint16': return view.getUint16(offset, true);
    case 'int32': return view.getInt32(offset, true);
    case 'uint32': return view.getUint32(offset, true);
    case 'int64': return view.getBigInt64(offset, true);
    case 'uint64': return view.getBigUint64(offset, true);
    case 'float32': return view.getFloat32(offset, true);
    case 'float64': return view.getFloat64(offset, true);
    default: throw new Error(`unreachable dtype ${String(dtype)}`);
  }
}
