/** @aioracle/aggregator: see README.md. Public entry points are re-exported here. */
export { startAggregator, checkRedisSettings, type Aggregator, type StartAggregatorOptions } from './service.js';
export { getMetrics, type AggregatorMetrics } from './metrics.js';
export { AggErrorCode, httpStatusFor } from './errors.js';
export { quorumReached, meetsThresholdBps, stakeShare } from './quorum.js';
export { responseBodySchema, type ResponseBody } from './api/responseSchema.js';
export { TaskStore, requiredStake, type OperatorSnapshot, type TaskStatus } from './state/taskStore.js';
export { loadSubmitterKey } from './submitterKey.js';
