/** Model manifests: schema, validation, canonical JSON and hashes (docs/manifest.md). */
export * from './schema.js';
export * from './canonicalJson.js';
export * from './manifest.js';
export * from './examples.js';
