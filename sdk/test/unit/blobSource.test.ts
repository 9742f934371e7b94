/**
 * BeaconBlobSource against a local node:http server acting as a beacon API (GET /eth/v1/beacon/genesis
 * and /eth/v1/beacon/blobs/{block_id}?versioned_hashes=…): the real-network `slot` mode (slot from the
 * execution block's timestamp and the beacon genesis time), anvil's `execution_number` mode, and the
 * failure paths, each a typed ERR_INPUT_* error.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { hexlify, keccak256, randomBytes } from 'ethers';
import { AioracleError, isAioracleError } from '../../src/errors.js';
import { serveHttp, type LocalHttpServer } from '../../src/util/net.js';
import { BeaconBlobSource, InputResolver, blobRefBytes, encodeBlobPayload } from '../../src/input/index.js';
import type { Bytes32 } from '../../src/protocol/hex.js';

const GENESIS = 1_606_824_023; // mainnet's beacon genesis time
const vh = (n: number): Bytes32 => `0x01${n.toString(16).padStart(62, '0')}` as Bytes32;

/** The error `p` rejects with (fails the test when it resolves or throws something untyped). */
async function errorOf(p: Promise<unknown>): Promise<AioracleError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AioracleError) return err;
    throw new Error(`not an AioracleError: ${String(err)}`);
  }
  throw new Error('expected a rejection');
}

describe('BeaconBlobSource (local beacon API)', () => {
  let server: LocalHttpServer;
  let base: string;
  /** Paths asked, in order (query included). */
  let asked: string[];
  /** What the genesis endpoint answers. */
  let genesis: { status: number; body: string };
  /** Blobs held, by `${block_id}/${versionedHash}`. */
  const held = new Map<string, Uint8Array>();
  /** Raw answers overriding the blobs endpoint, by block_id. */
  const raw = new Map<string, { status: number; body: string }>();

  const input = randomBytes(150_000); // two blobs
  const blobs = encodeBlobPayload(input);

  beforeAll(async () => {
    server = await serveHttp((req, res) => {
      const url = new URL(req.url ?? '/', 'http://beacon');
      asked.push(`${url.pathname}${url.search}`);
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      if (url.pathname === '/eth/v1/beacon/genesis') return send(genesis.status, genesis.body);
      const m = /^\/eth\/v1\/beacon\/blobs\/([^/]+)$/.exec(url.pathname);
      if (!m) return send(404, '{"code":404,"message":"not found"}');
      const id = m[1]!;
      const r = raw.get(id);
      if (r) return send(r.status, r.body);
      if (!/^(\d+|head|finalized)$/.test(id)) return send(400, '{"code":400,"message":"bad block_id"}');
      // the beacon-APIs answer: the held blobs among the versioned hashes asked (all of the block's when none)
      const wanted = url.searchParams.getAll('versioned_hashes').flatMap((v) => v.split(','));
      const data = [...held.entries()].filter(([k]) => k.startsWith(`${id}/`) && (wanted.length === 0 || wanted.includes(k.slice(id.length + 1)))).map(([, b]) => hexlify(b));
      send(200, JSON.stringify({ execution_optimistic: false, finalized: true, data }));
    });
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    asked = [];
    genesis = { status: 200, body: JSON.stringify({ data: { genesis_time: String(GENESIS), genesis_validators_root: `0x${'00'.repeat(32)}`, genesis_fork_version: '0x00000000' } }) };
    held.clear();
    raw.clear();
  });

  /** A slot-mode source whose execution blocks have the given timestamps. */
  const slotSource = (timestamps: Record<number, number>, secondsPerSlot?: number) =>
    new BeaconBlobSource({ url: `${base}/`, blockId: 'slot', ...(secondsPerSlot ? { secondsPerSlot } : {}), blockTimestamp: async (n) => timestamps[n] ?? 0 });

  it('slot mode: block_id is (timestamp - genesis) / 12 and the blobs come back in the order asked; genesis is read once', async () => {
    // execution block 21_000_000 at slot 10_240_007 (timestamps are slot-aligned on Ethereum)
    const slot = 10_240_007;
    held.set(`${slot}/${vh(1)}`, blobs[0]!);
    held.set(`${slot}/${vh(2)}`, blobs[1]!);
    const source = slotSource({ 21_000_000: GENESIS + 12 * slot, 21_000_001: GENESIS + 12 * (slot + 1) + 11 });
    const got = await source.getBlobs(21_000_000, [vh(2), vh(1)]);
    expect(got.map((b) => keccak256(b))).toEqual([keccak256(blobs[1]!), keccak256(blobs[0]!)]);
    expect(asked).toEqual(['/eth/v1/beacon/genesis', `/eth/v1/beacon/blobs/${slot}?versioned_hashes=${vh(2)}`, `/eth/v1/beacon/blobs/${slot}?versioned_hashes=${vh(1)}`]);

    // 11 s into the next slot is still that slot; the genesis time is not read again
    asked = [];
    held.set(`${slot + 1}/${vh(3)}`, blobs[0]!);
    expect((await source.getBlobs(21_000_001, [vh(3)])).length).toBe(1);
    expect(asked).toEqual([`/eth/v1/beacon/blobs/${slot + 1}?versioned_hashes=${vh(3)}`]);
  });

  it('slot mode: honours secondsPerSlot (a devnet with 2 s slots)', async () => {
    held.set(`50/${vh(1)}`, blobs[0]!);
    const got = await slotSource({ 7: GENESIS + 101 }, 2).getBlobs(7, [vh(1)]);
    expect(keccak256(got[0]!)).toBe(keccak256(blobs[0]!));
    expect(asked[1]).toBe(`/eth/v1/beacon/blobs/50?versioned_hashes=${vh(1)}`);
  });

  it('slot mode, through InputResolver: the input is read at the creation block (referenceBlock + 1) and hash-checked', async () => {
    const slot = 123;
    held.set(`${slot}/${vh(1)}`, blobs[0]!);
    held.set(`${slot}/${vh(2)}`, blobs[1]!);
    const r = new InputResolver({ maxBytes: 1 << 20 }, { blobs: slotSource({ 42: GENESIS + 12 * slot }) });
    const got = await r.resolve({ inputHash: keccak256(input), referenceBlock: 41 }, blobRefBytes([vh(1), vh(2)]), 1 << 20);
    expect({ carrier: got.carrier, hash: keccak256(got.bytes) }).toEqual({ carrier: 'blob', hash: keccak256(input) });
  });

  it('execution_number mode (anvil): block_id is the block number and genesis is never read', async () => {
    held.set(`42/${vh(1)}`, blobs[0]!);
    const got = await new BeaconBlobSource({ url: base, blockId: 'execution_number' }).getBlobs(42, [vh(1)]);
    expect(keccak256(got[0]!)).toBe(keccak256(blobs[0]!));
    expect(asked).toEqual([`/eth/v1/beacon/blobs/42?versioned_hashes=${vh(1)}`]);
  });

  it('a versioned hash the beacon does not hold at that slot: ERR_INPUT_UNAVAILABLE naming it', async () => {
    held.set(`5/${vh(1)}`, blobs[0]!);
    const e = await errorOf(slotSource({ 9: GENESIS + 60 }).getBlobs(9, [vh(2)]));
    expect({ code: e.code, retryable: e.retryable, details: e.details }).toEqual({ code: 'ERR_INPUT_UNAVAILABLE', retryable: true, details: { versionedHash: vh(2), blockNumber: 9, blockId: '5' } });
    expect(e.message).toBe(`Beacon API has no blob ${vh(2)} in block 9 (block_id 5)`);
  });

  it('a beacon that answers a blob for another versioned hash: the resolver refuses it (ERR_INPUT_HASH_MISMATCH)', async () => {
    // it serves blob 1 whatever is asked: it can withhold a blob, and a substituted one fails the inputHash check
    raw.set('7', { status: 200, body: JSON.stringify({ data: [hexlify(encodeBlobPayload(randomBytes(1000))[0]!)] }) });
    const one = randomBytes(1000);
    const r = new InputResolver({ maxBytes: 1 << 20 }, { blobs: slotSource({ 3: GENESIS + 7 * 12 }) });
    const e = await errorOf(r.resolve({ inputHash: keccak256(one), referenceBlock: 2 }, blobRefBytes([vh(9)]), 1 << 20));
    expect({ code: e.code, carrier: e.details.carrier }).toEqual({ code: 'ERR_INPUT_HASH_MISMATCH', carrier: 'blob' });
    expect(e.message).toContain(`not the task's inputHash ${keccak256(one)}`);
  });

  it('a beacon that does not filter by versioned_hashes (answers every blob of the block): ERR_INPUT_UNAVAILABLE, not a guess', async () => {
    raw.set('3', { status: 200, body: JSON.stringify({ data: [hexlify(blobs[0]!), hexlify(blobs[1]!)] }) });
    const e = await errorOf(new BeaconBlobSource({ url: base, blockId: 'execution_number' }).getBlobs(3, [vh(1)]));
    expect(e.code).toBe('ERR_INPUT_UNAVAILABLE');
    expect(e.message).toContain('answered 2 blobs for the one versioned hash');
  });

  it.each<[string, { status: number; body: string }, string, Record<string, unknown>]>([
    ['HTTP 404', { status: 404, body: '{"code":404,"message":"Block not found"}' }, 'Beacon API /eth/v1/beacon/blobs/11 answered HTTP 404', { status: 404 }],
    ['HTTP 503', { status: 503, body: '' }, 'Beacon API /eth/v1/beacon/blobs/11 answered HTTP 503', { status: 503 }],
    ['malformed JSON', { status: 200, body: '{"data": ["0x00' }, 'Beacon API /eth/v1/beacon/blobs/11 answered a body that is not JSON', {}],
    ['JSON without data', { status: 200, body: '{"message":"ok"}' }, 'answered no "data" list of blobs', {}],
    ['a blob that is not hex', { status: 200, body: JSON.stringify({ data: ['0xzz'] }) }, 'that is not 0x + 131072 hex bytes', {}],
    ['a blob of the wrong size', { status: 200, body: JSON.stringify({ data: [`0x${'00'.repeat(1000)}`] }) }, 'that is not 0x + 131072 hex bytes', {}],
  ])('the blobs endpoint answers %s: ERR_INPUT_UNAVAILABLE (retryable)', async (_what, answer, message, details) => {
    raw.set('11', answer);
    const e = await errorOf(new BeaconBlobSource({ url: base, blockId: 'execution_number' }).getBlobs(11, [vh(1)]));
    expect({ code: e.code, retryable: e.retryable }).toEqual({ code: 'ERR_INPUT_UNAVAILABLE', retryable: true });
    expect(e.message).toContain(message);
    expect(e.details).toMatchObject(details);
  });

  it('genesis failures are typed, and a failed genesis read is retried by the next call (not cached)', async () => {
    held.set(`1/${vh(1)}`, blobs[0]!);
    const source = slotSource({ 1: GENESIS + 12 });
    genesis = { status: 500, body: '' };
    expect((await errorOf(source.getBlobs(1, [vh(1)]))).message).toBe('Beacon API /eth/v1/beacon/genesis answered HTTP 500');
    genesis = { status: 200, body: 'not json' };
    expect((await errorOf(source.getBlobs(1, [vh(1)]))).message).toBe('Beacon API /eth/v1/beacon/genesis answered a body that is not JSON');
    genesis = { status: 200, body: JSON.stringify({ data: { genesis_time: 1606824023 } }) }; // a number, not the API's decimal string
    expect((await errorOf(source.getBlobs(1, [vh(1)]))).message).toContain('no decimal data.genesis_time');
    genesis = { status: 200, body: JSON.stringify({ data: { genesis_time: String(GENESIS) } }) };
    expect((await source.getBlobs(1, [vh(1)])).length).toBe(1);
    expect(asked.filter((p) => p === '/eth/v1/beacon/genesis').length).toBe(4);
  });

  it('slot mode: a block before the genesis time, or without the timestamp reader, has no slot', async () => {
    const e = await errorOf(slotSource({ 1: GENESIS - 1 }).getBlobs(1, [vh(1)]));
    expect({ code: e.code, details: e.details }).toEqual({ code: 'ERR_INPUT_UNAVAILABLE', details: { blockNumber: 1, timestamp: GENESIS - 1, genesisTime: GENESIS } });
    expect(isAioracleError(await errorOf(new BeaconBlobSource({ url: base, blockId: 'slot' }).getBlobs(1, [vh(1)])), 'ERR_INPUT_UNAVAILABLE')).toBe(true);
    expect(asked.every((p) => !p.startsWith('/eth/v1/beacon/blobs'))).toBe(true);
  });

  it('an unreachable beacon API: ERR_INPUT_UNAVAILABLE (retryable)', async () => {
    const e = await errorOf(new BeaconBlobSource({ url: 'http://127.0.0.1:1', blockId: 'execution_number', timeoutMs: 2_000 }).getBlobs(1, [vh(1)]));
    expect({ code: e.code, retryable: e.retryable, message: e.message }).toEqual({ code: 'ERR_INPUT_UNAVAILABLE', retryable: true, message: 'Beacon API /eth/v1/beacon/blobs/1 is unreachable' });
  });
});
