/**
 * Operator bench: tasks signed and delivered per second, and latency from "task seen" (enqueued by
 * the watcher) to "response sent" (the aggregator stub received it), for one operator process with
 * the demo model (liquidation-risk, exact-int, onnxruntime-node), against a bare session.run loop
 * of the same model. The path measured is the real one: BullMQ in Redis, canonical decode, model
 * run, signing log (fsync, group commit), BLS sign (mcl), HTTP POST to a local aggregator stub.
 * Not measured: the chain (tasks are enqueued as the watcher would) and ModelRegistry reads
 * (cached after the first task in production).
 * Env: BENCH_TASKS (default 2000), BENCH_RATE (paced phase, tasks/s, default 200),
 * BENCH_CONCURRENCY (default 16). First, inputs by reference: fetch + verify + decode of a 100 KiB and a
 * 1 MiB input (inputFetch.ts; `--inputs-only` stops after it). Ends with one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBlsKeyPair, getBytes, initBls } from './deps.js';
import { Redis } from 'ioredis';
import { AggregatorClient, InferenceQueue, ModelStore, runInference, SigningLog, TaskProcessor } from '../src/index.js';
import { startStubAggregator } from '../test/helpers/stubAggregator.js';
import { DEMO_MODEL_ID, makeJob, sample } from '../test/helpers/tasks.js';
import { benchInputFetch } from './inputFetch.js';

const N = Number(process.env.BENCH_TASKS ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const MODELS_DIR = fileURLToPath(new URL('../../config/models', import.meta.url));

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const r2 = (x: number): number => Math.round(x * 100) / 100;

// 0. Inputs by reference: fetch + verify + decode (medians), then `--inputs-only` stops here.
const inputs = await benchInputFetch();
for (const [label, r] of Object.entries(inputs)) {
  console.log(`input ${label.padEnd(12)} ${String(r.bytes).padStart(8)} bytes: fetch+verify ${r.fetchVerifyMs} ms + decode ${r.decodeMs} ms = ${r.totalMs} ms (median)`);
}
if (process.argv.includes('--inputs-only')) {
  console.log(JSON.stringify({ inputs }));
  process.exit(0);
}

await initBls();
const dir = mkdtempSync(join(tmpdir(), 'opbench-'));
const prefix = `aioracle-op-bench-${process.pid}`;
const stub = await startStubAggregator();
const models = new ModelStore({ dir: MODELS_DIR }, { chain: null });
const model = await models.get(DEMO_MODEL_ID);
const input = getBytes(sample.inputBytes);

// 1. Bare session.run loop (decode + run + encode included, as the operator does it).
for (let i = 0; i < 200; i++) await runInference(model, input);
const bare: number[] = [];
const bareStart = performance.now();
for (let i = 0; i < N; i++) {
  const t = performance.now();
  await runInference(model, input);
  bare.push(performance.now() - t);
}
const bareSec = (performance.now() - bareStart) / 1000;

// 2. The operator path.
const dbgFn = (o: unknown, m?: string): void => console.error(m, o);
const dbgLogger = { trace: dbgFn, debug: dbgFn, info: dbgFn, warn: dbgFn, error: dbgFn, fatal: dbgFn, child: () => dbgLogger } as never;
const log = await SigningLog.open({ path: join(dir, 'signing.log') });
const processor = new TaskProcessor(
  { chainId: 31337, oracle: '0x00000000000000000000000000000000000000aa' },
  { keyPair: generateBlsKeyPair(), models, signingLog: log, aggregators: new AggregatorClient({ urls: [stub.url], attempts: 3, baseMs: 5 }), headBlock: () => null },
);
const queue = new InferenceQueue(
  { connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }, prefix, concurrency: CONCURRENCY, attempts: 3, backoffMs: 10, keepCompleted: 100, keepFailed: 100 },
  { processor, ...(process.env.BENCH_DEBUG ? { logger: dbgLogger } : {}) },
);
const recvAt = new Map<string, number>();
const origPush = stub.received.push.bind(stub.received);
stub.received.push = (...items) => {
  for (const it of items) recvAt.set(it.taskId, performance.now());
  return origPush(...items);
};
const seenAt = new Map<string, number>();
queue.start();

async function phase(first: number, count: number, ratePerSec: number | null): Promise<{ sec: number; lat: number[] }> {
  const start = performance.now();
  const adds: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    if (ratePerSec !== null) {
      const due = start + (i * 1000) / ratePerSec;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
    const job = makeJob(first + i);
    seenAt.set(job.task.taskId, performance.now());
    adds.push(queue.add(job));
  }
  await Promise.all(adds);
  const ids = Array.from({ length: count }, (_, i) => String(first + i));
  while (ids.some((id) => !recvAt.has(id))) await new Promise((r) => setTimeout(r, 5));
  const end = Math.max(...ids.map((id) => recvAt.get(id)!));
  return { sec: (end - start) / 1000, lat: ids.map((id) => recvAt.get(id)! - seenAt.get(id)!) };
}

await phase(1_000_000, 200, null); // warm-up
const burst = await phase(1, N, null);
const paced = await phase(2_000_000, Math.min(N, RATE * 5), RATE);

await queue.queue.obliterate({ force: true }).catch(() => undefined);
await queue.close();
await log.close();
await models.close();
await stub.close();
const redis = new Redis();
const keys = await redis.keys(`${prefix}:*`);
if (keys.length) await redis.del(...keys);
await redis.quit();
rmSync(dir, { recursive: true, force: true });

const result = {
  inputs,
  bench: 'operator',
  model: 'liquidation-risk@1.0.0',
  tasks: N,
  concurrency: CONCURRENCY,
  bare_runs_per_sec: r2(N / bareSec),
  bare_p50_ms: r2(pct(bare, 50)),
  bare_p95_ms: r2(pct(bare, 95)),
  operator_tasks_per_sec: r2(N / burst.sec),
  burst_p50_ms: r2(pct(burst.lat, 50)),
  burst_p95_ms: r2(pct(burst.lat, 95)),
  paced_rate_per_sec: RATE,
  paced_p50_ms: r2(pct(paced.lat, 50)),
  paced_p95_ms: r2(pct(paced.lat, 95)),
  target: { tasks_per_sec: 300, p95_ms: 20 },
};
console.log(`bare session.run loop: ${result.bare_runs_per_sec}/s (p50 ${result.bare_p50_ms} ms, p95 ${result.bare_p95_ms} ms)`);
console.log(`operator, burst of ${N}: ${result.operator_tasks_per_sec} tasks/s signed+delivered (seen→sent p50 ${result.burst_p50_ms} ms, p95 ${result.burst_p95_ms} ms, queueing included)`);
console.log(`operator, paced at ${RATE}/s: seen→sent p50 ${result.paced_p50_ms} ms, p95 ${result.paced_p95_ms} ms`);
console.log(JSON.stringify(result));
process.exit(0);
