// The shared-typed-arrays jest environment (onnxruntime-node inside jest's vm realm); see
// ../../jest.typedArraysEnvironment.mjs.
export { default } from '../../jest.typedArraysEnvironment.mjs';
