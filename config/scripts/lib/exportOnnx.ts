/**
 * ONNX graphs for the two liquidation-risk models:
 * - the integer-only graph of the quantised network (`exact-int` profile), and
 * - the float32 graph of the trained network with a softmax head (`exact-wasm` profile).
 *
 * Opset 17 and IR version 8: well inside what onnxruntime 1.30 (node and web) supports, and every
 * op used is registered for the dtypes used on the CPU and wasm builds (checked by the tests).
 */
import { DataType, type InitializerSpec, type ModelSpec, type NodeSpec, type ValueSpec } from './onnxGraph.js';
import type { Mlp } from './mlp.js';
import type { IntMlp } from './quantize.js';
import { pow2 } from './detMath.js';

/** Opset of both graphs. */
export const OPSET = 17;
/** IR version of both graphs. */
export const IR_VERSION = 8;
/** The symbolic batch dimension. */
export const BATCH = 'batch';

/** Ops the integer graph may contain; anything else fails the exact-int audit. */
export const INTEGER_OPS = ['MatMulInteger', 'Add', 'Relu', 'Mul', 'Div', 'Clip', 'Cast'] as const;

/** Common graph metadata. */
export interface GraphInfo {
  graphName: string;
  docString: string;
  producerVersion: string;
  inputName: string;
  outputName: string;
  metadata: readonly (readonly [string, string])[];
}

/**
 * The integer-only graph. Per hidden layer:
 * `MatMulInteger(int8, int8) → Add(int32 bias) → Relu → Mul(int32 M) → Add(2^(k-1)) → Div(2^k)
 *  → Clip(0, 127) → Cast(int8)`; the last layer stops after the bias Add (int32 logits).
 */
export function intGraph(net: IntMlp, info: GraphInfo): ModelSpec {
  const nodes: NodeSpec[] = [];
  const inits: InitializerSpec[] = [];
  const valueInfo: ValueSpec[] = [];
  const i32 = (name: string, width: number): ValueSpec => ({ name, dataType: DataType.INT32, shape: [BATCH, width] });
  const scalar = (name: string, value: number): string => {
    inits.push({ name, dataType: DataType.INT32, dims: [], values: [value] });
    return name;
  };
  const clipLo = scalar('clip_min', 0);
  const clipHi = scalar('clip_max', 127);
  let input = info.inputName;
  net.layers.forEach((L, l) => {
    const p = `l${l + 1}`;
    const last = l === net.layers.length - 1;
    inits.push({ name: `${p}_weight`, dataType: DataType.INT8, dims: [L.inputs, L.outputs], values: Array.from(L.Wq) });
    inits.push({ name: `${p}_bias`, dataType: DataType.INT32, dims: [L.outputs], values: Array.from(L.bq) });
    nodes.push({ opType: 'MatMulInteger', name: `${p}_matmul`, inputs: [input, `${p}_weight`], outputs: [`${p}_acc`] });
    valueInfo.push(i32(`${p}_acc`, L.outputs));
    const biased = last ? info.outputName : `${p}_biased`;
    nodes.push({ opType: 'Add', name: `${p}_add_bias`, inputs: [`${p}_acc`, `${p}_bias`], outputs: [biased] });
    if (last) return;
    if (L.M === undefined || L.shift === undefined) throw new Error(`layer ${l} lacks requantisation parameters`);
    valueInfo.push(i32(biased, L.outputs));
    inits.push({ name: `${p}_requant_mul`, dataType: DataType.INT32, dims: [L.outputs], values: Array.from(L.M) });
    const half = scalar(`${p}_requant_half`, pow2(L.shift - 1));
    const div = scalar(`${p}_requant_div`, pow2(L.shift));
    const chain: [string, string, string[]][] = [
      ['Relu', 'relu', [biased]],
      ['Mul', 'scaled', [`${p}_relu`, `${p}_requant_mul`]],
      ['Add', 'rounded', [`${p}_scaled`, half]],
      ['Div', 'shifted', [`${p}_rounded`, div]],
      ['Clip', 'clipped', [`${p}_shifted`, clipLo, clipHi]],
    ];
    for (const [op, out, ins] of chain) {
      nodes.push({ opType: op, name: `${p}_${out}_op`, inputs: ins, outputs: [`${p}_${out}`] });
      valueInfo.push(i32(`${p}_${out}`, L.outputs));
    }
    nodes.push({ opType: 'Cast', name: `${p}_to_int8`, inputs: [`${p}_clipped`], outputs: [`${p}_q`], attributes: { to: { kind: 'int', value: DataType.INT8 } } });
    valueInfo.push({ name: `${p}_q`, dataType: DataType.INT8, shape: [BATCH, L.outputs] });
    input = `${p}_q`;
  });
  const first = net.layers[0]!;
  const lastLayer = net.layers.at(-1)!;
  return {
    graphName: info.graphName,
    docString: info.docString,
    opset: OPSET,
    irVersion: IR_VERSION,
    producerVersion: info.producerVersion,
    inputs: [{ name: info.inputName, dataType: DataType.INT8, shape: [BATCH, first.inputs] }],
    outputs: [{ name: info.outputName, dataType: DataType.INT32, shape: [BATCH, lastLayer.outputs] }],
    valueInfo,
    initializers: inits,
    nodes,
    metadata: info.metadata,
  };
}

/**
 * The float32 graph: `MatMul → Add → Relu` per hidden layer, `MatMul → Add` for the logits, then
 * `Softmax` over the class axis. Weights are the float64 training weights rounded to float32.
 */
export function floatGraph(mlp: Mlp, info: GraphInfo): ModelSpec {
  const nodes: NodeSpec[] = [];
  const inits: InitializerSpec[] = [];
  const valueInfo: ValueSpec[] = [];
  const f32 = (name: string, width: number): ValueSpec => ({ name, dataType: DataType.FLOAT, shape: [BATCH, width] });
  let input = info.inputName;
  mlp.layers.forEach((L, l) => {
    const p = `l${l + 1}`;
    const last = l === mlp.layers.length - 1;
    inits.push({ name: `${p}_weight`, dataType: DataType.FLOAT, dims: [L.inputs, L.outputs], values: Array.from(L.W) });
    inits.push({ name: `${p}_bias`, dataType: DataType.FLOAT, dims: [L.outputs], values: Array.from(L.b) });
    nodes.push({ opType: 'MatMul', name: `${p}_matmul`, inputs: [input, `${p}_weight`], outputs: [`${p}_mm`] });
    nodes.push({ opType: 'Add', name: `${p}_add_bias`, inputs: [`${p}_mm`, `${p}_bias`], outputs: [last ? 'logits' : `${p}_biased`] });
    valueInfo.push(f32(`${p}_mm`, L.outputs));
    if (last) {
      valueInfo.push(f32('logits', L.outputs));
      return;
    }
    valueInfo.push(f32(`${p}_biased`, L.outputs));
    nodes.push({ opType: 'Relu', name: `${p}_relu_op`, inputs: [`${p}_biased`], outputs: [`${p}_relu`] });
    valueInfo.push(f32(`${p}_relu`, L.outputs));
    input = `${p}_relu`;
  });
  nodes.push({ opType: 'Softmax', name: 'softmax', inputs: ['logits'], outputs: [info.outputName], attributes: { axis: { kind: 'int', value: -1 } } });
  const first = mlp.layers[0]!;
  const lastLayer = mlp.layers.at(-1)!;
  return {
    graphName: info.graphName,
    docString: info.docString,
    opset: OPSET,
    irVersion: IR_VERSION,
    producerVersion: info.producerVersion,
    inputs: [{ name: info.inputName, dataType: DataType.FLOAT, shape: [BATCH, first.inputs] }],
    outputs: [{ name: info.outputName, dataType: DataType.FLOAT, shape: [BATCH, lastLayer.outputs] }],
    valueInfo,
    initializers: inits,
    nodes,
    metadata: info.metadata,
  };
}
