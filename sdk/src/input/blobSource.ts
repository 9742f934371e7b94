/**
 * Where operators and auditors read blobs (protocol.md "Availability"): the beacon API's
 * `GET /eth/v1/beacon/blobs/{block_id}?versioned_hashes=…` (one hash per request, so the answer is that
 * blob). On a real network `block_id` is the slot of the creation block, from its timestamp and the
 * beacon genesis time; anvil serves the same endpoint on its RPC port and takes the execution block
 * number. The blob's content is checked by the caller against the task's inputHash, so the beacon node
 * is not trusted (it can withhold a blob, not change one).
 */
import { getBytes } from 'ethers';
import type { Bytes32 } from '../protocol/hex.js';
import { BLOB_BYTES } from './blobPayload.js';
import { InputErrorCode, inputError } from './errors.js';

/** Reads blobs of an execution block by versioned hash. */
export interface BlobSource {
  /** The blobs with these versioned hashes, in the same order, from execution block `blockNumber`. */
  getBlobs(blockNumber: number, versionedHashes: readonly Bytes32[]): Promise<Uint8Array[]>;
}

/** Options of {@link BeaconBlobSource}. */
export interface BeaconBlobSourceOptions {
  /** Beacon API base URL (on the devnet: anvil's RPC URL). */
  url: string;
  /** How `block_id` is formed: `slot` (a real beacon node) or `execution_number` (anvil). */
  blockId: 'slot' | 'execution_number';
  /** Seconds per slot (12 on Ethereum). */
  secondsPerSlot?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** The execution block's timestamp (for `slot`). */
  blockTimestamp?: (blockNumber: number) => Promise<number>;
  fetch?: typeof fetch;
}

/** The beacon API blob reader. */
export class BeaconBlobSource implements BlobSource {
  /** The beacon genesis time (slot mode), fetched once; a failed fetch is retried by the next call. */
  private genesis: Promise<number> | null = null;

  constructor(private readonly opts: BeaconBlobSourceOptions) {}

  /**
   * The blobs with these versioned hashes from execution block `blockNumber`, one request each.
   * Throws ERR_INPUT_UNAVAILABLE (retryable) when the beacon API is unreachable, answers an HTTP error or
   * something that is not a blobs answer, or does not hold a blob with that versioned hash at that block.
   * The blob's content is not checked here (that needs its KZG commitment, seconds in pure JS): a blob
   * answered for another versioned hash fails the caller's inputHash check (ERR_INPUT_HASH_MISMATCH).
   */
  async getBlobs(blockNumber: number, versionedHashes: readonly Bytes32[]): Promise<Uint8Array[]> {
    const id = await this.blockIdOf(blockNumber);
    const out: Uint8Array[] = [];
    for (const vh of versionedHashes) {
      const body = await this.get(`/eth/v1/beacon/blobs/${id}?versioned_hashes=${vh}`);
      const data = isRecord(body) && Array.isArray(body.data) ? (body.data as unknown[]) : null;
      if (data === null) throw inputError(InputErrorCode.Unavailable, `Beacon API /eth/v1/beacon/blobs/${id} answered no "data" list of blobs`, { retryable: true });
      if (data.length === 0) {
        throw inputError(InputErrorCode.Unavailable, `Beacon API has no blob ${vh} in block ${blockNumber} (block_id ${id})`, { details: { versionedHash: vh, blockNumber, blockId: id }, retryable: true });
      }
      if (data.length !== 1) {
        throw inputError(InputErrorCode.Unavailable, `Beacon API answered ${data.length} blobs for the one versioned hash ${vh} in block ${blockNumber} (block_id ${id}); it does not filter by versioned_hashes`, { details: { versionedHash: vh, blockNumber, blockId: id, blobs: data.length }, retryable: true });
      }
      const blob = data[0];
      if (typeof blob !== 'string' || !/^0x[0-9a-fA-F]*$/.test(blob) || blob.length !== 2 + 2 * BLOB_BYTES) {
        throw inputError(InputErrorCode.Unavailable, `Beacon API answered a blob for ${vh} that is not 0x + ${BLOB_BYTES} hex bytes`, { details: { versionedHash: vh, blockId: id }, retryable: true });
      }
      out.push(getBytes(blob));
    }
    return out;
  }

  /** The beacon `block_id` of execution block `blockNumber`: the number itself (anvil) or its slot. */
  private async blockIdOf(blockNumber: number): Promise<string> {
    if (this.opts.blockId === 'execution_number') return String(blockNumber);
    if (!this.opts.blockTimestamp) throw inputError(InputErrorCode.Unavailable, 'Beacon block_id "slot" needs the execution block timestamp');
    const genesis = (this.genesis ??= this.fetchGenesis());
    genesis.catch(() => {
      if (this.genesis === genesis) this.genesis = null;
    });
    const [g, ts] = await Promise.all([genesis, this.opts.blockTimestamp(blockNumber)]);
    const perSlot = this.opts.secondsPerSlot ?? 12;
    if (!Number.isSafeInteger(ts) || ts < g) {
      throw inputError(InputErrorCode.Unavailable, `Execution block ${blockNumber} has timestamp ${ts}, before the beacon genesis time ${g}: no slot`, { details: { blockNumber, timestamp: ts, genesisTime: g } });
    }
    return String(Math.floor((ts - g) / perSlot));
  }

  private async fetchGenesis(): Promise<number> {
    const body = await this.get('/eth/v1/beacon/genesis');
    const raw = isRecord(body) && isRecord(body.data) ? body.data.genesis_time : undefined;
    const g = typeof raw === 'string' && /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(g)) throw inputError(InputErrorCode.Unavailable, 'Beacon API /eth/v1/beacon/genesis answered no decimal data.genesis_time', { retryable: true });
    return g;
  }

  private async get(path: string): Promise<unknown> {
    const url = `${this.opts.url.replace(/\/+$/, '')}${path}`;
    const where = path.split('?')[0];
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (cause) {
      throw inputError(InputErrorCode.Unavailable, `Beacon API ${where} is unreachable`, { cause, retryable: true });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw inputError(InputErrorCode.Unavailable, `Beacon API ${where} answered HTTP ${res.status}`, { details: { status: res.status }, retryable: true });
    }
    try {
      return await res.json();
    } catch (cause) {
      throw inputError(InputErrorCode.Unavailable, `Beacon API ${where} answered a body that is not JSON`, { cause, retryable: true });
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
