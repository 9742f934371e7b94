/**
 * The contract layer: typed bindings generated from the forge artifacts (./generated, built by
 * scripts/gen-bindings.mjs), the deployments file, the chain reader aggregators use, and the
 * operator registration flow.
 */
export * from './errors.js';
export * from './deployment.js';
export * from './registration.js';
export * as bindings from './generated/index.js';
export * from './generated/abis.js';
export * from './nonSigners.js';
export * from './chainReader.js';
export * from './revert.js';
export * from './models.js';
export * from './attestation.js';
export * from './calldata.js';
export * from './rewards.js';
