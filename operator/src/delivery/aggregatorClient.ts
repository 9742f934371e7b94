/**
 * Delivers signed responses (POST /v1/responses) and signed batches (POST /v1/batches) to
 * aggregators (docs/aggregator-api.md). Policy, the same for both:
 * 202/200 done; 404 (task not seen yet), 429 and 5xx, and network errors retried with exponential
 * backoff and full jitter; every other status is final (a bug or a closed task: retrying cannot help).
 */
import { AioracleError, retry, type Logger, noopLogger } from '@aioracle/sdk';
import { OperatorErrorCode } from '../errors.js';
import type { Metrics } from '../metrics.js';

/** The body of POST /v1/responses. */
export interface SignedResponse {
  chainId: number;
  oracle: string;
  taskId: string;
  taskHash: string;
  operatorId: string;
  output: string;
  signature: [string, string];
}

/** One task of a signed batch, in leaf order. `output` null = abstain (the operator refused the task). */
export interface SignedBatchTask {
  taskId: string;
  taskHash: string;
  output: string | null;
}

/** The body of POST /v1/batches: one signature over batchDigest(referenceBlock, root, leafCount). */
export interface SignedBatch {
  chainId: number;
  oracle: string;
  operatorId: string;
  referenceBlock: number;
  tasks: SignedBatchTask[];
  signature: [string, string];
}

/** The outcome of one delivery to one aggregator. */
export interface DeliveryResult {
  url: string;
  ok: boolean;
  status: number | null;
  /** `accepted` | `duplicate` | the error code the aggregator sent | `ERR_NETWORK`. */
  outcome: string;
  attempts: number;
}

/** Options of {@link AggregatorClient}. */
export interface AggregatorClientOptions {
  urls: readonly string[];
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  timeoutMs?: number;
}

/** True for statuses the API says to retry: 404, 429, 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 404 || status === 429 || status >= 500;
}

class DeliveryError extends AioracleError {
  constructor(
    message: string,
    readonly status: number | null,
    readonly outcome: string,
    retryable: boolean,
    cause?: unknown,
  ) {
    super(OperatorErrorCode.Delivery, message, { retryable, cause, details: { status, outcome } });
  }
}

/** An aggregator's view of a batch (GET /v1/batches/:batchId). */
export interface AggregatorBatchStatus {
  status: 'collecting' | 'quorum' | 'done' | 'failed';
  /** The root that reached quorum, once one did. */
  quorumRoot: string | null;
}

export class AggregatorClient {
  private readonly opts: Required<AggregatorClientOptions>;
  private readonly logger: Logger;

  constructor(
    opts: AggregatorClientOptions,
    private readonly deps: { metrics?: Metrics | null; logger?: Logger; signal?: AbortSignal } = {},
  ) {
    this.opts = { attempts: 8, baseMs: 200, maxMs: 10_000, timeoutMs: 10_000, ...opts };
    this.logger = deps.logger ?? noopLogger;
  }

  get urls(): readonly string[] {
    return this.opts.urls;
  }

  /** Sends `response` to every aggregator at once; never throws (outcomes are returned). */
  deliverAll(response: SignedResponse): Promise<DeliveryResult[]> {
    const body = JSON.stringify(response);
    return Promise.all(this.opts.urls.map((url) => this.deliver(url, body, response.taskId)));
  }

  /** Sends a signed batch to every aggregator at once (POST /v1/batches); never throws. `batchId` is for logs only. */
  deliverAllBatches(batch: SignedBatch, batchId: string): Promise<DeliveryResult[]> {
    const body = JSON.stringify(batch);
    return Promise.all(this.opts.urls.map((url) => this.deliver(url, body, `batch-${batchId}`, '/v1/batches')));
  }

  /**
   * The most advanced status any aggregator reports for batch `batchId` (GET /v1/batches/:id: done >
   * quorum > collecting > failed), or null when none knows it or none answers. One attempt per
   * aggregator, bounded by the delivery timeout (at most 3 s): the fallback tracker asks before it
   * signs a batch's tasks alone, and an unanswered question must not hold it up.
   */
  async batchStatus(batchId: string): Promise<AggregatorBatchStatus | null> {
    const rank = { failed: 1, collecting: 2, quorum: 3, done: 4 } as const;
    const views = await Promise.all(
      this.opts.urls.map(async (url): Promise<AggregatorBatchStatus | null> => {
        try {
          const res = await fetch(`${url.replace(/\/+$/, '')}/v1/batches/${encodeURIComponent(batchId)}`, { signal: AbortSignal.timeout(Math.min(3_000, this.opts.timeoutMs)) });
          if (res.status !== 200) {
            await res.arrayBuffer().catch(() => undefined);
            return null;
          }
          const j = (await res.json()) as { status?: unknown; quorumRoot?: unknown };
          const status = typeof j.status === 'string' && j.status in rank ? (j.status as AggregatorBatchStatus['status']) : null;
          return status === null ? null : { status, quorumRoot: typeof j.quorumRoot === 'string' ? j.quorumRoot.toLowerCase() : null };
        } catch {
          return null;
        }
      }),
    );
    let best: AggregatorBatchStatus | null = null;
    for (const v of views) if (v && (!best || rank[v.status] > rank[best.status])) best = v;
    return best;
  }

  /** Sends one body to one aggregator with the retry policy (`path` /v1/responses or /v1/batches). */
  async deliver(url: string, body: string, taskId: string, path: '/v1/responses' | '/v1/batches' = '/v1/responses'): Promise<DeliveryResult> {
    const endpoint = `${url.replace(/\/+$/, '')}${path}`;
    let attempts = 0;
    try {
      const r = await retry(
        async () => {
          attempts++;
          let res: Response;
          try {
            res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.opts.timeoutMs) });
          } catch (cause) {
            throw new DeliveryError(`POST ${endpoint} failed: ${(cause as Error).message}`, null, 'ERR_NETWORK', true, cause);
          }
          const text = await res.text();
          let json: { status?: string; code?: string; message?: string } = {};
          try {
            json = JSON.parse(text) as typeof json;
          } catch {
            // non-JSON body: keep the status only
          }
          if (res.status === 200 || res.status === 202) return { status: res.status, outcome: json.status ?? (res.status === 202 ? 'accepted' : 'duplicate') };
          throw new DeliveryError(`POST ${endpoint} → ${res.status} ${json.code ?? ''} ${json.message ?? ''}`.trim(), res.status, json.code ?? `HTTP_${res.status}`, isRetryableStatus(res.status));
        },
        {
          attempts: this.opts.attempts,
          baseMs: this.opts.baseMs,
          maxMs: this.opts.maxMs,
          ...(this.deps.signal ? { signal: this.deps.signal } : {}),
          onRetry: (err, attempt, delayMs) => this.logger.debug({ taskId, url, attempt, delayMs, err: (err as Error).message }, 'delivery retry'),
        },
      );
      this.deps.metrics?.deliveries.inc({ outcome: r.outcome === 'duplicate' ? 'duplicate' : 'accepted' });
      return { url, ok: true, status: r.status, outcome: r.outcome, attempts };
    } catch (err) {
      const e = err instanceof DeliveryError ? err : null;
      const outcome = e?.outcome ?? 'ERR_ABORTED';
      this.deps.metrics?.deliveries.inc({ outcome: 'failed' });
      this.deps.metrics?.deliveryFailures.inc({ reason: e?.retryable ? 'retries_exhausted' : e ? `status_${e.status ?? 'none'}` : 'aborted' });
      this.logger.warn({ taskId, url, attempts, outcome, err: (err as Error).message }, 'delivery failed');
      return { url, ok: false, status: e?.status ?? null, outcome, attempts };
    }
  }
}
