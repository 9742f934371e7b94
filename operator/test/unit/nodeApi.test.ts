import type { Server } from 'node:http';
import { Registry } from 'prom-client';
import { closeServer, createNodeApi, getMetrics, HealthTracker, listen } from '../../src/index.js';

describe('EigenLayer node API', () => {
  let server: Server;
  let base: string;
  const register = new Registry();
  const metrics = getMetrics(register);
  const health = new HealthTracker(undefined, (s) => metrics.performanceScore.set(metrics.avsLabels, s));

  beforeAll(async () => {
    server = await listen(createNodeApi({ nodeName: 'n1', nodeVersion: '0.1.0', metricsRegistry: register }, { health }), '127.0.0.1:0');
    const a = server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => closeServer(server));

  it('GET /eigen/node', async () => {
    const r = await fetch(`${base}/eigen/node`);
    expect(await r.json()).toEqual({ node_name: 'n1', spec_version: 'v0.0.1', node_version: '0.1.0' });
  });

  it.each([
    [{ rpc: true, redis: true, aggregators: true }, 200, 100],
    [{ rpc: true, redis: true, aggregators: false }, 206, 67],
    [{ rpc: false, redis: true, aggregators: true }, 503, 67],
    [{ rpc: true, redis: false, aggregators: false }, 503, 33],
  ])('health %j → %d (score %d)', async (state, code, score) => {
    for (const [id, up] of Object.entries(state)) health.set(id, up);
    expect((await fetch(`${base}/eigen/node/health`)).status).toBe(code);
    for (const [id, up] of Object.entries(state)) expect((await fetch(`${base}/eigen/node/services/${id}/health`)).status).toBe(up ? 200 : 503);
    expect(await register.getSingleMetricAsString('eigen_performance_score')).toContain(`eigen_performance_score{avs_name="aioracle"} ${score}`);
  });

  it('is unhealthy while initializing; unknown service is 404; services list', async () => {
    const fresh = new HealthTracker();
    expect(fresh.nodeStatusCode()).toBe(503);
    expect((await fetch(`${base}/eigen/node/services/nope/health`)).status).toBe(404);
    const body = (await (await fetch(`${base}/eigen/node/services`)).json()) as { services: { id: string; status: string }[] };
    expect(body.services.map((s) => s.id)).toEqual(['rpc', 'redis', 'aggregators']);
  });

  it('serves the EigenLayer spec metrics with their exact names', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['eigen_performance_score', 'eigen_registered_stakes', 'eigen_rpc_request_duration_seconds', 'eigen_rpc_request_total', 'aioracle_operator_tasks_rejected_total']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });
});
