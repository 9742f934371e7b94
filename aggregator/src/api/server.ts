/**
 * The HTTP API (docs/aggregator-api.md): POST /v1/responses and POST /v1/batches for operators, the read API for people
 * and dashboards, /metrics and /healthz. Bodies over the cap get 413 before they are parsed;
 * malformed JSON and schema failures 400; every error body is {"code","message"}.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AioracleError, type Logger } from '@aioracle/sdk';
import type { Registry } from 'prom-client';
import { AggErrorCode, aggError, httpStatusFor } from '../errors.js';
import type { AggregatorMetrics } from '../metrics.js';
import type { BatchIngest } from '../aggregation/batchIngest.js';
import type { IngestResult, ResponseIngest } from '../aggregation/responseIngest.js';
import type { TaskStore } from '../state/taskStore.js';
import type { BatchStore } from '../state/batchStore.js';

/** Collaborators of the API. */
export interface ApiDeps {
  ingest: ResponseIngest;
  /** POST /v1/batches (absent: the route answers 404). */
  batches?: Pick<BatchIngest, 'submit'>;
  store: TaskStore;
  /** GET /v1/batches/:batchId (absent: the route answers 404). */
  batchStore?: Pick<BatchStore, 'getBatch'>;
  registry: Registry;
  metrics: AggregatorMetrics | null;
  logger: Logger;
  /** Resolves true when Redis and the RPC endpoint answer (each check bounded in time). */
  health: () => Promise<{ ok: boolean; checks: Record<string, boolean> }>;
  /**
   * False while the Redis connection of the aggregation state is down: requests that need it are
   * answered 503 at once instead of waiting in the client's offline queue (default: always true).
   */
  redisReady?: () => boolean;
  /** The operator set at the latest block. */
  operators: () => Promise<unknown>;
  /** Samples point-in-time gauges before a scrape. */
  beforeScrape?: () => Promise<void>;
}

/** Limits of POST /v1/responses and POST /v1/batches. */
export interface ResponseApiOptions {
  bodyLimitBytes: number;
  /** Requests being read or processed at once before new ones get 429 (0 = no cap). */
  maxInflight?: number;
  /** Body cap of POST /v1/batches (default 4 MiB). */
  batchBodyLimitBytes?: number;
  /** Batches being read or processed at once before new ones get 429 (0 = no cap, the default). */
  maxInflightBatches?: number;
}

/**
 * The HTTP request handler: POST /v1/responses (the hot path, thousands per second) and POST
 * /v1/batches are handled directly on node:http — body read with the cap, JSON parsed, the ingest's answer written in one
 * go — and everything else goes to the express app of the read API.
 */
export function createApi(opts: ResponseApiOptions, d: ApiDeps): RequestListener {
  const app = createReadApi(d);
  const m = d.metrics;
  const postResponse = jsonPostHandler(
    {
      what: 'responses',
      bodyLimitBytes: opts.bodyLimitBytes,
      maxInflight: opts.maxInflight ?? 0,
      submit: (body, at) => d.ingest.submit(body, at),
      received: () => m?.responsesReceived.inc(),
      rejected: (reason) => m?.responsesRejected.inc({ reason }),
      done: (status) => (status === 202 ? m?.responsesAccepted.inc() : m?.responsesDuplicate.inc()),
    },
    d,
  );
  const batches = d.batches;
  const postBatch = batches
    ? jsonPostHandler(
        {
          what: 'batches',
          bodyLimitBytes: opts.batchBodyLimitBytes ?? 4 * 1024 * 1024,
          // Bodies of up to max_batch_body_bytes each: a cap of their own bounds the memory they take.
          maxInflight: opts.maxInflightBatches ?? 0,
          submit: (body, at) => batches.submit(body, at),
          received: () => undefined,
          rejected: (outcome) => m?.batchesReceived.inc({ outcome }),
          done: (status) => m?.batchesReceived.inc({ outcome: status === 202 ? 'accepted' : 'duplicate' }),
        },
        d,
      )
    : null;
  const is = (url: string | undefined, path: string): boolean => url === path || url?.startsWith(`${path}?`) === true;
  return (req, res) => {
    if (req.method === 'POST' && is(req.url, '/v1/responses')) postResponse(req, res);
    else if (postBatch && req.method === 'POST' && is(req.url, '/v1/batches')) postBatch(req, res);
    else app(req, res);
  };
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) };
  const wait = retryAfter(status);
  if (wait) headers['retry-after'] = wait;
  res.writeHead(status, headers);
  res.end(text);
}

/** The Retry-After value (seconds) for a 429 or a 503, else undefined. */
const retryAfter = (status: number): string | undefined => (status === 429 || status === 503 ? '1' : undefined);

const redisUnavailable = (): AioracleError => aggError(AggErrorCode.RedisUnavailable, 'the aggregation state (Redis) is unavailable; retry later', { retryable: true });

/** What a POST handler needs besides its body cap: the work, and its counters. */
interface PostRoute {
  /** What the in-flight cap counts, for the 429 message ("responses", "batches"). */
  what: string;
  bodyLimitBytes: number;
  maxInflight: number;
  submit: (body: unknown, receivedAtMs: number) => Promise<IngestResult>;
  received: () => void;
  rejected: (code: string) => void;
  done: (status: 200 | 202) => void;
}

/** A JSON POST on node:http: 429 above the in-flight cap, 413 over the body cap (before or while reading), 400 for bad JSON, 503 while Redis is down. */
function jsonPostHandler(r: PostRoute, d: ApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const reject = (res: ServerResponse, err: AioracleError): void => {
    r.rejected(err.code);
    writeJson(res, httpStatusFor(err), { code: err.code, message: err.message });
  };
  const tooLarge = (): AioracleError => aggError(AggErrorCode.BodyTooLarge, `body is over the ${r.bodyLimitBytes}-byte cap`);
  const handle = async (res: ServerResponse, raw: string, receivedAtMs: number): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (err) {
      return reject(res, aggError(AggErrorCode.BadRequest, `body is not valid JSON: ${(err as Error).message}`));
    }
    if (d.redisReady && !d.redisReady()) return reject(res, redisUnavailable());
    try {
      const out = await r.submit(body, receivedAtMs);
      r.done(out.status);
      writeJson(res, out.status, out.body);
    } catch (err) {
      if (err instanceof AioracleError && httpStatusFor(err) < 500) return reject(res, err);
      d.logger.error({ err }, `${r.what} handling failed`);
      reject(res, err instanceof AioracleError ? err : aggError(AggErrorCode.Internal, 'internal error; retry later', { cause: err, retryable: true }));
    }
  };
  let inflight = 0;
  return (req, res) => {
    r.received();
    if (r.maxInflight > 0 && inflight >= r.maxInflight) {
      reject(res, aggError(AggErrorCode.Overloaded, `over ${r.maxInflight} ${r.what} in progress; retry later`, { retryable: true }));
      req.resume();
      return;
    }
    inflight++;
    res.once('close', () => inflight--);
    const len = Number(req.headers['content-length'] ?? 0);
    if (len > r.bodyLimitBytes) {
      reject(res, aggError(AggErrorCode.BodyTooLarge, `body of ${len} bytes is over the ${r.bodyLimitBytes}-byte cap`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > r.bodyLimitBytes) {
        over = true;
        chunks.length = 0;
        reject(res, tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over) return;
      void handle(res, chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'), Date.now());
    });
    req.on('error', () => {
      if (!res.headersSent) reject(res, aggError(AggErrorCode.BadRequest, 'the request body could not be read'));
    });
  };
}

/** The express app of the read API, /metrics and /healthz. */
function createReadApi(d: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  const sendError = (res: Response, err: AioracleError): void => {
    const status = httpStatusFor(err);
    const wait = retryAfter(status);
    if (wait) res.set('Retry-After', wait);
    res.status(status).json({ code: err.code, message: err.message });
  };
  // The task views read Redis: answer at once while it is down.
  app.use('/v1/tasks', (_req: Request, res: Response, next: () => void) => {
    if (d.redisReady && !d.redisReady()) sendError(res, redisUnavailable());
    else next();
  });
  app.get('/v1/tasks/:taskId', async (req: Request, res: Response) => {
    const id = String(req.params.taskId);
    if (!/^[1-9][0-9]{0,19}$/.test(id)) return sendError(res, aggError(AggErrorCode.BadRequest, 'taskId must be a decimal integer >= 1'));
    const view = await taskView(d.store, id);
    if (!view) return sendError(res, aggError(AggErrorCode.NotFound, `task ${id} is not known to this aggregator`));
    res.json(view);
  });

  // A batch's aggregation status: operators read it before signing a batch's tasks alone (fallback).
  app.use('/v1/batches', (_req: Request, res: Response, next: () => void) => {
    if (d.redisReady && !d.redisReady()) sendError(res, redisUnavailable());
    else next();
  });
  app.get('/v1/batches/:batchId', async (req: Request, res: Response) => {
    const id = String(req.params.batchId);
    if (!/^[0-9]{1,10}-[1-9][0-9]{0,19}-[1-9][0-9]{0,3}$/.test(id)) return sendError(res, aggError(AggErrorCode.BadRequest, 'batchId must be <referenceBlock>-<firstTaskId>-<leafCount>'));
    const rec = d.batchStore ? await d.batchStore.getBatch(id) : null;
    if (!rec) return sendError(res, aggError(AggErrorCode.NotFound, `batch ${id} is not known to this aggregator`));
    res.json({ batchId: rec.batchId, status: rec.status, quorumRoot: rec.quorumRoot ?? null, txHash: rec.txHash ?? null, tasks: rec.taskIds.length });
  });

  app.get('/v1/tasks', async (req: Request, res: Response) => {
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 20) || 20));
    const ids = await d.store.recentTaskIds(limit);
    const tasks = [];
    for (const id of ids) {
      const rec = await d.store.getTask(id);
      if (rec) tasks.push({ taskId: id, status: rec.status, txHash: rec.txHash ?? null, quorumOutput: rec.quorumOutput ?? null });
    }
    res.json({ tasks });
  });

  app.get('/v1/operators', async (_req: Request, res: Response) => {
    res.json(await d.operators());
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    await d.beforeScrape?.().catch(() => undefined);
    res.set('Content-Type', d.registry.contentType);
    res.send(await d.registry.metrics());
  });

  app.get('/healthz', async (_req: Request, res: Response) => {
    const h = await d.health().catch(() => ({ ok: false, checks: {} }));
    res.status(h.ok ? 200 : 503).json(h);
  });

  app.use((_req: Request, res: Response) => sendError(res, aggError(AggErrorCode.NotFound, 'no such endpoint')));

  // Anything unexpected.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    d.logger.error({ err }, 'unhandled API error');
    sendError(res, aggError(AggErrorCode.Internal, 'internal error; retry later', { retryable: true }));
  });
  return app;
}

/** The read view of one task. */
export async function taskView(store: TaskStore, id: string): Promise<Record<string, unknown> | null> {
  const rec = await store.getTask(id);
  if (!rec) return null;
  const [signed, responses, snapshot] = await Promise.all([store.getSigned(id), store.getResponses(id), store.getSnapshot(id)]);
  const quorums = snapshot?.quorums ?? [];
  const outputs: Record<string, { signedStake: Record<string, string>; signers: string[] }> = {};
  for (const [hash, stakes] of signed) {
    outputs[hash] = { signedStake: Object.fromEntries(quorums.map((q, i) => [String(q), stakes[i] ?? '0'])), signers: [] };
  }
  for (const [opId, r] of responses) outputs[r.outputHash]?.signers.push(opId);
  return {
    taskId: id,
    status: rec.status,
    taskHash: rec.taskHash,
    quorums: quorums.map((q, i) => ({ quorum: q, thresholdBps: snapshot?.thresholdsBps[i], totalStake: snapshot?.totals[i] })),
    outputs,
    quorumOutput: rec.quorumOutput ?? null,
    txHash: rec.txHash ?? null,
    createdAtMs: rec.createdAtMs,
  };
}
