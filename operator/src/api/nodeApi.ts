/**
 * The EigenLayer AVS node API (spec v0.0.1) and the Prometheus endpoint:
 *   GET /eigen/node                        {node_name, spec_version, node_version}
 *   GET /eigen/node/health                 200 healthy, 206 partially healthy, 503 unhealthy
 *   GET /eigen/node/services               {services: [{id, name, description, status}]}
 *   GET /eigen/node/services/:id/health    200 Up, 503 Down/Initializing, 404 unknown id
 *   GET /metrics                           Prometheus text format of the process's Registry
 */
import express, { type Express } from 'express';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthTracker } from './health.js';

export const NODE_API_SPEC_VERSION = 'v0.0.1';

/** Options of {@link createNodeApi}. */
export interface NodeApiOptions {
  nodeName: string;
  nodeVersion: string;
  /** Serve /metrics here too (when metrics share the node API's address). */
  metricsRegistry?: Registry | null;
}

/** The node API as an express app (no listening: see {@link listen}). */
export function createNodeApi(opts: NodeApiOptions, deps: { health: HealthTracker | null }): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.health) {
    const health = deps.health;
    app.get('/eigen/node', (_req, res) => {
      res.json({ node_name: opts.nodeName, spec_version: NODE_API_SPEC_VERSION, node_version: opts.nodeVersion });
    });
    app.get('/eigen/node/health', (_req, res) => {
      res.status(health.nodeStatusCode()).end();
    });
    app.get('/eigen/node/services', (_req, res) => {
      res.json({ services: health.list() });
    });
    app.get('/eigen/node/services/:id/health', (req, res) => {
      const s = health.get(req.params.id);
      if (!s) {
        res.status(404).json({ code: 'ERR_NOT_FOUND', message: `No service "${req.params.id}"` });
        return;
      }
      res.status(s.status === 'Up' ? 200 : 503).end();
    });
  }
  if (opts.metricsRegistry) {
    const reg = opts.metricsRegistry;
    app.get('/metrics', async (_req, res) => {
      res.set('content-type', reg.contentType).send(await reg.metrics());
    });
  }
  return app;
}

/** Listens on "host:port" and resolves with the server once bound. */
export function listen(app: Express, address: string): Promise<Server> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i) || '0.0.0.0';
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.on('error', reject);
  });
}

/** Closes a server (and its idle keep-alive sockets). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
