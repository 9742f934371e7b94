/**
 * Entry point of the chain-writer thread (started by writerHost.ts). Logs and metric updates go to
 * the main thread, which owns the logger and the one prom-client registry of the process.
 *
 * Messages out: { type: 'ready' } | { type: 'failed', error } | { type: 'stopped' } |
 *               { type: 'log', level, bindings, obj, msg } | { type: 'metric', name, method, args }.
 * Messages in:  { type: 'submit', taskId, delayMs } | { type: 'stop' }.
 */
import { setPriority } from 'node:os';
import { levels } from 'pino';
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '@aioracle/sdk';
import type { AggregatorMetrics } from '../metrics.js';
import { startChainWriter } from './chainWriter.js';
import type { WriterThreadData } from './writerHost.js';

const port = parentPort!;
const post = (m: unknown): void => port.postMessage(m);

/** Errors lose their class across threads: send the fields a log line needs. */
function plain(v: unknown, depth = 0): unknown {
  if (v instanceof Error) {
    const e = v as Error & { code?: unknown; cause?: unknown };
    return { type: e.name, message: e.message, stack: e.stack, ...(e.code !== undefined ? { code: String(e.code) } : {}), ...(e.cause !== undefined && depth < 3 ? { cause: plain(e.cause, depth + 1) } : {}) };
  }
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object' && depth < 3) {
    if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, depth + 1)]));
  }
  return v;
}

const levelValue = (level: string): number => (level === 'silent' ? Infinity : (levels.values[level] ?? 0));

function remoteLogger(bindings: Record<string, unknown>, minLevel: string): Logger {
  const min = levelValue(minLevel);
  const at =
    (level: string) =>
    (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
      if (levelValue(level) < min) return;
      if (typeof objOrMsg === 'string') post({ type: 'log', level, bindings, obj: {}, msg: objOrMsg });
      else post({ type: 'log', level, bindings, obj: plain(objOrMsg), msg });
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (b) => remoteLogger({ ...bindings, ...b }, minLevel),
  };
}

/**
 * Sets this thread's nice value. On Linux setpriority(PRIO_PROCESS, 0) acts on the calling thread
 * only, so the main thread and the verify threads keep theirs.
 */
function setThreadNice(nice: number, logger: Logger): void {
  if (nice === 0) return;
  try {
    setPriority(0, nice);
  } catch (err) {
    logger.info({ nice, code: (err as { code?: string }).code }, 'could not set the chain writer thread priority (a negative nice needs CAP_SYS_NICE or RLIMIT_NICE); it runs at the process priority');
  }
}

/** Every `metrics.<name>.<method>(...)` call is replayed on the main thread's metric. */
function remoteMetrics(): AggregatorMetrics {
  const metric = (name: string): unknown => new Proxy({}, { get: (_t, method) => (...args: unknown[]) => post({ type: 'metric', name, method: String(method), args }) });
  return new Proxy({}, { get: (_t, name) => metric(String(name)) }) as AggregatorMetrics;
}

try {
  const params = workerData as WriterThreadData;
  const logger = remoteLogger({}, params.logLevel);
  setThreadNice(params.cfg.submitter.thread_nice, logger);
  const writer = await startChainWriter(params, { logger, metrics: remoteMetrics() });
  port.on('message', (m: { type?: string; taskId?: string; delayMs?: number }) => {
    if (m.type === 'submit' && m.taskId) writer.submitNow(m.taskId, m.delayMs ?? 0);
    else if (m.type === 'stop') void writer.stop().finally(() => post({ type: 'stopped' }));
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', error: plain(err) });
}
