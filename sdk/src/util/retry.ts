/**
 * Retry with exponential backoff and full jitter, for I/O that may fail transiently (RPC calls,
 * HTTP delivery to aggregators). Non-retryable errors (AioracleError with retryable=false, or
 * whatever `isRetryable` rejects) are rethrown at once.
 */
import { AioracleError } from '../errors.js';

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Total attempts including the first (default 5). */
  attempts?: number;
  /** First delay in ms (default 100). */
  baseMs?: number;
  /** Cap on one delay in ms (default 5000). */
  maxMs?: number;
  /** Decides whether an error is worth another attempt (default: not an AioracleError with retryable=false). */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Aborts the waits (shutdown). */
  signal?: AbortSignal;
}

/** Default retry policy: typed errors say for themselves; anything else is assumed transient. */
export function defaultIsRetryable(err: unknown): boolean {
  return err instanceof AioracleError ? err.retryable : true;
}

/** The delay before attempt `attempt` (1-based retries): min(max, base·2^(attempt-1)) with full jitter. */
export function backoffDelay(attempt: number, baseMs = 100, maxMs = 5000, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/** Sleeps `ms`, rejecting early if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or attempts run out (then the last
 * error is rethrown).
 * @example await retry(() => fetchJson(url), { attempts: 4 })
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const isRetryable = opts.isRetryable ?? defaultIsRetryable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      const delay = backoffDelay(attempt, opts.baseMs, opts.maxMs);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
