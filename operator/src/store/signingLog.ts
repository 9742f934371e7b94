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
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OperatorErrorCode, operatorError } from '../errors.js';

/** Options of {@link SigningLog.open}. */
export interface SigningLogOptions {
  /** Path of the log file (created with its directory). */
  path: string;
}

/** Outcome of {@link SigningLog.record}. */
export type RecordOutcome = 'recorded' | 'already-recorded';

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class SigningLog {
  private readonly entries = new Map<string, string>();
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
        const r = JSON.parse(line) as { k?: unknown; o?: unknown };
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
