/**
 * The Grafana dashboards, written as compact panel lists and rendered to the dashboard JSON model
 * (schemaVersion 39) in `grafana/dashboards/`. Every panel queries the `${datasource}` variable;
 * `job` and `instance` (and `feed` on the oracle dashboard) are query variables, so nothing names a
 * host. The generated JSON is checked in (Grafana reads it); a jest test keeps it in step.
 */

interface Target {
  expr: string;
  legend?: string;
}

interface PanelSpec {
  kind: 'timeseries' | 'stat';
  title: string;
  description: string;
  targets: Target[];
  unit?: string;
  width?: number;
  height?: number;
  /** stat: thresholds as [color, from] pairs (first from is null). */
  thresholds?: [string, number | null][];
  /** timeseries: stacked bars instead of lines. */
  stacked?: boolean;
  min?: number;
  max?: number;
}

type Item = PanelSpec | { kind: 'row'; title: string };

interface VariableSpec {
  name: string;
  label: string;
  query: string;
  multi: boolean;
}

interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  variables: VariableSpec[];
  items: Item[];
}

const DS = { type: 'prometheus', uid: '${datasource}' };
const RI = '$__rate_interval';

const ts = (title: string, description: string, targets: Target[], o: Partial<PanelSpec> = {}): PanelSpec => ({ kind: 'timeseries', title, description, targets, ...o });
const stat = (title: string, description: string, targets: Target[], o: Partial<PanelSpec> = {}): PanelSpec => ({ kind: 'stat', title, description, targets, width: 4, height: 5, ...o });
const row = (title: string): Item => ({ kind: 'row', title });
const q = (p: number, metric: string, by: string, sel: string): Target => ({
  expr: `histogram_quantile(${p}, sum by (${by}le) (rate(${metric}_bucket{${sel}}[${RI}])))`,
  legend: `p${Math.round(p * 100)}${by ? ' ' + by.split(',').filter(Boolean).map((l) => `{{${l.trim()}}}`).join(' ') : ''}`,
});

const OP = 'job=~"$job", instance=~"$instance"';
const AG = 'job=~"$job", instance=~"$instance"';

const operator: DashboardSpec = {
  uid: 'aioracle-operator',
  title: 'AI Oracle AVS / Operator',
  description: 'Operator nodes: health and dependencies, tasks, inference latency, signatures and delivery to aggregators, chain RPC.',
  variables: [
    { name: 'job', label: 'Job', query: 'label_values(eigen_performance_score, job)', multi: false },
    { name: 'instance', label: 'Instance', query: 'label_values(eigen_performance_score{job=~"$job"}, instance)', multi: true },
  ],
  items: [
    row('Health'),
    stat('Up', 'Whether Prometheus can scrape the node (1) or not (0).', [{ expr: `up{${OP}}`, legend: '{{instance}}' }], { thresholds: [['red', null], ['green', 1]] }),
    stat('Performance score', 'eigen_performance_score: share of the node services (rpc, redis, aggregators) that are Up.', [{ expr: `eigen_performance_score{${OP}}`, legend: '{{instance}}' }], {
      thresholds: [['red', null], ['orange', 50], ['green', 100]],
      min: 0,
      max: 100,
    }),
    stat('Slashed (24 h)', 'DissenterSlashed events naming this operator seen in the last 24 hours.', [{ expr: `increase(aioracle_operator_slashed_total{${OP}}[24h])`, legend: '{{instance}}' }], {
      thresholds: [['green', null], ['red', 1]],
    }),
    stat('Model mismatch', 'Models whose files failed the integrity check against the manifest / ModelRegistry (1) or verified (0).', [{ expr: `aioracle_operator_model_mismatch{${OP}}`, legend: '{{instance}} {{model}}' }], {
      thresholds: [['green', null], ['red', 1]],
      width: 8,
    }),
    stat('Registered stake', 'eigen_registered_stakes: the operator stake per quorum at the latest block (token wei).', [{ expr: `eigen_registered_stakes{${OP}}`, legend: '{{instance}} {{quorum_name}}' }], { unit: 'short', width: 4 }),
    ts('Service status', 'Node API services at scrape time: 1 Up, 0 Down or Initializing.', [{ expr: `aioracle_operator_service_up{${OP}}`, legend: '{{instance}} {{service}}' }], { min: 0, max: 1, width: 24, height: 6 }),
    row('Rewards'),
    ts('Rewards (task fees)', 'aioracle_operator_rewards_wei: this operator\'s share of answered tasks\' fees (after the submitters\' gas refunds), in wei of the rewards token (WETH). pending: earned in the RewardsVault, not yet submitted; submitted: sent to EigenLayer\'s RewardsCoordinator in total (the operator and its stakers); share: the operator\'s own split of it; claimed: cumulativeClaimed of the token (from every AVS); unclaimed = share - claimed, at least 0 (claimable once EigenLayer posts a distribution root covering it).', [
      { expr: `aioracle_operator_rewards_wei{${OP}}`, legend: '{{instance}} {{state}}' },
    ], { unit: 'short', width: 16 }),
    stat('Earned (24 h)', 'Rewards earned in the last 24 hours: growth of pending + submitted (wei).', [
      { expr: `sum by (instance) (delta(aioracle_operator_rewards_wei{${OP}, state=~"pending|submitted"}[24h]))`, legend: '{{instance}}' },
    ], { unit: 'short', width: 8 }),
    row('Batches'),
    ts('Batches signed', 'Batches signed (one BLS signature and one POST /v1/batches per aggregator each).', [{ expr: `sum by (instance) (rate(aioracle_operator_batches_signed_total{${OP}}[${RI}]))`, legend: '{{instance}}' }], { unit: 'ops', width: 6 }),
    ts('Tasks per batch', 'Tasks per signed batch (abstentions included): median and p95.', [
      q(0.5, 'aioracle_operator_batch_size_tasks', 'instance,', OP),
      q(0.95, 'aioracle_operator_batch_size_tasks', 'instance,', OP),
    ], { unit: 'short', width: 6 }),
    ts('Fallback tasks', 'Tasks of a delivered batch still pending batching.fallback_blocks later, signed alone (POST /v1/responses), and due fallbacks put off because an aggregator reported the batch at quorum, mined or still collecting (GET /v1/batches/:id). A steady rate of tasks signed alone means this operator\'s roots disagree with its peers\' or its batches are late.', [
      { expr: `sum by (instance) (rate(aioracle_operator_fallback_tasks_total{${OP}}[${RI}]))`, legend: '{{instance}} signed alone' },
      { expr: `sum by (instance) (rate(aioracle_operator_fallback_deferred_total{${OP}}[${RI}]))`, legend: '{{instance}} put off (batch in progress at the aggregator)' },
    ], { unit: 'ops', width: 6 }),
    ts('Abstentions by reason', 'Tasks of a batch given the abstain leaf: bad_input, model_unknown, model_inactive, model_integrity, inference.', [{ expr: `sum by (instance, reason) (rate(aioracle_operator_abstentions_total{${OP}}[${RI}]))`, legend: '{{instance}} {{reason}}' }], { unit: 'ops', width: 6, stacked: true }),
    row('Model distribution'),
    stat('Models missing', 'Active models of the ModelRegistry this node does not serve (not installed; with auto_pull on, a pull that failed). Pull them with `aioracle-operator models pull`.', [{ expr: `aioracle_operator_models_missing{${OP}}`, legend: '{{instance}}' }], { width: 8 }),
    ts('Model pulls by outcome', 'installed, present (already there), refused_integrity (a hash differs from the chain), refused_policy (URI outside models.pull_allow), failed (unreachable, over the cap).', [{ expr: `sum by (instance, outcome) (increase(aioracle_operator_model_pulls_total{${OP}}[${RI}]))`, legend: '{{instance}} {{outcome}}' }], { unit: 'short', width: 16, stacked: true }),
    row('Inputs by reference'),
    ts('Input fetches by outcome', 'Blob and URI inputs fetched, cut at the cap and hash-checked: ok, unavailable, too_large, hash_mismatch, invalid. Anything but ok means the task was refused (nothing signed).', [{ expr: `sum by (instance, carrier, outcome) (rate(aioracle_operator_input_fetches_total{${OP}}[${RI}]))`, legend: '{{instance}} {{carrier}} {{outcome}}' }], { unit: 'ops', width: 12, stacked: true }),
    ts('Input fetch time', 'Fetch + cap + hash check of an input by reference: median and p95 per carrier.', [
      q(0.5, 'aioracle_operator_input_fetch_duration_seconds', 'instance, carrier,', OP),
      q(0.95, 'aioracle_operator_input_fetch_duration_seconds', 'instance, carrier,', OP),
    ], { unit: 's', width: 12 }),
    row('Tasks'),
    ts('Tasks seen', 'TaskCreated events seen after confirmations, live or on catch-up.', [{ expr: `sum by (instance, source) (rate(aioracle_operator_tasks_seen_total{${OP}}[${RI}]))`, legend: '{{instance}} {{source}}' }], { unit: 'ops', width: 8 }),
    ts('Tasks inferred / signed', 'Tasks whose model ran, and responses signed, per model.', [
      { expr: `sum by (instance, model) (rate(aioracle_operator_tasks_inferred_total{${OP}}[${RI}]))`, legend: 'inferred {{instance}} {{model}}' },
      { expr: `sum by (instance, model) (rate(aioracle_operator_tasks_signed_total{${OP}}[${RI}]))`, legend: 'signed {{instance}} {{model}}' },
    ], { unit: 'ops', width: 8 }),
    ts('Tasks rejected by reason', 'Tasks not signed: model_unknown, model_inactive, model_integrity, bad_input, expired, equivocation, inference, bad_task.', [
      { expr: `sum by (instance, reason) (rate(aioracle_operator_tasks_rejected_total{${OP}}[${RI}]))`, legend: '{{instance}} {{reason}}' },
    ], { unit: 'ops', width: 8, stacked: true }),
    ts('Missed task share', 'Share of seen tasks not signed over 30 minutes (alert AioracleOperatorMissedTasks above 10%).', [
      {
        expr: `1 - sum by (instance) (increase(aioracle_operator_tasks_signed_total{${OP}}[30m])) / sum by (instance) (increase(aioracle_operator_tasks_seen_total{${OP}}[30m]))`,
        legend: '{{instance}}',
      },
    ], { unit: 'percentunit', min: 0, width: 8 }),
    ts('Inference queue', 'Inference jobs by state, read at scrape time.', [{ expr: `aioracle_operator_queue_depth{${OP}}`, legend: '{{instance}} {{state}}' }], { width: 8 }),
    ts('Watcher block', 'Last block the task watcher processed; a flat line on a live chain means the watcher is stuck.', [{ expr: `aioracle_operator_watcher_block{${OP}}`, legend: '{{instance}}' }], { unit: 'none', width: 8 }),
    row('Inference latency'),
    ts('Inference time by model', 'Model run time (decode + run + encode).', [
      q(0.5, 'aioracle_operator_inference_duration_seconds', 'model,', OP),
      q(0.95, 'aioracle_operator_inference_duration_seconds', 'model,', OP),
      q(0.99, 'aioracle_operator_inference_duration_seconds', 'model,', OP),
    ], { unit: 's', width: 12 }),
    ts('Task time (seen → sent)', 'From task seen to response sent to the aggregators (alert above 30 s at p95).', [
      q(0.5, 'aioracle_operator_task_duration_seconds', 'instance,', OP),
      q(0.95, 'aioracle_operator_task_duration_seconds', 'instance,', OP),
    ], { unit: 's', width: 12 }),
    ts('Model loads', 'Model load attempts by outcome (verification + session creation).', [{ expr: `sum by (instance, outcome) (increase(aioracle_operator_model_loads_total{${OP}}[$__range]))`, legend: '{{instance}} {{outcome}}' }], { width: 12 }),
    ts('Model load time', 'Model verification and session creation time.', [q(0.95, 'aioracle_operator_model_load_duration_seconds', 'instance,', OP), { expr: `sum by (instance) (rate(aioracle_operator_model_load_duration_seconds_sum{${OP}}[$__range])) / sum by (instance) (rate(aioracle_operator_model_load_duration_seconds_count{${OP}}[$__range]))`, legend: 'mean {{instance}}' }], { unit: 's', width: 12 }),
    row('Signatures and delivery'),
    ts('Deliveries by outcome', 'Signed responses sent to aggregators: accepted, duplicate, failed (one per aggregator).', [{ expr: `sum by (instance, outcome) (rate(aioracle_operator_deliveries_total{${OP}}[${RI}]))`, legend: '{{instance}} {{outcome}}' }], { unit: 'ops', width: 12, stacked: true }),
    ts('Delivery failures by reason', 'Deliveries that failed for good: retries_exhausted, status_<http>, aborted.', [{ expr: `sum by (instance, reason) (rate(aioracle_operator_delivery_failures_total{${OP}}[${RI}]))`, legend: '{{instance}} {{reason}}' }], { unit: 'ops', width: 12 }),
    row('Chain RPC'),
    ts('RPC requests by method', 'JSON-RPC calls the node makes.', [{ expr: `sum by (instance, method) (rate(eigen_rpc_request_total{${OP}}[${RI}]))`, legend: '{{instance}} {{method}}' }], { unit: 'reqps', width: 12 }),
    ts('RPC latency p95 by method', 'eigen_rpc_request_duration_seconds.', [q(0.95, 'eigen_rpc_request_duration_seconds', 'method,', OP)], { unit: 's', width: 12 }),
  ],
};

const aggregator: DashboardSpec = {
  uid: 'aioracle-aggregator',
  title: 'AI Oracle AVS / Aggregator',
  description: 'Aggregators: response intake and signature verification, quorum and finalisation latency (SLO: 95% within 60 s), submissions and gas, dissent and slashing, queues, process.',
  variables: [
    { name: 'job', label: 'Job', query: 'label_values(aioracle_aggregator_watcher_block, job)', multi: false },
    { name: 'instance', label: 'Instance', query: 'label_values(aioracle_aggregator_watcher_block{job=~"$job"}, instance)', multi: true },
  ],
  items: [
    row('Health'),
    stat('Up', 'Whether Prometheus can scrape the aggregator.', [{ expr: `up{${AG}}`, legend: '{{instance}}' }], { thresholds: [['red', null], ['green', 1]] }),
    stat('Redis', 'Redis answered PING at scrape (1) or not (0).', [{ expr: `aioracle_aggregator_redis_up{${AG}}`, legend: '{{instance}}' }], { thresholds: [['red', null], ['green', 1]] }),
    stat('RPC', 'The JSON-RPC endpoint answered at scrape (1) or not (0).', [{ expr: `aioracle_aggregator_rpc_up{${AG}}`, legend: '{{instance}}' }], { thresholds: [['red', null], ['green', 1]] }),
    stat('Submitter balance (ETH)', 'Balance of the submitter account (alerts below 0.1 and 0.01 ETH).', [{ expr: `aioracle_aggregator_submitter_balance_wei{${AG}} / 1e18`, legend: '{{instance}}' }], {
      thresholds: [['red', null], ['orange', 0.01], ['green', 0.1]],
      unit: 'none',
    }),
    stat('Open tasks', 'Tasks loaded and not yet finalised or expired.', [{ expr: `aioracle_aggregator_tasks_open{${AG}}`, legend: '{{instance}}' }]),
    stat('Watcher block', 'Last block scanned for TaskCreated logs.', [{ expr: `aioracle_aggregator_watcher_block{${AG}}`, legend: '{{instance}}' }], { unit: 'none' }),
    row('Intake'),
    ts('Responses', 'Signed responses received, accepted (verified and counted) and duplicate.', [
      { expr: `sum by (instance) (rate(aioracle_aggregator_responses_received_total{${AG}}[${RI}]))`, legend: 'received {{instance}}' },
      { expr: `sum by (instance) (rate(aioracle_aggregator_responses_accepted_total{${AG}}[${RI}]))`, legend: 'accepted {{instance}}' },
      { expr: `sum by (instance) (rate(aioracle_aggregator_responses_duplicate_total{${AG}}[${RI}]))`, legend: 'duplicate {{instance}}' },
    ], { unit: 'reqps', width: 8 }),
    ts('Responses rejected by reason', 'Rejections by error code (ERR_SIGNATURE_INVALID, ERR_TASK_UNKNOWN, ...).', [{ expr: `sum by (instance, reason) (rate(aioracle_aggregator_responses_rejected_total{${AG}}[${RI}]))`, legend: '{{instance}} {{reason}}' }], { unit: 'reqps', width: 8, stacked: true }),
    ts('Signatures verified', 'Signatures verified, by batch outcome.', [{ expr: `sum by (instance, result) (rate(aioracle_aggregator_signatures_verified_total{${AG}}[${RI}]))`, legend: '{{instance}} {{result}}' }], { unit: 'ops', width: 8 }),
    ts('Verification batch size', 'Signatures per same-message verification batch.', [q(0.5, 'aioracle_aggregator_verify_batch_size', '', AG), q(0.95, 'aioracle_aggregator_verify_batch_size', '', AG)], { width: 12 }),
    ts('Tasks loaded', 'Tasks loaded from TaskCreated logs.', [{ expr: `sum by (instance) (rate(aioracle_aggregator_tasks_loaded_total{${AG}}[${RI}]))`, legend: '{{instance}}' }], { unit: 'ops', width: 12 }),
    row('Quorum and finalisation'),
    ts('Time to quorum', 'From the task creation block to the quorum reached.', [q(0.5, 'aioracle_aggregator_time_to_quorum_seconds', '', AG), q(0.95, 'aioracle_aggregator_time_to_quorum_seconds', '', AG)], { unit: 's', width: 8 }),
    ts('Time to finalisation', 'From the task creation block to the respondToTask receipt. Objective: p95 under 60 s.', [q(0.5, 'aioracle_aggregator_time_to_finalisation_seconds', '', AG), q(0.95, 'aioracle_aggregator_time_to_finalisation_seconds', '', AG)], { unit: 's', width: 8 }),
    ts('Finalised within 60 s (SLO 95%)', 'Share of tasks finalised within the 60 s objective over 30 minutes.', [
      {
        expr: `sum(rate(aioracle_aggregator_time_to_finalisation_seconds_bucket{${AG}, le="60"}[30m])) / sum(rate(aioracle_aggregator_time_to_finalisation_seconds_count{${AG}}[30m]))`,
        legend: 'within 60 s',
      },
    ], { unit: 'percentunit', min: 0, max: 1, width: 8 }),
    ts('Quorum → submission', 'From the last needed signature to the submission transaction sent.', [q(0.5, 'aioracle_aggregator_quorum_to_submission_seconds', '', AG), q(0.95, 'aioracle_aggregator_quorum_to_submission_seconds', '', AG)], { unit: 's', width: 8 }),
    ts('Quorum reached / finalised', 'Tasks that reached every quorum threshold, and tasks seen finalised on chain.', [
      { expr: `sum(rate(aioracle_aggregator_quorum_reached_total{${AG}}[${RI}]))`, legend: 'quorum reached' },
      { expr: `sum(rate(aioracle_aggregator_tasks_finalised_total{${AG}}[${RI}]))`, legend: 'finalised' },
    ], { unit: 'ops', width: 8 }),
    ts('Tasks expired', 'Tasks closed without quorum: expired (our expireTask) or already (closed by another aggregator).', [{ expr: `sum by (outcome) (increase(aioracle_aggregator_tasks_expired_total{${AG}}[${RI}]))`, legend: '{{outcome}}' }], { width: 8, stacked: true }),
    row('Submission and gas'),
    ts('Submissions by outcome', 'sent (our transaction mined), already (answered by someone else), failed.', [{ expr: `sum by (instance, outcome) (rate(aioracle_aggregator_submissions_total{${AG}}[${RI}]))`, legend: '{{instance}} {{outcome}}' }], { unit: 'ops', width: 8, stacked: true }),
    ts('Submission failures by code', 'Failed submission attempts (retried with backoff).', [{ expr: `sum by (instance, code) (rate(aioracle_aggregator_submission_failures_total{${AG}}[${RI}]))`, legend: '{{instance}} {{code}}' }], { unit: 'ops', width: 8 }),
    ts('Gas per respondToTask', 'Gas used by respondToTask transactions.', [
      q(0.5, 'aioracle_aggregator_submission_gas_used', '', AG),
      q(0.95, 'aioracle_aggregator_submission_gas_used', '', AG),
      { expr: `sum(rate(aioracle_aggregator_submission_gas_used_sum{${AG}}[$__range])) / sum(rate(aioracle_aggregator_submission_gas_used_count{${AG}}[$__range]))`, legend: 'mean' },
    ], { unit: 'none', width: 8 }),
    ts('Submitter balance', 'Submitter balance in ETH over time; the slope is the gas spend.', [{ expr: `aioracle_aggregator_submitter_balance_wei{${AG}} / 1e18`, legend: '{{instance}}' }], { unit: 'none', width: 24, height: 6 }),
    row('Batches'),
    ts('Batches received by outcome', 'Signed batches on POST /v1/batches: accepted, duplicate, or the rejection code (ERR_CONFLICTING_RESPONSE: another root or an equivocating leaf, recorded as evidence).', [{ expr: `sum by (instance, outcome) (rate(aioracle_aggregator_batches_received_total{${AG}}[${RI}]))`, legend: '{{instance}} {{outcome}}' }], { unit: 'reqps', width: 6, stacked: true }),
    ts('Batches submitted by outcome', 'respondToBatch outcomes: sent (ours mined), already (every task answered otherwise), failed (tasks left to the per-task fallback).', [{ expr: `sum by (instance, outcome) (rate(aioracle_aggregator_batches_submitted_total{${AG}}[${RI}]))`, legend: '{{instance}} {{outcome}}' }], { unit: 'ops', width: 6, stacked: true }),
    ts('Tasks per batch transaction', 'Tasks answered per respondToBatch sent: median and p95.', [q(0.5, 'aioracle_aggregator_batch_answered_tasks', '', AG), q(0.95, 'aioracle_aggregator_batch_answered_tasks', '', AG)], { width: 6 }),
    ts('Batch quorum → submission', 'From the batch signature that completed a root\'s quorum to the respondToBatch taken by the node.', [q(0.5, 'aioracle_aggregator_batch_quorum_to_submission_seconds', '', AG), q(0.95, 'aioracle_aggregator_batch_quorum_to_submission_seconds', '', AG)], { unit: 's', width: 6 }),
    row('Dissent and slashing'),
    ts('Dissent found', 'Slashable dissenting responses found after finalisation.', [{ expr: `sum by (instance) (increase(aioracle_aggregator_dissent_found_total{${AG}}[${RI}]))`, legend: '{{instance}}' }], { width: 12 }),
    ts('Slashings by outcome', 'slashDissenter / slashBatchDissenter outcomes: submitted, already, failed.', [{ expr: `sum by (instance, outcome) (increase(aioracle_aggregator_slashings_total{${AG}}[${RI}]))`, legend: '{{instance}} {{outcome}}' }], { width: 12, stacked: true }),
    row('Queues'),
    ts('Queue jobs', 'submit / batch / slash / expire jobs by state (expire jobs wait by design until their task deadline).', [{ expr: `aioracle_aggregator_queue_jobs{${AG}}`, legend: '{{instance}} {{queue}} {{state}}' }], { width: 24 }),
    row('Process'),
    ts('CPU', 'Process CPU time per second (user + system).', [{ expr: `rate(aioracle_aggregator_process_process_cpu_seconds_total{${AG}}[${RI}])`, legend: '{{instance}}' }], { unit: 'percentunit', width: 8 }),
    ts('Memory', 'Resident memory and V8 heap used.', [
      { expr: `aioracle_aggregator_process_process_resident_memory_bytes{${AG}}`, legend: 'rss {{instance}}' },
      { expr: `aioracle_aggregator_process_nodejs_heap_size_used_bytes{${AG}}`, legend: 'heap used {{instance}}' },
    ], { unit: 'bytes', width: 8 }),
    ts('Event loop lag', 'Event loop lag p99: high values delay signature verification and HTTP answers.', [{ expr: `aioracle_aggregator_process_nodejs_eventloop_lag_p99_seconds{${AG}}`, legend: '{{instance}}' }], { unit: 's', width: 8 }),
  ],
};

const oracle: DashboardSpec = {
  uid: 'aioracle-oracle',
  title: 'AI Oracle AVS / Oracle and feeds',
  description: 'What requesters and feed consumers see: feeds and their staleness against the heartbeat, feed rounds, answered vs expired tasks, latency, and the share of stake that signed the answers.',
  variables: [
    { name: 'job', label: 'Job', query: 'label_values(aioracle_aggregator_watcher_block, job)', multi: false },
    { name: 'instance', label: 'Instance', query: 'label_values(aioracle_aggregator_watcher_block{job=~"$job"}, instance)', multi: true },
    { name: 'feed', label: 'Feed', query: 'label_values(aioracle_aggregator_feed_heartbeat_seconds{job=~"$job"}, feed)', multi: true },
  ],
  items: [
    row('Feeds'),
    stat('Feed age', 'Time since each feed\'s latest answered round (the freshest copy across aggregators).', [
      { expr: `time() - max by (feed) (aioracle_aggregator_feed_updated_timestamp_seconds{${AG}, feed=~"$feed"})`, legend: 'feed {{feed}}' },
    ], { unit: 's', width: 12, height: 6, thresholds: [['green', null], ['orange', 3600], ['red', 86400]] }),
    stat('Heartbeat', 'Each feed\'s heartbeat: a new round is requested this long after the last.', [{ expr: `max by (feed) (aioracle_aggregator_feed_heartbeat_seconds{${AG}, feed=~"$feed"})`, legend: 'feed {{feed}}' }], { unit: 's', width: 12, height: 6 }),
    ts('Staleness (age / heartbeat)', 'Feed age divided by its heartbeat; above 2 the AioracleFeedStale alert fires.', [
      {
        expr: `(time() - max by (feed) (aioracle_aggregator_feed_updated_timestamp_seconds{${AG}, feed=~"$feed"})) / max by (feed) (aioracle_aggregator_feed_heartbeat_seconds{${AG}, feed=~"$feed"})`,
        legend: 'feed {{feed}}',
      },
    ], { unit: 'none', min: 0, width: 12 }),
    ts('Feed rounds requested', 'requestFeedRound calls by the feed keepers, by outcome.', [{ expr: `sum by (outcome) (increase(aioracle_aggregator_feed_rounds_requested_total{${AG}}[${RI}]))`, legend: '{{outcome}}' }], { width: 12, stacked: true }),
    row('Rounds and answers'),
    ts('Tasks answered vs expired', 'Tasks finalised on chain and tasks that expired without quorum (requester refunded).', [
      { expr: `sum(increase(aioracle_aggregator_tasks_finalised_total{${AG}}[${RI}]))`, legend: 'finalised' },
      { expr: `sum(increase(aioracle_aggregator_tasks_expired_total{${AG}}[${RI}]))`, legend: 'expired' },
    ], { width: 12, stacked: true }),
    ts('Answer latency', 'From the task creation block to the answer on chain.', [q(0.5, 'aioracle_aggregator_time_to_finalisation_seconds', '', AG), q(0.95, 'aioracle_aggregator_time_to_finalisation_seconds', '', AG)], { unit: 's', width: 12 }),
    row('Signed stake'),
    ts('Signed stake share by quorum', 'Share of each quorum\'s stake that signed finalised answers: median and the low tail (p5). Near the threshold means few spare operators.', [
      q(0.5, 'aioracle_aggregator_signed_stake_ratio', 'quorum,', AG),
      q(0.05, 'aioracle_aggregator_signed_stake_ratio', 'quorum,', AG),
    ], { unit: 'percentunit', min: 0, max: 1, width: 12 }),
    ts('Mean signed stake share', 'Mean signed share per quorum over the range.', [
      {
        expr: `sum by (quorum) (rate(aioracle_aggregator_signed_stake_ratio_sum{${AG}}[$__range])) / sum by (quorum) (rate(aioracle_aggregator_signed_stake_ratio_count{${AG}}[$__range]))`,
        legend: 'quorum {{quorum}}',
      },
    ], { unit: 'percentunit', min: 0, max: 1, width: 12 }),
  ],
};

/** Every dashboard spec. */
export const DASHBOARDS: DashboardSpec[] = [operator, aggregator, oracle];

function panelJson(p: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }): Record<string, unknown> {
  const refIds = 'ABCDEFGHIJ';
  const defaults: Record<string, unknown> = { unit: p.unit ?? 'short' };
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.thresholds) defaults.thresholds = { mode: 'absolute', steps: p.thresholds.map(([color, value]) => ({ color, value })) };
  if (p.kind === 'timeseries') {
    defaults.custom = p.stacked ? { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } } : { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never' };
  } else {
    defaults.color = { mode: 'thresholds' };
  }
  const options =
    p.kind === 'timeseries'
      ? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } }
      : { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name', orientation: 'auto' };
  return {
    id,
    type: p.kind,
    title: p.title,
    description: p.description,
    datasource: DS,
    gridPos,
    targets: p.targets.map((t, i) => ({ refId: refIds[i], datasource: DS, expr: t.expr, legendFormat: t.legend ?? '__auto', range: true })),
    fieldConfig: { defaults, overrides: [] },
    options,
  };
}

/** The dashboard JSON model of a spec. */
export function renderDashboard(d: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let x = 0;
  let y = 0;
  let rowH = 0;
  for (const it of d.items) {
    if (it.kind === 'row') {
      if (x > 0) y += rowH;
      x = 0;
      rowH = 0;
      panels.push({ id: id++, type: 'row', title: it.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
      y += 1;
      continue;
    }
    const w = it.width ?? 12;
    const h = it.height ?? 8;
    if (x + w > 24) {
      y += rowH;
      x = 0;
      rowH = 0;
    }
    panels.push(panelJson(it, id++, { x, y, w, h }));
    x += w;
    rowH = Math.max(rowH, h);
  }
  const variables = [
    { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', includeAll: false, multi: false, options: [] },
    ...d.variables.map((v) => ({
      name: v.name,
      label: v.label,
      type: 'query',
      datasource: DS,
      definition: v.query,
      query: { query: v.query, refId: `${v.name}-variable` },
      refresh: 2,
      regex: '',
      sort: 1,
      hide: 0,
      includeAll: v.multi,
      multi: v.multi,
      ...(v.multi ? { allValue: '.*' } : {}),
      current: {},
      options: [],
    })),
  ];
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['aioracle', 'eigenlayer'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: '',
    fiscalYearStartMonth: 0,
    liveNow: false,
    annotations: { list: [] },
    links: DASHBOARDS.filter((o) => o.uid !== d.uid).map((o) => ({ type: 'link', title: o.title, url: `/d/${o.uid}`, keepTime: true, includeVars: false, icon: 'dashboard', tags: [], asDropdown: false, targetBlank: false, tooltip: '' })),
    templating: { list: variables },
    panels,
  };
}

/** Dashboard files by name (`<uid without the aioracle- prefix>.json`). */
export function renderDashboards(): Record<string, string> {
  return Object.fromEntries(DASHBOARDS.map((d) => [`${d.uid.replace(/^aioracle-/, '')}.json`, `${JSON.stringify(renderDashboard(d), null, 2)}\n`]));
}
