/**
 * The root README, run as a new user would: `git clone` of the committed HEAD into a scratch
 * folder, the README's set-up command there, then every command of its "A tour" and "Running the
 * parts" sections, as written, in README order. Which commands run, which run against the devnet
 * the tour's `npm start -- --json --duration …` starts, and which are skipped (with the reason in the
 * test name) is decided by the rules in readmeCommands.ts, so a changed README command changes what
 * runs. The README is read from HEAD, like the clone: commit a change before this test sees it.
 *
 * Environment of every command: the repository's npm cache (prefer-offline), HOME in a temporary
 * folder (so `keys create` writes there), AIORACLE_BLS_KEY_PASSWORD for the keystore's password
 * (secrets never on the command line), no npm_* or TURBO_* variables from the `npm test` running this
 * and no node_modules/.bin of this checkout on PATH (a bin the clone failed to link must not be
 * found here instead).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { repoRoot } from '../../src/devnet/index.js';
import { classify, exportedNames, readmeCommands, type ReadmeCommand } from './readmeCommands.js';

const root = repoRoot();
const SECTIONS = ['A tour', 'Running the parts'];
const readme = spawnSync('git', ['show', 'HEAD:README.md'], { cwd: root, encoding: 'utf8' }).stdout;
const scratch = mkdtempSync(join(tmpdir(), 'aioracle-readme-'));
const clone = join(scratch, 'repo');
const home = join(scratch, 'home');
const commands = readmeCommands(readme, SECTIONS, (p) => existsSync(join(root, p)));

const npmCache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
const env: NodeJS.ProcessEnv = {};
for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|TURBO_|INIT_CWD$|NODE_OPTIONS$)/i.test(k)) env[k] = v;
env.PATH = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules')).join(delimiter);
Object.assign(env, { HOME: home, npm_config_cache: npmCache, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', AIORACLE_BLS_KEY_PASSWORD: 'readme-test-password-1' });

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a bash script in the clone; resolves with its exit code and output (never rejects). */
function sh(script: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

const show = (r: Ran): string => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

// The devnet the tour's `npm start -- --json --duration …` starts, shared by its block's client commands.
let devnet: { child: ChildProcess; exports: Promise<string[]>; done: Promise<Ran> } | null = null;

function startDevnet(command: string): void {
  const child = spawn('bash', ['-c', command], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let gotExports: (lines: string[]) => void = () => {};
  const exports = new Promise<string[]>((r) => (gotExports = r));
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
    const lines = stderr.split('\n').filter((l) => /^export AIORACLE_/.test(l));
    if (lines.length >= 2) gotExports(lines);
  });
  const done = new Promise<Ran>((r) =>
    child.on('close', (code) => {
      gotExports([]);
      r({ code, stdout, stderr });
    }),
  );
  devnet = { child, exports, done };
}

/** The promise's value, or `fallback` after ms (the timer never outlives the race, so jest can exit). */
async function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((r) => (timer = setTimeout(() => r(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const title = (c: ReadmeCommand): string => `${c.section}: ${c.command}`;

beforeAll(() => {
  const r = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', root, clone], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git clone failed: ${r.stderr}`);
}, 60_000);

afterAll(async () => {
  if (devnet) {
    killGroup(devnet.child, 'SIGTERM');
    const stopped = await within(devnet.done.then(() => true), 30_000, false);
    if (!stopped) killGroup(devnet.child, 'SIGKILL');
  }
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe('the README rules', () => {
  test.each([
    ['npm install && npm run build', 'setup'],
    ['export AIORACLE_RPC_URL=http://127.0.0.1:<port>', 'export'],
    ['npm start -- --json --duration 60', 'devnet'],
    ['npm start -- --operators 6', 'skip'],
    ['npm run bench:e2e', 'skip'],
    ['npx aioracle audit <taskId> --rerun', 'skip'],
    ['npx aioracle-aggregator run --config aggregator.yaml', 'skip'],
    ['npx aioracle model list', 'run'],
  ])('%s is %s', (command, kind) => {
    expect(classify(command, () => false).kind).toBe(kind);
  });

  test('the README has a set-up command, the sections and the devnet the client commands need', () => {
    for (const s of SECTIONS) expect(commands.some((c) => c.section === s)).toBe(true);
    expect(commands.filter((c) => c.kind === 'setup')).toHaveLength(1);
    const exportBlocks = new Set(commands.filter((c) => c.kind === 'export').map((c) => c.block));
    if (exportBlocks.size > 0) expect(commands.some((c) => c.kind === 'devnet')).toBe(true);
  });
});

describe('the README on a fresh clone', () => {
  const ordered = [...commands.filter((c) => c.kind === 'setup'), ...commands.filter((c) => c.kind !== 'setup')];
  for (const c of ordered) {
    if (c.kind === 'skip') {
      test.skip(`${title(c)} (skipped: ${c.reason})`, () => {});
      continue;
    }
    if (c.kind === 'setup') {
      test(`${title(c)} (set-up)`, async () => {
        const r = await sh(c.command, 600_000);
        expect({ ok: r.code === 0, out: show(r) }).toEqual({ ok: true, out: show(r) });
        expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/npm warn/i);
        for (const bin of ['aioracle', 'aioracle-operator', 'aioracle-aggregator', 'aioracle-deploy']) expect(readdirSync(join(clone, 'node_modules', '.bin'))).toContain(bin);
      }, 600_000);
      continue;
    }
    if (c.kind === 'devnet') {
      test(`${title(c)} (started; prints the client export lines once up)`, async () => {
        startDevnet(c.command);
        const lines = await within(devnet!.exports, 240_000, []);
        expect(lines.map(exportedNames).flat().sort()).toEqual(['AIORACLE_DEPLOYMENT', 'AIORACLE_PRIVATE_KEY', 'AIORACLE_RPC_URL']);
      }, 250_000);
      continue;
    }
    if (c.kind === 'export') {
      test(`${title(c)} (replaced by the devnet's line for the same variables)`, async () => {
        expect(devnet).not.toBeNull();
        const printed = (await devnet!.exports).map(exportedNames);
        expect(printed).toContainEqual(exportedNames(c.command));
      }, 250_000);
      continue;
    }
    const usesDevnet = commands.some((o) => o.block === c.block && o.kind === 'export');
    test(`${title(c)}${usesDevnet ? ' (against the devnet)' : ''}`, async () => {
      const prefix = usesDevnet && devnet ? `${(await devnet.exports).join('\n')}\n` : '';
      const r = await sh(prefix + c.command, 180_000);
      expect({ ok: r.code === 0, out: show(r) }).toEqual({ ok: true, out: show(r) });
      if (/ --help\b/.test(c.command)) expect(r.stdout).toMatch(/Usage:/);
      const key = /keys create --name (\S+)/.exec(c.command);
      if (key) expect(readdirSync(join(home, '.aioracle', 'keys')).some((f) => f.startsWith(key[1]!))).toBe(true);
    }, 200_000);
  }

  if (commands.some((c) => c.kind === 'devnet')) {
    test('the devnet ends on its own with exit 0 and a --json summary holding the same export lines', async () => {
      expect(devnet).not.toBeNull();
      const r = await devnet!.done;
      expect({ ok: r.code === 0, out: show(r) }).toEqual({ ok: true, out: show(r) });
      const last = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}';
      const summary = JSON.parse(last) as { exports?: string[] };
      expect(summary.exports).toEqual(await devnet!.exports);
    }, 300_000);
  }
});
