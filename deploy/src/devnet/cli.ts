/**
 * `aioracle devnet` (and `aioracle-devnet`, what the root `npm start` runs): starts a devnet
 * (devnet.ts), sends a request stream, shows the live view until Ctrl-C or `--duration`, then stops
 * everything it started. `--json`: no view; one summary JSON line on stdout at the end (progress on
 * stderr). Exit codes: 0 ok, 1 a step failed (the message names it), 2 bad usage.
 */
import { errorChain } from '@aioracle/sdk';
import { Command, InvalidArgumentError } from 'commander';
import { startDevnet, type DevnetHandle } from './devnet.js';
import { clientExports } from './clientEnv.js';
import { renderLine, renderView } from './view.js';

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
export async function runDevnetCli(argv: string[], io: DevnetCliIo = defaultIo()): Promise<number> {
  let code = 0;
  const cmd = buildDevnetCommand(io, async (o) => {
    code = await runDevnet(o, io);
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

async function runDevnet(o: DevnetCliOptions, io: DevnetCliIo): Promise<number> {
  if (o.byzantine > o.operators) {
    io.stderr(`error: ERR_DEVNET_CONFIG: --byzantine ${o.byzantine} is more than --operators ${o.operators}\n`);
    return 2;
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
