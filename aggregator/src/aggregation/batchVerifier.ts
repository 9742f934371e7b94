/**
 * Micro-batching signature verification: responses over the same digest (one task, one output)
 * that arrive within a few milliseconds are checked together with the sdk's same-message batch
 * verification (two pairings for the batch), which names exactly the bad signatures when the batch
 * fails. A lone response is checked on its own.
 */
import { blsBatchVerifySameMessage, blsVerify, type G1Point, type G2Point } from '@aioracle/sdk';
import type { AggregatorMetrics } from '../metrics.js';

interface Pending {
  items: { signature: G1Point; publicKeyG2: G2Point }[];
  resolvers: ((ok: boolean) => void)[];
  rejecters: ((err: unknown) => void)[];
  timer: NodeJS.Timeout | null;
}

/** Options of {@link BatchVerifier}. */
export interface BatchVerifierOptions {
  /** How long the first signature of a digest waits for others (0 = until the current I/O turn ends). */
  windowMs: number;
  /** A batch is checked at once when it reaches this size. */
  maxBatch: number;
}

/** Verifies signatures in same-digest micro-batches. */
export class BatchVerifier {
  private readonly pending = new Map<string, Pending>();
  private readonly opts: BatchVerifierOptions;
  private readonly metrics: AggregatorMetrics | null;

  constructor(opts: BatchVerifierOptions, deps: { metrics: AggregatorMetrics | null }) {
    this.opts = opts;
    this.metrics = deps.metrics;
  }

  /** Resolves true when `signature` is valid for `digest` under `publicKeyG2`. */
  verify(digest: string, signature: G1Point, publicKeyG2: G2Point): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let p = this.pending.get(digest);
      if (!p) {
        p = { items: [], resolvers: [], rejecters: [], timer: null };
        this.pending.set(digest, p);
        const batch = p;
        if (this.opts.windowMs > 0) batch.timer = setTimeout(() => this.flush(digest, batch), this.opts.windowMs);
        else setImmediate(() => this.flush(digest, batch));
      }
      p.items.push({ signature, publicKeyG2 });
      p.resolvers.push(resolve);
      p.rejecters.push(reject);
      if (p.items.length >= this.opts.maxBatch) this.flush(digest, p);
    });
  }

  private flush(digest: string, p: Pending): void {
    if (this.pending.get(digest) !== p) return;
    this.pending.delete(digest);
    if (p.timer) clearTimeout(p.timer);
    try {
      this.metrics?.verifyBatchSize.observe(p.items.length);
      let bad: Set<number>;
      if (p.items.length === 1) {
        const it = p.items[0]!;
        bad = blsVerify(it.signature, it.publicKeyG2, digest) ? new Set() : new Set([0]);
      } else {
        bad = new Set(blsBatchVerifySameMessage(digest, p.items).bad);
      }
      this.metrics?.signaturesVerified.inc({ result: 'valid' }, p.items.length - bad.size);
      if (bad.size > 0) this.metrics?.signaturesVerified.inc({ result: 'invalid' }, bad.size);
      p.resolvers.forEach((r, i) => r(!bad.has(i)));
    } catch (err) {
      p.rejecters.forEach((r) => r(err));
    }
  }
}
