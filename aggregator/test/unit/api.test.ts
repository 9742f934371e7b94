// POST /v1/responses limits with a faked ingest (the HTTP layer alone): above the in-flight cap a
// request gets 429 ERR_OVERLOADED with Retry-After and is counted; the requests in progress are not
// disturbed, and once they finish new ones are taken again. Redis down gives 503 at once.
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

/** An API whose ingest holds every submission until `release()`. */
async function start(maxInflight: number, redisReady = () => true) {
  const held: (() => void)[] = [];
  const ingest = {
    submit: () => new Promise((resolve) => held.push(() => resolve({ status: 202, body: { status: 'accepted', quorumReached: false } }))),
  } as unknown as ResponseIngest;
  const registry = new Registry();
  const metrics = getMetrics(registry, { defaultMetrics: false });
  const deps: ApiDeps = { ingest, store: {} as TaskStore, registry, metrics, logger: noopLogger, health: async () => ({ ok: true, checks: {} }), operators: async () => [], redisReady };
  server = createServer(createApi({ bodyLimitBytes: 65_536, maxInflight }, deps));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const post = () => fetch(`http://127.0.0.1:${port}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"taskId":"1"}' });
  const release = () => held.splice(0).forEach((f) => f());
  const rejected = async (reason: string) => (await metrics.responsesRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { post, release, held, rejected };
}

describe('POST /v1/responses limits', () => {
  test('above the in-flight cap: 429 ERR_OVERLOADED with Retry-After; the others finish; then new ones are taken', async () => {
    const api = await start(2);
    const first = [api.post(), api.post()];
    while (api.held.length < 2) await new Promise((r) => setTimeout(r, 5));
    const over = await api.post();
    expect([over.status, over.headers.get('retry-after')]).toEqual([429, '1']);
    expect(((await over.json()) as { code: string }).code).toBe('ERR_OVERLOADED');
    expect(await api.rejected('ERR_OVERLOADED')).toBe(1);
    api.release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([202, 202]);
    const later = api.post();
    while (api.held.length < 1) await new Promise((r) => setTimeout(r, 5));
    api.release();
    expect((await later).status).toBe(202);
  });

  test('Redis down: 503 ERR_REDIS_UNAVAILABLE at once, nothing handed to the ingest', async () => {
    const api = await start(0, () => false);
    const r = await api.post();
    expect([r.status, r.headers.get('retry-after')]).toEqual([503, '1']);
    expect(((await r.json()) as { code: string }).code).toBe('ERR_REDIS_UNAVAILABLE');
    expect(api.held).toHaveLength(0);
    expect(await api.rejected('ERR_REDIS_UNAVAILABLE')).toBe(1);
  });
});
