/**
 * `aioracle devnet` (and `aioracle-devnet`, what the root `npm start` runs): starts a devnet
 * (devnet.ts), sends a request stream, shows the live view until Ctrl-C or `--duration`, then stops
 * everything it started. `--json`: no view; one summary JSON line on stdout at the end (progress on
 * stderr). Exit codes: 0 ok, 1 a step failed (the message names it), 2 bad usage.
 *
 * `--core devnet` (the default) deploys the project's stand-in EigenLayer core (avs-contracts/src/devnet-core).
 * `--core eigenlayer` asks for EigenLayer's real core contracts: their compiled (forge) artifacts are looked up
 * in $AIORACLE_EIGENLAYER_ARTIFACTS or ../shared/fixtures/eigenlayer-contracts next to the repository; the
 * devnet does not deploy them yet, so the option stops at once with ERR_DEVNET_CORE_ARTIFACTS (artifacts
 * missing: what and where) or ERR_DEVNET_CORE_UNSUPPORTED (artifacts present), before anything starts.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AioracleError, errorChain } from '@aioracle/sdk';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startDevnet, type DevnetHandle } from './devnet.js';
import { clientExports } from './clientEnv.js';
import { renderLine, renderView } from './view.js';
import { repoRoot } from './demoModels.js';

/** Which EigenLayer core the devnet runs on. */
export type DevnetCore = 'devnet' | 'eigenlayer';
export const DEVNET_CORES: readonly DevnetCore[] = ['devnet', 'eigenlayer'];

/** Environment variable naming the folder of EigenLayer's compiled core contracts (forge `out/` layout). */
export const EIGENLAYER_ARTIFACTS_ENV = 'AIORACLE_EIGENLAYER_ARTIFACTS';
/** Error code: `--core eigenlayer` without the real core's compiled artifacts. */
export const ERR_DEVNET_CORE_ARTIFACTS = 'ERR_DEVNET_CORE_ARTIFACTS';
/** Error code: `--core eigenlayer` with the artifacts present; deploying them is not implemented yet. */
export const ERR_DEVNET_CORE_UNSUPPORTED = 'ERR_DEVNET_CORE_UNSUPPORTED';

/**
 * The real core's contracts the devnet would deploy for `--core eigenlayer` (the slashing release: the contracts the AVS
 * calls or is called by, and those they are built from), each as forge's `<Name>.sol/<Name>.json`.
 */
export const EIGENLAYER_CORE_CONTRACTS = [
  'AllocationManager',
  'AVSDirectory',
  'DelegationManager',
  'EigenPodManager',
  'PauserRegistry',
  'PermissionController',
  'RewardsCoordinator',
  'StrategyBase',
  'StrategyManager',
] as const;

/** Where `--core eigenlayer` looks for the artifacts: $AIORACLE_EIGENLAYER_ARTIFACTS, else ../shared/fixtures/eigenlayer-contracts beside the repository. */
export function eigenLayerArtifactsDir(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env[EIGENLAYER_ARTIFACTS_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(dirname(repoRoot()), 'shared', 'fixtures', 'eigenlayer-contracts');
}

/** The artifact files of {@link EIGENLAYER_CORE_CONTRACTS} under `dir`, and which are missing. */
export function findEigenLayerArtifacts(dir: string): { dir: string; files: string[]; missing: string[] } {
  const files = EIGENLAYER_CORE_CONTRACTS.map((c) => join(dir, `${c}.sol`, `${c}.json`));
  return { dir, files, missing: files.filter((f) => !existsSync(f)) };
}

/**
 * Checks that the devnet can run on `core` before anything starts. `devnet` always can. `eigenlayer` throws
 * ERR_DEVNET_CORE_ARTIFACTS when the real core's artifacts are missing (naming them and where it looked), and
 * ERR_DEVNET_CORE_UNSUPPORTED when they are there, as the devnet does not deploy them yet: the stand-in core is
 * what runs today.
 */
export function checkDevnetCore(core: DevnetCore, env: Record<string, string | undefined> = process.env): void {
  if (core === 'devnet') return;
  const dir = eigenLayerArtifactsDir(env);
  const found = findEigenLayerArtifacts(dir);
  const standIn = 'The devnet runs on the stand-in EigenLayer core (avs-contracts/src/devnet-core) today: run without --core, or with --core devnet';
  if (found.missing.length > 0) {
    const names = found.missing.map((f) => f.slice(dir.length + 1));
    throw new AioracleError(
      ERR_DEVNET_CORE_ARTIFACTS,
      `--core eigenlayer needs the compiled artifacts of EigenLayer's real core contracts (forge out/ layout: <Name>.sol/<Name>.json) in ${dir} (set ${EIGENLAYER_ARTIFACTS_ENV} to look elsewhere); ` +
        `${existsSync(dir) ? `missing there: ${names.join(', ')}` : 'that folder does not exist'}. ${standIn}`,
      { details: { dir, missing: found.missing, env: EIGENLAYER_ARTIFACTS_ENV } },
    );
  }
  throw new AioracleError(
    ERR_DEVNET_CORE_UNSUPPORTED,
    `Found EigenLayer's core artifacts in ${dir}, but this devnet does not deploy the real core yet. ${standIn}`,
    { details: { dir } },
  );
}

/** Where the CLI writes (injectable for tests). */
export interface DevnetCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

const defaultIo = (): DevnetCliIo => ({ stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s), isTTY: process.stdout.isTTY === true });

const intArg = (name: string, min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number ${min}..${max}`);
  return n;
};
const numArg = (name: string, min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number ${min}..${max}`);
  return n;
};

interface DevnetCliOptions {
  operators: number;
  byzantine: number;
  blockTime: number;
  duration: number;
  rate: number;
  json?: boolean;
  prometheus?: boolean;
  dir?: string;
  /** commander's negated --no-batching: false turns batch attestation off. */
  batching: boolean;
  /** Which EigenLayer core: the stand-in (default) or the real one's artifacts. */
  core: DevnetCore;
}

/** Builds the command (no side effects until parsed). */
export function buildDevnetCommand(io: DevnetCliIo, run: (o: DevnetCliOptions) => Promise<number>): Command {
  return new Command('devnet')
    .description('run a local AI Oracle AVS: anvil, Redis, EigenLayer core + AVS, demo models and feed, N operators, an aggregator, a request stream and a live view')
    .option('--operators <n>', 'operators to create and run', intArg('--operators', 1, 64), 4)
    .option('--byzantine <k>', 'operators (the last k) that sign wrong outputs and get slashed', intArg('--byzantine', 0, 64), 0)
    .option('--block-time <s>', 'seconds per block', intArg('--block-time', 1, 60), 1)
    .option('--rate <r>', 'requests per second (alternating the demo models); 0 = none', numArg('--rate', 0, 10_000), 1)
    .option('--duration <s>', 'stop after this many seconds; 0 = until Ctrl-C', numArg('--duration', 0, 1e7), 0)
    .option('--json', 'no live view; one summary JSON line at the end')
    .option('--prometheus', 'also start Prometheus scraping every process (when a prometheus binary is on PATH)')
    .option('--no-batching', 'operators sign every task alone (the per-task path) instead of one batch per block')
    .option('--dir <dir>', 'devnet folder for keys, configs, logs (default .devnet/<anvil port> at the repo root)')
    .addOption(
      new Option('--core <core>', `EigenLayer core: devnet = the stand-in (avs-contracts/src/devnet-core); eigenlayer = the real core's compiled artifacts from $${EIGENLAYER_ARTIFACTS_ENV} or ../shared/fixtures/eigenlayer-contracts (not deployed yet: exits 1 saying what is missing)`)
        .choices(DEVNET_CORES)
        .default('devnet'),
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText(
      'after',
      `
Examples:
  $ npm start                                   # = aioracle-devnet: 4 operators, 1 request/s, live view
  $ npm start -- --operators 6 --byzantine 1    # one operator signs wrong outputs and is slashed
  $ aioracle devnet --json --duration 60 --rate 5
  $ npm start -- --core eigenlayer              # the real EigenLayer core: needs its artifacts (see deploy/README.md)
Stop with Ctrl-C: every process it started (anvil, redis-server if it started one, the aggregator,
the operators, prometheus) is stopped. Exit codes: 0 ok, 1 a step failed, 2 bad usage.`,
    )
    .action(async (o: DevnetCliOptions) => {
      await run(o);
    });
}

/**
 * Runs the devnet command line and resolves with the exit code.
 * @example process.exitCode = await runDevnetCli(process.argv.slice(2));
 */
export async function runDevnetCli(argv: string[], io: DevnetCliIo = defaultIo(), env: Record<string, string | undefined> = process.env): Promise<number> {
  let code = 0;
  const cmd = buildDevnetCommand(io, async (o) => {
    code = await runDevnet(o, io, env);
    return code;
  });
  try {
    await cmd.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const c = err as { code?: string };
    if (typeof c.code === 'string' && c.code.startsWith('commander.')) return c.code === 'commander.helpDisplayed' || c.code === 'commander.help' || c.code === 'commander.version' ? 0 : 2;
    io.stderr(`error: ${errorChain(err).join('\n  caused by: ')}\n`);
    return 1;
  }
  return code;
}

async function runDevnet(o: DevnetCliOptions, io: DevnetCliIo, env: Record<string, string | undefined>): Promise<number> {
  if (o.byzantine > o.operators) {
    io.stderr(`error: ERR_DEVNET_CONFIG: --byzantine ${o.byzantine} is more than --operators ${o.operators}\n`);
    return 2;
  }
  try {
    checkDevnetCore(o.core, env);
  } catch (err) {
    io.stderr(`error: ${errorChain(err).join('\n  caused by: ')}\n`);
    return 1;
  }
  const json = o.json === true;
  const live = !json && io.isTTY;
  const say = (s: string): void => (json ? io.stderr(`${s}\n`) : io.stdout(`${s}\n`));
  say(`Starting the devnet: ${o.operators} operators${o.byzantine ? ` (${o.byzantine} byzantine)` : ''}, ${o.blockTime} s blocks, ${o.rate} requests/s …`);

  // Signals: the first stops gracefully, a second one forces the exit.
  let stopRequested = false;
  let wake: (() => void) | null = null;
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    stopRequested = true;
    wake?.();
    if (signals > 1) process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let devnet: DevnetHandle | null = null;
  try {
    const starting = startDevnet({ operators: o.operators, byzantine: o.byzantine, blockTimeS: o.blockTime, rate: o.rate, batching: o.batching, prometheus: o.prometheus === true, ...(o.dir ? { dir: o.dir } : {}), onProgress: (l) => say(`  ✓ ${l}`) });
    devnet = await starting;
    if (stopRequested) return 130;
    say(`Devnet up in ${devnet.startupS.toFixed(1)} s. Folder: ${devnet.dir}`);
    // The client CLI's environment, once, where a script or a log reader sees it (the live view shows it too).
    if (!live) say(`Client CLI environment:\n${clientExports(devnet).join('\n')}`);

    const endAt = o.duration > 0 ? Date.now() + o.duration * 1000 : Infinity;
    let lastLine = 0;
    while (!stopRequested && Date.now() < endAt) {
      const s = devnet.stats();
      if (live) io.stdout(`\x1b[H\x1b[2J${renderView(devnet, s, o.rate)}\n`);
      else if (!json && Date.now() - lastLine >= 5_000) {
        lastLine = Date.now();
        io.stdout(`${renderLine(s)}\n`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(0, Math.min(1000, endAt - Date.now())));
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    // A timed run lets the requests in flight settle (finalised or expired) before summing up.
    const d = devnet;
    d.stopStream();
    if (!stopRequested) {
      const settleBy = Date.now() + (d.deployment.responseWindowBlocks + 5) * d.blockTimeS * 1000;
      while (!stopRequested && d.tracker.outstanding() > 0 && Date.now() < settleBy) await new Promise((r) => setTimeout(r, 250));
      // One more poll so the last results and slashings are in.
      await new Promise((r) => setTimeout(r, 2 * d.blockTimeS * 1000));
    }
    const summary = devnet.summary();
    if (json) io.stdout(`${JSON.stringify(summary)}\n`);
    else {
      if (live) io.stdout(`\x1b[H\x1b[2J${renderView(devnet, devnet.stats(), o.rate)}\n`);
      io.stdout(`\nStopping. ${summary.tasksRequested} requests, ${summary.finalised} finalised, ${summary.expired} expired; latency p50 ${summary.latencyMs.p50 ?? '–'} ms, p95 ${summary.latencyMs.p95 ?? '–'} ms; slashed: ${summary.operatorsSlashed.join(', ') || 'none'}\n`);
    }
    return 0;
  } catch (err) {
    io.stderr(`error: ${errorChain(err).join('\n  caused by: ')}\n`);
    return 1;
  } finally {
    if (devnet) await devnet.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!json) io.stdout('Devnet stopped; nothing left running.\n');
  }
}
