/**
 * Micro-batching signature verification: responses over the same digest (one task, one output)
 * that arrive close together are checked together with the sdk's same-message batch verification
 * (two pairings for the batch), which names exactly the bad signatures when the batch fails.
 *
 * With a worker pool (the default), batches run off the event loop, one per worker at a time. A
 * batch is due when its window ends or it reaches `maxBatch`; while every worker is busy, due
 * batches wait and keep taking new signatures, so batches grow with the load and the cost per
 * signature falls (a pairing product costs as much as ~25 signatures of a big batch). Without a
 * pool, a due batch is checked at once on the event loop. A batch whose worker dies (the pool
 * replaces the worker) is checked again on the event loop: the signatures are not at fault, so the
 * operators get their answer instead of an error.
 */
import { blsBatchVerifySameMessage, blsVerify, g1FromBytes, type BlsVerifyPool, type G2Point, type Logger } from '@aioracle/sdk';
import type { AggregatorMetrics } from '../metrics.js';

interface Pending {
  digest: string;
  /** Signatures as their validated 64-byte X‖Y encodings. */
  items: { signature: Uint8Array; publicKeyG2: G2Point }[];
  resolvers: ((ok: boolean) => void)[];
  rejecters: ((err: unknown) => void)[];
  timer: NodeJS.Timeout | null;
  due: boolean;
}

/** Options of {@link BatchVerifier}. */
export interface BatchVerifierOptions {
  /** How long the first signature of a digest waits for others (0 = until the current I/O turn ends). */
  windowMs: number;
  /** A batch is due at once when it reaches this size. */
  maxBatch: number;
}

/** Verifies signatures in same-digest micro-batches. */
export class BatchVerifier {
  private readonly pending = new Map<string, Pending>();
  /** Due batches waiting for a free worker, oldest first. */
  private readonly due: Pending[] = [];
  private readonly opts: BatchVerifierOptions;
  private readonly metrics: AggregatorMetrics | null;
  private readonly pool: BlsVerifyPool | null;
  private readonly logger: Logger | null;

  constructor(opts: BatchVerifierOptions, deps: { metrics: AggregatorMetrics | null; pool?: BlsVerifyPool | null; logger?: Logger | null }) {
    this.opts = opts;
    this.metrics = deps.metrics;
    this.pool = deps.pool ?? null;
    this.logger = deps.logger ?? null;
  }

  /**
   * Resolves true when `signature` (a G1 point's 64-byte X‖Y encoding, already checked to be on the
   * curve) is valid for `digest` under `publicKeyG2`.
   */
  verify(digest: string, signature: Uint8Array, publicKeyG2: G2Point): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let p = this.pending.get(digest);
      if (!p) {
        p = { digest, items: [], resolvers: [], rejecters: [], timer: null, due: false };
        this.pending.set(digest, p);
        const batch = p;
        if (this.opts.windowMs > 0) batch.timer = setTimeout(() => this.makeDue(batch), this.opts.windowMs);
        else setImmediate(() => this.makeDue(batch));
      }
      p.items.push({ signature, publicKeyG2 });
      p.resolvers.push(resolve);
      p.rejecters.push(reject);
      if (p.items.length >= this.opts.maxBatch) this.makeDue(p);
    });
  }

  /** Batches waiting for a worker (for tests and metrics). */
  waiting(): number {
    return this.due.length;
  }

  private makeDue(p: Pending): void {
    if (p.due || this.pending.get(p.digest) !== p) return;
    p.due = true;
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (!this.pool) {
      this.pending.delete(p.digest);
      this.checkInline(p);
      return;
    }
    this.due.push(p);
    this.pump();
  }

  /** Hands due batches to free workers; a batch leaves `pending` (stops growing) only now. */
  private pump(): void {
    const pool = this.pool!;
    if (pool.alive() === 0) {
      // No worker at the moment (one died and is restarting): check on the event loop instead.
      for (const p of this.due.splice(0)) {
        if (this.pending.get(p.digest) === p) this.pending.delete(p.digest);
        this.checkInline(p);
      }
      return;
    }
    while (this.due.length > 0 && pool.freeWorkers() > 0) {
      const p = this.due.shift()!;
      if (this.pending.get(p.digest) === p) this.pending.delete(p.digest);
      this.metrics?.verifyBatchSize.observe(p.items.length);
      pool.verify(p.digest, p.items).then(
        (bad) => {
          this.settle(p, new Set(bad));
          this.pump();
        },
        (err: unknown) => {
          this.logger?.warn({ err, batch: p.items.length }, 'a verification thread failed its batch; checking the batch on the event loop');
          this.checkInline(p, false);
          this.pump();
        },
      );
    }
  }

  private checkInline(p: Pending, observe = true): void {
    try {
      if (observe) this.metrics?.verifyBatchSize.observe(p.items.length);
      let bad: Set<number>;
      const items = p.items.map((it) => ({ signature: g1FromBytes(it.signature), publicKeyG2: it.publicKeyG2 }));
      if (items.length === 1) {
        const it = items[0]!;
        bad = blsVerify(it.signature, it.publicKeyG2, p.digest) ? new Set() : new Set([0]);
      } else {
        bad = new Set(blsBatchVerifySameMessage(p.digest, items).bad);
      }
      this.settle(p, bad);
    } catch (err) {
      p.rejecters.forEach((r) => r(err));
    }
  }

  private settle(p: Pending, bad: Set<number>): void {
    this.metrics?.signaturesVerified.inc({ result: 'valid' }, p.items.length - bad.size);
    if (bad.size > 0) this.metrics?.signaturesVerified.inc({ result: 'invalid' }, bad.size);
    p.resolvers.forEach((r, i) => r(!bad.has(i)));
  }
}
