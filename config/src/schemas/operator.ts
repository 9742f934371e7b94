/**
 * The operator node's one configuration schema (DESIGN section 9): types, defaults and docs in one
 * place. Field names follow eigenlayer-cli's operator.yaml where the same thing is meant
 * (`operator.address`, `eth_rpc_url`, `chain_id`, `bls_private_key_store_path`,
 * `private_key_store_path`, `el_delegation_manager_address`, ...); the AVS's own settings sit in
 * nested sections. Keys are snake_case so env overrides map one to one
 * (`AIORACLE_REDIS__URL` → `redis.url`). Secrets never live here: keystore passwords come from a
 * password file, `AIORACLE_BLS_KEY_PASSWORD` / `AIORACLE_ECDSA_KEY_PASSWORD`, or a prompt.
 */
import { z } from 'zod';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');
const listen = z
  .string()
  .regex(/^[^\s:]*:[0-9]{1,5}$/, 'must be "host:port" (e.g. "0.0.0.0:9010"; port 0 = any free port)');

/** The AVS contracts: from a deployments file, or given directly (these override the file). */
export const operatorAvsSchema = z
  .object({
    /** Deployments file (`deployments/<chainId>.json`) written by aioracle-deploy. */
    deployment_file: z.string().min(1).optional(),
    inference_oracle: address.optional(),
    operator_registry: address.optional(),
    model_registry: address.optional(),
    inference_feeds: address.optional(),
    /** The AVS's RewardsVault (status and the rewards metrics read it; default: the deployment's). */
    rewards_vault: address.optional(),
    /** EigenLayer's RewardsCoordinator and the rewards token, for what was claimed (default: the deployment's). */
    rewards_coordinator: address.optional(),
    rewards_token: address.optional(),
    /** Quorums (operator set ids) to register for (default: every quorum of the deployment, or [0]). */
    quorums: z.array(z.number().int().min(0).max(255)).min(1).optional(),
  })
  .prefault({});

/** The operator configuration. */
export const operatorConfigSchema = z
  .object({
    operator: z
      .object({
        /** The operator's ECDSA address (EigenLayer operator); checked against the ECDSA keystore when one is loaded. */
        address: address.optional(),
        /** Metadata URI published by registerAsOperator. */
        metadata_url: z.string().default(''),
        /** Allocation delay (blocks) set at EigenLayer registration. */
        allocation_delay: z.number().int().min(0).default(0),
      })
      .prefault({}),
    /** Node name reported by GET /eigen/node. */
    node_name: z.string().min(1).default('aioracle-operator'),
    /** JSON-RPC endpoint (http(s) or ws(s)). */
    eth_rpc_url: z.url({ error: 'must be an http(s) or ws(s) URL' }),
    /** Optional websocket endpoint (unused by the poller; kept for eigenlayer-cli compatibility). */
    eth_ws_url: z.url().optional(),
    /** Expected chain id; start-up fails when the node reports another. */
    chain_id: z.number().int().positive().optional(),
    /** BLS keystore (eigensdk-go format). */
    bls_private_key_store_path: z.string().min(1).optional(),
    /** ECDSA keystore (Web3 Secret Storage v3, as geth / eigenlayer-cli write it); needed by register/deregister only. */
    private_key_store_path: z.string().min(1).optional(),
    /** Alias of private_key_store_path (eigenlayer-cli naming). */
    ecdsa_private_key_store_path: z.string().min(1).optional(),
    /** Files whose first line is the keystore password (instead of the env variables or a prompt). */
    bls_password_file: z.string().min(1).optional(),
    ecdsa_password_file: z.string().min(1).optional(),
    /** EigenLayer core addresses (override the deployments file). */
    el_delegation_manager_address: address.optional(),
    el_allocation_manager_address: address.optional(),
    el_strategy_manager_address: address.optional(),
    avs: operatorAvsSchema,
    /** Aggregators that receive every signed response (POST /v1/responses). */
    aggregator_urls: z.array(z.url({ error: 'must be an http(s) URL' })).default([]),
    redis: z
      .object({
        url: z.string().default('redis://127.0.0.1:6379'),
        /** Key prefix; chain id and oracle address are appended, so one Redis can serve several deployments. */
        prefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be 1+ characters of [A-Za-z0-9_.-]').default('aioracle-op'),
      })
      .prefault({}),
    models: z
      .object({
        /** Directory of model folders (each with manifest.json and the ONNX file it names). */
        dir: z.string().min(1).default('models'),
        /** onnxruntime-node execution provider for exact-int and tolerant models. */
        execution_provider: z.enum(['cpu', 'cuda'], { error: 'must be "cpu" or "cuda"' }).default('cpu'),
        /** intra-op threads for onnxruntime-node sessions whose manifest does not pin them (exact-wasm is always 1). */
        intra_op_threads: z.number().int().min(1).max(256).default(1),
        /**
         * Pull models registered on chain (and drop deactivated ones) while running, without a restart. Off by
         * default: with it on, the node downloads and runs whatever the ModelRegistry's owner registers whose URI
         * passes pull_allow and whose file is under pull_max_bytes (hashes are always checked against the chain).
         */
        auto_pull: z.boolean().default(false),
        /** Largest ONNX file `models pull` and auto_pull fetch. */
        pull_max_bytes: z.number().int().min(1).default(512 * 1024 * 1024),
        /**
         * URI prefixes auto_pull may fetch from (e.g. ["https://models.example.org/", "ipfs://"]). Empty: https:// and
         * ipfs:// only. `models pull` on the command line also accepts http:// and file://.
         */
        pull_allow: z.array(z.string().min(1)).default([]),
        /** HTTP gateway for ipfs:// model URIs (default: inputs.ipfs_gateway). */
        ipfs_gateway: z.url({ error: 'must be an http(s) URL' }).optional(),
        /** How often the ModelRegistry is read for new, deactivated and missing models. */
        poll_interval_ms: z.number().int().min(100).default(10_000),
      })
      .prefault({}),
    queue: z
      .object({
        /** Tasks in flight at once. A task holds its slot while its response is delivered (network waits), so this is well above the core count; inference itself runs on onnxruntime threads. */
        concurrency: z.number().int().min(1).max(1024).default(32),
        /** Attempts per task job for retryable failures. */
        attempts: z.number().int().min(1).max(50).default(5),
        backoff_ms: z.number().int().min(1).default(200),
        /** Completed/failed jobs kept (bounded retention). */
        keep_completed: z.number().int().min(0).default(1000),
        keep_failed: z.number().int().min(0).default(5000),
      })
      .prefault({}),
    watcher: z
      .object({
        poll_interval_ms: z.number().int().min(10).default(1000),
        /** Blocks a TaskCreated log must be buried under before the task is run. */
        confirmations: z.number().int().min(0).default(0),
        /** On a first start (no cursor in Redis), blocks scanned back from the head. */
        catchup_blocks: z.number().int().min(0).default(1000),
        /** Largest eth_getLogs range per call. */
        max_block_range: z.number().int().min(1).default(2000),
      })
      .prefault({}),
    delivery: z
      .object({
        attempts: z.number().int().min(1).max(100).default(8),
        base_ms: z.number().int().min(1).default(200),
        max_ms: z.number().int().min(1).default(10_000),
        timeout_ms: z.number().int().min(100).default(10_000),
      })
      .prefault({}),
    /** Batch attestation (docs/protocol.md "Batch attestation"): one signature per reference block's batch of tasks. */
    batching: z
      .object({
        /** Sign every reference block's tasks as batches (POST /v1/batches); false = one signature per task (POST /v1/responses) as before. */
        enabled: z.boolean().default(true),
        /** Blocks after a batch was delivered before a task of it that is still pending is signed alone (POST /v1/responses). */
        fallback_blocks: z.number().int().min(1).max(10_000).default(2),
      })
      .prefault({}),
    /**
     * Inputs by reference (docs/protocol.md "Inputs by reference"): where blob and URI inputs are read.
     * Every fetched input is cut off at min(the model's maxInputBytes, max_bytes) and checked against the
     * task's inputHash before use; a fetch that fails or does not match is refused (nothing signed).
     */
    inputs: z
      .object({
        /** This node's cap on any input by reference, in bytes (16 MiB = the protocol's largest). */
        max_bytes: z.number().int().min(1).max(16 * 1024 * 1024).default(16 * 1024 * 1024),
        /** Per-fetch timeout. */
        timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
        /** Fetch attempts for transient failures (unreachable, HTTP 5xx, blob not served yet). */
        attempts: z.number().int().min(1).max(20).default(3),
        /** HTTP gateway for ipfs:// inputs (e.g. http://127.0.0.1:8080); ipfs:// inputs are refused without one. */
        ipfs_gateway: z.url({ error: "must be an http(s) URL" }).optional(),
        blobs: z
          .object({
            /** Beacon API base URL for blob inputs (a consensus client; on the devnet anvil's RPC URL). Absent: the eth_rpc_url. */
            beacon_url: z.url({ error: "must be an http(s) URL" }).optional(),
            /** How the beacon API's block_id is formed: "slot" for a real beacon node, "execution_number" for anvil. */
            block_id: z.enum(['slot', 'execution_number'], { error: 'must be "slot" or "execution_number"' }).default('slot'),
            /** Seconds per slot (12 on Ethereum), for block_id "slot". */
            seconds_per_slot: z.number().int().min(1).default(12),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Anti-equivocation log: taskId → outputHash, appended and fsynced before anything is signed. */
    signing_log_path: z.string().min(1).default('aioracle-signing.log'),
    node_api: z.object({ listen: listen.default('0.0.0.0:9010'), enabled: z.boolean().default(true) }).prefault({}),
    metrics: z.object({ listen: listen.default('0.0.0.0:9091'), enabled: z.boolean().default(true) }).prefault({}),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** Devnet only: mint + deposit the test token and allocate magnitude during `register`; `byzantine` fault injection. */
    devnet: z
      .object({
        deposit: z.boolean().default(false),
        /** Stake to hold (wei, decimal string) when `deposit` is on. */
        stake: z.string().regex(/^[0-9]+$/, 'must be a decimal wei amount').default('1000000000000000000000'),
        allocate: z.boolean().default(true),
        /**
         * DEVNET ONLY, a fault injector for demos and end-to-end tests: the node corrupts every
         * canonical output before recording and signing it, so the aggregator sees dissent and gets
         * it slashed. The node refuses to start with it on any chain but anvil's (chain id 31337).
         */
        byzantine: z.boolean().default(false),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.avs.deployment_file === undefined && (c.avs.inference_oracle === undefined || c.avs.operator_registry === undefined || c.avs.model_registry === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['avs'], message: 'set avs.deployment_file, or avs.inference_oracle, avs.operator_registry and avs.model_registry' });
    }
  });

/** The validated operator configuration. */
export type OperatorConfig = z.output<typeof operatorConfigSchema>;
/** The operator configuration as written in operator.yaml. */
export type OperatorConfigInput = z.input<typeof operatorConfigSchema>;
