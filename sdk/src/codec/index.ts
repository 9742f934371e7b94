/** Canonical tensor and output encodings, fixed-point, and the tolerance rule (docs/encoding.md). */
export * from './dtype.js';
export * from './layout.js';
export * from './errors.js';
export type { BytesInput, EncodingHeader } from './bytes.js';
export type { DimsTensor, NestedValues, ResolvedTensor, TensorValues } from './values.js';
export * from './input.js';
export * from './output.js';
export * from './fixedPoint.js';
export * from './tolerance.js';
