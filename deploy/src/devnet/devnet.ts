/**
 * The local devnet behind `npm start` / `aioracle devnet`: anvil, Redis, the local EigenLayer core
 * and the AVS, both demo models and a demo feed, N operators with fresh keys registered through the
 * real `aioracle-operator register`, an aggregator and the operator nodes as separate processes (the
 * built `dist` bins), and a request stream. Everything it starts is stopped by `stop()` and, as a
 * last resort, killed when this process exits.
 *
 * Setup runs on an automining chain (each transaction mined at once, so the ~100 setup
 * transactions take seconds), then switches anvil to one block every `blockTimeS` before the
 * aggregator and the operators start.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import {
  AioracleError,
  BlsSecretKey,
  TxSender,
  bindings,
  createProvider,
  deploymentFilePath,
  destroyProvider,
  initBls,
  blsBackendName,
  operatorIdFromPublicKey,
  blsKeyPairFromSecretKey,
  writeBlsKeystore,
  writeDeploymentFile,
  type Deployment,
  encodeRequestInference,
  hexToBytes,
} from '@aioracle/sdk';
import { Wallet, ZeroAddress, encryptKeystoreJson, parseEther, type JsonRpcProvider } from 'ethers';
import { stringify as toYaml } from 'yaml';
import { freePort, startAnvil, type AnvilInstance } from '../anvil.js';
import { deployAll } from '../deployAll.js';
import { createFeed, registerModel } from '../models.js';
import { encodeRow, loadDemoModels, loadReferenceModels, modelsDir as defaultModelsDir, repoRoot, variedInput, type DemoModel, type ReferenceModel } from './demoModels.js';
import { clientExports } from './clientEnv.js';
import { signEip1559 } from './rawTx.js';
import { childEnv, isListening, logTail, runToCompletion, startProcess, waitFor, type ManagedProcess } from './processes.js';
import { deleteKeys, ensureRedis, findExecutable, redisServerPid, type DevnetRedis } from './redis.js';
import { startModelServer } from './modelServer.js';
import { TaskTracker, type DevnetStats, type FeedView, type TrackedTask } from './tracker.js';

/** Options of {@link startDevnet}. */
export interface StartDevnetOptions {
  /** Operators to create (default 4). */
  operators?: number;
  /** How many of them sign wrong outputs (`devnet.byzantine`); the last K (default 0). */
  byzantine?: number;
  /** How many operators run with models.auto_pull off, the first K (default 0); they get the models by `models pull --all` before start. */
  autoPullOff?: number;
  /** Seconds per block once set up (default 1). */
  blockTimeS?: number;
  /** Requests per second of the built-in stream; 0 = no stream (default 1). */
  rate?: number;
  /** Devnet folder (keys, configs, logs, deployments). Default `<repo>/.devnet/<anvil port>`. */
  dir?: string;
  /** Batch attestation: operators sign one batch per block (default true); false = the per-task path. */
  batching?: boolean;
  /** Start Prometheus when a binary is found (default false). */
  prometheus?: boolean;
  /** Feed heartbeat in seconds (default max(10, 10 × blockTimeS)). */
  feedHeartbeatS?: number;
  /** Setup progress, one line per step. */
  onProgress?: (line: string) => void;
}

/** One operator of the devnet. */
export interface DevnetOperator {
  name: string;
  address: string;
  operatorId: string;
  byzantine: boolean;
  nodeApiUrl: string;
  metricsUrl: string;
  configFile: string;
  logFile: string;
  /** models.auto_pull of this node. */
  autoPull: boolean;
}

/** A request the devnet sent. */
export interface DevnetRequest {
  taskId: bigint;
  txHash: string;
  modelId: string;
  input: Uint8Array;
}

/** The one-line summary `--json` prints. */
export interface DevnetSummary {
  tasksRequested: number;
  finalised: number;
  expired: number;
  latencyMs: { p50: number | null; p95: number | null };
  latencyBlocks: { p50: number | null; p95: number | null };
  tasksPerSecond: number;
  operatorsSlashed: string[];
  byzantine: string[];
  feed: FeedView | null;
  deployment: string;
  dir: string;
  /** The `export AIORACLE_…` lines for the client CLI (clientEnv.ts). */
  exports: string[];
}

/** A running devnet. */
export interface DevnetHandle {
  dir: string;
  rpcUrl: string;
  chainId: number;
  blockTimeS: number;
  deployment: Deployment;
  deploymentFile: string;
  aggregatorUrl: string;
  prometheusUrl: string | null;
  /** Why Prometheus is not running when it was asked for (null otherwise). */
  prometheusNote: string | null;
  operators: DevnetOperator[];
  models: DemoModel[];
  /** Models whose inputs go by reference (blob or URI; text-direction), registered and served but not streamed. */
  refModels: ReferenceModel[];
  modelsDir: string;
  /** The model host: registered model URIs point under `url`; files are served from `root`. */
  modelServer: { url: string; root: string };
  feed: { feedId: string; adapter: string; description: string };
  /** A funded anvil dev key (account 3) for clients such as `aioracle request`; no other process uses it. */
  clientKey: string;
  /** Address of the account the request stream sends from. */
  requester: string;
  /** Seconds the setup took. */
  startupS: number;
  tracker: TaskTracker;
  /** Sends one request (default: a varied sample input) and resolves once it is mined. */
  request: (model: string, input?: Uint8Array) => Promise<DevnetRequest>;
  /** Resolves when the task is finalised or expired. */
  waitForTask: (taskId: bigint, timeoutMs?: number) => Promise<TrackedTask>;
  startStream: (rate: number) => void;
  stopStream: () => void;
  stats: () => DevnetStats;
  summary: () => DevnetSummary;
  /** Process ids of every part of the devnet (anvil, aggregator, operators, Redis, Prometheus), for CPU accounting. */
  processIds: () => Promise<{ name: string; pid: number }[]>;
  /** Stops everything it started (idempotent). */
  stop: () => Promise<void>;
}

const CHAIN_ID = 31337;
/** Scrypt N of the devnet's throwaway keystores (eigensdk-go's 262144 would add seconds per key for nothing). */
const DEVNET_SCRYPT_N = 1 << 14;

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Whole seconds since `t0`, with one decimal. */
const since = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/**
 * Starts a devnet and returns its handle. On any failure everything already started is stopped
 * before the error is thrown.
 * @example
 * const d = await startDevnet({ operators: 4, rate: 0 });
 * try { const r = await d.request('liquidation-risk'); await d.waitForTask(r.taskId); } finally { await d.stop(); }
 */
export async function startDevnet(opts: StartDevnetOptions = {}): Promise<DevnetHandle> {
  const nOps = opts.operators ?? 4;
  const nByz = opts.byzantine ?? 0;
  const nPullOff = opts.autoPullOff ?? 0;
  const blockTimeS = opts.blockTimeS ?? 1;
  if (!Number.isInteger(nOps) || nOps < 1 || nOps > 64) throw new AioracleError('ERR_DEVNET_CONFIG', 'Validation failed: operators must be 1..64');
  if (!Number.isInteger(nByz) || nByz < 0 || nByz > nOps) throw new AioracleError('ERR_DEVNET_CONFIG', `Validation failed: byzantine must be 0..${nOps} (the number of operators)`);
  if (!Number.isInteger(nPullOff) || nPullOff < 0 || nPullOff > nOps) throw new AioracleError('ERR_DEVNET_CONFIG', `Validation failed: autoPullOff must be 0..${nOps} (the number of operators)`);
  if (!Number.isInteger(blockTimeS) || blockTimeS < 1 || blockTimeS > 60) throw new AioracleError('ERR_DEVNET_CONFIG', 'Validation failed: block time must be a whole number of seconds, 1..60');
  const progress = opts.onProgress ?? (() => undefined);
  const t0 = Date.now();
  const root = repoRoot();
  const operatorBin = join(root, 'operator', 'dist', 'bin', 'operator.js');
  const aggregatorBin = join(root, 'aggregator', 'dist', 'bin', 'aggregator.js');
  for (const bin of [operatorBin, aggregatorBin]) {
    if (!existsSync(bin)) throw new AioracleError('ERR_DEVNET_BUILD', `${bin} is missing: build first (npx turbo run build, or npm start which does it)`);
  }
  if (blsBackendName() === null) await initBls();

  const cleanups: { name: string; fn: () => Promise<void> }[] = [];
  const processes: ManagedProcess[] = [];
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const c of cleanups.reverse()) {
      try {
        await c.fn();
      } catch {
        // keep stopping the rest; a failed cleanup must not leave other processes running
      }
    }
  };

  try {
    const anvilPort = await freePort();
    const dir = resolve(opts.dir ?? join(root, '.devnet', String(anvilPort)));
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
    const logsDir = join(dir, 'logs');
    const runPrefix = `aiodev-${anvilPort}-${randomBytes(3).toString('hex')}`;

    // Redis
    const redis: DevnetRedis = await ensureRedis({ logFile: join(logsDir, 'redis.log') });
    cleanups.push({ name: 'redis', fn: () => redis.stop() });
    cleanups.push({ name: 'redis keys', fn: async () => void (await deleteKeys(redis.url, runPrefix)) });
    progress(`redis      ${redis.url}${redis.process ? ' (started redis-server)' : ' (already running)'}`);

    // anvil, automining during setup
    const anvil: AnvilInstance = await startAnvil({ port: anvilPort, chainId: CHAIN_ID });
    cleanups.push({ name: 'anvil', fn: () => anvil.stop() });
    progress(`anvil      ${anvil.rpcUrl} (chain ${anvil.chainId})  ${since(t0)}`);
    const provider = createProvider(anvil.rpcUrl, { pollingIntervalMs: 100 }) as JsonRpcProvider;
    cleanups.push({ name: 'provider', fn: () => destroyProvider(provider) });
    const deployerKey = anvil.accounts[0]!.privateKey;
    const funder = new TxSender(new Wallet(anvil.accounts[1]!.privateKey, provider));
    const requesterWallet = new Wallet(anvil.accounts[2]!.privateKey, provider);
    const clientKey = anvil.accounts[3]!.privateKey;

    // Contracts, models, feed
    const deployment = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey });
    progress(`deployed   EigenLayer core + AVS (oracle ${deployment.avs.inferenceOracle})  ${since(t0)}`);
    const modelsDir = defaultModelsDir();
    const models = loadDemoModels(modelsDir);
    // The models are hosted over HTTP (a copy of config/models) and registered with that URI: operators pull them.
    const modelHostDir = join(dir, 'model-host');
    cpSync(modelsDir, modelHostDir, { recursive: true });
    const modelServer = await startModelServer(modelHostDir);
    cleanups.push({ name: 'model server', fn: () => modelServer.stop() });
    for (const m of models) {
      const uri = `${modelServer.url}/${relative(modelsDir, m.onnxFile).split(sep).join('/')}`;
      const entry = await registerModel({ rpcUrl: anvil.rpcUrl, ownerKey: deployerKey, deployment, manifest: m.manifest, onnxFile: m.onnxFile, uri });
      deployment.models.push(entry);
    }
    // Models whose inputs go by reference (text-direction: a third-party vision model); not in the request stream.
    const refModels = loadReferenceModels(modelsDir);
    for (const m of refModels) {
      const uri = `${modelServer.url}/${relative(modelsDir, m.onnxFile).split(sep).join('/')}`;
      deployment.models.push(await registerModel({ rpcUrl: anvil.rpcUrl, ownerKey: deployerKey, deployment, manifest: m.manifest, onnxFile: m.onnxFile, uri }));
    }
    progress(`models     ${models.length + refModels.length} registered, served at ${modelServer.url}/ (operators pull them)  ${since(t0)}`);
    const intModel = models.find((m) => m.manifest.profile === 'exact-int') ?? models[0]!;
    const feedRow = intModel.sampleRows[intModel.sampleRows.length - 1]!;
    const feedEntry = await createFeed({
      rpcUrl: anvil.rpcUrl,
      ownerKey: deployerKey,
      deployment,
      modelId: intModel.modelId,
      input: encodeRow(intModel, feedRow),
      decimals: 0,
      answerIndex: 0,
      heartbeat: opts.feedHeartbeatS ?? Math.max(10, 10 * blockTimeS),
      description: `${intModel.name}: liquidation risk class of the demo position (0 low, 1 medium, 2 high)`,
    });
    deployment.feeds.push(feedEntry);
    if (!feedEntry.adapter) throw new AioracleError('ERR_DEVNET_STEP', `feed ${feedEntry.feedId} has no AggregatorV3Interface adapter`);
    const feedInfo = { feedId: feedEntry.feedId, adapter: feedEntry.adapter, description: feedEntry.description ?? '' };
    const deploymentFile = deploymentFilePath(join(dir, 'deployments'), anvil.chainId);
    writeDeploymentFile(deploymentFile, deployment);
    progress(`models     ${models.map((m) => m.name).join(', ')}; feed ${feedEntry.feedId} (adapter ${feedEntry.adapter})  ${since(t0)}`);

    // Keys and configs
    const aggregatorPort = await freePort();
    const aggregatorUrl = `http://127.0.0.1:${aggregatorPort}`;
    const operators: (DevnetOperator & { wallet: Wallet })[] = [];
    for (let i = 0; i < nOps; i++) {
      const name = `op${i + 1}`;
      const opDir = join(dir, name);
      mkdirSync(opDir, { recursive: true, mode: 0o700 });
      const wallet = new Wallet(Wallet.createRandom().privateKey, provider);
      const ecdsaPw = randomBytes(16).toString('hex');
      const blsPw = randomBytes(16).toString('hex');
      writeSecret(join(opDir, 'ecdsa.password'), `${ecdsaPw}\n`);
      writeSecret(join(opDir, 'bls.password'), `${blsPw}\n`);
      writeSecret(join(opDir, 'ecdsa.key.json'), await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, ecdsaPw, { scrypt: { N: DEVNET_SCRYPT_N } }));
      const sk = BlsSecretKey.random();
      await writeBlsKeystore(join(opDir, 'bls.key.json'), sk, blsPw, { scryptN: DEVNET_SCRYPT_N });
      const operatorId = operatorIdFromPublicKey(blsKeyPairFromSecretKey(sk).publicKeyG1);
      const apiPort = await freePort();
      const metricsPort = await freePort();
      const byzantine = i >= nOps - nByz;
      const pullOff = i < nPullOff;
      const config = {
        node_name: `devnet-${name}`,
        eth_rpc_url: anvil.rpcUrl,
        chain_id: anvil.chainId,
        operator: { address: wallet.address },
        bls_private_key_store_path: './bls.key.json',
        bls_password_file: './bls.password',
        private_key_store_path: './ecdsa.key.json',
        ecdsa_password_file: './ecdsa.password',
        avs: { deployment_file: deploymentFile },
        aggregator_urls: [aggregatorUrl],
        redis: { url: redis.url, prefix: `${runPrefix}-${name}` },
        // An empty models folder: the node pulls what the ModelRegistry lists (auto_pull), or `models pull --all` ran first.
        models: { dir: './models', auto_pull: !pullOff, pull_allow: [`${modelServer.url}/`], poll_interval_ms: 2_000 },
        watcher: { poll_interval_ms: 100 },
        batching: { enabled: opts.batching ?? true },
        // Blob inputs: anvil serves the beacon API's blobs endpoint on its RPC port, keyed by execution block number.
        inputs: { blobs: { beacon_url: anvil.rpcUrl, block_id: 'execution_number' } },
        signing_log_path: './signing.log',
        node_api: { listen: `127.0.0.1:${apiPort}` },
        metrics: { listen: `127.0.0.1:${metricsPort}` },
        log_level: 'info',
        devnet: { deposit: true, ...(byzantine ? { byzantine: true } : {}) },
      };
      const configFile = join(opDir, 'operator.yaml');
      writeFileSync(configFile, `# devnet operator ${name}${byzantine ? ' (BYZANTINE: signs wrong outputs on purpose)' : ''}\n${toYaml(config)}`);
      operators.push({
        name,
        address: wallet.address,
        operatorId,
        byzantine,
        nodeApiUrl: `http://127.0.0.1:${apiPort}`,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        configFile,
        logFile: join(logsDir, `${name}.log`),
        autoPull: !pullOff,
        wallet,
      });
    }
    // Submitter of the aggregator
    const submitter = Wallet.createRandom();
    const subPw = randomBytes(16).toString('hex');
    mkdirSync(join(dir, 'aggregator'), { recursive: true, mode: 0o700 });
    writeSecret(join(dir, 'aggregator', 'submitter.password'), `${subPw}\n`);
    writeSecret(join(dir, 'aggregator', 'submitter.keystore.json'), await encryptKeystoreJson({ address: submitter.address, privateKey: submitter.privateKey }, subPw, { scrypt: { N: DEVNET_SCRYPT_N } }));
    const intFee = BigInt(intModel.manifest.fee);
    const aggConfig = {
      eth_rpc_url: anvil.rpcUrl,
      chain_id: anvil.chainId,
      deployment_file: deploymentFile,
      redis: { url: redis.url, prefix: `${runPrefix}-agg` },
      api: { host: '127.0.0.1', port: aggregatorPort },
      watcher: { poll_interval_ms: 250 },
      submitter: { keystore_file: join(dir, 'aggregator', 'submitter.keystore.json'), password_file: join(dir, 'aggregator', 'submitter.password') },
      expiry: { enabled: true, block_time_ms: blockTimeS * 1000, max_recheck_ms: Math.max(5_000, 5 * blockTimeS * 1000) },
      slashing: { enabled: true },
      feeds: { enabled: true, feed_ids: [feedEntry.feedId], poll_interval_ms: 2_000, fee_wei: intFee.toString() },
      rewards: { enabled: true, poll_interval_ms: 5_000 }, // submits the vault's rewards every calculation interval (60 s)
      log: { level: 'info' },
      shutdown_grace_ms: 5_000,
    };
    const aggConfigFile = join(dir, 'aggregator', 'aggregator.yaml');
    writeFileSync(aggConfigFile, `# devnet aggregator\n${toYaml(aggConfig)}`);

    // Funding (ETH for gas; the operators' stake is minted by their own register step)
    for (const to of [...operators.map((o) => o.address), submitter.address]) {
      const tx = await funder.signer.sendTransaction({ to, value: parseEther(to === submitter.address ? '1000' : '10') });
      await tx.wait();
    }
    progress(`keys       ${nOps} operators (keystores in ${dir}), funded  ${since(t0)}`);

    // Registration through the real CLI, a few at a time
    const env = childEnv();
    let next = 0;
    const registerOne = async (): Promise<void> => {
      for (;;) {
        const op = operators[next++];
        if (!op) return;
        await runToCompletion({ name: `register ${op.name}`, command: process.execPath, args: [operatorBin, 'register', '--config', op.configFile], logFile: join(logsDir, `${op.name}.register.log`), cwd: root, env });
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, nOps) }, registerOne));
    progress(`registered ${nOps} operators through aioracle-operator register  ${since(t0)}`);
    // Operators without auto_pull get the models the way their owner would: the real `models pull --all`.
    for (const op of operators.filter((o) => !o.autoPull)) {
      await runToCompletion({ name: `models pull ${op.name}`, command: process.execPath, args: [operatorBin, 'models', 'pull', '--all', '--config', op.configFile], logFile: join(logsDir, `${op.name}.pull.log`), cwd: root, env });
    }

    // From now on: real blocks
    await provider.send('evm_setAutomine', [false]);
    await provider.send('evm_setIntervalMining', [blockTimeS]);

    // Aggregator
    const agg = startProcess({ name: 'aggregator', command: process.execPath, args: [aggregatorBin, 'run', '--config', aggConfigFile], logFile: join(logsDir, 'aggregator.log'), cwd: root, env });
    processes.push(agg);
    cleanups.push({ name: 'aggregator', fn: () => agg.stop() });
    // Operator nodes
    for (const op of operators) {
      const p = startProcess({ name: op.name, command: process.execPath, args: [operatorBin, 'run', '--config', op.configFile], logFile: op.logFile, cwd: root, env });
      processes.push(p);
      cleanups.push({ name: op.name, fn: () => p.stop() });
    }
    const httpOk = async (url: string, okStatus: (s: number) => boolean): Promise<boolean> => {
      const r = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return okStatus(r.status);
    };
    await waitFor(
      () => httpOk(`${aggregatorUrl}/healthz`, (s) => s === 200),
      60_000,
      () => new AioracleError('ERR_DEVNET_STEP', `the aggregator did not become healthy; last lines of ${agg.logFile}:\n${logTail(agg.logFile)}`),
      200,
      () => !agg.hasExited(),
    );
    await Promise.all(
      operators.map((op, i) =>
        waitFor(
          () => httpOk(`${op.nodeApiUrl}/eigen/node/health`, (s) => s === 200 || s === 206),
          90_000,
          () => new AioracleError('ERR_DEVNET_STEP', `operator ${op.name} did not become healthy; last lines of ${op.logFile}:\n${logTail(op.logFile)}`),
          250,
          () => !processes[i + 1]!.hasExited(),
        ),
      ),
    );
    progress(`running    aggregator ${aggregatorUrl} + ${nOps} operator nodes (block time ${blockTimeS} s)  ${since(t0)}`);

    // Prometheus (optional)
    let prometheusUrl: string | null = null;
    let prometheusNote: string | null = null;
    if (opts.prometheus) {
      const started = await startPrometheus(dir, logsDir, operators, aggregatorPort, blockTimeS);
      prometheusUrl = started.url;
      prometheusNote = started.note;
      if (started.process) {
        const p = started.process;
        processes.push(p);
        cleanups.push({ name: 'prometheus', fn: () => p.stop() });
      }
      progress(prometheusUrl ? `prometheus ${prometheusUrl}` : `prometheus ${prometheusNote}`);
    }

    // Tracker and requests
    const tracker = new TaskTracker({ deployment, feed: feedInfo }, provider);
    tracker.start();
    cleanups.push({ name: 'tracker', fn: () => tracker.stop() });
    const oracle = bindings.InferenceOracle__factory.connect(deployment.avs.inferenceOracle, requesterWallet);
    const byName = (model: string): DemoModel => {
      const m = models.find((x) => x.name === model || x.modelId === model.toLowerCase());
      if (!m) throw new AioracleError('ERR_DEVNET_CONFIG', `Unknown demo model "${model}" (have: ${models.map((x) => x.name).join(', ')})`);
      return m;
    };
    // The requester sends at up to hundreds of requests a second: nonce, gas limit and fees are kept
    // here (fees re-read every 5 s), so a request is one eth_sendRawTransaction and no receipt polling
    // (the tracker reads the TaskCreated logs anyway).
    const gasLimits = new Map<string, bigint>();
    const gasFor = async (m: DemoModel): Promise<bigint> => {
      let g = gasLimits.get(m.modelId);
      if (g === undefined) {
        g = ((await oracle.requestInference.estimateGas(m.modelId, m.sampleInput, ZeroAddress, 0, { value: BigInt(m.manifest.fee) })) * 3n) / 2n;
        gasLimits.set(m.modelId, g);
      }
      return g;
    };
    let fees: { at: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | null = null;
    const feesNow = async (): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> => {
      if (!fees || Date.now() - fees.at > 5_000) {
        const f = await provider.getFeeData();
        const tip = f.maxPriorityFeePerGas ?? 1n;
        fees = { at: Date.now(), maxFeePerGas: (f.maxFeePerGas ?? f.gasPrice ?? 10n ** 9n) * 2n + tip, maxPriorityFeePerGas: tip };
      }
      return fees;
    };
    let nextNonce: Promise<number> | null = null;
    const takeNonce = async (): Promise<number> => {
      nextNonce ??= provider.getTransactionCount(requesterWallet.address, 'pending');
      const n = nextNonce;
      nextNonce = n.then((x) => x + 1);
      return n;
    };
    const requesterKey = hexToBytes(requesterWallet.privateKey);
    const send = async (m: DemoModel, input: Uint8Array): Promise<string> => {
      const [gasLimit, fee] = await Promise.all([gasFor(m), feesNow()]);
      const nonce = await takeNonce();
      try {
        // Signed here and sent raw: ethers' contract call path (populate, ABI-encode, checks) was
        // most of the requester's CPU at 100 requests/s.
        const { raw, hash } = signEip1559(
          {
            to: deployment.avs.inferenceOracle,
            data: encodeRequestInference(m.modelId, input, ZeroAddress, 0),
            value: BigInt(m.manifest.fee),
            gasLimit,
            nonce,
            chainId: BigInt(CHAIN_ID),
            ...fee,
          },
          requesterKey,
        );
        await provider.send('eth_sendRawTransaction', [raw]);
        tracker.noteSent(hash);
        return hash;
      } catch (err) {
        nextNonce = null; // read the nonce again: this one may not have been used
        throw err;
      }
    };
    const request = async (model: string, input?: Uint8Array): Promise<DevnetRequest> => {
      const m = byName(model);
      const bytes = input ?? variedInput(m);
      const hash = await send(m, bytes);
      const taskId = await tracker.taskIdOf(hash, 120_000);
      if (taskId !== null) return { taskId, txHash: hash, modelId: m.modelId, input: bytes };
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt && receipt.status !== 1) throw new AioracleError('ERR_TX_REVERTED', `requestInference ${hash} failed`);
      throw new AioracleError('ERR_DEVNET_STEP', `requestInference ${hash} created no task within 120 s`);
    };

    // The stream: alternate the models; send whatever is due every tick.
    let streamTimer: NodeJS.Timeout | null = null;
    let streamErrors = 0;
    const startStream = (rate: number): void => {
      if (streamTimer || rate <= 0) return;
      const startedAt = Date.now();
      let sentCount = 0;
      const tickMs = Math.max(20, Math.min(1000, Math.floor(1000 / rate)));
      streamTimer = setInterval(() => {
        const due = Math.min(500, Math.floor(((Date.now() - startedAt) / 1000) * rate) + 1 - sentCount);
        for (let k = 0; k < due; k++) {
          const m = models[sentCount % models.length]!;
          sentCount++;
          send(m, variedInput(m)).catch(() => {
            streamErrors++;
          });
        }
      }, tickMs);
    };
    const stopStream = (): void => {
      if (streamTimer) clearInterval(streamTimer);
      streamTimer = null;
    };
    cleanups.push({ name: 'stream', fn: async () => stopStream() });
    if ((opts.rate ?? 1) > 0) startStream(opts.rate ?? 1);

    const startupS = (Date.now() - t0) / 1000;
    const byzantine = operators.filter((o) => o.byzantine).map((o) => o.address);
    const handle: DevnetHandle = {
      dir,
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      blockTimeS,
      deployment,
      deploymentFile,
      aggregatorUrl,
      prometheusUrl,
      prometheusNote,
      operators: operators.map(({ wallet: _w, ...o }) => o),
      models,
      refModels,
      modelsDir,
      modelServer: { url: modelServer.url, root: modelServer.root },
      feed: feedInfo,
      clientKey,
      requester: requesterWallet.address,
      startupS,
      tracker,
      request,
      waitForTask: (taskId, timeoutMs = (deployment.responseWindowBlocks + 10) * blockTimeS * 1000) => tracker.waitFor(taskId, timeoutMs),
      startStream,
      stopStream,
      stats: () => ({ ...tracker.stats(), streamErrors }) as DevnetStats,
      summary: () => {
        const s = tracker.stats();
        return {
          tasksRequested: s.requested,
          finalised: s.finalised,
          expired: s.expired,
          latencyMs: s.latencyMs,
          latencyBlocks: s.latencyBlocks,
          tasksPerSecond: Number(s.tasksPerSecondAvg.toFixed(3)),
          operatorsSlashed: tracker.slashedOperators(),
          byzantine,
          feed: s.feed,
          deployment: deploymentFile,
          dir,
          exports: clientExports({ deploymentFile, rpcUrl: anvil.rpcUrl, clientKey }),
        };
      },
      processIds: async () => {
        const ids = [{ name: 'anvil', pid: anvil.pid }, ...processes.filter((p) => !p.hasExited()).map((p) => ({ name: p.name, pid: p.pid }))];
        const redisPid = await redisServerPid(redis.url);
        if (redisPid !== null && !ids.some((x) => x.pid === redisPid)) ids.push({ name: 'redis', pid: redisPid });
        return ids;
      },
      stop: stopAll,
    };
    return handle;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startPrometheus(
  dir: string,
  logsDir: string,
  operators: DevnetOperator[],
  aggregatorPort: number,
  blockTimeS: number,
): Promise<{ url: string | null; note: string | null; process: ManagedProcess | null }> {
  interface MonitoringModule {
    renderPrometheusConfig: (o: { operators: string[]; aggregators: string[]; scrapeIntervalS?: number }) => string;
    findPrometheus: () => string | null;
  }
  let mon: MonitoringModule;
  try {
    // Not a dependency of this package (monitoring depends on deploy for its tests): resolved at run time.
    const spec = '@aioracle/monitoring';
    mon = (await import(spec)) as MonitoringModule;
  } catch {
    return { url: null, note: 'not started: @aioracle/monitoring is not built (npx turbo run build)', process: null };
  }
  const bin = mon.findPrometheus() ?? findExecutable('prometheus');
  if (bin === null) return { url: null, note: 'not installed (put a prometheus binary on PATH to get one)', process: null };
  const port = await freePort();
  const file = join(dir, 'prometheus.yml');
  writeFileSync(
    file,
    mon.renderPrometheusConfig({
      operators: operators.map((o) => new URL(o.metricsUrl).host),
      aggregators: [`127.0.0.1:${aggregatorPort}`],
      scrapeIntervalS: Math.max(1, Math.min(15, blockTimeS * 5)),
    }),
  );
  const p = startProcess({
    name: 'prometheus',
    command: bin,
    args: [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`],
    logFile: join(logsDir, 'prometheus.log'),
    env: childEnv(),
  });
  try {
    await waitFor(() => isListening(port), 20_000, () => new AioracleError('ERR_DEVNET_STEP', 'prometheus did not start'), 200, () => !p.hasExited());
  } catch {
    await p.stop(2_000);
    return { url: null, note: `failed to start (see ${join(logsDir, 'prometheus.log')})`, process: null };
  }
  return { url: `http://127.0.0.1:${port}`, note: null, process: p };
}
