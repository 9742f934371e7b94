/**
 * Same-message batch BLS verification on worker threads, for services whose event loop has better
 * things to do (an aggregator's HTTP intake). Each worker runs {@link blsBatchVerifySameMessage} on
 * the batches it is given, one at a time; the caller sees which workers are free, so it can let
 * batches grow while every worker is busy (bigger batches cost less per signature).
 *
 * Keys are sent to each worker once (by a pool index) and stay there; signatures travel as 64
 * bytes each. A worker that dies fails its batch and is replaced for the next one.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../util/worker.js';
import { blsBackendName } from './init.js';
import type { G1Point, G2Point } from './points.js';
import { digestBytes } from './signature.js';
import type { BytesLike } from './points.js';
import { blsError, BlsErrorCode } from './errors.js';

/** One signature of a batch (a point, or its 64-byte X‖Y encoding) with the signer's validated G2 key. */
export interface PoolVerifyItem {
  signature: G1Point | Uint8Array;
  publicKeyG2: G2Point;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  /** Pool key indexes this worker holds. */
  known: number;
  pending: Map<number, { resolve: (bad: number[]) => void; reject: (err: Error) => void }>;
}

const WORKER_URL = siblingModule(import.meta.url, 'verifyWorker');

/** A fixed set of verification threads. */
export class BlsVerifyPool {
  private readonly slots: Slot[] = [];
  /** Workers started but not ready yet (a replacement may be starting when the pool closes). */
  private readonly starting = new Set<Worker>();
  private readonly keyIndex = new WeakMap<G2Point, number>();
  private readonly keyBytes: Uint8Array[] = [];
  private nextId = 0;
  private closed = false;

  private constructor(private readonly threads: number) {}

  /** Starts `threads` workers (≥ 1) and waits until each has its BLS backend loaded. */
  static async create(threads: number): Promise<BlsVerifyPool> {
    if (!Number.isInteger(threads) || threads < 1) throw blsError(BlsErrorCode.InvalidArgument, `threads must be an integer >= 1 (got ${threads})`);
    const pool = new BlsVerifyPool(threads);
    await Promise.all(Array.from({ length: threads }, () => pool.spawn()));
    return pool;
  }

  /** Number of workers running (a dead one is replaced, so this drops only while one restarts). */
  alive(): number {
    return this.slots.length;
  }

  /** Number of workers with no batch in hand. */
  freeWorkers(): number {
    return this.slots.filter((s) => !s.busy).length;
  }

  /**
   * Verifies `items` (all over `digest`) on a free worker, or the least loaded one; resolves with
   * the indexes of the invalid signatures (empty when all are valid).
   */
  async verify(digest: BytesLike, items: readonly PoolVerifyItem[]): Promise<number[]> {
    if (this.closed) throw blsError(BlsErrorCode.InvalidArgument, 'the verify pool is closed');
    if (items.length === 0) return [];
    if (this.slots.length === 0) throw blsError(BlsErrorCode.BackendUnavailable, 'no verification worker is running');
    const slot = this.slots.find((s) => !s.busy) ?? this.slots.reduce((a, b) => (a.pending.size <= b.pending.size ? a : b));
    const keys = new Uint32Array(items.length);
    const sigs = new Uint8Array(64 * items.length);
    items.forEach((it, i) => {
      keys[i] = this.indexOf(it.publicKeyG2);
      const bytes = it.signature instanceof Uint8Array ? it.signature : it.signature.toBytes();
      if (bytes.length !== 64) throw blsError(BlsErrorCode.InvalidEncoding, `signature ${i}: expected 64 bytes, got ${bytes.length}`);
      sigs.set(bytes, 64 * i);
    });
    if (slot.known < this.keyBytes.length) {
      const fresh: [number, Uint8Array][] = [];
      for (let i = slot.known; i < this.keyBytes.length; i++) fresh.push([i, this.keyBytes[i]!]);
      slot.worker.postMessage({ type: 'keys', keys: fresh });
      slot.known = this.keyBytes.length;
    }
    const id = ++this.nextId;
    slot.busy = true;
    return new Promise<number[]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ type: 'verify', id, digest: digestBytes(digest), sigs, keys }, [sigs.buffer, keys.buffer]);
    });
  }

  /** Stops the workers; batches in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.slots.map((s) => s.worker.terminate()), ...[...this.starting].map((w) => w.terminate())]);
    this.slots.length = 0;
    this.starting.clear();
  }

  private indexOf(key: G2Point): number {
    let i = this.keyIndex.get(key);
    if (i === undefined) {
      i = this.keyBytes.length;
      this.keyBytes.push(key.toBytes());
      this.keyIndex.set(key, i);
    }
    return i;
  }

  private spawn(): Promise<void> {
    const worker = startModuleWorker(WORKER_URL, { workerData: { backend: blsBackendName() ?? 'mcl' } });
    worker.unref();
    this.starting.add(worker);
    const slot: Slot = { worker, busy: false, known: 0, pending: new Map() };
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let dead = false;
      worker.on('message', (m: { type?: string; id?: number; bad?: number[]; error?: string }) => {
        if (m.type === 'ready') {
          ready = true;
          this.starting.delete(worker);
          if (this.closed) {
            void worker.terminate();
            reject(blsError(BlsErrorCode.InvalidArgument, 'the verify pool is closed'));
            return;
          }
          this.slots.push(slot);
          resolve();
          return;
        }
        const p = m.id === undefined ? undefined : slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id!);
        slot.busy = slot.pending.size > 0;
        if (m.error !== undefined) p.reject(blsError(BlsErrorCode.InvalidArgument, `verification worker: ${m.error}`));
        else p.resolve(m.bad ?? []);
      });
      const fail = (err: Error): void => {
        if (dead) return;
        dead = true;
        this.starting.delete(worker);
        if (!ready) {
          reject(blsError(BlsErrorCode.BackendUnavailable, `the verification worker did not start: ${err.message}`, {}, err));
          return;
        }
        for (const p of slot.pending.values()) p.reject(err);
        slot.pending.clear();
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        if (!this.closed && this.slots.length < this.threads) this.spawn().catch(() => undefined);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`worker exited with code ${code}`));
      });
    });
  }
}
