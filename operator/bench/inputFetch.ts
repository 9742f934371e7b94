/**
 * Input-by-reference cost on an operator (docs/protocol.md "Inputs by reference"): fetch + verify
 * (keccak256 against inputHash) + decode (canonical decoding into the typed array onnxruntime takes),
 * for a ~100 KiB and a ~1 MiB float32 input, through the same sdk InputResolver and decodeInput the
 * operator runs. URI: a local HTTP server (loopback: the network itself is not measured). Blob: the blob
 * payload of the same 100 KiB input from an in-memory blob source (the beacon API round trip is not
 * measured; it is one HTTP GET of 128 KiB per blob). Medians of RUNS runs after a warm-up.
 */
import { InputResolver, blobRefBytes, decodeInput, encodeBlobPayload, encodeInput, parseManifest, serveHttp, uriRefBytes, type Bytes32, type Manifest } from '@aioracle/sdk';
import { keccak256 } from 'ethers';

const RUNS = Number(process.env.BENCH_INPUT_RUNS ?? 30);

function manifestFor(elements: number): Manifest {
  return parseManifest({
    name: `bench-f32-${elements}`,
    version: '1',
    onnx: { file: 'model.onnx', sha256: `0x${'00'.repeat(32)}` },
    runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 },
    inputs: [{ name: 'x', dtype: 'float32', shape: [elements] }],
    outputs: [{ name: 'y', dtype: 'int32', shape: [1], encoding: 'raw' }],
    profile: 'exact-wasm',
    tolerance: 0,
    fee: '0',
    maxBatch: 1,
    maxInputBytes: 2 * 1024 * 1024,
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Median milliseconds of fetch+verify and of decode, per case. */
export async function benchInputFetch(): Promise<Record<string, { bytes: number; fetchVerifyMs: number; decodeMs: number; totalMs: number }>> {
  const cases = [
    { label: 'uri_100KiB', elements: 25_599, carrier: 'uri' as const },
    { label: 'uri_1MiB', elements: 262_143, carrier: 'uri' as const },
    { label: 'blob_100KiB', elements: 25_599, carrier: 'blob' as const },
  ];
  const files = new Map<string, Uint8Array>();
  const server = await serveHttp((req, res) => {
    const body = files.get(req.url ?? '');
    if (!body) {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader('content-length', body.length);
    res.end(Buffer.from(body.buffer, body.byteOffset, body.length));
  });
  const base = server.url;
  const out: Record<string, { bytes: number; fetchVerifyMs: number; decodeMs: number; totalMs: number }> = {};
  try {
    for (const c of cases) {
      const m = manifestFor(c.elements);
      const input = encodeInput(m, { x: Array.from({ length: c.elements }, (_, i) => Math.sin(i) * 100) });
      const task = { inputHash: keccak256(input), referenceBlock: 1 };
      let ref: Uint8Array;
      let resolver: InputResolver;
      if (c.carrier === 'uri') {
        files.set(`/${c.label}`, input);
        ref = uriRefBytes(`${base}/${c.label}`);
        resolver = new InputResolver({ maxBytes: 16 * 1024 * 1024 });
      } else {
        const blobs = encodeBlobPayload(input);
        const hashes = blobs.map((_b, i) => `0x01${String(i).padStart(62, '0')}` as Bytes32);
        ref = blobRefBytes(hashes);
        resolver = new InputResolver({ maxBytes: 16 * 1024 * 1024 }, { blobs: { getBlobs: async () => blobs } });
      }
      const fetchVerify: number[] = [];
      const decode: number[] = [];
      for (let i = 0; i < RUNS + 3; i++) {
        const t0 = performance.now();
        const got = await resolver.resolve(task, ref, m.maxInputBytes!);
        const t1 = performance.now();
        decodeInput(m, got.bytes);
        const t2 = performance.now();
        if (i >= 3) {
          fetchVerify.push(t1 - t0);
          decode.push(t2 - t1);
        }
      }
      const fv = median(fetchVerify);
      const de = median(decode);
      out[c.label] = { bytes: input.length, fetchVerifyMs: Math.round(fv * 100) / 100, decodeMs: Math.round(de * 100) / 100, totalMs: Math.round((fv + de) * 100) / 100 };
    }
  } finally {
    await server.close();
  }
  return out;
}
