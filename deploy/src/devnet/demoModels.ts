/**
 * The demo models of `config/models` as the devnet uses them: manifest, ONNX file, sample input
 * rows, and a generator of slightly varied inputs that stay valid for the manifest (int8 features
 * nudged by ±1 and clamped; float32 features scaled by up to ±2%), encoded with the sdk codec.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AioracleError, encodeInput, manifestModelId, parseManifest, type Manifest } from '@aioracle/sdk';

/** One demo model. */
export interface DemoModel {
  name: string;
  modelId: string;
  manifest: Manifest;
  manifestFile: string;
  onnxFile: string;
  /** Sample rows of the single input tensor (from sample-input.json). */
  sampleRows: number[][];
  /** The sample's canonical input bytes (all rows as one batch). */
  sampleInput: Uint8Array;
  /** Expected canonical output bytes of `sampleInput`, when the sample file states them (exact-int). */
  sampleOutput: string | null;
}

/** The monorepo root (the folder whose package.json declares workspaces), found from this file. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined) return dir;
    const up = dirname(dir);
    if (up === dir) throw new AioracleError('ERR_DEVNET_CONFIG', 'Cannot find the repository root (a package.json with workspaces) above the deploy package');
    dir = up;
  }
}

/** `config/models` of the repository. */
export function modelsDir(): string {
  return join(repoRoot(), 'config', 'models');
}

interface IndexEntry {
  name: string;
  manifest: string;
  modelId: string;
}

interface SampleFile {
  inputs: Record<string, number[][]>;
  inputBytes: string;
  expected?: { outputBytes?: string };
}

/** Reads the models listed in `config/models/index.json`. */
export function loadDemoModels(dir = modelsDir()): DemoModel[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as IndexEntry[];
  return index.map((e) => {
    const manifestFile = join(dir, e.manifest);
    const manifest = parseManifest(JSON.parse(readFileSync(manifestFile, 'utf8')));
    const folder = dirname(manifestFile);
    const sample = JSON.parse(readFileSync(join(folder, 'sample-input.json'), 'utf8')) as SampleFile;
    const first = manifest.inputs[0];
    if (manifest.inputs.length !== 1 || first === undefined) throw new AioracleError('ERR_DEVNET_CONFIG', `Demo model ${e.name} must have exactly one input tensor`);
    const rows = sample.inputs[first.name];
    if (!rows || rows.length === 0) throw new AioracleError('ERR_DEVNET_CONFIG', `${folder}/sample-input.json has no rows for input "${first.name}"`);
    return {
      name: e.name,
      modelId: e.modelId.toLowerCase(),
      manifest,
      manifestFile,
      onnxFile: join(folder, manifest.onnx.file),
      sampleRows: rows,
      sampleInput: Buffer.from(sample.inputBytes.replace(/^0x/, ''), 'hex'),
      sampleOutput: sample.expected?.outputBytes ?? null,
    };
  });
}

/** A demo model whose sample input is too large for calldata: requests for it go by reference. */
export interface ReferenceModel {
  name: string;
  modelId: string;
  manifest: Manifest;
  manifestFile: string;
  onnxFile: string;
  /** The sample's canonical input bytes (from the file sample-input.json names). */
  sampleInput: Uint8Array;
  sampleOutput: string | null;
}

/**
 * The model folders of `dir` not listed in index.json whose sample-input.json names an `inputBytesFile`
 * (config/models/text-direction: a third-party model with inputs over the calldata cap).
 */
export function loadReferenceModels(dir = modelsDir()): ReferenceModel[] {
  const listed = new Set((JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as IndexEntry[]).map((e) => dirname(e.manifest)));
  const out: ReferenceModel[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.isDirectory() || listed.has(e.name) || !existsSync(join(dir, e.name, 'sample-input.json'))) continue;
    const folder = join(dir, e.name);
    const sample = JSON.parse(readFileSync(join(folder, 'sample-input.json'), 'utf8')) as { inputBytesFile?: string; expected?: { outputBytes?: string } };
    if (!sample.inputBytesFile) continue;
    const manifestFile = join(folder, 'manifest.json');
    const manifest = parseManifest(JSON.parse(readFileSync(manifestFile, 'utf8')));
    out.push({
      name: manifest.name,
      modelId: manifestModelId(manifest).toLowerCase(),
      manifest,
      manifestFile,
      onnxFile: join(folder, manifest.onnx.file),
      sampleInput: new Uint8Array(readFileSync(join(folder, sample.inputBytesFile))),
      sampleOutput: sample.expected?.outputBytes ?? null,
    });
  }
  return out;
}

/** Encodes one row of the model's single input as a batch of one. */
export function encodeRow(model: DemoModel, row: number[]): Uint8Array {
  const name = model.manifest.inputs[0]!.name;
  return encodeInput(model.manifest, { [name]: [row] });
}

/**
 * A sample row with a little noise that keeps it valid: integer dtypes get ±1 on some elements,
 * clamped to the dtype's range; float dtypes are scaled by a factor in [0.98, 1.02].
 */
export function variedInput(model: DemoModel, random: () => number = Math.random): Uint8Array {
  const row = model.sampleRows[Math.floor(random() * model.sampleRows.length)] ?? model.sampleRows[0]!;
  const dtype = model.manifest.inputs[0]!.dtype;
  const range: Record<string, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-2147483648, 2147483647], uint32: [0, 4294967295] };
  const r = range[dtype];
  const varied = row.map((v) => {
    if (r !== undefined) {
      const step = Math.floor(random() * 3) - 1;
      return Math.min(r[1], Math.max(r[0], v + step));
    }
    return v * (0.98 + 0.04 * random());
  });
  return encodeRow(model, varied);
}
