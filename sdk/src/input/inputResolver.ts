/**
 * Turns a task's TaskCreated `input` field into its canonical input bytes, whatever the carrier
 * (protocol.md "Inputs by reference"): inline bytes as they are; a blob or URI reference fetched, cut
 * off at the cap while reading, and checked against task.inputHash. Used alike by operators (before
 * inference), the auditor (`aioracle audit --rerun`) and benches, so every side applies one rule.
 */
import { keccak256Hex as keccak256 } from '../util/keccak.js';
import { AioracleError } from '../errors.js';
import type { BlobSource } from './blobSource.js';
import { decodeBlobPayload } from './blobPayload.js';
import { InputErrorCode, inputError } from './errors.js';
import { fetchUriBytes } from './fetchUri.js';
import { parseInputRef, type InputCarrier } from './reference.js';

/** Options of {@link InputResolver}. */
export interface InputResolverOptions {
  /** The reader's own cap on any input, in bytes (a model's cap above it is lowered to it). */
  maxBytes: number;
  /** HTTP gateway for ipfs:// URIs. */
  ipfsGateway?: string | undefined;
  /** Per-fetch timeout (default 10 s). */
  timeoutMs?: number;
  /** Fetch attempts for transient failures (unreachable, 5xx, blob not yet served); default 3. */
  attempts?: number;
  /** Delay before the next attempt, doubled each time (default 250 ms). */
  retryDelayMs?: number;
}

/** Collaborators of {@link InputResolver}. */
export interface InputResolverDeps {
  /** Where blobs are read; blob tasks fail with ERR_INPUT_UNAVAILABLE without one. */
  blobs?: BlobSource | null;
  fetch?: typeof fetch;
}

/** The task fields the resolver needs. */
export interface InputTask {
  inputHash: string;
  /** The creation block is referenceBlock + 1: where a blob request's blobs are. */
  referenceBlock: number;
}

/** A resolved input. */
export interface ResolvedInput {
  bytes: Uint8Array;
  carrier: InputCarrier;
  /** Time spent fetching and checking (0 for inline). */
  fetchSeconds: number;
}

export class InputResolver {
  constructor(
    private readonly opts: InputResolverOptions,
    private readonly deps: InputResolverDeps = {},
  ) {}

  /**
   * The input bytes of `task`, at most min(modelCap, options.maxBytes), hashing to task.inputHash.
   * Throws ERR_INPUT_* (details.carrier says which carrier) and never returns unchecked bytes.
   */
  async resolve(task: InputTask, eventInput: Uint8Array, modelCap: number): Promise<ResolvedInput> {
    const ref = parseInputRef(task.inputHash, eventInput);
    if (ref.carrier === 'calldata') return { bytes: ref.bytes, carrier: 'calldata', fetchSeconds: 0 };
    const cap = Math.min(modelCap, this.opts.maxBytes);
    const started = performance.now();
    try {
      const bytes = await this.withRetries(async () => {
        if (ref.carrier === 'uri') return fetchUriBytes(ref.uri, { maxBytes: cap, ipfsGateway: this.opts.ipfsGateway, timeoutMs: this.opts.timeoutMs ?? 10_000, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) });
        if (!this.deps.blobs) throw inputError(InputErrorCode.Unavailable, 'Blob input but no blob source (beacon API) is configured');
        return decodeBlobPayload(await this.deps.blobs.getBlobs(task.referenceBlock + 1, ref.versionedHashes), cap);
      });
      const got = keccak256(bytes);
      if (got !== task.inputHash.toLowerCase()) {
        throw inputError(InputErrorCode.HashMismatch, `Fetched ${ref.carrier} input (${bytes.length} bytes) hashes to ${got}, not the task's inputHash ${task.inputHash}`, { details: { bytes: bytes.length } });
      }
      return { bytes, carrier: ref.carrier, fetchSeconds: (performance.now() - started) / 1000 };
    } catch (err) {
      if (err instanceof AioracleError) {
        // Final: the caller refuses the task. Keep the carrier for metrics and logs.
        throw new AioracleError(err.code, err.message, { cause: err.cause, details: { ...err.details, carrier: ref.carrier }, retryable: false });
      }
      throw err;
    }
  }

  private async withRetries(fn: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const attempts = Math.max(1, this.opts.attempts ?? 3);
    let delay = this.opts.retryDelayMs ?? 250;
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i >= attempts || !(err instanceof AioracleError) || !err.retryable) throw err;
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }
}
