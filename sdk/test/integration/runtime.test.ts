/**
 * @jest-environment ../jest.typedArraysEnvironment.mjs
 */
/**
 * The profile-pinned runtime on the demo models, in-process (onnxruntime-node for exact-int,
 * onnxruntime-web wasm for exact-wasm): sample inputs give the committed outputs, and model folders
 * that do not hash to their manifest or to the chain's record are refused before any session.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { getBytes, hexlify } from 'ethers';
import { decodeOutput, loadModelDir, manifestHash, readModelDir, runInference, scanModels, verifyModel, type LoadedModel } from '../../src/index.js';

const MODELS = resolve(process.cwd(), '..', 'config', 'models');
const loaded: LoadedModel[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'aioracle-runtime-'));
afterAll(async () => {
  for (const m of loaded) await m.session.release?.();
  rmSync(tmp, { recursive: true, force: true });
});

describe('runInference on the demo models', () => {
  test('scanModels finds both, sorted by folder', () => {
    expect(scanModels(MODELS).map((m) => m.manifest.name)).toEqual(['liquidation-risk', 'liquidation-risk-f32', 'text-direction']);
  });

  test('exact-int (onnxruntime-node): the sample input gives the committed output bytes', async () => {
    const m = await loadModelDir(join(MODELS, 'liquidation-risk'));
    loaded.push(m);
    const sample = (await import(join(MODELS, 'liquidation-risk', 'sample-input.json'), { with: { type: 'json' } })).default as { inputBytes: string; expected: { outputBytes: string } };
    expect(hexlify(await runInference(m, getBytes(sample.inputBytes)))).toBe(sample.expected.outputBytes);
  });

  test('exact-wasm (onnxruntime-web): the sample input ranks the three positions low/medium/high', async () => {
    const local = readModelDir(join(MODELS, 'liquidation-risk-f32'));
    const m = await loadModelDir(local.dir, { manifestHash: manifestHash(local.manifest), onnxHash: local.manifest.onnx.sha256, profile: 'exact-wasm' });
    loaded.push(m);
    const sample = (await import(join(local.dir, 'sample-input.json'), { with: { type: 'json' } })).default as { inputBytes: string };
    const out = await runInference(m, getBytes(sample.inputBytes));
    const probs = decodeOutput(m.manifest, out).byName.probs!.values!;
    const argmax = [0, 1, 2].map((r) => [0, 1, 2].reduce((best, j) => (probs[r * 3 + j]! > probs[r * 3 + best]! ? j : best), 0));
    expect(argmax).toEqual([0, 1, 2]);
    expect(hexlify(await runInference(m, getBytes(sample.inputBytes)))).toBe(hexlify(out));
  });
});

describe('model integrity', () => {
  test('an ONNX file that does not match its manifest → ERR_MODEL_INTEGRITY', () => {
    const dir = join(tmp, 'tampered');
    cpSync(join(MODELS, 'liquidation-risk'), dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), 'not the model');
    expect(() => verifyModel(readModelDir(dir))).toThrow(expect.objectContaining({ code: 'ERR_MODEL_INTEGRITY' }) as unknown as Error);
  });

  test.each([
    ['manifestHash', { manifestHash: `0x${'00'.repeat(32)}` }],
    ['onnxHash', { onnxHash: `0x${'00'.repeat(32)}` }],
    ['profile', { profile: 'tolerant' as const }],
  ])('a chain record with another %s → ERR_MODEL_INTEGRITY', (_name, patch) => {
    const m = readModelDir(join(MODELS, 'liquidation-risk'));
    const chain = { manifestHash: manifestHash(m.manifest), onnxHash: m.manifest.onnx.sha256, profile: m.manifest.profile, ...patch };
    expect(() => verifyModel(m, chain)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_INTEGRITY' }) as unknown as Error);
  });

  test('a folder without a manifest → ERR_MODEL_INVALID', () => {
    expect(() => readModelDir(tmp)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_INVALID' }) as unknown as Error);
  });
});
