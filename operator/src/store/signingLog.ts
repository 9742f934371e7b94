/**
 * Anti-equivocation store (slashing protection, as lodestar's validator does it): before the
 * operator signs a response, it records taskId → outputHash in an append-only file and fsyncs it;
 * from then on it refuses to sign any other output for that task, across restarts.
 *
 * Why a local file, not Redis: the record must be durable before the signature exists, and a Redis
 * without AOF `appendfsync always` can lose the last second of writes on a crash. One fsync per
 * batch (group commit) keeps it cheap: records that arrive while a write is in flight share the
 * next fsync. A torn last line (crash mid-write) is ignored on load; it was never acknowledged, so
 * nothing was signed for it.
 *
 * Line format (one JSON object per line): {"k":"<oracle>/<taskId>","t":"<taskHash>","o":"<outputHash>"}.
 *
 * Batches (docs/protocol.md "Batch attestation"): `recordBatch` writes one task line per task of
 * the batch (an abstention as outputHash = bytes32(0), so the task is never signed alone later)
 * and one batch line {"b":"<oracle>/<batchId>","r":"<root>","n":<leafCount>}, all in ONE append
 * and ONE fsync. A torn write can leave some of a batch's task lines without the batch line: they
 * were never acknowledged (nothing signed), and they only bind future signatures to the same outputs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ABSTAIN_OUTPUT_HASH } from '@aioracle/sdk';
import { OperatorErrorCode, operatorError } from '../errors.js';

/** Options of {@link SigningLog.open}. */
export interface SigningLogOptions {
  /** Path of the log file (created with its directory). */
  path: string;
}

/** Outcome of {@link SigningLog.record}. */
export type RecordOutcome = 'recorded' | 'already-recorded';

/** One task of {@link SigningLog.recordBatch}: outputHash null = abstain. */
export interface BatchRecordEntry {
  /** {@link SigningLog.key} of the task. */
  key: string;
  taskHash: string;
  outputHash: string | null;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class SigningLog {
  private readonly entries = new Map<string, string>();
  private readonly batches = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<void>>();
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /** Opens (or creates) the log and loads every complete record. */
  static async open(opts: SigningLogOptions): Promise<SigningLog> {
    let text = '';
    try {
      mkdirSync(dirname(opts.path), { recursive: true });
      text = readFileSync(opts.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw operatorError(OperatorErrorCode.SigningLog, `Cannot read the signing log ${opts.path}`, { cause: err, details: { path: opts.path } });
      }
    }
    // A torn tail (a crash mid-append) was never acknowledged, so nothing was signed for it: cut it off.
    if (text.length > 0 && !text.endsWith('\n')) {
      const keep = text.lastIndexOf('\n') + 1;
      await truncate(opts.path, Buffer.byteLength(text.slice(0, keep)));
      text = text.slice(0, keep);
    }
    let fh: FileHandle;
    try {
      fh = await open(opts.path, 'a', 0o600);
    } catch (cause) {
      throw operatorError(OperatorErrorCode.SigningLog, `Cannot open the signing log ${opts.path} for appending`, { cause, details: { path: opts.path } });
    }
    const log = new SigningLog(opts.path, fh);
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const r = JSON.parse(line) as { k?: unknown; o?: unknown; b?: unknown; r?: unknown };
        if (typeof r.b === 'string' && typeof r.r === 'string') {
          const prevRoot = log.batches.get(r.b);
          if (prevRoot !== undefined && prevRoot !== r.r) throw new Error(`conflicting roots for batch ${r.b}`);
          log.batches.set(r.b, r.r);
          return;
        }
        if (typeof r.k !== 'string' || typeof r.o !== 'string') throw new Error('missing fields');
        const prev = log.entries.get(r.k);
        if (prev !== undefined && prev !== r.o) throw new Error(`conflicting records for ${r.k}`);
        log.entries.set(r.k, r.o);
      } catch (cause) {
        throw operatorError(OperatorErrorCode.SigningLog, `The signing log ${opts.path} is corrupt at line ${i + 1}; refusing to start (restore it from a backup)`, {
          cause,
          details: { path: opts.path, line: i + 1 },
        });
      }
    });
    return log;
  }

  /** Number of tasks recorded. */
  get size(): number {
    return this.entries.size;
  }

  /** The output hash recorded for `key`, if any. */
  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /** The record key of a task: `<oracle lowercase>/<taskId>`. */
  static key(oracle: string, taskId: bigint | string): string {
    return `${oracle.toLowerCase()}/${taskId.toString()}`;
  }

  /**
   * Records `key → outputHash` durably (fsynced) before the caller signs. Resolves
   * `already-recorded` when the same output was recorded before (signing again is harmless);
   * throws ERR_OPERATOR_EQUIVOCATION when a different output was recorded, ever.
   */
  async record(key: string, taskHash: string, outputHash: string): Promise<RecordOutcome> {
    const o = outputHash.toLowerCase();
    const check = (): RecordOutcome | null => {
      const prev = this.entries.get(key);
      if (prev === undefined) return null;
      if (prev !== o) {
        throw operatorError(OperatorErrorCode.Equivocation, `Refusing to sign output ${o} for task ${key}: output ${prev} was already signed for it`, {
          details: { task: key, signed: prev, attempted: o },
        });
      }
      return 'already-recorded';
    };
    const first = check();
    if (first) {
      // The same record may still be in flight: wait until it is durable.
      await this.inflight.get(key);
      return first;
    }
    if (this.closed) throw operatorError(OperatorErrorCode.SigningLog, 'The signing log is closed');
    this.entries.set(key, o); // claim at once so a concurrent different output is refused
    const line = `${JSON.stringify({ k: key, t: taskHash.toLowerCase(), o })}\n`;
    const done = new Promise<void>((resolve, reject) => this.queue.push({ line, resolve, reject }));
    this.inflight.set(key, done);
    this.kick();
    try {
      await done;
    } catch (err) {
      this.entries.delete(key);
      throw err;
    } finally {
      this.inflight.delete(key);
    }
    return 'recorded';
  }

  /** The root recorded for batch `key`, if any. */
  getBatch(key: string): string | undefined {
    return this.batches.get(key);
  }

  /** The record key of a batch: `<oracle lowercase>/batch-<batchId>`. */
  static batchKey(oracle: string, batchId: string): string {
    return `${oracle.toLowerCase()}/batch-${batchId}`;
  }

  /**
   * Records every task of a batch (abstentions as bytes32(0)) and the batch root durably, in one
   * append and one fsync, before the caller signs the batch. All or nothing: throws
   * ERR_OPERATOR_EQUIVOCATION, writing nothing, when any task was ever recorded (in a batch or
   * alone) with another output hash or abstention, or the batch with another root. Resolves
   * `already-recorded` when everything was recorded before (re-signing is harmless).
   */
  async recordBatch(batchKey: string, root: string, entries: readonly BatchRecordEntry[]): Promise<RecordOutcome> {
    const r = root.toLowerCase();
    const prevRoot = this.batches.get(batchKey);
    if (prevRoot !== undefined && prevRoot !== r) {
      throw operatorError(OperatorErrorCode.Equivocation, `Refusing to sign root ${r} for batch ${batchKey}: root ${prevRoot} was already signed for it`, {
        details: { batch: batchKey, signed: prevRoot, attempted: r },
      });
    }
    const fresh: { key: string; line: string; o: string }[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.key)) throw operatorError(OperatorErrorCode.BadJob, `Batch ${batchKey} holds task ${e.key} twice`);
      seen.add(e.key);
      const o = (e.outputHash ?? ABSTAIN_OUTPUT_HASH).toLowerCase();
      const prev = this.entries.get(e.key);
      if (prev === undefined) {
        fresh.push({ key: e.key, o, line: `${JSON.stringify({ k: e.key, t: e.taskHash.toLowerCase(), o })}\n` });
      } else if (prev !== o) {
        const what = (h: string): string => (h === ABSTAIN_OUTPUT_HASH ? 'an abstention' : `output ${h}`);
        throw operatorError(OperatorErrorCode.Equivocation, `Refusing to sign batch ${batchKey}: it holds ${what(o)} for task ${e.key}, but ${what(prev)} was already signed for it`, {
          details: { batch: batchKey, task: e.key, signed: prev, attempted: o },
        });
      }
    }
    if (fresh.length === 0 && prevRoot !== undefined) {
      await Promise.all([batchKey, ...seen].map((k) => this.inflight.get(k)));
      return 'already-recorded';
    }
    if (this.closed) throw operatorError(OperatorErrorCode.SigningLog, 'The signing log is closed');
    // Claim at once so a concurrent conflicting record is refused.
    for (const f of fresh) this.entries.set(f.key, f.o);
    const newBatch = prevRoot === undefined;
    if (newBatch) this.batches.set(batchKey, r);
    const lines = fresh.map((f) => f.line).join('') + (newBatch ? `${JSON.stringify({ b: batchKey, r, n: entries.length })}\n` : '');
    const done = new Promise<void>((resolve, reject) => this.queue.push({ line: lines, resolve, reject }));
    const claimed = [...fresh.map((f) => f.key), ...(newBatch ? [batchKey] : [])];
    for (const k of claimed) this.inflight.set(k, done);
    this.kick();
    try {
      // Tasks recorded earlier by someone else may still be in flight: wait for them too.
      await Promise.all([done, ...[...seen].filter((k) => !claimed.includes(k)).map((k) => this.inflight.get(k))]);
    } catch (err) {
      for (const f of fresh) this.entries.delete(f.key);
      if (newBatch) this.batches.delete(batchKey);
      throw err;
    } finally {
      for (const k of claimed) if (this.inflight.get(k) === done) this.inflight.delete(k);
    }
    return 'recorded';
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.fh.appendFile(batch.map((p) => p.line).join(''));
          await this.fh.datasync();
          for (const p of batch) p.resolve();
        } catch (cause) {
          const err = operatorError(OperatorErrorCode.SigningLog, `Cannot append to the signing log ${this.path}`, { cause, retryable: true, details: { path: this.path } });
          for (const p of batch) p.reject(err);
        }
      }
      this.flushing = null;
    })();
  }

  /** Waits for pending records and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.fh.close();
  }
}
