/**
 * @aioracle/config: configuration loading (zod schema, YAML file, env, CLI) and the network files.
 */
export * from './load.js';
export * from './networks.js';
export * from './schemas/aggregator.js';
export * from './schemas/operator.js';
