/** A local HTTP server acting as an aggregator (POST /v1/responses, POST /v1/batches) with scripted statuses. */
import express from 'express';
import type { Server } from 'node:http';
import type { SignedBatch, SignedResponse } from '../../src/index.js';

export interface StubAggregator {
  url: string;
  received: SignedResponse[];
  /** Bodies of POST /v1/batches. */
  batches: SignedBatch[];
  /** Status codes to answer, in order; then 202 (shared by both endpoints). */
  script: number[];
  close: () => Promise<void>;
}

export async function startStubAggregator(script: number[] = []): Promise<StubAggregator> {
  const app = express();
  app.use(express.json({ limit: '4mb' }));
  const stub = { received: [] as SignedResponse[], batches: [] as SignedBatch[], script: [...script] } as StubAggregator;
  app.post(['/v1/responses', '/v1/batches'], (req, res) => {
    if (req.path === '/v1/batches') stub.batches.push(req.body as SignedBatch);
    else stub.received.push(req.body as SignedResponse);
    const s = stub.script.shift() ?? 202;
    if (s === 202) res.status(202).json({ status: 'accepted', quorumReached: false });
    else if (s === 200) res.status(200).json({ status: 'duplicate' });
    else res.status(s).json({ code: `ERR_STUB_${s}`, message: 'scripted' });
  });
  app.get('/healthz', (_req, res) => {
    res.status(200).end();
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const a = server.address();
  stub.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  stub.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return stub;
}
