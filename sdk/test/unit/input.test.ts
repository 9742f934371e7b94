import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { keccak256, randomBytes } from 'ethers';
import { isAioracleError } from '../../src/errors.js';
import { serveHttp, type LocalHttpServer } from '../../src/util/net.js';
import {
  BLOB_BYTES,
  BLOB_PAYLOAD_BYTES,
  MAX_BLOB_INPUT_BYTES,
  InputResolver,
  blobRefBytes,
  blobsFor,
  decodeBlobPayload,
  encodeBlobPayload,
  fetchUriBytes,
  httpUrlOf,
  parseInputRef,
  uriRefBytes,
  type BlobSource,
} from '../../src/input/index.js';
import type { Bytes32 } from '../../src/protocol/hex.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAioracleError(err) ? err.code : `not an AioracleError: ${String(err)}`;
  }
  return undefined;
}
async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isAioracleError(err) ? err.code : `not an AioracleError: ${String(err)}`;
  }
  return undefined;
}

describe('blob payload', () => {
  it.each([0, 1, 30, 31, 126_972, 126_973, 200_000, MAX_BLOB_INPUT_BYTES])('round-trips %i bytes', (n) => {
    const input = randomBytes(n);
    const blobs = encodeBlobPayload(input);
    expect(blobs.length).toBe(blobsFor(n));
    for (const b of blobs) {
      expect(b.length).toBe(BLOB_BYTES);
      for (let e = 0; e < 4096; e++) if (b[e * 32] !== 0) throw new Error(`element ${e} has a non-zero top byte (n=${n})`);
    }
    expect(Buffer.from(decodeBlobPayload(blobs, n)).equals(Buffer.from(input))).toBe(true);
  });

  it('holds 126,972 bytes in one blob and refuses more than 6 blobs', () => {
    expect(BLOB_PAYLOAD_BYTES - 4).toBe(126_972);
    expect(blobsFor(126_972)).toBe(1);
    expect(blobsFor(126_973)).toBe(2);
    expect(code(() => encodeBlobPayload(new Uint8Array(MAX_BLOB_INPUT_BYTES + 1)))).toBe('ERR_INPUT_CARRIER');
  });

  it('refuses a declared length over the cap before copying, and non-payload blobs', () => {
    const blobs = encodeBlobPayload(new Uint8Array(1000));
    expect(code(() => decodeBlobPayload(blobs, 999))).toBe('ERR_INPUT_TOO_LARGE');
    const bad = new Uint8Array(BLOB_BYTES);
    bad[32] = 0x73;
    expect(code(() => decodeBlobPayload([bad], 10))).toBe('ERR_INPUT_REF_INVALID');
    const lying = encodeBlobPayload(new Uint8Array(10));
    lying[0]![1] = 0x7f; // declares ~2 GB in one blob
    expect(code(() => decodeBlobPayload(lying, 2 ** 32))).toBe('ERR_INPUT_REF_INVALID');
  });
});

describe('parseInputRef', () => {
  const hash = keccak256('0x01') as Bytes32;
  it('is inline exactly when the bytes hash to inputHash', () => {
    const inline = new Uint8Array([1, 1, 0, 0, 0, 9]);
    expect(parseInputRef(keccak256(inline), inline)).toEqual({ carrier: 'calldata', bytes: inline });
    // a descriptor whose own hash is the inputHash is inline (and then fails canonical decoding)
    const d = uriRefBytes('https://x.test/a');
    expect(parseInputRef(keccak256(d), d).carrier).toBe('calldata');
  });
  it('parses blob and uri descriptors', () => {
    const vh = [`0x01${'aa'.repeat(31)}`, `0x01${'bb'.repeat(31)}`];
    expect(parseInputRef(hash, blobRefBytes(vh))).toEqual({ carrier: 'blob', versionedHashes: vh });
    expect(parseInputRef(hash, uriRefBytes('ipfs://bafkqaaa/x.bin'))).toEqual({ carrier: 'uri', uri: 'ipfs://bafkqaaa/x.bin' });
  });
  it.each([
    ['inline bytes that do not hash', new Uint8Array([1, 1, 0, 0, 0])],
    ['empty', new Uint8Array(0)],
    ['unknown carrier', new Uint8Array([0, 9, 1])],
    ['blob list not whole hashes', new Uint8Array([0, 1, ...new Uint8Array(31)])],
    ['no blob hash', new Uint8Array([0, 1])],
    ['file:// uri', uriRefBytes('file:///etc/passwd')],
    ['uri with credentials', uriRefBytes('https://user:pw@x.test/a')],
    ['not a url', uriRefBytes('not a url')],
  ])('refuses %s', (_what, bytes) => {
    expect(code(() => parseInputRef(hash, bytes))).toBe('ERR_INPUT_REF_INVALID');
  });
});

describe('fetchUriBytes and InputResolver (local HTTP server)', () => {
  let server: LocalHttpServer;
  let base: string;
  const big = randomBytes(300_000);
  const small = randomBytes(1000);
  let hits = 0;
  let served = 0;

  beforeAll(async () => {
    server = await serveHttp((req, res) => {
      hits++;
      const path = req.url ?? '/';
      if (path === '/small' || path === '/ipfs/bafkqaaa/small') return res.end(Buffer.from(small));
      if (path === '/big') return res.end(Buffer.from(big));
      if (path === '/endless') {
        // no Content-Length: chunked, far past any cap; counts what was written before the client cut off
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(16 * 1024, 7);
        let n = 0;
        const pump = (): void => {
          while (n < 4096) {
            n++;
            served += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => (n = 1e9));
        return pump();
      }
      if (path === '/flaky' && hits % 2 === 1) {
        res.statusCode = 503;
        return res.end();
      }
      if (path === '/flaky') return res.end(Buffer.from(small));
      res.statusCode = 404;
      res.end();
    });
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
  });

  it('fetches within the cap, and maps ipfs:// onto the gateway', async () => {
    expect((await fetchUriBytes(`${base}/small`, { maxBytes: 1000 })).length).toBe(1000);
    expect(httpUrlOf('ipfs://bafkqaaa/small', `${base}/`)).toBe(`${base}/ipfs/bafkqaaa/small`);
    expect((await fetchUriBytes('ipfs://bafkqaaa/small', { maxBytes: 1000, ipfsGateway: base })).length).toBe(1000);
    expect(await codeOf(fetchUriBytes('ipfs://bafkqaaa/small', { maxBytes: 1000 }))).toBe('ERR_INPUT_UNAVAILABLE');
  });

  it('refuses a Content-Length over the cap, and cuts a chunked body off at the cap', async () => {
    expect(await codeOf(fetchUriBytes(`${base}/big`, { maxBytes: 299_999 }))).toBe('ERR_INPUT_TOO_LARGE');
    served = 0;
    expect(await codeOf(fetchUriBytes(`${base}/endless`, { maxBytes: 100_000 }))).toBe('ERR_INPUT_TOO_LARGE');
    await new Promise((r) => setTimeout(r, 100));
    // 64 MiB would have followed; the reader stopped near the cap (socket buffers allow a few MiB at most)
    expect(served).toBeLessThan(8 * 1024 * 1024);
  });

  it('reports unreachable and HTTP errors as ERR_INPUT_UNAVAILABLE', async () => {
    expect(await codeOf(fetchUriBytes(`${base}/missing`, { maxBytes: 10 }))).toBe('ERR_INPUT_UNAVAILABLE');
    expect(await codeOf(fetchUriBytes('http://127.0.0.1:1/x', { maxBytes: 10 }))).toBe('ERR_INPUT_UNAVAILABLE');
  });

  it('resolves a URI task, checking the hash and retrying transient failures', async () => {
    const r = new InputResolver({ maxBytes: 1 << 20, retryDelayMs: 10 });
    const task = { inputHash: keccak256(small), referenceBlock: 5 };
    const got = await r.resolve(task, uriRefBytes(`${base}/small`), 1 << 20);
    expect(got.carrier).toBe('uri');
    expect(keccak256(got.bytes)).toBe(task.inputHash);
    hits = 0;
    expect((await r.resolve(task, uriRefBytes(`${base}/flaky`), 1 << 20)).bytes.length).toBe(1000);
    expect(await codeOf(r.resolve({ ...task, inputHash: keccak256(big) }, uriRefBytes(`${base}/small`), 1 << 20))).toBe('ERR_INPUT_HASH_MISMATCH');
    expect(await codeOf(r.resolve(task, uriRefBytes(`${base}/small`), 999))).toBe('ERR_INPUT_TOO_LARGE');
    // the operator's own cap wins over a larger model cap
    expect(await codeOf(new InputResolver({ maxBytes: 999 }).resolve(task, uriRefBytes(`${base}/small`), 1 << 20))).toBe('ERR_INPUT_TOO_LARGE');
    // inline: no fetch
    const inline = new Uint8Array([1, 1, 0, 0, 0]);
    expect((await r.resolve({ inputHash: keccak256(inline), referenceBlock: 1 }, inline, 10)).carrier).toBe('calldata');
  });

  it('resolves a blob task from the blob source at the creation block', async () => {
    const input = randomBytes(150_000);
    const blobs = encodeBlobPayload(input);
    const vhs = blobs.map((_b, i) => `0x01${String(i).padStart(2, '0').repeat(31)}` as Bytes32);
    const asked: number[] = [];
    const source: BlobSource = {
      getBlobs: async (block, hashes) => {
        asked.push(block);
        return hashes.map((h) => blobs[vhs.indexOf(h)]!);
      },
    };
    const r = new InputResolver({ maxBytes: 1 << 20 }, { blobs: source });
    const got = await r.resolve({ inputHash: keccak256(input), referenceBlock: 41 }, blobRefBytes(vhs), 1 << 20);
    expect(got.carrier).toBe('blob');
    expect(asked).toEqual([42]);
    expect(keccak256(got.bytes)).toBe(keccak256(input));
    const e = await new InputResolver({ maxBytes: 1 << 20 }).resolve({ inputHash: keccak256(input), referenceBlock: 41 }, blobRefBytes(vhs), 1 << 20).catch((x: unknown) => x);
    expect(isAioracleError(e, 'ERR_INPUT_UNAVAILABLE') && e.details.carrier).toBe('blob');
  });
});

describe('chooseCarrier', () => {
  it('takes calldata up to 64 KiB, then blobs, then a URI; --uri and --carrier win', async () => {
    const { chooseCarrier } = await import('../../src/input/index.js');
    expect(chooseCarrier(65_536, {})).toBe('calldata');
    expect(chooseCarrier(65_537, {})).toBe('blob');
    expect(chooseCarrier(MAX_BLOB_INPUT_BYTES, {})).toBe('blob');
    expect(code(() => chooseCarrier(MAX_BLOB_INPUT_BYTES + 1, {}))).toBe('ERR_INPUT_CARRIER');
    expect(chooseCarrier(MAX_BLOB_INPUT_BYTES + 1, { uri: 'https://x.test/a' })).toBe('uri');
    expect(chooseCarrier(10, { uri: 'https://x.test/a' })).toBe('uri');
    expect(chooseCarrier(10, { requested: 'blob' })).toBe('blob');
    expect(code(() => chooseCarrier(70_000, { requested: 'calldata' }))).toBe('ERR_INPUT_CARRIER');
    expect(code(() => chooseCarrier(10, { requested: 'uri' }))).toBe('ERR_INPUT_CARRIER');
  });
});
