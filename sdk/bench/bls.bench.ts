/**
 * BLS benchmark: medians over repeated runs in one process (one core). Prints a table, then as
 * the LAST line one JSON object with the figures in milliseconds. Each figure is the median wall
 * time; `cpuMs` has the matching median process CPU time and `bestMs` the fastest run, the
 * steadier numbers on a shared machine (the 1-minute load average is printed with them). Backend: BLS_BENCH_BACKEND=mcl|noble (default mcl).
 *   npm run bench -w sdk
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  type BlsBackendName,
  type G1Point,
  aggregateSignatures,
  blsBatchVerifySameMessage,
  blsSign,
  blsVerify,
  generateBlsKeyPair,
  initBls,
} from '../src/bls/index.js';

const TARGETS = { signMs: 0.5, sigsPerSecond: 3000, sigsPerSecondOneBad: 1500 };

interface Sample {
  wall: number;
  cpu: number;
}

function measure(runs: number, setup: () => void, f: () => void): { wall: number; cpu: number; best: number } {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    setup();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    samples.push({ wall, cpu: (c.user + c.system) / 1000 });
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  return { wall: median(samples.map((s) => s.wall)), cpu: median(samples.map((s) => s.cpu)), best: Math.min(...samples.map((s) => s.wall)) };
}

async function main(): Promise<void> {
  const backendName = (process.env.BLS_BENCH_BACKEND ?? 'mcl') as BlsBackendName;
  await initBls({ backend: backendName });
  const scale = backendName === 'noble' ? 0.2 : 1;
  const runs = (n: number): number => Math.max(3, Math.round(n * scale));

  const digest = randomBytes(32);
  const keys = Array.from({ length: 100 }, () => generateBlsKeyPair());
  const sigs = keys.map((k) => blsSign(k.secretKey, digest));
  const many: G1Point[] = Array.from({ length: 1000 }, (_, i) => sigs[i % 100]!);
  const items = keys.map((k, i) => ({ signature: sigs[i]!, publicKeyG2: k.publicKeyG2 }));
  const wrong = blsSign(keys[0]!.secretKey, randomBytes(32));

  // Warm-up: let the wasm / JIT tiers settle before timing.
  for (let i = 0; i < 3; i++) blsBatchVerifySameMessage(digest, items);
  for (let i = 0; i < 50; i++) blsVerify(blsSign(keys[i % 100]!.secretKey, digest), keys[i % 100]!.publicKeyG2, digest);

  let d = randomBytes(32);
  const sign = measure(runs(300), () => (d = randomBytes(32)), () => void blsSign(keys[0]!.secretKey, d));
  const verify = measure(runs(100), () => undefined, () => void blsVerify(sigs[1]!, keys[1]!.publicKeyG2, digest));
  const agg100 = measure(runs(50), () => undefined, () => void aggregateSignatures(sigs));
  const agg1000 = measure(runs(30), () => undefined, () => void aggregateSignatures(many));
  let ok = true;
  const batch = measure(runs(20), () => undefined, () => {
    ok = ok && blsBatchVerifySameMessage(digest, items).ok;
  });
  let badPos = 0;
  let oneBadItems = items;
  let named = true;
  const batchBad = measure(
    runs(20),
    () => {
      badPos = randomBytes(1)[0]! % 100;
      oneBadItems = items.map((it, i) => (i === badPos ? { ...it, signature: wrong } : it));
    },
    () => {
      const r = blsBatchVerifySameMessage(digest, oneBadItems);
      named = named && !r.ok && r.bad.length === 1 && r.bad[0] === badPos;
    },
  );
  if (!ok || !named) throw new Error(`benchmark self-check failed: allValidOk=${ok} oneBadNamed=${named}`);

  const rows: [string, { wall: number; cpu: number; best: number }][] = [
    ['sign', sign],
    ['verify one', verify],
    ['aggregate 100 signatures', agg100],
    ['aggregate 1,000 signatures', agg1000],
    ['batch verify 100 (all valid)', batch],
    ['batch verify 100, 1 bad (named)', batchBad],
  ];
  const fmt = (x: number): string => x.toFixed(3).padStart(10);
  console.log(`BLS benchmark, backend ${backendName}, node ${process.version}, medians (ms)`);
  console.log(`${'operation'.padEnd(34)}${'wall'.padStart(10)}${'cpu'.padStart(10)}${'best wall'.padStart(10)}`);
  for (const [name, m] of rows) console.log(`${name.padEnd(34)}${fmt(m.wall)}${fmt(m.cpu)}${fmt(m.best)}`);
  const sps = 100 / (batch.wall / 1000);
  const spsBad = 100 / (batchBad.wall / 1000);
  console.log(`sigs/s all valid ${sps.toFixed(0)} (target ≥ ${TARGETS.sigsPerSecond}); one bad ${spsBad.toFixed(0)} (target ≥ ${TARGETS.sigsPerSecondOneBad}); sign target ≤ ${TARGETS.signMs} ms`);
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      backend: backendName,
      signMs: r3(sign.wall),
      verifyMs: r3(verify.wall),
      aggregate100Ms: r3(agg100.wall),
      aggregate1000Ms: r3(agg1000.wall),
      batch100Ms: r3(batch.wall),
      batch100OneBadMs: r3(batchBad.wall),
      sigsPerSecond: Math.round(sps),
      sigsPerSecondOneBad: Math.round(spsBad),
      cpuMs: {
        signMs: r3(sign.cpu),
        verifyMs: r3(verify.cpu),
        aggregate100Ms: r3(agg100.cpu),
        aggregate1000Ms: r3(agg1000.cpu),
        batch100Ms: r3(batch.cpu),
        batch100OneBadMs: r3(batchBad.cpu),
      },
      bestMs: { signMs: r3(sign.best), verifyMs: r3(verify.best), batch100Ms: r3(batch.best), batch100OneBadMs: r3(batchBad.best) },
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      meetsTargets: sign.wall <= TARGETS.signMs && sps >= TARGETS.sigsPerSecond && spsBad >= TARGETS.sigsPerSecondOneBad,
    }),
  );
}

await main();
