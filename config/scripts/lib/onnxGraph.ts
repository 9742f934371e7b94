/**
 * A minimal, deterministic ONNX graph writer on top of `onnx-proto` (protobufjs).
 *
 * Why a hand-written builder: the build must run without Python and must give byte-identical files
 * on every run. protobufjs encodes fields in declaration order and we never set anything that
 * depends on time, host or locale (no timestamps, no random node names), so the same graph object
 * always encodes to the same bytes. Tensors are stored as little-endian `raw_data`.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types used by the demo models (values of `TensorProto.DataType`). */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
} as const;

/** One of the element types in {@link DataType}. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** A tensor dimension: a fixed size, or a symbolic name (the batch dimension). */
export type Dim = number | string;

/** A typed value (graph input, output or intermediate) with its element type and shape. */
export interface ValueSpec {
  name: string;
  dataType: DataTypeCode;
  shape: readonly Dim[];
}

/** A constant tensor stored in the graph (weights, biases, scalar constants). */
export interface InitializerSpec {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  /** Element values; integers for integer types, converted to the element type exactly. */
  values: readonly number[];
}

/** A scalar or list attribute of a node. */
export type AttributeValue = { kind: 'int'; value: number } | { kind: 'ints'; value: readonly number[] } | { kind: 'float'; value: number };

/** One operator node. */
export interface NodeSpec {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Everything needed to encode a model. */
export interface ModelSpec {
  graphName: string;
  docString: string;
  opset: number;
  irVersion: number;
  producerVersion: string;
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  /** Types of intermediate values, recorded so auditors (and tests) can check every tensor's type. */
  valueInfo: readonly ValueSpec[];
  initializers: readonly InitializerSpec[];
  nodes: readonly NodeSpec[];
  /** Free-form metadata stored in `metadata_props`, in the given order. */
  metadata: readonly (readonly [string, string])[];
}

/** Encodes element values as little-endian bytes of the given element type, checking range. */
export function encodeRaw(dataType: DataTypeCode, values: readonly number[]): Uint8Array {
  const n = values.length;
  switch (dataType) {
    case DataType.FLOAT: {
      const buf = new ArrayBuffer(n * 4);
      const view = new DataView(buf);
      values.forEach((v, i) => view.setFloat32(i * 4, v, true));
      return new Uint8Array(buf);
    }
    case DataType.INT8:
    case DataType.UINT8: {
      const [lo, hi] = dataType === DataType.INT8 ? [-128, 127] : [0, 255];
      const out = new Uint8Array(n);
      values.forEach((v, i) => {
        if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`value ${v} at ${i} is not a valid ${dataType === DataType.INT8 ? 'int8' : 'uint8'}`);
        out[i] = v & 0xff;
      });
      return out;
    }
    case DataType.INT32: {
      const buf = new ArrayBuffer(n * 4);
      const view = new DataView(buf);
      values.forEach((v, i) => {
        if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`value ${v} at ${i} is not a valid int32`);
        view.setInt32(i * 4, v, true);
      });
      return new Uint8Array(buf);
    }
    case DataType.INT64: {
      const buf = new ArrayBuffer(n * 8);
      const view = new DataView(buf);
      values.forEach((v, i) => {
        if (!Number.isSafeInteger(v)) throw new RangeError(`value ${v} at ${i} is not a safe integer`);
        view.setBigInt64(i * 8, BigInt(v), true);
      });
      return new Uint8Array(buf);
    }
  }
}

function valueInfo(v: ValueSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.dataType,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, a: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
  }
}

/** Encodes a model to ONNX protobuf bytes. Same spec in, same bytes out. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: spec.irVersion,
    opsetImport: [{ domain: '', version: spec.opset }],
    producerName: 'aioracle-build-models',
    producerVersion: spec.producerVersion,
    docString: spec.docString,
    graph: {
      name: spec.graphName,
      node: spec.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attributes ?? {})
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => attribute(k, v)),
      })),
      initializer: spec.initializers.map((t) => ({
        name: t.name,
        dataType: t.dataType,
        dims: [...t.dims],
        rawData: encodeRaw(t.dataType, t.values),
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      valueInfo: spec.valueInfo.map(valueInfo),
    },
    metadataProps: spec.metadata.map(([key, value]) => ({ key, value })),
  };
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`invalid ONNX model object: ${err}`);
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes ONNX bytes (for tests and audits). */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** A plain, fully typed summary of a decoded model, for audits: what ops, which types, which data. */
export interface GraphSummary {
  opsets: { domain: string; version: number }[];
  nodes: { name: string; opType: string; inputs: string[]; outputs: string[]; intAttributes: Record<string, number> }[];
  initializers: { name: string; dataType: number; dims: number[]; rawBytes: number; typedFields: boolean }[];
  /** Declared element types of graph inputs, outputs and intermediate values. */
  values: { name: string; kind: 'input' | 'output' | 'value'; elemType: number }[];
}

/** Decodes ONNX bytes into a {@link GraphSummary}. */
export function summariseModel(bytes: Uint8Array): GraphSummary {
  const m = decodeModel(bytes);
  const g = m.graph ?? {};
  const value = (kind: 'input' | 'output' | 'value') => (v: onnxProto.onnx.IValueInfoProto) => ({ name: v.name ?? '', kind, elemType: v.type?.tensorType?.elemType ?? 0 });
  return {
    opsets: (m.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version ?? 0) })),
    nodes: (g.node ?? []).map((n) => ({
      name: n.name ?? '',
      opType: n.opType ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      intAttributes: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', Number(a.i ?? 0)])),
    })),
    initializers: (g.initializer ?? []).map((t) => ({
      name: t.name ?? '',
      dataType: t.dataType ?? 0,
      dims: (t.dims ?? []).map(Number),
      rawBytes: t.rawData?.length ?? 0,
      typedFields: [t.floatData, t.int32Data, t.int64Data, t.doubleData, t.uint64Data].some((f) => (f?.length ?? 0) > 0),
    })),
    values: [...(g.input ?? []).map(value('input')), ...(g.output ?? []).map(value('output')), ...(g.valueInfo ?? []).map(value('value'))],
  };
}
