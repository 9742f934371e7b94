/**
 * Restart safety with a real process: the aggregator (built bin, real Redis, real anvil) is killed
 * with SIGKILL three times in the middle of a stream of tasks whose operators keep delivering (retrying
 * while it is down, as the operator node does), and restarted each time. The stream must end with
 * every task answered on chain exactly once, by exactly one respondToTask transaction each, and a
 * signature accepted just before a kill must still count after the restart.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindings, freePort } from '@aioracle/sdk';
import { Wallet, encryptKeystoreJson } from 'ethers';
import { cleanRedis, equalStakeWorld, requestTask, signedResponse, testConfig, waitFor, type OperatorWithKey, type World } from '../helpers/world.js';

jest.setTimeout(300_000);

const BIN = fileURLToPath(new URL('../../dist/bin/aggregator.js', import.meta.url));
const PREFIX = `aggtest-restart-${process.pid}`;
const OUTPUT = '0x0101000000' + '05000000';
const STREAM = 30;
/** Stream positions at which the aggregator is killed (the first right after the held task's A and B). */
const KILL_AT = [0, 10, 20];

let w: World;
let dir: string;
let port: number;
let child: ChildProcess | null = null;
let logFile: string;
let submitterAddress: string;

function startProcess(): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const c = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'aggregator.yaml')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIORACLE_SUBMITTER_PASSWORD: '' } });
  c.stdout!.pipe(out);
  c.stderr!.pipe(out);
  return c;
}

async function kill9(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) throw new Error(`aggregator had already exited (${c.exitCode ?? c.signalCode}); log:\n${tail()}`);
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

function tail(): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '(no log)';
}

/** Posts like an operator's delivery loop: retries while the aggregator is down, 404 or 5xx. */
async function deliver(op: OperatorWithKey, t: Awaited<ReturnType<typeof requestTask>>): Promise<number> {
  const body = JSON.stringify(signedResponse(w, op, t, OUTPUT));
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (res.status === 200 || res.status === 202 || res.status === 410) return res.status;
      if (res.status !== 404 && res.status < 500) throw new Error(`task ${t.task.taskId}: unexpected ${res.status} ${await res.text()}`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('task ')) throw err;
      // connection refused while the aggregator is down: retry
    }
    if (Date.now() > end) throw new Error(`task ${t.task.taskId}: no answer from the aggregator in 120 s; log:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function taskKnown(taskId: bigint): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/v1/tasks/${taskId}`)).status === 200;
      } catch {
        return false;
      }
    },
    30_000,
    `task ${taskId} loaded by the aggregator`,
  );
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build -w @aioracle/aggregator\` first`);
  // Every operator must sign: the threshold is the whole quorum's stake.
  w = await equalStakeWorld(3, { thresholdBps: 10_000, responseWindowBlocks: 1000 });
  dir = mkdtempSync(join(tmpdir(), 'agg-restart-'));
  logFile = join(dir, 'aggregator.log');
  port = await freePort();
  const submitter = new Wallet(w.submitterKey);
  submitterAddress = submitter.address;
  // A cheap scrypt keeps the test fast; the password comes from a 0600 file, never the command line.
  const keystore = await encryptKeystoreJson({ address: submitter.address, privateKey: submitter.privateKey }, 'restart-test', { scrypt: { N: 1024 } });
  writeFileSync(join(dir, 'submitter.json'), keystore, { mode: 0o600 });
  writeFileSync(join(dir, 'submitter.pass'), 'restart-test\n', { mode: 0o600 });
  // The test config (fast polling, unique prefix) with this process's port, keystore and a short job lock.
  const cfg = testConfig(w, PREFIX, {
    api: { host: '127.0.0.1', port },
    submitter: { keystore_file: join(dir, 'submitter.json'), password_file: join(dir, 'submitter.pass'), attempts: 20, backoff_ms: 100, job_lock_ms: 2000 },
    expiry: { block_time_ms: 100, max_recheck_ms: 500 },
    log: { level: 'warn' },
    shutdown_grace_ms: 5000,
  });
  writeFileSync(join(dir, 'aggregator.yaml'), JSON.stringify(cfg, null, 2)); // JSON is YAML
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await w?.close();
  await cleanRedis(PREFIX);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL three times during a stream of tasks: every task finalised exactly once, no accepted signature lost', async () => {
  const [A, B, C] = w.operators as [OperatorWithKey, OperatorWithKey, OperatorWithKey];
  child = startProcess();

  // A signature accepted just before the kill must survive it: A and B are accepted (no quorum
  // without C), the process dies, and after the restart C alone completes the quorum.
  const held = await requestTask(w);
  await taskKnown(held.task.taskId);
  expect(await deliver(A, held)).toBe(202);
  expect(await deliver(B, held)).toBe(202);

  const tasks: Awaited<ReturnType<typeof requestTask>>[] = [held];
  const deliveries: Promise<number[]>[] = [];
  for (let i = 0; i < STREAM; i++) {
    if (KILL_AT.includes(i)) {
      // The previous restart must be up (answering /healthz) before it is killed again.
      await waitFor(async () => child !== null && (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false)), 30_000, 'aggregator healthy');
      await kill9(child!);
      // Operators keep requesting/delivering while it is down; restart shortly after.
      child = null;
      setTimeout(() => {
        child = startProcess();
      }, 700);
    }
    const t = await requestTask(w);
    tasks.push(t);
    deliveries.push(Promise.all([deliver(A, t), deliver(B, t), deliver(C, t)]));
    await new Promise((r) => setTimeout(r, 60));
  }
  deliveries.push(Promise.all([deliver(C, held)]));
  await Promise.all(deliveries);

  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  const ids = tasks.map((t) => t.task.taskId.toString());
  const answered = await waitFor(
    async () => {
      const logs = await oracle.queryFilter(oracle.filters.TaskResponded(), w.deployment.startBlock, 'latest');
      const mine = logs.map((l) => l.args.taskId.toString()).filter((id) => ids.includes(id));
      return new Set(mine).size === ids.length ? mine : null;
    },
    90_000,
    'every task answered on chain',
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; aggregator log:\n${tail()}`);
  });
  // Exactly once each, and no extra (reverted or duplicate) transaction from the submitter.
  expect(answered.length).toBe(ids.length);
  expect(await w.provider.getTransactionCount(submitterAddress)).toBe(ids.length);
  for (const id of ids) {
    const view = (await (await fetch(`http://127.0.0.1:${port}/v1/tasks/${id}`)).json()) as { status: string };
    expect(view.status).toBe('finalised');
  }
  // The held task's attestation includes A and B, whose signatures were accepted before the kill.
  const held2 = (await (await fetch(`http://127.0.0.1:${port}/v1/tasks/${held.task.taskId}`)).json()) as { outputs: Record<string, { signers: string[] }> };
  const signers = Object.values(held2.outputs).flatMap((o) => o.signers.map((s) => s.toLowerCase()));
  expect(signers.sort()).toEqual([A, B, C].map((o) => o.operatorId.toLowerCase()).sort());

  // A graceful stop still works after all that.
  const c = child!;
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
  c.kill('SIGTERM');
  expect(await exited).toBe(0);
});
