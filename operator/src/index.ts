/** @aioracle/operator: the operator node. See README.md. Public entry points are re-exported here. */
export * from './errors.js';
export * from './metrics.js';
export * from './config.js';
export * from './keys.js';
export * from './node.js';
export * from './taskProcessor.js';
export * from './store/signingLog.js';
export * from './model/modelStore.js';
export * from './model/inference.js';
export * from './delivery/aggregatorClient.js';
export * from './queue/inferenceQueue.js';
export * from './chain/taskWatcher.js';
export * from './api/health.js';
export * from './api/nodeApi.js';
export * from './cli/program.js';
export { OPERATOR_VERSION } from './version.js';
export * from './byzantine.js';
