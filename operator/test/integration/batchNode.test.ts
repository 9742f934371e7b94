/**
 * Batch attestation end to end on a real anvil, real Redis and real onnxruntime: three tasks created
 * in one block become one `batch-<batchId>` job and ONE POST /v1/batches per aggregator (two local
 * stubs stand in as aggregators), whose signature verifies against the sdk's batchDigest over the
 * root recomputed from the body; as nothing answers the tasks on chain, `fallback_blocks` blocks
 * later each is signed alone and sent to POST /v1/responses (the per-task path). A block holding one
 * task is a single response from the start (POST /v1/responses, no one-leaf batch).
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { Wallet } from 'ethers';
import { deployAll, startAnvil, type AnvilInstance } from '@aioracle/deploy';
import {
  batchDigest,
  batchLeaf,
  bindings,
  blsVerify,
  createProvider,
  destroyProvider,
  g1FromSolidity,
  generateBlsKeyPair,
  initBls,
  merkleRoot,
  outputHash,
  responseDigest,
  TxSender,
  type Deployment,
} from '@aioracle/sdk';
import { batchJobId, loadOperatorConfig, OperatorNode, type SignedBatch } from '../../src/index.js';
import { startStubAggregator, type StubAggregator } from '../helpers/stubAggregator.js';
import { MODELS_DIR, sample } from '../helpers/tasks.js';

jest.setTimeout(300_000);

const index = JSON.parse(readFileSync(join(MODELS_DIR, 'index.json'), 'utf8')) as { modelId: string; manifestHash: string; onnxHash: string; profileId: number; fee: string }[];
const demo = index[0]!;

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function digestOfBody(body: SignedBatch): string {
  const leaves = body.tasks.map((t) => batchLeaf(t.taskHash, t.output === null ? null : outputHash(Buffer.from(t.output.slice(2), 'hex'))));
  return batchDigest({ chainId: body.chainId, oracle: body.oracle, referenceBlock: body.referenceBlock, batchRoot: merkleRoot(leaves), leafCount: leaves.length });
}

describe('operator node, batch mode, on anvil + Redis + onnxruntime', () => {
  let anvil: AnvilInstance;
  let deployment: Deployment;
  let dir: string;
  let stubs: StubAggregator[] = [];
  let provider: ReturnType<typeof createProvider>;
  let node: OperatorNode | null = null;
  const prefix = `aioracle-op-batch-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    await initBls();
    dir = mkdtempSync(join(tmpdir(), 'opbatch-'));
    anvil = await startAnvil();
    deployment = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey, deploymentsDir: dir, responseWindowBlocks: 50 });
    provider = createProvider(anvil.rpcUrl);
    const deployer = new TxSender(new Wallet(anvil.accounts[0]!.privateKey, provider));
    const models = bindings.ModelRegistry__factory.connect(deployment.avs.modelRegistry, provider);
    await deployer.send(models, 'registerModel', [
      demo.modelId,
      { manifestHash: demo.manifestHash, onnxHash: demo.onnxHash, uri: 'file://liquidation-risk', profile: demo.profileId, tolerance: 0, fee: BigInt(demo.fee), slashWad: 10n ** 16n, active: true },
    ]);
    stubs = [await startStubAggregator(), await startStubAggregator()];
  });

  afterAll(async () => {
    await node?.stop();
    for (const s of stubs) await s.close();
    if (provider) await destroyProvider(provider);
    await anvil?.stop();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one block of three tasks → one batch job, one POST /v1/batches per aggregator, a verifying signature; then per-task fallback', async () => {
    const cfgFile = join(dir, 'operator.yaml');
    writeFileSync(
      cfgFile,
      [
        `eth_rpc_url: ${anvil.rpcUrl}`,
        `chain_id: ${anvil.chainId}`,
        `avs: { deployment_file: ${join(dir, `${anvil.chainId}.json`)} }`,
        `aggregator_urls: [${stubs.map((s) => s.url).join(', ')}]`,
        `redis: { prefix: ${prefix} }`,
        `models: { dir: ${MODELS_DIR} }`,
        'watcher: { poll_interval_ms: 100 }',
        'delivery: { attempts: 3, base_ms: 10, max_ms: 50 }',
        'batching: { enabled: true, fallback_blocks: 2 }',
        'signing_log_path: data/signing.log',
        'node_api: { listen: "127.0.0.1:0" }',
        'metrics: { listen: "127.0.0.1:0" }',
        'log_level: warn',
      ].join('\n'),
    );
    const cfg = loadOperatorConfig(cfgFile, {}, {});
    const keyPair = generateBlsKeyPair();
    node = await OperatorNode.start(cfg, { keyPair });

    // Three requests mined into one block.
    const requester = new Wallet(anvil.accounts[2]!.privateKey, provider);
    const oracle = bindings.InferenceOracle__factory.connect(deployment.avs.inferenceOracle, requester);
    const nonce = await provider.getTransactionCount(requester.address, 'pending');
    await provider.send('evm_setAutomine', [false]);
    try {
      for (let i = 0; i < 3; i++) {
        await oracle.requestInference(demo.modelId, sample.inputBytes, '0x0000000000000000000000000000000000000000', 0, { value: BigInt(demo.fee), nonce: nonce + i, gasLimit: 2_000_000 });
      }
      await provider.send('evm_mine', []);
    } finally {
      await provider.send('evm_setAutomine', [true]);
    }
    const block = await provider.getBlockNumber();
    const created = (await provider.getLogs({ address: deployment.avs.inferenceOracle, topics: [oracle.interface.getEvent('TaskCreated').topicHash], fromBlock: block, toBlock: block })).map((l) => oracle.interface.parseLog(l)!);
    expect(created).toHaveLength(3);
    const taskIds = created.map((e) => (e.args.getValue('taskId') as bigint).toString());

    const bodies = await waitFor('a batch at each aggregator', () => (stubs.every((s) => s.batches.length > 0) ? stubs.map((s) => s.batches) : undefined));
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    for (const [i, got] of bodies.entries()) {
      expect({ aggregator: i, posts: got.length }).toEqual({ aggregator: i, posts: 1 });
    }
    const body = bodies[0]![0]!;
    expect(bodies[1]![0]).toEqual(body);
    expect(body.referenceBlock).toBe(block - 1);
    expect(body.tasks.map((t) => t.taskId)).toEqual(taskIds);
    for (const t of body.tasks) expect(t.output).toBe(sample.expected.outputBytes);
    expect(body.chainId).toBe(anvil.chainId);
    expect(body.oracle.toLowerCase()).toBe(deployment.avs.inferenceOracle.toLowerCase());
    expect(body.operatorId).toBe(node.operatorId);
    expect(blsVerify(g1FromSolidity(body.signature), keyPair.publicKeyG2, digestOfBody(body))).toBe(true);
    const batchId = `${block - 1}-${taskIds[0]}-3`;
    expect(await node.queue.queue.getJob(batchJobId(batchId))).toBeDefined();
    expect(stubs[0]!.received).toHaveLength(0);

    // Nothing answers the tasks on chain: fallback_blocks later each is signed alone.
    for (let i = 0; i < 3; i++) await provider.send('evm_mine', []);
    const singles = await waitFor('three per-task fallbacks at each aggregator', () => (stubs.every((s) => s.received.length >= 3) ? stubs[0]!.received : undefined));
    expect(singles.map((r) => r.taskId).sort()).toEqual([...taskIds].sort());
    for (const r of singles) {
      const digest = responseDigest({ chainId: anvil.chainId, oracle: deployment.avs.inferenceOracle, taskHash: r.taskHash, outputHash: sample.expected.outputHash });
      expect({ taskId: r.taskId, ok: blsVerify(g1FromSolidity(r.signature), keyPair.publicKeyG2, digest) }).toEqual({ taskId: r.taskId, ok: true });
    }
    const text = await node.register.metrics();
    expect(text).toMatch(/aioracle_operator_batches_signed_total 1/);
    expect(text).toMatch(/aioracle_operator_fallback_tasks_total 3/);
    expect(text).toMatch(/aioracle_operator_batch_size_tasks_count 1/);

    // A block holding one task: a single response (protocol.md "A batch of one task"), no one-leaf batch.
    const posted = stubs.map((st) => st.received.length);
    const tx = await oracle.requestInference(demo.modelId, sample.inputBytes, '0x0000000000000000000000000000000000000000', 0, { value: BigInt(demo.fee), gasLimit: 2_000_000 });
    const receipt = await tx.wait();
    const lone = (await provider.getLogs({ address: deployment.avs.inferenceOracle, topics: [oracle.interface.getEvent('TaskCreated').topicHash], fromBlock: receipt!.blockNumber, toBlock: receipt!.blockNumber })).map((l) => oracle.interface.parseLog(l)!);
    expect(lone).toHaveLength(1);
    const loneId = (lone[0]!.args.getValue('taskId') as bigint).toString();
    const got = await waitFor('the lone task as a response at each aggregator', () => (stubs.every((st, i) => st.received.length > posted[i]!) ? stubs.map((st) => st.received.at(-1)!) : undefined));
    for (const r of got) {
      expect(r.taskId).toBe(loneId);
      const digest = responseDigest({ chainId: anvil.chainId, oracle: deployment.avs.inferenceOracle, taskHash: r.taskHash, outputHash: sample.expected.outputHash });
      expect(blsVerify(g1FromSolidity(r.signature), keyPair.publicKeyG2, digest)).toBe(true);
    }
    for (const [i, st] of stubs.entries()) expect({ aggregator: i, batches: st.batches.length }).toEqual({ aggregator: i, batches: 1 });
    expect(await node.register.metrics()).toMatch(/aioracle_operator_batches_signed_total 1/);
  });
});
