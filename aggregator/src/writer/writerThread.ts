/**
 * Entry point of the chain-writer thread (started by writerHost.ts). Logs and metric updates go to
 * the main thread, which owns the logger and the one prom-client registry of the process.
 *
 * Messages out: { type: 'ready' } | { type: 'failed', error } | { type: 'stopped' } |
 *               { type: 'log', level, bindings, obj, msg } | { type: 'metric', name, method, args }.
 * Messages in:  { type: 'submit', taskId, delayMs } | { type: 'stop' }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '@aioracle/sdk';
import type { AggregatorMetrics } from '../metrics.js';
import { startChainWriter, type ChainWriterParams } from './chainWriter.js';

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

function remoteLogger(bindings: Record<string, unknown>): Logger {
  const at =
    (level: string) =>
    (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
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
    child: (b) => remoteLogger({ ...bindings, ...b }),
  };
}

/** Every `metrics.<name>.<method>(...)` call is replayed on the main thread's metric. */
function remoteMetrics(): AggregatorMetrics {
  const metric = (name: string): unknown => new Proxy({}, { get: (_t, method) => (...args: unknown[]) => post({ type: 'metric', name, method: String(method), args }) });
  return new Proxy({}, { get: (_t, name) => metric(String(name)) }) as AggregatorMetrics;
}

try {
  const writer = await startChainWriter(workerData as ChainWriterParams, { logger: remoteLogger({}), metrics: remoteMetrics() });
  port.on('message', (m: { type?: string; taskId?: string; delayMs?: number }) => {
    if (m.type === 'submit' && m.taskId) writer.submitNow(m.taskId, m.delayMs ?? 0);
    else if (m.type === 'stop') void writer.stop().finally(() => post({ type: 'stopped' }));
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', error: plain(err) });
}
