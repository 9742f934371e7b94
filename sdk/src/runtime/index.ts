/**
 * Running models as operators do: the profile-pinned onnxruntime (optional peer dependencies),
 * model folders verified against their manifest and the chain, and one canonical inference.
 */
export * from './errors.js';
export * from './ort.js';
export * from './modelFolder.js';
export * from './inference.js';
export * from './modelPull.js';
