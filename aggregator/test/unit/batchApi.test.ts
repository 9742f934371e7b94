// POST /v1/batches on the HTTP layer with a faked batch ingest: its own body cap (413 before the
// ingest sees it, by Content-Length or while reading), its own in-flight cap (429 with Retry-After),
// 503 while Redis is down, 400 for bad JSON; outcomes counted in batches_received_total by outcome.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from '@jest/globals';
import { noopLogger } from '@aioracle/sdk';
import { Registry } from 'prom-client';
import { createApi, type ApiDeps } from '../../src/api/server.js';
import type { ResponseIngest } from '../../src/aggregation/responseIngest.js';
import type { TaskStore } from '../../src/state/taskStore.js';
import { getMetrics } from '../../src/metrics.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function start(o: { maxInflightBatches?: number; redisReady?: () => boolean; batches?: boolean } = {}) {
  const held: (() => void)[] = [];
  const seen: unknown[] = [];
  const batches = {
    submit: (b: unknown) => {
      seen.push(b);
      return new Promise<{ status: 202; body: { status: 'accepted'; quorumReached: boolean } }>((resolve) => held.push(() => resolve({ status: 202, body: { status: 'accepted', quorumReached: false } })));
    },
  };
  const registry = new Registry();
  const metrics = getMetrics(registry, { defaultMetrics: false });
  const deps: ApiDeps = {
    ingest: {} as ResponseIngest,
    ...(o.batches === false ? {} : { batches }),
    store: {} as TaskStore,
    registry,
    metrics,
    logger: noopLogger,
    health: async () => ({ ok: true, checks: {} }),
    operators: async () => [],
    redisReady: o.redisReady ?? (() => true),
  };
  server = createServer(createApi({ bodyLimitBytes: 1024, batchBodyLimitBytes: 8192, maxInflightBatches: o.maxInflightBatches ?? 0 }, deps));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const post = (body: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const outcome = async (o2: string) => (await metrics.batchesReceived.get()).values.find((v) => v.labels.outcome === o2)?.value ?? 0;
  return { post, held, seen, outcome, release: () => held.splice(0).forEach((f) => f()) };
}

const code = async (r: Response) => ((await r.json()) as { code: string }).code;

describe('POST /v1/batches HTTP layer', () => {
  test('413 over max_batch_body_bytes (not the responses cap), before the ingest sees it', async () => {
    const api = await start();
    const ok = api.post(JSON.stringify({ pad: 'x'.repeat(4000) })); // over the 1 KiB responses cap, under the batch cap
    while (api.held.length < 1) await new Promise((r) => setTimeout(r, 5));
    api.release();
    expect((await ok).status).toBe(202);
    const big = await api.post(JSON.stringify({ pad: 'x'.repeat(9000) }));
    expect([big.status, await code(big)]).toEqual([413, 'ERR_BODY_TOO_LARGE']);
    expect(api.seen).toHaveLength(1);
    expect([await api.outcome('accepted'), await api.outcome('ERR_BODY_TOO_LARGE')]).toEqual([1, 1]);
  });

  test('400 for a body that is not JSON; 503 ERR_REDIS_UNAVAILABLE while Redis is down', async () => {
    const api = await start();
    const bad = await api.post('{"tasks": [');
    expect([bad.status, await code(bad)]).toEqual([400, 'ERR_BAD_REQUEST']);
    const down = await start({ redisReady: () => false });
    const r = await down.post('{}');
    expect([r.status, r.headers.get('retry-after'), await code(r)]).toEqual([503, '1', 'ERR_REDIS_UNAVAILABLE']);
    expect(down.seen).toHaveLength(0);
  });

  test('429 ERR_OVERLOADED above max_inflight_batches, with Retry-After; new ones taken after', async () => {
    const api = await start({ maxInflightBatches: 1 });
    const first = api.post('{}');
    while (api.held.length < 1) await new Promise((r) => setTimeout(r, 5));
    const over = await api.post('{}');
    expect([over.status, over.headers.get('retry-after'), await code(over)]).toEqual([429, '1', 'ERR_OVERLOADED']);
    api.release();
    expect((await first).status).toBe(202);
    const later = api.post('{}');
    while (api.held.length < 1) await new Promise((r) => setTimeout(r, 5));
    api.release();
    expect((await later).status).toBe(202);
    expect(await api.outcome('ERR_OVERLOADED')).toBe(1);
  });

  test('without a batch ingest the route is 404', async () => {
    const api = await start({ batches: false });
    const r = await api.post('{}');
    expect([r.status, await code(r)]).toEqual([404, 'ERR_NOT_FOUND']);
  });
});
