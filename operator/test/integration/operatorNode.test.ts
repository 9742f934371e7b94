/**
 * End to end on a real anvil, real Redis and real onnxruntime: a fresh operator key registers
 * through the CLI, the node sees a task, runs the demo model, signs, and delivers a signature that
 * verifies against the key registered on chain; it catches up on a task created while it was
 * stopped; and after a restart it refuses to sign an output that conflicts with its signing log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { encryptKeystoreJsonSync, Wallet } from 'ethers';
import { deployAll, startAnvil, type AnvilInstance } from '@aioracle/deploy';
import {
  bindings,
  blsVerify,
  buildNonSignerData,
  ChainReader,
  nonSignerDataToAbi,
  taskAbiValue,
  createProvider,
  destroyProvider,
  g1FromSolidity,
  initBls,
  outputHash as hashOutput,
  responseDigest,
  TxSender,
  type Deployment,
} from '@aioracle/sdk';
import { loadKey, loadOperatorConfig, OperatorNode, runCli, SigningLog, type OperatorConfig } from '../../src/index.js';
import { startStubAggregator, type StubAggregator } from '../helpers/stubAggregator.js';
import { MODELS_DIR, sample } from '../helpers/tasks.js';

jest.setTimeout(600_000);

const index = JSON.parse(readFileSync(join(MODELS_DIR, 'index.json'), 'utf8')) as { modelId: string; manifestHash: string; onnxHash: string; profileId: number; fee: string }[];
const demo = index[0]!;

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env });
  return { code, out, err };
}

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('operator node on anvil + Redis + onnxruntime', () => {
  let anvil: AnvilInstance;
  let deployment: Deployment;
  let dir: string;
  let stub: StubAggregator;
  let cfgFile: string;
  let cfg: OperatorConfig;
  let env: Record<string, string>;
  let requester: TxSender;
  let provider: ReturnType<typeof createProvider>;
  const prefix = `aioracle-op-test-${process.pid}-${Date.now()}`;
  let node: OperatorNode | null = null;
  let keyPair: Awaited<ReturnType<typeof loadKey>>;

  beforeAll(async () => {
    await initBls();
    dir = mkdtempSync(join(tmpdir(), 'opnode-'));
    anvil = await startAnvil();
    deployment = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey, deploymentsDir: dir, responseWindowBlocks: 50 });
    provider = createProvider(anvil.rpcUrl);
    const deployer = new TxSender(new Wallet(anvil.accounts[0]!.privateKey, provider));
    const models = bindings.ModelRegistry__factory.connect(deployment.avs.modelRegistry, provider);
    await deployer.send(models, 'registerModel', [
      demo.modelId,
      { manifestHash: demo.manifestHash, onnxHash: demo.onnxHash, uri: 'file://liquidation-risk', profile: demo.profileId, tolerance: 0, fee: BigInt(demo.fee), slashWad: 10n ** 16n, active: true },
    ]);
    requester = new TxSender(new Wallet(anvil.accounts[2]!.privateKey, provider));
    stub = await startStubAggregator();

    // A fresh operator: ECDSA keystore for anvil account 1, a new BLS key made by the CLI.
    const ecdsa = new Wallet(anvil.accounts[1]!.privateKey);
    writeFileSync(join(dir, 'ecdsa.key.json'), encryptKeystoreJsonSync({ address: ecdsa.address, privateKey: ecdsa.privateKey }, 'ecdsa-pw', { scrypt: { N: 1024 } }));
    env = { AIORACLE_BLS_KEY_PASSWORD: 'bls-pw', AIORACLE_ECDSA_KEY_PASSWORD: 'ecdsa-pw' };
    const created = await cli(['keys', 'create', '--name', 'op1', '--keys-dir', join(dir, 'keys')], env);
    expect(created.err).toBe('');
    cfgFile = join(dir, 'operator.yaml');
    writeFileSync(
      cfgFile,
      [
        `eth_rpc_url: ${anvil.rpcUrl}`,
        `chain_id: ${anvil.chainId}`,
        `operator: { address: "${ecdsa.address}" }`,
        'bls_private_key_store_path: keys/op1.bls.key.json',
        'private_key_store_path: ecdsa.key.json',
        `avs: { deployment_file: ${join(dir, `${anvil.chainId}.json`)} }`,
        `aggregator_urls: [${stub.url}]`,
        `redis: { prefix: ${prefix} }`,
        `models: { dir: ${MODELS_DIR} }`,
        'watcher: { poll_interval_ms: 100 }',
        'delivery: { attempts: 3, base_ms: 10, max_ms: 50 }',
        'batching: { enabled: false }',
        'signing_log_path: data/signing.log',
        'node_api: { listen: "127.0.0.1:0" }',
        'metrics: { listen: "127.0.0.1:0" }',
        'log_level: warn',
        'devnet: { deposit: true }',
      ].join('\n'),
    );
    cfg = loadOperatorConfig(cfgFile, {}, {});
  });

  afterAll(async () => {
    await node?.stop();
    await stub?.close();
    if (provider) await destroyProvider(provider);
    await anvil?.stop();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  async function requestTask(): Promise<bigint> {
    const oracle = bindings.InferenceOracle__factory.connect(deployment.avs.inferenceOracle, provider);
    const r = await requester.send(oracle, 'requestInference', [demo.modelId, sample.inputBytes, '0x0000000000000000000000000000000000000000', 0], { value: BigInt(demo.fee) });
    const ev = r.logs.map((l) => { try { return oracle.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === 'TaskCreated');
    return ev!.args.getValue('taskId') as bigint;
  }

  async function startNode(): Promise<OperatorNode> {
    node = await OperatorNode.start(cfg, { keyPair });
    return node;
  }

  it('registers a fresh key through the CLI (idempotently) and reports its status', async () => {
    const r = await cli(['register', '--config', cfgFile], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/registerForOperatorSets/);
    const again = await cli(['register', '--config', cfgFile], env);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/Already registered/);
    const st = await cli(['status', '--config', cfgFile, '--json'], env);
    const j = JSON.parse(st.out) as { registered: boolean; quorums: { member: boolean; stake: string }[] };
    expect(j.registered).toBe(true);
    expect(j.quorums[0]).toMatchObject({ member: true });
    expect(BigInt(j.quorums[0]!.stake)).toBeGreaterThan(0n);
    keyPair = await loadKey(cfg.bls_private_key_store_path!, 'bls-pw');
  });

  it('sees a task, runs the model, and delivers a signature that verifies against its on-chain key', async () => {
    await startNode();
    const taskId = await requestTask();
    const resp = await waitFor('a response', () => stub.received.find((b) => b.taskId === taskId.toString()));
    expect(resp.output).toBe(sample.expected.outputBytes);
    const reader = new ChainReader(provider, deployment.avs);
    const keys = await reader.getOperatorKeys(new Wallet(anvil.accounts[1]!.privateKey).address);
    expect(keys?.operatorId).toBe(resp.operatorId);
    const outHash = hashOutput(Buffer.from(resp.output.slice(2), 'hex'));
    const digest = responseDigest({ chainId: anvil.chainId, oracle: deployment.avs.inferenceOracle, taskHash: resp.taskHash, outputHash: outHash });
    const oracle = bindings.InferenceOracle__factory.connect(deployment.avs.inferenceOracle, provider);
    expect((await oracle.responseDigest(resp.taskHash, outHash)).toLowerCase()).toBe(digest.toLowerCase());
    expect(blsVerify(g1FromSolidity(resp.signature), keys!.pubkeyG2, digest)).toBe(true);
    const metricsPort = OperatorNode.portOf(node!.metricsServer);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/aioracle_operator_tasks_signed_total\{model="liquidation-risk@1.0.0"\} 1/);
    expect(text).toMatch(/eigen_rpc_request_total\{method="eth_getLogs"/);
    expect(text).toMatch(/eigen_registered_stakes\{quorum_number="0",quorum_name="quorum-0",avs_name="aioracle"\} [1-9]/);
    const apiPort = OperatorNode.portOf(node!.nodeApiServer);
    expect((await fetch(`http://127.0.0.1:${apiPort}/eigen/node/services/rpc/health`)).status).toBe(200);
  });

  it('earns the fee of a task it signed (status and metric), and claims it through the CLI', async () => {
    // a task answered on chain with the node's own signature (it is the only operator)
    const oracle = bindings.InferenceOracle__factory.connect(deployment.avs.inferenceOracle, provider);
    const r = await requester.send(oracle, 'requestInference', [demo.modelId, sample.inputBytes, '0x0000000000000000000000000000000000000000', 0], { value: BigInt(demo.fee) });
    const reader = new ChainReader(provider, deployment.avs);
    const created = reader.parseTaskCreated(r.logs.find((l) => { try { return oracle.interface.parseLog(l)?.name === 'TaskCreated'; } catch { return false; } })!);
    const resp = await waitFor('a response', () => stub.received.find((b) => b.taskId === created.task.taskId.toString()));
    const states = await reader.getQuorumStates(created.task.quorumNumbers, created.task.referenceBlock);
    const data = buildNonSignerData(states, new Map([[resp.operatorId, g1FromSolidity(resp.signature)]]));
    await requester.send(oracle, 'respondToTask', [taskAbiValue(created.task), resp.output, nonSignerDataToAbi(data)]);

    const st1 = JSON.parse((await cli(['status', '--config', cfgFile, '--json'], env)).out) as { rewards: { pendingWei: string; submittedWei: string; claimedWei: string; unclaimedWei: string } };
    const pending = BigInt(st1.rewards.pendingWei);
    expect(pending).toBeGreaterThan(0n);
    expect(pending).toBeLessThan(BigInt(demo.fee)); // the submitter's gas refund came first
    const metricsPort = OperatorNode.portOf(node!.metricsServer);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(new RegExp(`aioracle_operator_rewards_wei\\{state="pending"\\} ${pending}`));

    // one calculation interval later anyone submits; the operator claims with the CLI
    const rc = bindings.RewardsCoordinator__factory.connect(deployment.core.rewardsCoordinator!, provider);
    await provider.send('evm_increaseTime', [Number(await rc.CALCULATION_INTERVAL_SECONDS()) + 1]);
    await provider.send('evm_mine', []);
    await requester.send(bindings.RewardsVault__factory.connect(deployment.avs.rewardsVault!, provider), 'submitRewards', []);
    await provider.send('evm_increaseTime', [2]);
    await provider.send('evm_mine', []);
    const st2 = JSON.parse((await cli(['status', '--config', cfgFile, '--json'], env)).out) as typeof st1;
    expect(st2.rewards).toEqual({ pendingWei: '0', submittedWei: pending.toString(), operatorShareWei: pending.toString(), split: { source: 'stand-in', bips: 10_000, byQuorum: [] }, claimedWei: '0', unclaimedWei: pending.toString() });
    const claimed = await cli(['claim', '--config', cfgFile, '--json'], env);
    expect(claimed.err).toBe('');
    expect(claimed.code).toBe(0);
    expect((JSON.parse(claimed.out) as { amountWei: string }).amountWei).toBe(pending.toString());
    const st3 = JSON.parse((await cli(['status', '--config', cfgFile, '--json'], env)).out) as typeof st1;
    expect(st3.rewards).toMatchObject({ claimedWei: pending.toString(), unclaimedWei: '0' });
    const weth = bindings.IERC20__factory.connect(deployment.avs.weth!, provider);
    expect(await weth.balanceOf(new Wallet(anvil.accounts[1]!.privateKey).address)).toBe(pending);
  });

  it('catches up on a task created while it was stopped', async () => {
    await node!.stop();
    node = null;
    const taskId = await requestTask();
    await startNode();
    const resp = await waitFor('the caught-up response', () => stub.received.find((b) => b.taskId === taskId.toString()));
    expect(resp.output).toBe(sample.expected.outputBytes);
  });

  it('after a restart, refuses to sign an output that conflicts with its signing log', async () => {
    await node!.stop();
    node = null;
    const taskId = await requestTask();
    // The log says this task was already signed with another output (e.g. before a model swap).
    appendFileSync(cfg.signing_log_path, `${JSON.stringify({ k: SigningLog.key(deployment.avs.inferenceOracle, taskId), t: '0x' + '00'.repeat(32), o: '0x' + '11'.repeat(32) })}\n`);
    const n = await startNode();
    await waitFor('the equivocation refusal', async () => {
      const t = await n.register.getSingleMetricAsString('aioracle_operator_tasks_rejected_total');
      return /reason="equivocation"\} 1/.test(t) ? true : undefined;
    });
    expect(stub.received.find((b) => b.taskId === taskId.toString())).toBeUndefined();
    // A later task is still served normally.
    const next = await requestTask();
    await waitFor('the next response', () => stub.received.find((b) => b.taskId === next.toString()));
  });
});
