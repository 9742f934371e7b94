/**
 * The aggregator's one configuration schema (DESIGN section 9): types, defaults and docs in one
 * place. Keys are snake_case so that env overrides map one to one (`AIORACLE_API__PORT=9000` →
 * `api.port`). Secrets never live here: the submitter key comes from an encrypted keystore file and
 * its password from a file or an environment variable that this schema only names.
 */
import { z } from 'zod';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');
const ms = (def: number) => z.number().int().min(0).default(def);

/** Where the AVS contracts live: a deployments file, or the addresses themselves. */
export const aggregatorContractsSchema = z.object({
  inference_oracle: address,
  operator_registry: address,
  model_registry: address,
  inference_feeds: address,
});

/** The aggregator configuration. */
export const aggregatorConfigSchema = z
  .object({
    /** JSON-RPC endpoint (http(s) or ws(s)). */
    eth_rpc_url: z.url({ error: 'must be an http(s) or ws(s) URL' }),
    /** Expected chain id; start-up fails when the node reports another. */
    chain_id: z.number().int().positive().optional(),
    /** Deployments file (deployments/<chainId>.json) written by aioracle-deploy. */
    deployment_file: z.string().min(1).optional(),
    /** Contract addresses (instead of, or overriding, the deployments file). */
    contracts: aggregatorContractsSchema.optional(),
    /** First block to scan for tasks when Redis has no cursor (default: deployment start block, or head − catchup_blocks). */
    start_block: z.number().int().min(0).optional(),
    redis: z
      .object({
        url: z.string().default('redis://127.0.0.1:6379'),
        /** Key prefix; chain id and oracle address are appended, so one Redis can serve several deployments. */
        prefix: z.string().regex(/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*$/, 'must be word characters separated by ":"').default('aioracle:agg'),
      })
      .prefault({}),
    api: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8090),
        /** Request body cap in bytes; larger bodies get 413 before they are parsed. */
        body_limit_bytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(65_536),
        /**
         * Responses being read or processed at once; above it a POST gets 429 ERR_OVERLOADED with
         * Retry-After, so a flood cannot grow memory without bound (0 = no cap).
         */
        max_inflight_responses: z.number().int().min(0).default(4096),
        /**
         * Body cap of POST /v1/batches in bytes (one signature over up to 128 tasks with their
         * outputs); larger bodies get 413 before they are parsed.
         */
        max_batch_body_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
        /** Batches being read or processed at once; above it POST /v1/batches gets 429 ERR_OVERLOADED (0 = no cap). */
        max_inflight_batches: z.number().int().min(0).default(64),
      })
      .prefault({}),
    watcher: z
      .object({
        poll_interval_ms: ms(1000),
        /** Blocks a TaskCreated log must be buried under before it is loaded. */
        confirmations: z.number().int().min(0).default(0),
        /** Blocks scanned back from the head on a first start without a deployment start block. */
        catchup_blocks: z.number().int().min(0).default(5000),
        /** Largest eth_getLogs range per call. */
        max_block_range: z.number().int().min(1).default(2000),
      })
      .prefault({}),
    aggregation: z
      .object({
        /** Wait after quorum before building the response, to collect more signatures (0 = submit at once). */
        collection_window_ms: ms(0),
        /** Responses to one digest that arrive within this window are verified as one batch. */
        verify_batch_window_ms: ms(10),
        /** A batch is checked as soon as it holds this many signatures (it may grow further while every verify thread is busy). */
        verify_batch_max: z.number().int().min(1).max(4096).default(256),
        /** Worker threads that verify signatures off the event loop (0 = verify on the event loop). */
        verify_threads: z.number().int().min(0).max(64).default(1),
        /** Tasks whose state is kept parsed in memory (LRU). */
        task_cache_size: z.number().int().min(1).default(4096),
      })
      .prefault({}),
    submitter: z
      .object({
        /** Encrypted JSON keystore (Web3 Secret Storage v3) of the account that pays for submissions. */
        keystore_file: z.string().min(1),
        /** File whose first line is the keystore password. */
        password_file: z.string().min(1).optional(),
        /** Name of the environment variable holding the password (used when no password_file). */
        password_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default('AIORACLE_SUBMITTER_PASSWORD'),
        gas_margin_pct: z.number().int().min(100).max(400).default(125),
        /** Attempts per submission job (exponential backoff between them). */
        attempts: z.number().int().min(1).max(100).default(8),
        backoff_ms: ms(500),
        concurrency: z.number().int().min(1).max(256).default(32),
        confirmations: z.number().int().min(1).default(1),
        /**
         * Lock of a running submit/slash/expire job. When the process dies mid-job (SIGKILL), a
         * restarted or second aggregator takes the job over after about 1.5× this.
         */
        job_lock_ms: z.number().int().min(1000).default(10_000),
        /**
         * Run the workers (submit, slash, expire) and the feed keeper on their own thread, so that a
         * submission never waits behind the HTTP intake (false = on the main event loop).
         */
        thread: z.boolean().default(true),
        /**
         * Scheduling priority (nice, -20..19) of that thread, so that on a busy machine a submission
         * gets the CPU before the intake. Below 0 needs CAP_SYS_NICE or a matching RLIMIT_NICE; without
         * it the thread keeps the process's priority (logged once). 0 leaves it alone.
         */
        thread_nice: z.number().int().min(-20).max(19).default(-10),
      }),
    expiry: z
      .object({
        enabled: z.boolean().default(true),
        /** Expected block time, to schedule the expiry job just after a task's deadline block. */
        block_time_ms: z.number().int().min(1).default(12_000),
        /** Longest wait between two deadline checks of one task. */
        max_recheck_ms: z.number().int().min(1).default(60_000),
      })
      .prefault({}),
    slashing: z.object({ enabled: z.boolean().default(true) }).prefault({}),
    feeds: z
      .object({
        enabled: z.boolean().default(false),
        /** Feeds to keep (decimal ids); empty = every active feed. */
        feed_ids: z.array(z.string().regex(/^[1-9][0-9]*$/)).default([]),
        poll_interval_ms: ms(15_000),
        /** Fee sent with each round request, in wei (decimal string). */
        fee_wei: z.string().regex(/^(0|[1-9][0-9]*)$/).default('0'),
      })
      .prefault({}),
    rewards: z
      .object({
        /** Call RewardsVault.submitRewards() once per calculation interval (docs/protocol.md "Rewards"). */
        enabled: z.boolean().default(false),
        /** The RewardsVault (default: the deployments file's avs.rewardsVault). */
        vault: address.optional(),
        poll_interval_ms: ms(60_000),
      })
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        pretty: z.boolean().default(false),
      })
      .prefault({}),
    /** Time allowed for a graceful shutdown before the process exits anyway. */
    shutdown_grace_ms: ms(10_000),
  })
  .superRefine((c, ctx) => {
    if (c.deployment_file === undefined && c.contracts === undefined) {
      ctx.addIssue({ code: 'custom', path: ['deployment_file'], message: 'set deployment_file or contracts (the AVS contract addresses)' });
    }
  });

/** The aggregator configuration after defaults. */
export type AggregatorConfig = z.output<typeof aggregatorConfigSchema>;
/** The aggregator configuration as written in YAML (defaults optional). */
export type AggregatorConfigInput = z.input<typeof aggregatorConfigSchema>;
