/**
 * Child processes of the devnet: each runs in its own process group (so a node's own children go
 * with it), writes stdout and stderr to a log file, and is stopped with SIGTERM to the group, then
 * SIGKILL after a grace period. A synchronous exit hook SIGKILLs whatever is still running if this
 * process dies without a clean stop. Children get the caller's environment minus every
 * `AIORACLE_*` variable: their config files are the whole truth, and no secret travels in env.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { AioracleError } from '@aioracle/sdk';

/** A started child process. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** True once it has exited. */
  hasExited: () => boolean;
  /** SIGTERM to its process group, SIGKILL after `graceMs` (default 8 s); resolves when it has exited. */
  stop: (graceMs?: number) => Promise<void>;
}

const live = new Set<ChildProcess>();
let hookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  // Last resort only ('exit' handlers must be synchronous): a clean stop() has already emptied the set.
  process.on('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
  });
}

/** Environment for children: the caller's, without AIORACLE_* (config files rule) plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIORACLE_') && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Spawns `command args` in its own process group with output appended to `logFile`. */
export function startProcess(opts: StartProcessOptions): ManagedProcess {
  const fd = openSync(opts.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    // AIORACLE_DEVNET_CPU_PROFILE=<dir>: every Node child writes a V8 CPU profile there when it stops.
    const prof = process.env.AIORACLE_DEVNET_CPU_PROFILE;
    const args = prof && opts.command === process.execPath ? ['--cpu-prof', '--cpu-prof-dir', prof, ...opts.args] : opts.args;
    child = spawn(opts.command, args, { cwd: opts.cwd, env: opts.env ?? childEnv(), stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  live.add(child);
  installExitHook();
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      done = true;
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      done = true;
      live.delete(child);
      resolve(-1);
    });
  });
  const stop = async (graceMs = 8_000): Promise<void> => {
    if (done) return;
    killGroup(child, 'SIGTERM');
    const t = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
    // Anything the child left behind in its group.
    killGroup(child, 'SIGKILL');
  };
  return { name: opts.name, pid: child.pid ?? -1, logFile: opts.logFile, exited, hasExited: () => done, stop };
}

/** The last `lines` lines of a log file (for error messages). */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Runs a process to completion; throws ERR_DEVNET_STEP with the log's tail when it exits non-zero. */
export async function runToCompletion(opts: StartProcessOptions, timeoutMs = 120_000): Promise<void> {
  const p = startProcess(opts);
  const timer = setTimeout(() => void p.stop(2_000), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== 0) {
    throw new AioracleError('ERR_DEVNET_STEP', `${opts.name} exited with ${code === null ? 'a signal' : `code ${code}`}; last lines of ${opts.logFile}:\n${logTail(opts.logFile)}`, {
      details: { name: opts.name, code, logFile: opts.logFile },
    });
  }
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Polls `check` every `intervalMs` until it returns true; throws `onTimeout()` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, onTimeout: () => Error, intervalMs = 200, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (alive && !alive()) throw onTimeout();
    if (Date.now() > deadline) throw onTimeout();
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
