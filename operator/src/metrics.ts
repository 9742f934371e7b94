/**
 * The operator's Prometheus metrics, built on one Registry per process (`getMetrics(register)`;
 * services take `Metrics | null`). EigenLayer node-spec metrics keep their exact names and labels
 * (eigensdk-go: `avs_name` on all; `quorum_number`/`quorum_name` on registered stakes;
 * `method`/`client_version` on RPC metrics); everything else is `aioracle_operator_*`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Buckets for inference and task latency: sub-millisecond up to five minutes. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Buckets for tasks per batch: powers of two up to MAX_BATCH_LEAVES (128). */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];
const RPC_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Options of {@link getMetrics}. */
export interface MetricsOptions {
  /** The `avs_name` constant label of the EigenLayer metrics (default "aioracle"). */
  avsName?: string;
}

/**
 * Registers every operator metric on `register` and returns them.
 * @example const metrics = getMetrics(new Registry()); metrics.tasksSeen.inc({ model: id });
 */
export function getMetrics(register: Registry, opts: MetricsOptions = {}) {
  const avs = { avs_name: opts.avsName ?? 'aioracle' };
  const registers = [register];
  const performanceScore = new Gauge({ name: 'eigen_performance_score', help: 'Node performance score 0-100 (100 = every dependency healthy)', labelNames: ['avs_name'], registers });
  performanceScore.set(avs, 100);
  return {
    performanceScore,
    avsLabels: avs,
    registeredStakes: new Gauge({
      name: 'eigen_registered_stakes',
      help: "Operator stake in <quorum> of <avs_name>'s registry",
      labelNames: ['quorum_number', 'quorum_name', 'avs_name'],
      registers,
    }),
    rpcRequestDuration: new Histogram({
      name: 'eigen_rpc_request_duration_seconds',
      help: 'Duration of json-rpc <method> in seconds',
      labelNames: ['method', 'client_version', 'avs_name'],
      buckets: RPC_BUCKETS,
      registers,
    }),
    rpcRequestTotal: new Counter({ name: 'eigen_rpc_request_total', help: 'Total number of json-rpc <method> requests', labelNames: ['method', 'client_version', 'avs_name'], registers }),
    tasksSeen: new Counter({ name: 'aioracle_operator_tasks_seen_total', help: 'TaskCreated events seen (after confirmations)', labelNames: ['source'], registers }),
    tasksInferred: new Counter({ name: 'aioracle_operator_tasks_inferred_total', help: 'Tasks whose model ran', labelNames: ['model'], registers }),
    tasksSigned: new Counter({ name: 'aioracle_operator_tasks_signed_total', help: 'Responses signed', labelNames: ['model'], registers }),
    tasksRejected: new Counter({ name: 'aioracle_operator_tasks_rejected_total', help: 'Tasks not signed, by reason', labelNames: ['reason'], registers }),
    inferenceDuration: new Histogram({ name: 'aioracle_operator_inference_duration_seconds', help: 'Model run time (decode + run + encode)', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers }),
    taskDuration: new Histogram({ name: 'aioracle_operator_task_duration_seconds', help: 'From task seen to response sent to the aggregators', buckets: LATENCY_BUCKETS, registers }),
    queueDepth: new Gauge({ name: 'aioracle_operator_queue_depth', help: 'Inference jobs by state', labelNames: ['state'], registers }),
    modelLoads: new Counter({ name: 'aioracle_operator_model_loads_total', help: 'Model load attempts by outcome', labelNames: ['outcome'], registers }),
    modelLoadDuration: new Histogram({ name: 'aioracle_operator_model_load_duration_seconds', help: 'Model verification + session creation time', buckets: LATENCY_BUCKETS, registers }),
    deliveries: new Counter({ name: 'aioracle_operator_deliveries_total', help: 'Responses delivered to aggregators by outcome', labelNames: ['outcome'], registers }),
    deliveryFailures: new Counter({ name: 'aioracle_operator_delivery_failures_total', help: 'Deliveries that failed for good, by reason', labelNames: ['reason'], registers }),
    watcherBlock: new Gauge({ name: 'aioracle_operator_watcher_block', help: 'Last block the task watcher processed', registers }),
    serviceUp: new Gauge({ name: 'aioracle_operator_service_up', help: 'Node API service status at scrape: 1 Up, 0 Down or Initializing (rpc, redis, aggregators)', labelNames: ['service'], registers }),
    modelMismatch: new Gauge({
      name: 'aioracle_operator_model_mismatch',
      help: 'Last integrity check of the model files: 1 they do not match the manifest or the ModelRegistry, 0 verified',
      labelNames: ['model'],
      registers,
    }),
    batchesSigned: new Counter({ name: 'aioracle_operator_batches_signed_total', help: 'Batches signed (one BLS signature each, sent to POST /v1/batches)', registers }),
    batchSize: new Histogram({ name: 'aioracle_operator_batch_size_tasks', help: 'Tasks per signed batch (abstentions included)', buckets: BATCH_SIZE_BUCKETS, registers }),
    fallbackTasks: new Counter({ name: 'aioracle_operator_fallback_tasks_total', help: 'Tasks of a delivered batch still pending batching.fallback_blocks later, queued to be signed alone', registers }),
    fallbackDeferred: new Counter({ name: 'aioracle_operator_fallback_deferred_total', help: 'Times a due batch fallback was put off because an aggregator reported the batch at quorum, mined or still collecting', registers }),
    abstentions: new Counter({ name: 'aioracle_operator_abstentions_total', help: 'Tasks of a batch given the abstain leaf (refused), by reason', labelNames: ['reason'], registers }),
    inputFetches: new Counter({ name: 'aioracle_operator_input_fetches_total', help: 'Inputs by reference fetched, by carrier (blob, uri) and outcome (ok, unavailable, too_large, hash_mismatch, invalid)', labelNames: ['carrier', 'outcome'], registers }),
    inputFetchDuration: new Histogram({ name: 'aioracle_operator_input_fetch_duration_seconds', help: 'Fetch + cap + hash check of an input by reference', labelNames: ['carrier'], buckets: LATENCY_BUCKETS, registers }),
    modelsMissing: new Gauge({ name: 'aioracle_operator_models_missing', help: 'Active models of the ModelRegistry this node does not serve (not installed, or a pull failed)', registers }),
    modelPulls: new Counter({ name: 'aioracle_operator_model_pulls_total', help: 'Model pulls by outcome (installed, present, refused_integrity, refused_policy, failed)', labelNames: ['outcome'], registers }),
    rewards: new Gauge({
      name: 'aioracle_operator_rewards_wei',
      help: 'Task-fee rewards of this operator at scrape, in wei of the rewards token: state=pending (earned in the RewardsVault, not yet submitted), submitted (sent to EigenLayer for this operator and its stakers, in total), share (the operator\'s own split of submitted), claimed (cumulativeClaimed of the token, every AVS), unclaimed (share - claimed, at least 0)',
      labelNames: ['state'],
      registers,
    }),
    slashed: new Counter({ name: 'aioracle_operator_slashed_total', help: 'DissenterSlashed events naming this operator seen by the task watcher', registers }),
  };
}

/** The operator's metrics. */
export type Metrics = ReturnType<typeof getMetrics>;
