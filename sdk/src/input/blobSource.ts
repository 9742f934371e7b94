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
  private genesis: Promise<number> | null = null;

  constructor(private readonly opts: BeaconBlobSourceOptions) {}

  async getBlobs(blockNumber: number, versionedHashes: readonly Bytes32[]): Promise<Uint8Array[]> {
    const id = await this.blockIdOf(blockNumber);
    const out: Uint8Array[] = [];
    for (const vh of versionedHashes) {
      const body = (await this.get(`/eth/v1/beacon/blobs/${id}?versioned_hashes=${vh}`)) as { data?: unknown };
      const data = Array.isArray(body?.data) ? body.data : [];
      if (data.length !== 1 || typeof data[0] !== 'string') {
        throw inputError(InputErrorCode.Unavailable, `Beacon API has no blob ${vh} in block ${blockNumber} (block_id ${id})`, { retryable: true });
      }
      out.push(getBytes(data[0]));
    }
    return out;
  }

  private async blockIdOf(blockNumber: number): Promise<string> {
    if (this.opts.blockId === 'execution_number') return String(blockNumber);
    if (!this.opts.blockTimestamp) throw inputError(InputErrorCode.Unavailable, 'Beacon block_id "slot" needs the execution block timestamp');
    this.genesis ??= this.get('/eth/v1/beacon/genesis').then((b) => Number((b as { data: { genesis_time: string } }).data.genesis_time));
    const [genesis, ts] = await Promise.all([this.genesis, this.opts.blockTimestamp(blockNumber)]);
    return String(Math.floor((ts - genesis) / (this.opts.secondsPerSlot ?? 12)));
  }

  private async get(path: string): Promise<unknown> {
    const url = `${this.opts.url.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (cause) {
      throw inputError(InputErrorCode.Unavailable, `Beacon API ${path.split('?')[0]} is unreachable`, { cause, retryable: true });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw inputError(InputErrorCode.Unavailable, `Beacon API ${path.split('?')[0]} answered HTTP ${res.status}`, { details: { status: res.status }, retryable: true });
    }
    return res.json();
  }
}

/** A BlobSource over JSON-RPC `anvil_getBlobByHash` (anvil only; no beacon API needed). */
export class AnvilRpcBlobSource implements BlobSource {
  constructor(private readonly send: (method: string, params: unknown[]) => Promise<unknown>) {}

  async getBlobs(blockNumber: number, versionedHashes: readonly Bytes32[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const vh of versionedHashes) {
      const blob = await this.send('anvil_getBlobByHash', [vh]).catch((cause: unknown) => {
        throw inputError(InputErrorCode.Unavailable, `anvil_getBlobByHash ${vh} failed`, { cause, retryable: true });
      });
      if (typeof blob !== 'string') throw inputError(InputErrorCode.Unavailable, `anvil has no blob ${vh} (block ${blockNumber})`, { retryable: true });
      out.push(getBytes(blob));
    }
    return out;
  }
}
