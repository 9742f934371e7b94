/**
 * Runs one ONNX model on onnxruntime-node under several session option sets and prints, per set,
 * the raw bytes of every output (base64) as one JSON line on stdout. Reads its request as JSON
 * from stdin.
 *
 * Why a separate process: under jest's ESM sandbox, onnxruntime-node's native binding returns typed
 * arrays from Node's main realm while onnxruntime-common checks them against the sandbox's
 * constructors, so `session.run` throws ("tensor's data must be type of Int32Array"). The model
 * tests therefore drive onnxruntime-node through this script (and it is a handy audit tool).
 *
 * Request: { model: path, runs: { options: SessionOptions, batches: { name: { type, dims, base64 } }[] }[] }
 * Reply:   { results: [run][batch] → { outputName: base64 } }
 * Usage:   echo '<request>' | node --conditions=source --import tsx scripts/lib/ortNodeRunner.ts
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

/** One input tensor in a request. */
export interface RunnerTensor {
  type: 'int8' | 'int32' | 'float32';
  dims: number[];
  base64: string;
}

/** The request read from stdin. */
export interface RunnerRequest {
  /** Path of the ONNX file. */
  model: string;
  /** One session per run, created with its options, fed each of its batches in order. */
  runs: { options: ort.InferenceSession.SessionOptions; batches: Record<string, RunnerTensor>[] }[];
}

/** The reply: per run, per batch, output name → base64 of the output's bytes. */
export interface RunnerReply {
  results: Record<string, string>[][];
}

const CTORS = { int8: Int8Array, int32: Int32Array, float32: Float32Array } as const;

function toTensor(t: RunnerTensor): ort.Tensor {
  const buf = Buffer.from(t.base64, 'base64');
  const Ctor = CTORS[t.type];
  const copy = new Uint8Array(buf); // aligned copy
  return new ort.Tensor(t.type, new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT), t.dims);
}

async function main(): Promise<void> {
  const req = JSON.parse(readFileSync(0, 'utf8')) as RunnerRequest;
  const model = readFileSync(req.model);
  const results: Record<string, string>[][] = [];
  for (const run of req.runs) {
    const session = await ort.InferenceSession.create(model, run.options);
    const perBatch: Record<string, string>[] = [];
    for (const batch of run.batches) {
      const feeds = Object.fromEntries(Object.entries(batch).map(([name, t]) => [name, toTensor(t)]));
      const out = await session.run(feeds);
      const entry: Record<string, string> = {};
      for (const [name, tensor] of Object.entries(out)) {
        const data = tensor.data as ArrayBufferView;
        entry[name] = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
      }
      perBatch.push(entry);
    }
    results.push(perBatch);
    await session.release();
  }
  process.stdout.write(`${JSON.stringify({ results } satisfies RunnerReply)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
