/**
 * End-to-end bench: the whole devnet (anvil with 1-second blocks, Redis, the real operator and
 * aggregator processes) with 10 operators; BENCH_RUNS load windows on the one devnet, each a fixed
 * number of requests, alternating the two demo models, offered at a fixed rate, then waiting until
 * every one is finalised or expired. Per run it prints tasks finalised per second (first request
 * sent → last task finalised), request→finalised latency p50/p95 in seconds and in blocks
 * (respondedBlock − createdBlock), and CPU milliseconds per finalised task summed over every
 * process of the devnet (operators, aggregator, anvil, Redis, and this process, which is the
 * requester), read from /proc over the window; then the medians over the runs against the targets,
 * and one JSON line (`tasksPerSecond`, `latencyBlocks.p95`, `cpuMsPerTask`: medians; `perRun`).
 *
 * Env: BENCH_OPERATORS (10), BENCH_REQUESTS (per run, 1500), BENCH_RATE (requests/s offered, 120),
 * BENCH_RUNS (3), BENCH_BLOCK_TIME (1), BENCH_BATCHING (1; 0 = the per-task path, for comparison).
 * Run: `npm run bench:e2e` (builds first).
 */
import { cpuDelta, cpuSnapshot, percentile, startDevnet, type TrackedTask } from '../src/devnet/index.js';

const OPERATORS = Number(process.env.BENCH_OPERATORS ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);
const RATE = Number(process.env.BENCH_RATE ?? 120);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const BLOCK_TIME = Number(process.env.BENCH_BLOCK_TIME ?? 1);
const BATCHING = process.env.BENCH_BATCHING !== '0';
const log = (m: string): void => void process.stderr.write(`[bench:e2e] ${m}\n`);
const r2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);

/** One load window's figures. */
interface Run {
  offeredRatePerS: number | null;
  finalised: number;
  expired: number;
  failedToSend: number;
  tasksPerSecond: number | null;
  cpuMsPerTask: number | null;
  cpuMsPerTaskByPart: Record<string, number | null>;
  latencyS: { p50: number | null; p95: number | null };
  latencyBlocks: { p50: number | null; p95: number | null };
}

const devnet = await startDevnet({ operators: OPERATORS, blockTimeS: BLOCK_TIME, batching: BATCHING, rate: 0, onProgress: (l) => log(l) });

/** Offers REQUESTS requests at RATE, waits until each is settled, and measures the window. */
async function loadWindow(procs: Awaited<ReturnType<typeof devnet.processIds>>): Promise<Run> {
  const models = devnet.models.map((m) => m.name);
  const cpu0 = cpuSnapshot(procs);
  const self0 = process.cpuUsage();
  const t0 = Date.now();
  const pending: Promise<TrackedTask>[] = [];
  let sendErrors = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      devnet.request(models[i % models.length]!).then(
        (r) => devnet.waitForTask(r.taskId),
        (err: unknown) => {
          sendErrors++;
          throw err;
        },
      ),
    );
  }
  const offeredS = (Date.now() - t0) / 1000;
  const settled = await Promise.allSettled(pending);
  const selfUs = process.cpuUsage(self0);
  const cpu1 = cpuSnapshot(procs);
  const tasks = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const finalised = tasks.filter((t) => t.status === 'finalised');
  const expired = tasks.filter((t) => t.status === 'expired').length;
  const lastFinal = Math.max(...finalised.map((t) => t.requestedAt + (t.latencyMs ?? 0)));
  const spanS = finalised.length ? (lastFinal - t0) / 1000 : NaN;
  const latS = finalised.map((t) => (t.latencyMs ?? 0) / 1000);
  const latBlocks = finalised.map((t) => (t.respondedBlock ?? 0) - t.createdBlock);
  // CPU per part: operators summed, the aggregator, anvil, Redis, the requester (this process).
  const parts: Record<string, number> = {};
  if (cpu0 && cpu1) {
    for (const [name, ms] of cpuDelta(cpu0, cpu1)) {
      const part = devnet.operators.some((o) => o.name === name) ? 'operators' : name;
      parts[part] = (parts[part] ?? 0) + ms;
    }
  }
  parts.requester = (selfUs.user + selfUs.system) / 1000;
  const cpuTotalMs = Object.values(parts).reduce((a, b) => a + b, 0);
  const perTask = (ms: number): number | null => (finalised.length ? r2(ms / finalised.length) : null);
  return {
    offeredRatePerS: r2(REQUESTS / offeredS),
    finalised: finalised.length,
    expired,
    failedToSend: sendErrors,
    tasksPerSecond: r2(finalised.length / spanS),
    cpuMsPerTask: cpu0 && cpu1 ? perTask(cpuTotalMs) : null,
    cpuMsPerTaskByPart: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, perTask(v)])),
    latencyS: { p50: r2(percentile(latS, 50)), p95: r2(percentile(latS, 95)) },
    latencyBlocks: { p50: percentile(latBlocks, 50), p95: percentile(latBlocks, 95) },
  };
}

let exitCode = 0;
try {
  log(`devnet up in ${devnet.startupS.toFixed(1)} s: ${OPERATORS} operators, ${BLOCK_TIME} s blocks`);
  const models = devnet.models.map((m) => m.name);
  // Warm-up: one task per model (model loading, first-use paths), not counted.
  const warm = await Promise.all(models.map((m) => devnet.request(m)));
  await Promise.all(warm.map((r) => devnet.waitForTask(r.taskId)));
  log(`warm-up finalised; offering ${RUNS} × ${REQUESTS} requests at ${RATE}/s`);

  const procs = await devnet.processIds();
  const runs: Run[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const r = await loadWindow(procs);
    runs.push(r);
    log(
      `run ${run}/${RUNS}: finalised ${r.finalised}/${REQUESTS} (expired ${r.expired}, send errors ${r.failedToSend}) at ${r.tasksPerSecond} tasks/s; ` +
        `latency p50 ${r.latencyS.p50} s / p95 ${r.latencyS.p95} s = ${r.latencyBlocks.p50} / ${r.latencyBlocks.p95} blocks; ` +
        `CPU ${r.cpuMsPerTask ?? 'n/a'} ms per task (${Object.entries(r.cpuMsPerTaskByPart).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    );
  }
  const med = (f: (r: Run) => number | null): number | null => {
    const xs = runs.map(f).filter((x): x is number => x !== null && Number.isFinite(x));
    return xs.length ? r2(percentile(xs, 50)) : null;
  };
  const partNames = [...new Set(runs.flatMap((r) => Object.keys(r.cpuMsPerTaskByPart)))];
  const result = {
    bench: 'e2e',
    operators: OPERATORS,
    blockTimeS: BLOCK_TIME,
    batching: BATCHING,
    runs: RUNS,
    requestsPerRun: REQUESTS,
    // Medians over the runs.
    offeredRatePerS: med((r) => r.offeredRatePerS),
    finalised: runs.reduce((n, r) => n + r.finalised, 0),
    expired: runs.reduce((n, r) => n + r.expired, 0),
    failedToSend: runs.reduce((n, r) => n + r.failedToSend, 0),
    tasksFinalisedPerS: med((r) => r.tasksPerSecond),
    tasksPerSecond: med((r) => r.tasksPerSecond),
    cpuMsPerTask: med((r) => r.cpuMsPerTask),
    cpuMsPerTaskByPart: Object.fromEntries(partNames.map((k) => [k, med((r) => r.cpuMsPerTaskByPart[k] ?? null)])),
    latencyS: { p50: med((r) => r.latencyS.p50), p95: med((r) => r.latencyS.p95) },
    latencyBlocks: { p50: med((r) => r.latencyBlocks.p50), p95: med((r) => r.latencyBlocks.p95) },
    perRun: runs,
    targets: { tasksPerSecond: 100, latencyBlocksP95: 2, cpuMsPerTask: 20 },
  };
  const met = {
    tasksPerSecond: (result.tasksPerSecond ?? 0) >= 100,
    latencyBlocksP95: (result.latencyBlocks.p95 ?? Infinity) <= 2,
    cpuMsPerTask: (result.cpuMsPerTask ?? Infinity) <= 20,
  };
  log(
    `median of ${RUNS} runs: ${result.tasksPerSecond} tasks/s (target >= 100: ${met.tasksPerSecond ? 'met' : 'MISSED'}), ` +
      `p95 ${result.latencyBlocks.p95} blocks (target <= 2: ${met.latencyBlocksP95 ? 'met' : 'MISSED'}), ` +
      `CPU ${result.cpuMsPerTask} ms per task (target <= 20: ${met.cpuMsPerTask ? 'met' : 'MISSED'})`,
  );
  process.stdout.write(`${JSON.stringify({ ...result, met })}\n`);
} catch (err) {
  log(`failed: ${(err as Error).message}`);
  exitCode = 1;
} finally {
  await devnet.stop();
}
process.exit(exitCode);
