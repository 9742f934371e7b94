/**
 * The HTTP API (docs/aggregator-api.md): POST /v1/responses for operators, the read API for people
 * and dashboards, /metrics and /healthz. Bodies over the cap get 413 before they are parsed;
 * malformed JSON and schema failures 400; every error body is {"code","message"}.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { AioracleError, type Logger } from '@aioracle/sdk';
import type { Registry } from 'prom-client';
import { AggErrorCode, aggError, httpStatusFor } from '../errors.js';
import type { AggregatorMetrics } from '../metrics.js';
import type { ResponseIngest } from '../aggregation/responseIngest.js';
import type { TaskStore } from '../state/taskStore.js';

/** Collaborators of the API. */
export interface ApiDeps {
  ingest: ResponseIngest;
  store: TaskStore;
  registry: Registry;
  metrics: AggregatorMetrics | null;
  logger: Logger;
  /** Resolves true when Redis and the RPC endpoint answer. */
  health: () => Promise<{ ok: boolean; checks: Record<string, boolean> }>;
  /** The operator set at the latest block. */
  operators: () => Promise<unknown>;
  /** Samples point-in-time gauges before a scrape. */
  beforeScrape?: () => Promise<void>;
}

/** Builds the express app. */
export function createApi(opts: { bodyLimitBytes: number }, d: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const json = express.json({ limit: opts.bodyLimitBytes, type: () => true });

  const sendError = (res: Response, err: AioracleError): void => {
    res.status(httpStatusFor(err)).json({ code: err.code, message: err.message });
  };
  const reject = (res: Response, err: AioracleError): void => {
    d.metrics?.responsesRejected.inc({ reason: err.code });
    sendError(res, err);
  };

  app.post(
    '/v1/responses',
    (req: Request, res: Response, next: NextFunction) => {
      d.metrics?.responsesReceived.inc();
      const len = Number(req.headers['content-length'] ?? 0);
      if (len > opts.bodyLimitBytes) {
        reject(res, aggError(AggErrorCode.BodyTooLarge, `body of ${len} bytes is over the ${opts.bodyLimitBytes}-byte cap`));
        req.resume();
        return;
      }
      next();
    },
    json,
    async (req: Request, res: Response) => {
      try {
        const out = await d.ingest.submit(req.body as unknown);
        if (out.status === 202) d.metrics?.responsesAccepted.inc();
        else d.metrics?.responsesDuplicate.inc();
        res.status(out.status).json(out.body);
      } catch (err) {
        if (err instanceof AioracleError && httpStatusFor(err) < 500) return reject(res, err);
        d.logger.error({ err }, 'response handling failed');
        reject(res, err instanceof AioracleError ? err : aggError(AggErrorCode.Internal, 'internal error; retry later', { cause: err, retryable: true }));
      }
    },
  );

  app.get('/v1/tasks/:taskId', async (req: Request, res: Response) => {
    const id = String(req.params.taskId);
    if (!/^[1-9][0-9]{0,19}$/.test(id)) return sendError(res, aggError(AggErrorCode.BadRequest, 'taskId must be a decimal integer >= 1'));
    const view = await taskView(d.store, id);
    if (!view) return sendError(res, aggError(AggErrorCode.NotFound, `task ${id} is not known to this aggregator`));
    res.json(view);
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

  // Body-parser errors (too large while streaming, malformed JSON) and anything unexpected.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    const isResponse = req.path === '/v1/responses';
    let out: AioracleError;
    if (e.type === 'entity.too.large') out = aggError(AggErrorCode.BodyTooLarge, `body is over the ${opts.bodyLimitBytes}-byte cap`);
    else if (e.type === 'entity.parse.failed' || e.status === 400) out = aggError(AggErrorCode.BadRequest, `body is not valid JSON: ${e.message ?? ''}`);
    else {
      d.logger.error({ err }, 'unhandled API error');
      out = aggError(AggErrorCode.Internal, 'internal error; retry later', { retryable: true });
    }
    if (isResponse) reject(res, out);
    else sendError(res, out);
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
