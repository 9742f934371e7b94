/**
 * Aggregator bench: real anvil (AVS deployed once, N operators registered once, then a block every
 * BENCH_BLOCK_TIME s), real Redis, the real CLI in a child process. Creates the tasks on chain and
 * pre-signs every operator's response to each, then two phases over HTTP (keep-alive):
 *  1. full load: the responses of T tasks as fast as the aggregator takes them, with C requests in
 *     flight (default 2 per operator): responses accepted per second, and the time from the last
 *     needed signature to the submission transaction being sent (p50/p95) with the machine saturated;
 *  2. paced: P more tasks at R tasks per second, each task's responses sent together (as operators
 *     answer a task at about the same time): the same latency at a load the machine can carry.
 * Latencies come from the aggregator's own timestamps in Redis: quorum → sent (quorumAtMs, the accept
 * that completed the quorum, → dispatchedAtMs, the signed respondToTask written to the node: the
 * target), quorum → node accepted (→ submittedAtMs, eth_sendRawTransaction answered: adds the node's
 * own time, here a local anvil that stalls while it mines a block on the same two cores), and
 * signature → sent (from quorumSignatureAtMs, when the response that completed the quorum was read
 * off the socket: adds its verification batch and accept). Ends with one JSON line.
 *
 * Env: BENCH_OPERATORS (100), BENCH_TASKS (1000), BENCH_CONCURRENCY (2 × operators), BENCH_PACED_TASKS
 * (200), BENCH_PACED_RATE (10 tasks/s), BENCH_THRESHOLD_BPS (6667), BENCH_BLOCK_TIME (1; 0 = a block
 * per transaction), BENCH_VERIFY_WINDOW_MS (the aggregator's default), BENCH_DEBUG (per-task latencies),
 * BENCH_CPU_PROFILE (a folder: the aggregator writes a V8 CPU profile there).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { deployAll, setupOperators, startAnvil } from '@aioracle/deploy';
import { BlsSecretKey, bindings, blsSign, createProvider, initBls, outputHash, parseTaskCreatedLog, responseDigest, taskHash, waitForReceipt, type Task } from '@aioracle/sdk';
import { NonceManager, Wallet, encryptKeystoreJsonSync, getBytes, hexlify, keccak256, toUtf8Bytes, type JsonRpcProvider } from 'ethers';
import { Redis } from 'ioredis';

const N_OPS = Number(process.env.BENCH_OPERATORS ?? 100);
const N_TASKS = Number(process.env.BENCH_TASKS ?? 1000);
const CONC = Number(process.env.BENCH_CONCURRENCY ?? 2 * N_OPS);
const N_PACED = Number(process.env.BENCH_PACED_TASKS ?? 200);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 10);
const TARGETS = { responsesPerSec: 2000, quorumToTxSentP95Ms: 50 };
const BPS = Number(process.env.BENCH_THRESHOLD_BPS ?? 6667);
const BLOCK_TIME = Number(process.env.BENCH_BLOCK_TIME ?? 1);
const MODEL_ID = keccak256(toUtf8Bytes('bench@1'));
const PREFIX = `aggbench-${process.pid}`;
const log = (m: string): void => console.error(`[bench] ${m}`);
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

async function main(): Promise<void> {
  await initBls();
  const t0 = Date.now();
  const anvil = await startAnvil({ extraArgs: ['--disable-code-size-limit'] });
  const deployerKey = anvil.accounts[0]!.privateKey;
  const d = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey, thresholdBps: BPS, responseWindowBlocks: 5000, oracleConfig: { maxStaleBlocks: 20000 } });
  const provider = createProvider(anvil.rpcUrl) as JsonRpcProvider;
  const deployer = new NonceManager(new Wallet(deployerKey, provider));
  await waitForReceipt(await bindings.ModelRegistry__factory.connect(d.avs.modelRegistry, deployer).registerModel(MODEL_ID, {
    manifestHash: keccak256('0x01'), onnxHash: keccak256('0x02'), uri: 'bench', profile: 0, tolerance: 0, fee: 0n, slashWad: 0n, active: true,
  }));
  const sks = Array.from({ length: N_OPS }, () => BlsSecretKey.random());
  const ops = await setupOperators(d, sks.map((sk) => ({ ecdsaKey: Wallet.createRandom().privateKey, blsSecretKey: sk, stake: 10n ** 21n })), { rpcUrl: anvil.rpcUrl, concurrency: 16 });
  log(`deployed and registered ${N_OPS} operators in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // The aggregator: real CLI, keystore + password file, own Redis prefix.
  const dir = mkdtempSync(join(tmpdir(), 'aggbench-'));
  const sub = new Wallet(anvil.accounts[2]!.privateKey);
  writeFileSync(join(dir, 'ks.json'), encryptKeystoreJsonSync({ address: sub.address, privateKey: sub.privateKey }, 'bench', { scrypt: { N: 1024 } }));
  writeFileSync(join(dir, 'pw'), 'bench\n');
  const port = 18000 + (process.pid % 1000);
  writeFileSync(
    join(dir, 'aggregator.yaml'),
    [
      `eth_rpc_url: ${anvil.rpcUrl}`,
      `start_block: ${d.startBlock}`,
      'contracts:',
      `  inference_oracle: "${d.avs.inferenceOracle}"`,
      `  operator_registry: "${d.avs.operatorRegistry}"`,
      `  model_registry: "${d.avs.modelRegistry}"`,
      `  inference_feeds: "${d.avs.inferenceFeeds}"`,
      `redis: { prefix: "${PREFIX}" }`,
      `api: { host: 127.0.0.1, port: ${port} }`,
      'watcher: { poll_interval_ms: 100 }',
      `submitter: { keystore_file: "${join(dir, 'ks.json')}", password_file: "${join(dir, 'pw')}" }`,
      'expiry: { enabled: false }',
      ...(process.env.BENCH_VERIFY_WINDOW_MS ? [`aggregation: { verify_batch_window_ms: ${process.env.BENCH_VERIFY_WINDOW_MS} }`] : []),
      'log: { level: warn }',
    ].join('\n'),
  );
  // BENCH_CPU_PROFILE=<dir>: the aggregator writes a V8 CPU profile there when it stops.
  const prof = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE] : [];
  const child = spawn(process.execPath, [...prof, '--conditions=source', '--import', 'tsx', new URL('../src/bin/aggregator.ts', import.meta.url).pathname, 'run', '--config', join(dir, 'aggregator.yaml')], { stdio: ['ignore', 'inherit', 'inherit'] });

  // Blocks: set up with automine (fast), then mine every BENCH_BLOCK_TIME seconds like a real chain
  // (0 keeps automine: one block per transaction).
  if (BLOCK_TIME > 0) {
    await provider.send('evm_setAutomine', [false]);
    await provider.send('evm_setIntervalMining', [BLOCK_TIME]);
  }

  // Tasks.
  const requester = new NonceManager(new Wallet(anvil.accounts[1]!.privateKey, provider));
  const oracle = bindings.InferenceOracle__factory.connect(d.avs.inferenceOracle, requester);
  const tasks: { task: Task; hash: string }[] = [];
  const pendingTx = [];
  const N_ALL = N_TASKS + N_PACED;
  for (let i = 0; i < N_ALL; i++) pendingTx.push(await oracle.requestInference(MODEL_ID, hexlify(Uint8Array.from([1, 1, 0, 0, 0, i & 255, (i >> 8) & 255])), '0x0000000000000000000000000000000000000000', 0));
  for (const tx of pendingTx) {
    const r = await waitForReceipt(tx);
    const l = r!.logs.find((x) => x.topics[0] === oracle.interface.getEvent('TaskCreated').topicHash)!;
    const c = parseTaskCreatedLog(l, d.avs.inferenceOracle);
    tasks.push({ task: c.task, hash: taskHash(c.task) });
  }
  log(`created ${N_ALL} tasks (${N_TASKS} for full load, ${N_PACED} paced)`);

  // Pre-signed bodies, task-major order (as operators answer a task at about the same time).
  const output = '0x0101000000' + '2a000000';
  const oh = outputHash(getBytes(output));
  const bodiesOf = (t: { task: Task; hash: string }): string[] => {
    const digest = responseDigest({ chainId: BigInt(d.chainId), oracle: d.avs.inferenceOracle, taskHash: t.hash, outputHash: oh });
    return ops.map((op, i) =>
      JSON.stringify({ chainId: d.chainId, oracle: d.avs.inferenceOracle, taskId: t.task.taskId.toString(), taskHash: t.hash, operatorId: op.operatorId, output, signature: blsSign(sks[i]!, digest).toSolidityStrings() }),
    );
  };
  const loadTasks = tasks.slice(0, N_TASKS);
  const pacedTasks = tasks.slice(N_TASKS);
  const bodies = loadTasks.flatMap(bodiesOf);
  const pacedBodies = pacedTasks.map(bodiesOf);
  log(`pre-signed ${bodies.length + pacedBodies.length * N_OPS} responses`);

  // Wait until the aggregator has loaded every task.
  const redis = new Redis('redis://127.0.0.1:6379');
  const ns = `${PREFIX}:${d.chainId}:${d.avs.inferenceOracle.toLowerCase()}`;
  for (;;) {
    if ((await redis.zcard(`${ns}:tasks`)) >= N_ALL) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const agent = new Agent({ keepAlive: true, maxSockets: CONC });
  const codes = new Map<number, number>();
  const postOne = (b: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/responses', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(b);
    });
  let next = 0;
  const start = Date.now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      for (;;) {
        const i = next++;
        if (i >= bodies.length) return;
        const s = await postOne(bodies[i]!);
        codes.set(s, (codes.get(s) ?? 0) + 1);
      }
    }),
  );
  const elapsed = (Date.now() - start) / 1000;
  const accepted = codes.get(202) ?? 0;
  log(`full load: ${accepted} accepted in ${elapsed.toFixed(1)} s`);

  // Per task of `ts`, once every one of them is finalised (or after 5 minutes), from the aggregator's
  // timestamps: quorumAtMs (the accept that completed the quorum), quorumSignatureAtMs (that response
  // read off the socket), dispatchedAtMs (the signed respondToTask written to the node) and
  // submittedAtMs (the node's eth_sendRawTransaction answer).
  const latencies = async (ts: typeof tasks): Promise<{ dispatched: number[]; accepted: number[]; fromSignature: number[]; finalised: number }> => {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const dispatched: number[] = [];
      const accepted: number[] = [];
      const fromSignature: number[] = [];
      let finalised = 0;
      for (const t of ts) {
        const [st, ...times] = await redis.hmget(`${ns}:task:${t.task.taskId}`, 'status', 'quorumAtMs', 'quorumSignatureAtMs', 'dispatchedAtMs', 'submittedAtMs');
        if (st === 'finalised') finalised++;
        const [q, sig, dAt, sAt] = times.map((v) => (v === null ? NaN : Number(v))) as [number, number, number, number];
        if (Number.isFinite(q) && Number.isFinite(dAt)) dispatched.push(dAt - q);
        if (Number.isFinite(q) && Number.isFinite(sAt)) accepted.push(sAt - q);
        if (Number.isFinite(sig) && Number.isFinite(dAt)) fromSignature.push(dAt - sig);
      }
      if (finalised >= ts.length || Date.now() > deadline) {
        if (process.env.BENCH_DEBUG) log(`quorum→dispatched per task, in task order: ${dispatched.join(' ')}`);
        return { dispatched, accepted, fromSignature, finalised };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const full = await latencies(loadTasks);

  // Paced: one task's responses every 1/R s, all of them at once, without waiting for answers.
  const pacedCodes = new Map<number, number>();
  const pacedStart = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let k = 0; k < pacedBodies.length; k++) {
    const due = pacedStart + (k * 1000) / PACED_RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const b of pacedBodies[k]!) {
      inFlight.push(postOne(b).then((st) => void pacedCodes.set(st, (pacedCodes.get(st) ?? 0) + 1)));
    }
  }
  await Promise.all(inFlight);
  const pacedElapsed = (Date.now() - pacedStart) / 1000;
  const paced = await latencies(pacedTasks);

  const responded = await oracle.queryFilter(oracle.filters.TaskResponded(), d.startBlock, 'latest');
  child.kill('SIGTERM');
  const figures = (l: Awaited<ReturnType<typeof latencies>>) => ({
    tasksFinalised: l.finalised,
    quorumToTxSentMs: { p50: pct(l.dispatched, 50), p95: pct(l.dispatched, 95), n: l.dispatched.length },
    quorumToNodeAcceptedMs: { p50: pct(l.accepted, 50), p95: pct(l.accepted, 95), n: l.accepted.length },
    signatureToTxSentMs: { p50: pct(l.fromSignature, 50), p95: pct(l.fromSignature, 95), n: l.fromSignature.length },
  });
  const fullFig = figures(full);
  const pacedFig = figures(paced);
  const result = {
    bench: 'aggregator',
    operators: N_OPS,
    blockTimeSec: BLOCK_TIME,
    fullLoad: {
      tasks: N_TASKS,
      responses: bodies.length,
      concurrency: CONC,
      statusCodes: Object.fromEntries(codes),
      responsesAcceptedPerSec: Math.round(accepted / elapsed),
      replaySeconds: Number(elapsed.toFixed(2)),
      ...fullFig,
    },
    paced: {
      tasks: N_PACED,
      tasksPerSec: PACED_RATE,
      responsesPerSec: PACED_RATE * N_OPS,
      seconds: Number(pacedElapsed.toFixed(2)),
      statusCodes: Object.fromEntries(pacedCodes),
      ...pacedFig,
    },
    tasksRespondedOnChain: responded.length,
    targets: TARGETS,
    met: {
      responsesPerSec: accepted / elapsed >= TARGETS.responsesPerSec,
      quorumToTxSentP95AtFullLoad: fullFig.quorumToTxSentMs.p95 <= TARGETS.quorumToTxSentP95Ms,
      quorumToTxSentP95Paced: pacedFig.quorumToTxSentMs.p95 <= TARGETS.quorumToTxSentP95Ms,
      quorumToNodeAcceptedP95AtFullLoad: fullFig.quorumToNodeAcceptedMs.p95 <= TARGETS.quorumToTxSentP95Ms,
      quorumToNodeAcceptedP95Paced: pacedFig.quorumToNodeAcceptedMs.p95 <= TARGETS.quorumToTxSentP95Ms,
    },
  };
  const keys = await redis.keys(`${PREFIX}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  await redis.quit();
  agent.destroy();
  await anvil.stop();
  console.log(JSON.stringify(result));
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
