/**
 * Restart safety of batches with a real process (built bin, real Redis, real anvil): the aggregator
 * is SIGKILLed (1) after accepting two of the three batch signatures a quorum needs, (2) during the
 * collection window after a batch reached quorum (its submission job is delayed in Redis), and (3)
 * about when that submission goes out. After each restart every task must be answered on chain
 * exactly once, by one respondToBatch transaction per batch, and the submitter must have sent no
 * other transaction (nothing twice, no per-task response).
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindings, freePort } from '@aioracle/sdk';
import { Wallet, encryptKeystoreJson } from 'ethers';
import { cleanRedis, equalStakeWorld, requestTasksInOneBlock, signedBatch, testConfig, waitFor, type OperatorWithKey, type World } from '../helpers/world.js';

jest.setTimeout(300_000);

const BIN = fileURLToPath(new URL('../../dist/bin/aggregator.js', import.meta.url));
const PREFIX = `aggtest-brestart-${process.pid}`;
const WINDOW_MS = 1500;
let w: World;
let dir: string;
let port: number;
let child: ChildProcess | null = null;
let logFile: string;
let submitterAddress: string;

type T = Awaited<ReturnType<typeof requestTasksInOneBlock>>[number];

function startProcess(): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const c = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'aggregator.yaml')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIORACLE_SUBMITTER_PASSWORD: '' } });
  c.stdout!.pipe(out);
  c.stderr!.pipe(out);
  return c;
}

const tail = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '(no log)');

async function healthy(): Promise<void> {
  await waitFor(async () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false), 30_000, 'aggregator healthy');
}

async function restart(): Promise<void> {
  const c = child!;
  if (c.exitCode !== null || c.signalCode !== null) throw new Error(`aggregator had already exited; log:\n${tail()}`);
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
  child = startProcess();
  await healthy();
}

/** Posts like an operator's delivery loop: retries while the aggregator is down, 404 or 5xx. */
async function deliver(op: OperatorWithKey, ts: T[], outputs: string[]): Promise<{ status: number; json: Record<string, unknown> }> {
  const body = JSON.stringify(signedBatch(w, op, ts, outputs));
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== 404 && res.status < 500) return { status: res.status, json };
    } catch {
      // down: retry
    }
    if (Date.now() > end) throw new Error(`no answer from the aggregator; log:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build -w @aioracle/aggregator\` first`);
  w = await equalStakeWorld(4, { thresholdBps: 6667, responseWindowBlocks: 1000 });
  dir = mkdtempSync(join(tmpdir(), 'agg-brestart-'));
  logFile = join(dir, 'aggregator.log');
  port = await freePort();
  const submitter = new Wallet(w.submitterKey);
  submitterAddress = submitter.address;
  const keystore = await encryptKeystoreJson({ address: submitter.address, privateKey: submitter.privateKey }, 'restart-test', { scrypt: { N: 1024 } });
  writeFileSync(join(dir, 'submitter.json'), keystore, { mode: 0o600 });
  writeFileSync(join(dir, 'submitter.pass'), 'restart-test\n', { mode: 0o600 });
  const cfg = testConfig(w, PREFIX, {
    api: { host: '127.0.0.1', port },
    aggregation: { collection_window_ms: WINDOW_MS },
    submitter: { keystore_file: join(dir, 'submitter.json'), password_file: join(dir, 'submitter.pass'), attempts: 20, backoff_ms: 100, job_lock_ms: 2000 },
    expiry: { block_time_ms: 100, max_recheck_ms: 500 },
    log: { level: 'warn' },
    shutdown_grace_ms: 5000,
  });
  writeFileSync(join(dir, 'aggregator.yaml'), JSON.stringify(cfg, null, 2));
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await w?.close();
  await cleanRedis(PREFIX);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL before quorum, in the collection window and at submission: every batch answered once by one transaction', async () => {
  const [A, B, C] = w.operators as [OperatorWithKey, OperatorWithKey, OperatorWithKey];
  child = startProcess();
  await healthy();
  const batches: { ts: T[]; outputs: string[] }[] = [];
  const make = async (n: number, tag: number) => {
    const ts = await requestTasksInOneBlock(w, n);
    const b = { ts, outputs: ts.map((_, i) => '0x0101000000' + (tag * 16 + i).toString(16).padStart(2, '0') + '000000') };
    batches.push(b);
    return b;
  };

  // (1) Two signatures accepted, then the kill: they must still count after the restart.
  const b1 = await make(3, 1);
  expect((await deliver(A, b1.ts, b1.outputs)).status).toBe(202);
  expect((await deliver(B, b1.ts, b1.outputs)).status).toBe(202);
  await restart();
  expect((await deliver(C, b1.ts, b1.outputs)).json).toEqual({ status: 'accepted', quorumReached: true });

  // (2) Quorum reached, killed inside the collection window: the delayed job is in Redis.
  const b2 = await make(2, 2);
  for (const op of [A, B]) expect((await deliver(op, b2.ts, b2.outputs)).status).toBe(202);
  expect((await deliver(C, b2.ts, b2.outputs)).json).toEqual({ status: 'accepted', quorumReached: true });
  await restart();

  // (3) Killed about when the submission goes out (end of the window).
  const b3 = await make(4, 3);
  for (const op of [A, B]) expect((await deliver(op, b3.ts, b3.outputs)).status).toBe(202);
  expect((await deliver(C, b3.ts, b3.outputs)).json).toEqual({ status: 'accepted', quorumReached: true });
  await new Promise((r) => setTimeout(r, WINDOW_MS + 50));
  await restart();

  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  const all = batches.flatMap((b) => b.ts);
  const logs = await waitFor(
    async () => {
      const l = await oracle.queryFilter(oracle.filters.TaskResponded(), w.deployment.startBlock, 'latest');
      return all.every((t) => l.some((x) => x.args.taskId === t.task.taskId)) ? l : null;
    },
    60_000,
    'every task answered on chain',
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; aggregator log:\n${tail()}`);
  });
  for (const [k, b] of batches.entries()) {
    const txs = b.ts.map((t) => logs.filter((l) => l.args.taskId === t.task.taskId).map((l) => l.transactionHash));
    expect({ batch: k + 1, answers: txs.map((x) => x.length), txs: new Set(txs.flat()).size }).toEqual({ batch: k + 1, answers: b.ts.map(() => 1), txs: 1 });
  }
  // One transaction per batch and nothing else (no second respondToBatch, no per-task response).
  await new Promise((r) => setTimeout(r, 1000));
  expect(await w.provider.getTransactionCount(submitterAddress)).toBe(batches.length);
  for (const t of all) {
    await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/v1/tasks/${t.task.taskId}`)).json()) as { status: string }).status === 'finalised', 30_000, `task ${t.task.taskId} finalised in the views`);
  }
  const c = child!;
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
  c.kill('SIGTERM');
  expect(await exited).toBe(0);
});
