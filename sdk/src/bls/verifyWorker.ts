/**
 * Worker-thread side of {@link BlsVerifyPool} (verifyPool.ts): same-message batch BLS verification
 * off the main thread.
 *
 * Messages in:  { type: 'keys', keys: [[index, Uint8Array(128)], ...] }  G2 keys by pool index
 *               { type: 'verify', id, digest: Uint8Array(32), sigs: Uint8Array(64·n), keys: Uint32Array(n) }
 * Messages out: { type: 'ready', backend } once, then { id, bad: number[] } or { id, error: string }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BlsBackendName } from './backend.js';
import { blsBatchVerifySameMessage } from './batchVerify.js';
import { initBls } from './init.js';
import { g1FromBytes, g2FromBytes, type G2Point } from './points.js';
import { blsVerify } from './signature.js';

const port = parentPort!;
const backend = await initBls({ backend: (workerData as { backend?: BlsBackendName } | undefined)?.backend ?? 'mcl' });
const keys = new Map<number, G2Point>();

type Message = { type: 'keys'; keys: [number, Uint8Array][] } | { type: 'verify'; id: number; digest: Uint8Array; sigs: Uint8Array; keys: Uint32Array };

port.on('message', (m: Message) => {
  if (m.type === 'keys') {
    for (const [i, bytes] of m.keys) keys.set(i, g2FromBytes(bytes));
    return;
  }
  try {
    const items = Array.from(m.keys, (k, i) => {
      const publicKeyG2 = keys.get(k);
      if (!publicKeyG2) throw new Error(`key ${k} was never sent to this worker`);
      return { signature: g1FromBytes(m.sigs.subarray(64 * i, 64 * i + 64)), publicKeyG2 };
    });
    const bad = items.length === 1 ? (blsVerify(items[0]!.signature, items[0]!.publicKeyG2, m.digest) ? [] : [0]) : blsBatchVerifySameMessage(m.digest, items).bad;
    port.postMessage({ id: m.id, bad });
  } catch (err) {
    port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
port.postMessage({ type: 'ready', backend });
