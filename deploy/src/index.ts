/**
 * @aioracle/deploy: deploys the local EigenLayer core and the AVS contracts to any JSON-RPC
 * endpoint, registers operators, models and feeds, and starts local anvil chains. See README.md.
 */
export * from './anvil.js';
export * from './artifacts.js';
export * from './deployer.js';
export * from './core.js';
export * from './avs.js';
export * from './deployAll.js';
export * from './operators.js';
export * from './models.js';
export * from './keys.js';
export * from './cli.js';
