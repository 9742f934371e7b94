/**
 * Model folders: `<dir>/manifest.json` plus the ONNX file it names (config/models holds the demo
 * ones). Scanning parses every manifest; verifying checks the ONNX file's sha256 against the
 * manifest and, when the ModelRegistry's record is given, the manifest hash, ONNX hash and profile
 * against the chain (model integrity, DESIGN section 5); loading creates a session pinned by the
 * manifest. The operator's model store and the client's `audit --rerun` both use these.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestHash, manifestModelId, ortSessionOptions, parseManifest } from '../manifest/manifest.js';
import type { Manifest } from '../manifest/schema.js';
import type { Profile } from '../protocol/profile.js';
import { RuntimeErrorCode, runtimeError } from './errors.js';
import { createSession, type InferenceSessionLike } from './ort.js';

/** A manifest found on disk. */
export interface LocalModel {
  /** keccak256(name@version), lowercase. */
  modelId: string;
  manifest: Manifest;
  dir: string;
  onnxPath: string;
}

/** A verified model with its session. */
export interface LoadedModel extends LocalModel {
  session: InferenceSessionLike;
}

/** The parts of a ModelRegistry record integrity is checked against (the sdk's ModelInfo fits). */
export interface ModelChainRecord {
  manifestHash: string;
  onnxHash: string;
  profile: Profile;
}

/** sha256 of a file as 0x-hex (lowercase). */
export function sha256File(path: string): string {
  return `0x${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

/** Parses `<dir>/manifest.json`; ERR_MODEL_INVALID when missing or invalid. */
export function readModelDir(dir: string): LocalModel {
  const path = join(dir, 'manifest.json');
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(readFileSync(path, 'utf8')) as unknown);
  } catch (cause) {
    const what = existsSync(path) ? 'is invalid' : 'does not exist';
    throw runtimeError(RuntimeErrorCode.ModelInvalid, `The model manifest ${path} ${what}${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause, details: { path } });
  }
  return { modelId: manifestModelId(manifest).toLowerCase(), manifest, dir, onnxPath: join(dir, manifest.onnx.file) };
}

/** Scans `dir` for `<model>/manifest.json` (or `dir/manifest.json` itself) and parses each. */
export function scanModels(dir: string): LocalModel[] {
  const dirs: string[] = [];
  if (existsSync(join(dir, 'manifest.json'))) dirs.push(dir);
  else if (existsSync(dir)) {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      // Dot folders are pulls in progress (modelPull.ts): never half a model.
      if (e.isDirectory() && !e.name.startsWith('.') && existsSync(join(dir, e.name, 'manifest.json'))) dirs.push(join(dir, e.name));
    }
  }
  return dirs.map(readModelDir);
}

/**
 * Checks the ONNX file against the manifest's sha256 and, when `chain` is given, the manifest hash,
 * the ONNX hash and the profile against the ModelRegistry. Returns the file's sha256. Throws
 * ERR_MODEL_INTEGRITY naming what differs.
 */
export function verifyModel(m: LocalModel, chain?: ModelChainRecord | null): string {
  let fileHash: string;
  try {
    fileHash = sha256File(m.onnxPath);
  } catch (cause) {
    throw runtimeError(RuntimeErrorCode.ModelIntegrity, `Cannot read the ONNX file ${m.onnxPath} of model ${m.modelId}`, { cause, details: { modelId: m.modelId } });
  }
  if (fileHash !== m.manifest.onnx.sha256.toLowerCase()) {
    throw runtimeError(RuntimeErrorCode.ModelIntegrity, `${m.onnxPath} has sha256 ${fileHash}; its manifest says ${m.manifest.onnx.sha256}`, { details: { modelId: m.modelId } });
  }
  if (chain) {
    const mh = manifestHash(m.manifest).toLowerCase();
    if (mh !== chain.manifestHash.toLowerCase()) {
      throw runtimeError(RuntimeErrorCode.ModelIntegrity, `Manifest of ${m.modelId} hashes to ${mh}; the ModelRegistry says ${chain.manifestHash}`, { details: { modelId: m.modelId } });
    }
    if (fileHash !== chain.onnxHash.toLowerCase()) {
      throw runtimeError(RuntimeErrorCode.ModelIntegrity, `ONNX file of ${m.modelId} hashes to ${fileHash}; the ModelRegistry says ${chain.onnxHash}`, { details: { modelId: m.modelId } });
    }
    if (chain.profile !== m.manifest.profile) {
      throw runtimeError(RuntimeErrorCode.ModelIntegrity, `Model ${m.modelId} is registered with profile ${chain.profile}; its manifest says ${m.manifest.profile}`, { details: { modelId: m.modelId } });
    }
  }
  return fileHash;
}

/** Session settings beyond what the manifest pins. */
export interface LoadModelOptions {
  executionProvider?: 'cpu' | 'cuda';
  /** intra-op threads for onnxruntime-node when the manifest does not pin them (default 1). */
  intraOpThreads?: number;
}

/**
 * Verifies `m` ({@link verifyModel}) and creates its onnxruntime session, pinned by the manifest's
 * profile. ERR_MODEL_INTEGRITY, ERR_RUNTIME_MISSING, ERR_RUNTIME_INFERENCE.
 */
export async function loadModel(m: LocalModel, chain?: ModelChainRecord | null, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  verifyModel(m, chain);
  const o = ortSessionOptions(m.manifest);
  let session: InferenceSessionLike;
  try {
    session = await createSession(readFileSync(m.onnxPath), m.manifest, {
      ...o,
      intraOpNumThreads: o.intraOpNumThreads ?? opts.intraOpThreads ?? 1,
      executionProvider: opts.executionProvider ?? 'cpu',
    });
  } catch (err) {
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_RUNTIME_')) throw err;
    throw runtimeError(RuntimeErrorCode.Inference, `onnxruntime could not load ${m.onnxPath}`, { cause: err, details: { modelId: m.modelId } });
  }
  return { ...m, session };
}

/**
 * Reads, verifies and loads the model in folder `dir` (manifest.json + ONNX file).
 * @example const model = await loadModelDir('config/models/liquidation-risk', await reader.getModel(id))
 */
export async function loadModelDir(dir: string, chain?: ModelChainRecord | null, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  return loadModel(readModelDir(dir), chain, opts);
}
