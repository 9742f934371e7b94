/**
 * Shared pieces of the end-to-end tests: a devnet in a temporary folder (real anvil, Redis, the
 * built operator and aggregator processes), the client CLI `aioracle` run as a process, and
 * readers for what the tests check on chain and in the operators' signing logs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevnet, repoRoot, type DevnetHandle, type StartDevnetOptions } from '../../src/devnet/index.js';

/** A devnet in a temporary folder, without the request stream unless asked. */
export async function startTestDevnet(opts: StartDevnetOptions = {}): Promise<DevnetHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'aioracle-e2e-'));
  try {
    return await startDevnet({ rate: 0, ...opts, dir });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops the devnet and removes its folder. */
export async function stopTestDevnet(d: DevnetHandle | undefined): Promise<void> {
  if (!d) return;
  await d.stop();
  rmSync(d.dir, { recursive: true, force: true });
}

/** Path of the client CLI bin (built by the sdk package). */
export const CLIENT_BIN = join(repoRoot(), 'sdk', 'dist', 'bin', 'aioracle.js');

/** Result of one client CLI run. */
export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `aioracle <global options> ...args` against the devnet, the key in AIORACLE_PRIVATE_KEY. */
export function runClient(d: DevnetHandle, args: string[], timeoutMs = 90_000): Promise<ClientRun> {
  if (!existsSync(CLIENT_BIN)) throw new Error(`${CLIENT_BIN} is missing: build the sdk (npm run build -w @aioracle/sdk)`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIORACLE_')) env[k] = v;
  env.AIORACLE_PRIVATE_KEY = d.clientKey;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT_BIN, '--rpc-url', d.rpcUrl, '--deployment', d.deploymentFile, '--models-dir', d.modelsDir, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** taskId → outputHash recorded in an operator's signing log (what it signed). */
export function signedOutputs(d: DevnetHandle, operatorName: string): Map<string, string> {
  const out = new Map<string, string>();
  const file = join(d.dir, operatorName, 'signing.log');
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line) as { k?: string; o?: string };
    if (rec.k === undefined || rec.o === undefined) continue; // a batch record ({b, r, n}): its tasks have lines of their own
    const taskId = rec.k.split('/').pop() ?? '';
    out.set(taskId, rec.o.toLowerCase());
  }
  return out;
}

/** Polls `check` until it returns a value (not undefined) or throws after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
