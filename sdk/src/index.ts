/**
 * @aioracle/sdk: the protocol core every other package builds on.
 * Each area lives in its own folder and is re-exported here.
 */
export * from './errors.js';
export * from './util/index.js';
export * from './chain/index.js';
export * from './protocol/index.js';
export * from './codec/index.js';
export * from './manifest/index.js';
export * from './observability.js';
export * from './bls/index.js';
export * from './keystore/index.js';
export * from './contracts/index.js';
export * from './runtime/index.js';
export * from './input/index.js';
