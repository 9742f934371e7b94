/**
 * The aggregator's Prometheus metrics (DESIGN section 8): one Registry per process, a typed factory
 * (`getMetrics(registry)`, type `AggregatorMetrics`), names `aioracle_aggregator_<name>_<unit>`,
 * base units, bounded labels (reason codes, quorum numbers, outcomes; never task ids).
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/** Quorum latency buckets in seconds: from sub-second (fast local chains) up to ten minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/** Builds and registers every aggregator metric on `registry`. */
export function getMetrics(registry: Registry, opts: { defaultMetrics?: boolean } = {}) {
  if (opts.defaultMetrics ?? true) {
    const prefix = 'aioracle_aggregator_process_';
    collectDefaultMetrics({ register: registry, prefix });
    // prom-client's *_total gauges break the counter naming rule (`promtool check metrics`); the
    // same numbers are in the per-type gauges nodejs_active_{handles,requests,resources}.
    for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(prefix + n);
  }
  const registers = [registry];
  return {
    responsesReceived: new Counter({ name: 'aioracle_aggregator_responses_received_total', help: 'Signed responses received on POST /v1/responses', registers }),
    responsesAccepted: new Counter({ name: 'aioracle_aggregator_responses_accepted_total', help: 'Responses verified and counted (202)', registers }),
    responsesDuplicate: new Counter({ name: 'aioracle_aggregator_responses_duplicate_total', help: 'Responses already accepted before (200)', registers }),
    responsesRejected: new Counter({
      name: 'aioracle_aggregator_responses_rejected_total',
      help: 'Responses rejected, by error code',
      labelNames: ['reason'] as const,
      registers,
    }),
    signaturesVerified: new Counter({
      name: 'aioracle_aggregator_signatures_verified_total',
      help: 'Signatures verified, by batch outcome',
      labelNames: ['result'] as const,
      registers,
    }),
    verifyBatchSize: new Histogram({
      name: 'aioracle_aggregator_verify_batch_size',
      help: 'Signatures per same-message verification batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    tasksLoaded: new Counter({ name: 'aioracle_aggregator_tasks_loaded_total', help: 'Tasks loaded from TaskCreated logs', registers }),
    quorumReached: new Counter({ name: 'aioracle_aggregator_quorum_reached_total', help: 'Tasks whose responses reached every quorum threshold', registers }),
    timeToQuorum: new Histogram({
      name: 'aioracle_aggregator_time_to_quorum_seconds',
      help: 'From task creation (block timestamp) to quorum reached',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    timeToFinalisation: new Histogram({
      name: 'aioracle_aggregator_time_to_finalisation_seconds',
      help: 'From task creation (block timestamp) to the respondToTask receipt',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    quorumToSubmit: new Histogram({
      name: 'aioracle_aggregator_quorum_to_submission_seconds',
      help: 'From the last needed signature accepted (quorum) to the submission transaction taken by the node',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    submissions: new Counter({
      name: 'aioracle_aggregator_submissions_total',
      help: 'Submission outcomes: sent (our tx mined), already (answered by someone else), failed',
      labelNames: ['outcome'] as const,
      registers,
    }),
    submissionFailures: new Counter({
      name: 'aioracle_aggregator_submission_failures_total',
      help: 'Failed submission attempts, by error code',
      labelNames: ['code'] as const,
      registers,
    }),
    submissionGas: new Histogram({
      name: 'aioracle_aggregator_submission_gas_used',
      help: 'Gas used by respondToTask transactions',
      buckets: [100_000, 200_000, 300_000, 400_000, 600_000, 800_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000],
      registers,
    }),
    signedStakeShare: new Histogram({
      name: 'aioracle_aggregator_signed_stake_ratio',
      help: 'Signed share of total stake per quorum of finalised tasks (0..1)',
      labelNames: ['quorum'] as const,
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.667, 0.75, 0.8, 0.9, 0.95, 1],
      registers,
    }),
    batchesReceived: new Counter({
      name: 'aioracle_aggregator_batches_received_total',
      help: 'Signed batches received on POST /v1/batches, by outcome: accepted, duplicate, or the error code',
      labelNames: ['outcome'] as const,
      registers,
    }),
    batchesSubmitted: new Counter({
      name: 'aioracle_aggregator_batches_submitted_total',
      help: 'Batch submission outcomes: sent (our respondToBatch mined), already (every task answered otherwise), failed (left to the per-task fallback)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    batchTasks: new Histogram({
      name: 'aioracle_aggregator_batch_answered_tasks',
      help: 'Tasks answered per respondToBatch transaction sent',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    batchQuorumToSubmit: new Histogram({
      name: 'aioracle_aggregator_batch_quorum_to_submission_seconds',
      help: 'From the batch signature that completed a root\'s quorum to the respondToBatch transaction taken by the node',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    tasksFinalised: new Counter({ name: 'aioracle_aggregator_tasks_finalised_total', help: 'Tasks seen finalised on chain', registers }),
    dissentFound: new Counter({ name: 'aioracle_aggregator_dissent_found_total', help: 'Slashable dissenting responses found after finalisation', registers }),
    slashings: new Counter({
      name: 'aioracle_aggregator_slashings_total',
      help: 'slashDissenter outcomes: submitted, already (slashed before), failed',
      labelNames: ['outcome'] as const,
      registers,
    }),
    tasksExpired: new Counter({
      name: 'aioracle_aggregator_tasks_expired_total',
      help: 'Tasks closed without quorum: expired (our expireTask mined) or already (closed by someone else)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    feedRounds: new Counter({
      name: 'aioracle_aggregator_feed_rounds_requested_total',
      help: 'Feed rounds requested by the keeper, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'aioracle_aggregator_queue_jobs',
      help: 'Jobs per queue and state (sampled at scrape)',
      labelNames: ['queue', 'state'] as const,
      registers,
    }),
    watcherBlock: new Gauge({ name: 'aioracle_aggregator_watcher_block', help: 'Last block scanned for TaskCreated logs', registers }),
    // Point-in-time gauges sampled at scrape (scrapeSampler.ts).
    redisUp: new Gauge({ name: 'aioracle_aggregator_redis_up', help: 'Whether Redis answered PING at scrape (1) or not (0)', registers }),
    rpcUp: new Gauge({ name: 'aioracle_aggregator_rpc_up', help: 'Whether the JSON-RPC endpoint answered eth_blockNumber at scrape (1) or not (0)', registers }),
    submitterBalance: new Gauge({ name: 'aioracle_aggregator_submitter_balance_wei', help: 'Balance of the submitter account in wei (pays respondToTask, expireTask, slashDissenter gas)', registers }),
    tasksOpen: new Gauge({ name: 'aioracle_aggregator_tasks_open', help: 'Tasks loaded and not yet finalised or expired', registers }),
    // Set by the feed keeper on every check of a kept feed.
    feedUpdated: new Gauge({
      name: 'aioracle_aggregator_feed_updated_timestamp_seconds',
      help: "Unix time of the feed's latest answered round (0: never answered)",
      labelNames: ['feed'] as const,
      registers,
    }),
    feedHeartbeat: new Gauge({ name: 'aioracle_aggregator_feed_heartbeat_seconds', help: "The feed's heartbeat: a new round is due this long after the last", labelNames: ['feed'] as const, registers }),
  };
}

/** The aggregator's metrics. Services take `AggregatorMetrics | null`. */
export type AggregatorMetrics = ReturnType<typeof getMetrics>;
