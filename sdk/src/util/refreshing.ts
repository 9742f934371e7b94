/**
 * A value read from somewhere slow (a node's head, its fee data): reused while fresh and, for a while
 * after, answered at once while one background read replaces it, so callers on a latency-critical path
 * do not wait for the read. Concurrent reads are shared; a failed read is not kept.
 */
export interface RefreshingValueOptions {
  /** Younger than this, the value is used as it is. */
  freshMs: number;
  /** Younger than this (and no longer fresh), the value is used and one background read replaces it; older, callers wait for a read. */
  maxAgeMs: number;
}

/** See {@link RefreshingValueOptions}. */
export class RefreshingValue<T> {
  private value: { at: number; v: T } | null = null;
  private inflight: Promise<T> | null = null;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly opts: RefreshingValueOptions,
  ) {}

  /** The value, read now only when there is none or it is older than `maxAgeMs`. */
  get(): Promise<T> {
    const cur = this.value;
    const age = cur ? Date.now() - cur.at : Infinity;
    if (cur && age < this.opts.freshMs) return Promise.resolve(cur.v);
    if (cur && age < this.opts.maxAgeMs) {
      this.refresh().catch(() => undefined);
      return Promise.resolve(cur.v);
    }
    return this.refresh();
  }

  private refresh(): Promise<T> {
    if (!this.inflight) {
      const at = Date.now();
      const p = this.read().then((v) => {
        if (!this.value || this.value.at <= at) this.value = { at, v };
        return v;
      });
      this.inflight = p;
      const clear = (): void => {
        if (this.inflight === p) this.inflight = null;
      };
      p.then(clear, clear);
    }
    return this.inflight;
  }
}
