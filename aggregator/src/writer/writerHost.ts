/**
 * Runs the chain writer (chainWriter.ts) on a worker thread and relays its logs and metric updates
 * to the main thread's logger and registry. A writer thread that dies is restarted (after 1 s): its
 * jobs are in Redis, so the new one takes them over once their locks lapse.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker, type Logger } from '@aioracle/sdk';
import { AggErrorCode, aggError } from '../errors.js';
import type { AggregatorMetrics } from '../metrics.js';
import type { ChainWriter, ChainWriterParams } from './chainWriter.js';

type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
type FromThread =
  | { type: 'ready' | 'stopped' }
  | { type: 'failed'; error: { message?: string } }
  | { type: 'log'; level: LogLevel; bindings: Record<string, unknown>; obj: Record<string, unknown>; msg?: string }
  | { type: 'metric'; name: string; method: string; args: unknown[] };

/** What the writer thread is started with. */
export interface WriterThreadData extends ChainWriterParams {
  /** The main logger's level (pino names; 'silent' drops everything). */
  logLevel: string;
}

/** An Error again (the thread sends its fields), so the logger's error serialiser applies. */
function asError(v: unknown): unknown {
  if (!v || typeof v !== 'object' || typeof (v as { message?: unknown }).message !== 'string') return v;
  const f = v as { type?: string; message: string; stack?: string; code?: string };
  const e = new Error(f.message) as Error & { code?: string };
  if (f.type) e.name = f.type;
  if (f.stack) e.stack = f.stack;
  if (f.code) e.code = f.code;
  return e;
}

/** Starts the writer thread and waits until its workers run. */
export async function startWriterThread(params: ChainWriterParams, o: { logger: Logger; metrics: AggregatorMetrics }): Promise<ChainWriter> {
  let stopping = false;
  let current: Worker;

  const relay = (m: FromThread): void => {
    if (m.type === 'log') {
      const l = Object.keys(m.bindings).length > 0 ? o.logger.child(m.bindings) : o.logger;
      l[m.level](m.obj.err ? { ...m.obj, err: asError(m.obj.err) } : m.obj, m.msg);
    } else if (m.type === 'metric') {
      const metric = (o.metrics as unknown as Record<string, Record<string, (...a: unknown[]) => void>>)[m.name];
      metric?.[m.method]?.(...m.args);
    }
  };

  const launch = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      // The thread drops log lines below the main logger's level instead of posting them.
      const level = (o.logger as { level?: unknown }).level;
      const workerData: WriterThreadData = { ...params, logLevel: typeof level === 'string' ? level : 'trace' };
      const w = startModuleWorker(siblingModule(import.meta.url, 'writerThread'), { workerData, name: 'aggregator-writer' });
      let ready = false;
      w.on('message', (m: FromThread) => {
        if (m.type === 'ready') {
          ready = true;
          resolve(w);
        } else if (m.type === 'failed') {
          reject(aggError(AggErrorCode.Internal, `the chain writer did not start: ${m.error.message ?? 'unknown error'}`));
        } else relay(m);
      });
      w.on('error', (err) => {
        if (!ready) reject(aggError(AggErrorCode.Internal, `the chain writer thread failed: ${err.message}`, { cause: err }));
        else o.logger.error({ err }, 'chain writer thread failed');
      });
      w.on('exit', (code) => {
        if (!ready) {
          reject(aggError(AggErrorCode.Internal, `the chain writer thread exited with code ${code} before it started`));
          return;
        }
        if (stopping || w !== current) return;
        o.logger.error({ code }, 'chain writer thread exited; restarting it in 1 s');
        setTimeout(() => {
          if (stopping) return;
          launch().then(
            (nw) => {
              current = nw;
            },
            (err: unknown) => o.logger.fatal({ err }, 'chain writer thread could not be restarted; submissions stop until the aggregator restarts'),
          );
        }, 1000).unref();
      });
    });

  current = await launch();
  return {
    get thread() {
      return current;
    },
    submitNow(taskId, delayMs) {
      current.postMessage({ type: 'submit', taskId, delayMs });
    },
    async stop() {
      stopping = true;
      const w = current;
      const stopped = new Promise<void>((r) => {
        w.on('message', (m: FromThread) => m.type === 'stopped' && r());
        w.on('exit', () => r());
      });
      w.postMessage({ type: 'stop' });
      const grace = params.cfg.shutdown_grace_ms;
      await Promise.race([stopped, new Promise<void>((r) => setTimeout(r, grace).unref())]);
      await w.terminate();
    },
  };
}
