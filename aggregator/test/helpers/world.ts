/**
 * A test world: anvil, the AVS deployed with two quorums, a registered exact-int model with slashing
 * on, and operators with chosen stakes and quorums (real BLS keys, registered through EigenLayer's
 * flow by @aioracle/deploy). Tasks are requested on chain; responses are signed with the sdk.
 */
import { deployAll, setupOperators, startAnvil, type AnvilInstance, type RegisteredOperator } from '@aioracle/deploy';
import {
  BlsSecretKey,
  bindings,
  blsSign,
  createProvider,
  destroyProvider,
  initBls,
  outputHash,
  parseTaskCreatedLog,
  responseDigest,
  batchDigest,
  batchLeaf,
  merkleRoot,
  taskHash,
  waitForReceipt,
  type Deployment,
  type Task,
} from '@aioracle/sdk';
import { aggregatorConfigSchema, type AggregatorConfig, type AggregatorConfigInput } from '@aioracle/config';
import { NonceManager, Wallet, getBytes, hexlify, keccak256, randomBytes, toUtf8Bytes, type JsonRpcProvider } from 'ethers';

export const MODEL_ID = keccak256(toUtf8Bytes('agg-test@1'));
export const FEE = 1000n;

export interface OperatorWithKey extends RegisteredOperator {
  sk: BlsSecretKey;
}

export interface World {
  anvil: AnvilInstance;
  deployment: Deployment;
  provider: JsonRpcProvider;
  requester: NonceManager;
  requesterAddress: string;
  operators: OperatorWithKey[];
  submitterKey: string;
  close(): Promise<void>;
}

/** A world of `n` operators with one token each, all in quorum 0 (the only quorum). */
export function equalStakeWorld(n: number, opts: { thresholdBps: number; responseWindowBlocks?: number }): Promise<World> {
  return createWorld(Array.from({ length: n }, () => ({ stake: 1n, quorums: [0] })), { quorums: [0], ...opts });
}

/** Starts anvil, deploys, registers the model and operators (stakes in whole tokens). */
export async function createWorld(specs: { stake: bigint; quorums: number[] }[], opts: { thresholdBps?: number; quorums?: number[]; responseWindowBlocks?: number } = {}): Promise<World> {
  await initBls();
  const anvil = await startAnvil();
  // A failed setup must not leave anvil running (jest does not run process exit hooks).
  try {
    const deployerKey = anvil.accounts[0]!.privateKey;
    const deployment = await deployAll({
      rpcUrl: anvil.rpcUrl,
      deployerKey,
      quorums: (opts.quorums ?? [0, 1]).map((q) => ({ quorumNumber: q })),
      thresholdBps: opts.thresholdBps ?? 6667,
      responseWindowBlocks: opts.responseWindowBlocks ?? 20,
    });
    const provider = createProvider(anvil.rpcUrl) as JsonRpcProvider;
    const deployer = new NonceManager(new Wallet(deployerKey, provider));
    const models = bindings.ModelRegistry__factory.connect(deployment.avs.modelRegistry, deployer);
    await waitForReceipt(
      await models.registerModel(MODEL_ID, {
        manifestHash: keccak256(toUtf8Bytes('manifest')),
        onnxHash: keccak256(toUtf8Bytes('onnx')),
        uri: 'ipfs://test',
        profile: 0,
        tolerance: 0,
        fee: FEE,
        slashWad: 10n ** 17n,
        active: true,
      }),
    );
    const sks = specs.map(() => BlsSecretKey.random());
    const regs = await setupOperators(
      deployment,
      specs.map((s, i) => ({ ecdsaKey: Wallet.createRandom().privateKey, blsSecretKey: sks[i]!, stake: s.stake * 10n ** 18n, quorums: s.quorums })),
      { rpcUrl: anvil.rpcUrl },
    );
    const operators = regs.map((r, i) => ({ ...r, sk: sks[i]! }));
    const requester = new NonceManager(new Wallet(anvil.accounts[1]!.privateKey, provider));
    return {
      anvil,
      deployment,
      provider,
      requester,
      requesterAddress: anvil.accounts[1]!.address,
      operators,
      submitterKey: anvil.accounts[2]!.privateKey,
      async close() {
        await destroyProvider(provider);
        await anvil.stop();
      },
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/** Requests an inference and returns the created task. */
export async function requestTask(w: World): Promise<{ task: Task; taskHash: string }> {
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.requester);
  const input = hexlify(Uint8Array.from([1, 1, 0, 0, 0, ...randomBytes(8)]));
  const receipt = await waitForReceipt(await oracle.requestInference(MODEL_ID, input, '0x0000000000000000000000000000000000000000', 0, { value: FEE }));
  const log = receipt!.logs.find((l) => l.address.toLowerCase() === w.deployment.avs.inferenceOracle.toLowerCase() && l.topics[0] === oracle.interface.getEvent('TaskCreated').topicHash)!;
  const c = parseTaskCreatedLog(log, w.deployment.avs.inferenceOracle);
  return { task: c.task, taskHash: taskHash(c.task) };
}

/** Requests `n` inferences mined in one block (one reference block: one batch), in taskId order. */
export async function requestTasksInOneBlock(w: World, n: number): Promise<{ task: Task; taskHash: string }[]> {
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.requester);
  await w.provider.send('evm_setAutomine', [false]);
  const sent = [];
  try {
    for (let i = 0; i < n; i++) {
      const input = hexlify(Uint8Array.from([1, 1, 0, 0, 0, ...randomBytes(8)]));
      sent.push(await oracle.requestInference(MODEL_ID, input, '0x0000000000000000000000000000000000000000', 0, { value: FEE, gasLimit: 1_000_000n }));
    }
    await w.provider.send('evm_mine', []);
  } finally {
    await w.provider.send('evm_setAutomine', [true]);
  }
  const out = [];
  const topic = oracle.interface.getEvent('TaskCreated').topicHash;
  for (const tx of sent) {
    const receipt = await waitForReceipt(tx);
    const log = receipt!.logs.find((l) => l.address.toLowerCase() === w.deployment.avs.inferenceOracle.toLowerCase() && l.topics[0] === topic)!;
    const c = parseTaskCreatedLog(log, w.deployment.avs.inferenceOracle);
    out.push({ task: c.task, taskHash: taskHash(c.task) });
  }
  out.sort((a, b) => (a.task.taskId < b.task.taskId ? -1 : 1));
  if (new Set(out.map((t) => t.task.referenceBlock)).size !== 1) throw new Error('tasks were not mined in one block');
  return out;
}

/** A signed batch body (POST /v1/batches) as an operator sends it; `outputs[i]` null = abstain. */
export function signedBatch(w: World, op: OperatorWithKey, ts: { task: Task; taskHash: string }[], outputs: (string | null)[]): Record<string, unknown> {
  const leaves = ts.map((t, i) => batchLeaf(t.taskHash, outputs[i] === null || outputs[i] === undefined ? null : outputHash(getBytes(outputs[i]!))));
  const referenceBlock = ts[0]!.task.referenceBlock;
  const digest = batchDigest({ chainId: BigInt(w.deployment.chainId), oracle: w.deployment.avs.inferenceOracle, referenceBlock, batchRoot: merkleRoot(leaves), leafCount: ts.length });
  return {
    chainId: w.deployment.chainId,
    oracle: w.deployment.avs.inferenceOracle,
    operatorId: op.operatorId,
    referenceBlock,
    tasks: ts.map((t, i) => ({ taskId: t.task.taskId.toString(), taskHash: t.taskHash, output: outputs[i] ?? null })),
    signature: blsSign(op.sk, digest).toSolidityStrings(),
  };
}

/** A signed response body as an operator sends it. */
export function signedResponse(w: World, op: OperatorWithKey, t: { task: Task; taskHash: string }, output: string, signWith?: BlsSecretKey): Record<string, unknown> {
  const digest = responseDigest({ chainId: BigInt(w.deployment.chainId), oracle: w.deployment.avs.inferenceOracle, taskHash: t.taskHash, outputHash: outputHash(getBytes(output)) });
  const sig = blsSign(signWith ?? op.sk, digest);
  return {
    chainId: w.deployment.chainId,
    oracle: w.deployment.avs.inferenceOracle,
    taskId: t.task.taskId.toString(),
    taskHash: t.taskHash,
    operatorId: op.operatorId,
    output,
    signature: sig.toSolidityStrings(),
  };
}

/** Aggregator config for tests (port 0, fast polling, unique Redis prefix). */
export function testConfig(w: World, prefix: string, over: Partial<AggregatorConfigInput> = {}): AggregatorConfig {
  return aggregatorConfigSchema.parse({
    eth_rpc_url: w.anvil.rpcUrl,
    contracts: {
      inference_oracle: w.deployment.avs.inferenceOracle,
      operator_registry: w.deployment.avs.operatorRegistry,
      model_registry: w.deployment.avs.modelRegistry,
      inference_feeds: w.deployment.avs.inferenceFeeds,
    },
    start_block: w.deployment.startBlock,
    redis: { url: 'redis://127.0.0.1:6379', prefix },
    api: { host: '127.0.0.1', port: 0 },
    watcher: { poll_interval_ms: 50 },
    submitter: { keystore_file: '/nonexistent', attempts: 5, backoff_ms: 100 },
    expiry: { block_time_ms: 100, max_recheck_ms: 300 },
    log: { level: 'silent' },
    shutdown_grace_ms: 3000,
    ...over,
  });
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Deletes every Redis key under `prefix`. */
export async function cleanRedis(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const r = new Redis('redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

/** POSTs `body` to `path` (/v1/responses or /v1/batches) on 127.0.0.1:`port` until the answer is not 404 (task not seen yet); returns the status. */
export async function postUntilKnown(port: number, path: '/v1/responses' | '/v1/batches', body: unknown): Promise<number> {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.text();
    if (res.status !== 404) return res.status;
    await new Promise((r) => setTimeout(r, 50));
  }
}
