// Worker-thread entry of the sdk's BlsVerifyPool (src/bls/verifyPool.ts): same-message batch BLS
// verification off the main thread. Plain ESM so that it runs as shipped, whatever loader the parent
// uses; it imports the sdk's BLS entry point with the parent's export conditions.
//
// Messages in:  { type: 'keys', keys: [[index, Uint8Array(128)], ...] }  G2 keys by pool index
//               { type: 'verify', id, digest: Uint8Array(32), sigs: Uint8Array(64·n), keys: Uint32Array(n) }
// Messages out: { type: 'ready', backend } once, then { id, bad: number[] } or { id, error: string }.
import { parentPort, workerData } from 'node:worker_threads';

// A parent running the TypeScript sources (development, benches) has tsx's loader; a worker thread
// does not inherit it, so it registers its own before loading the sdk.
if (workerData?.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { blsBatchVerifySameMessage, blsVerify, g1FromBytes, g2FromBytes, initBls } = await import('@aioracle/sdk/bls');

const backend = await initBls({ backend: workerData?.backend ?? 'mcl' });
const keys = new Map();

parentPort.on('message', (m) => {
  if (m.type === 'keys') {
    for (const [i, bytes] of m.keys) keys.set(i, g2FromBytes(bytes));
    return;
  }
  try {
    const n = m.keys.length;
    const items = [];
    for (let i = 0; i < n; i++) {
      const publicKeyG2 = keys.get(m.keys[i]);
      if (!publicKeyG2) throw new Error(`key ${m.keys[i]} was never sent to this worker`);
      items.push({ signature: g1FromBytes(m.sigs.subarray(64 * i, 64 * i + 64)), publicKeyG2 });
    }
    const bad = n === 1 ? (blsVerify(items[0].signature, items[0].publicKeyG2, m.digest) ? [] : [0]) : blsBatchVerifySameMessage(m.digest, items).bad;
    parentPort.postMessage({ id: m.id, bad });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
parentPort.postMessage({ type: 'ready', backend });
