// Used by every package whose tests run onnxruntime in-process (operator, deploy, sdk).
// onnxruntime-node builds output tensors from typed arrays of Node's own realm and checks them with
// `instanceof` against the typed-array constructors of the realm onnxruntime-common was loaded in.
// Jest runs tests in a separate vm context with its own constructors, so the check fails there (and
// only there). This environment shares the outer realm's typed-array constructors with the tests.
import { TestEnvironment } from 'jest-environment-node';

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

export default class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
