/**
 * Model distribution (docs/manifest.md "Distribution"): fetches a registered model from the URI in
 * its ModelRegistry record, verifies it against that record, and installs it in a models directory.
 *   - The on-chain `uri` names the ONNX file: https://, http://, ipfs://CID/path (through a gateway) or
 *     file:///path. The manifest is `manifest.json` beside it (the same URI with the last path segment
 *     replaced).
 *   - The manifest must hash (canonical JSON, keccak256) to the record's manifestHash and its
 *     name@version to the modelId; the ONNX file must hash (sha256) to the record's onnxHash (= the
 *     manifest's onnx.sha256). Both fetches are cut off at their caps while streaming.
 *   - Install is atomic: both files go into a temporary folder inside the models directory, are fsynced,
 *     and the folder is renamed to `<name>@<version>`; a reader never sees half a model. A folder that is
 *     already there and verifies is kept (pulling twice is a no-op); one that does not is swapped out
 *     whole (renamed aside, the new one renamed in, then the old one removed: installModelDir).
 * Nothing fetched is trusted until its hash matches the chain: a gateway or web server can withhold a
 * model but not change it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AioracleError } from '../errors.js';
import { fetchUriBytes } from '../input/fetchUri.js';
import { manifestHash, manifestModelId, parseManifest } from '../manifest/manifest.js';
import type { Manifest } from '../manifest/schema.js';
import { RuntimeErrorCode, runtimeError } from './errors.js';
import { readModelDir, verifyModel, type LocalModel } from './modelFolder.js';

/** Error code: the model's URI cannot be fetched, is not allowed, or is over the size cap. */
export const ERR_MODEL_FETCH = 'ERR_MODEL_FETCH';

/** Largest manifest.json fetched. */
const MAX_MANIFEST_BYTES = 256 * 1024;

/** The on-chain record a pull verifies against. */
export interface ModelRecord {
  modelId: string;
  manifestHash: string;
  onnxHash: string;
  uri: string;
}

/** Options of {@link pullModel}. */
export interface PullModelOptions {
  /** The models directory to install into. */
  dir: string;
  /** Largest ONNX file accepted, in bytes. */
  maxBytes: number;
  /** HTTP gateway for ipfs:// URIs. */
  ipfsGateway?: string | undefined;
  /** When given, the URI must start with one of these prefixes (e.g. "https://models.example.org/", "ipfs://"). */
  allow?: readonly string[] | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** What a pull did. */
export interface PullResult {
  modelId: string;
  model: string;
  dir: string;
  /** false: a verified copy was already installed. */
  installed: boolean;
  onnxBytes: number;
}

/** The manifest's URI for a model URI (the ONNX file's): `manifest.json` in the same folder. */
export function manifestUriOf(uri: string): string {
  const i = uri.lastIndexOf('/');
  if (i < 0 || /^[a-z]+:\/\/[^/]*$/i.test(uri)) throw fetchError(`Model URI ${uri} names no file (expected …/model.onnx)`);
  return `${uri.slice(0, i + 1)}manifest.json`;
}

/** Whether `uri` is allowed by `allow` (no list = any https/http/ipfs/file URI). */
export function modelUriAllowed(uri: string, allow: readonly string[] | undefined): boolean {
  if (!/^(https?|ipfs|file):\/\//i.test(uri)) return false;
  return allow === undefined || allow.length === 0 || allow.some((p) => uri.startsWith(p));
}

/**
 * Pulls `record`'s model into `opts.dir` and returns where it is. Throws ERR_MODEL_FETCH (cannot fetch,
 * not allowed, too large) or ERR_MODEL_INTEGRITY (a hash does not match the chain), and then installs
 * nothing.
 * @example await pullModel(await reader.getModel(id), { dir: 'models', maxBytes: 512 << 20 })
 */
export async function pullModel(record: ModelRecord, opts: PullModelOptions): Promise<PullResult> {
  const id = record.modelId.toLowerCase();
  if (!modelUriAllowed(record.uri, opts.allow)) {
    throw fetchError(`Model ${id} URI ${safeUri(record.uri)} is not allowed (schemes https, http, ipfs, file${opts.allow?.length ? `; allow-list ${opts.allow.join(', ')}` : ''})`, { modelId: id });
  }
  const manifestBytes = await fetchModelBytes(manifestUriOf(record.uri), MAX_MANIFEST_BYTES, opts);
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(Buffer.from(manifestBytes).toString('utf8')));
  } catch (cause) {
    throw runtimeError(RuntimeErrorCode.ModelIntegrity, `The manifest fetched for model ${id} does not parse`, { cause, details: { modelId: id } });
  }
  const mh = manifestHash(manifest).toLowerCase();
  if (mh !== record.manifestHash.toLowerCase()) throw runtimeError(RuntimeErrorCode.ModelIntegrity, `The manifest fetched for model ${id} hashes to ${mh}; the ModelRegistry says ${record.manifestHash}`, { details: { modelId: id } });
  if (manifestModelId(manifest).toLowerCase() !== id) throw runtimeError(RuntimeErrorCode.ModelIntegrity, `Model ${id} is not keccak256("${manifest.name}@${manifest.version}") (the id convention operators serve by)`, { details: { modelId: id } });
  if (manifest.onnx.sha256.toLowerCase() !== record.onnxHash.toLowerCase()) throw runtimeError(RuntimeErrorCode.ModelIntegrity, `The manifest of ${id} names ONNX sha256 ${manifest.onnx.sha256}; the ModelRegistry says ${record.onnxHash}`, { details: { modelId: id } });

  const target = join(opts.dir, `${manifest.name}@${manifest.version}`);
  const existing = verifiedCopy(target, record);
  if (existing) return { modelId: id, model: `${manifest.name}@${manifest.version}`, dir: target, installed: false, onnxBytes: statSync(existing.onnxPath).size };

  const onnx = await fetchModelBytes(record.uri, opts.maxBytes, opts);
  const sha = `0x${createHash('sha256').update(onnx).digest('hex')}`;
  if (sha !== record.onnxHash.toLowerCase()) throw runtimeError(RuntimeErrorCode.ModelIntegrity, `The ONNX file fetched for model ${id} (${onnx.length} bytes) hashes to ${sha}; the ModelRegistry says ${record.onnxHash}`, { details: { modelId: id } });

  mkdirSync(opts.dir, { recursive: true });
  const tmp = join(opts.dir, `.pull-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(tmp);
    writeDurable(join(tmp, 'manifest.json'), manifestBytes);
    const onnxPath = join(tmp, manifest.onnx.file);
    mkdirSync(dirname(onnxPath), { recursive: true });
    writeDurable(onnxPath, onnx);
    installModelDir(tmp, target);
    fsyncDir(opts.dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { modelId: id, model: `${manifest.name}@${manifest.version}`, dir: target, installed: true, onnxBytes: onnx.length };
}

/** The filesystem calls {@link installModelDir} makes (tests pass wrappers to look at every step). */
export interface InstallFs {
  existsSync(path: string): boolean;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { recursive: true; force: true }): void;
}

const NODE_FS: InstallFs = { existsSync, renameSync, rmSync };

/**
 * Moves the complete folder `tmp` to `target` (both in one directory). A folder already at `target` (a
 * copy that did not verify) is first renamed aside whole to a `.trash-*` name and removed only once the
 * new one is in place, so `target` is never a partly deleted or partly written model: a reader sees the
 * old copy, then for the instant between two renames nothing, then the new copy. (POSIX rename cannot
 * replace a non-empty folder, and Node has no renameat2(RENAME_EXCHANGE).) If moving the new copy in
 * fails, the old one is put back. A crash between the two renames leaves no model at `target` (the next
 * pull installs it) and a dot folder that model scans skip.
 */
export function installModelDir(tmp: string, target: string, fs: InstallFs = NODE_FS): void {
  let trash: string | null = null;
  if (fs.existsSync(target)) {
    trash = join(dirname(target), `.trash-${randomBytes(6).toString('hex')}`);
    fs.renameSync(target, trash);
  }
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    if (trash !== null) {
      try {
        fs.renameSync(trash, target);
      } catch {
        fs.rmSync(trash, { recursive: true, force: true }); // another pull installed meanwhile; ours did not verify anyway
      }
    }
    throw err;
  }
  if (trash === null) return;
  try {
    fs.rmSync(trash, { recursive: true, force: true });
  } catch {
    // the new copy is in place; a leftover dot folder is skipped by scans
  }
}

/** The installed copy at `dir` when it verifies against `record`, else null. */
function verifiedCopy(dir: string, record: ModelRecord): LocalModel | null {
  if (!existsSync(join(dir, 'manifest.json'))) return null;
  try {
    const m = readModelDir(dir);
    verifyModel(m, { manifestHash: record.manifestHash, onnxHash: record.onnxHash, profile: m.manifest.profile });
    return m;
  } catch {
    return null;
  }
}

/** GETs a model URI: file:// from disk, the rest like inputs (streamed, cut at `maxBytes`). */
export async function fetchModelBytes(uri: string, maxBytes: number, opts: Pick<PullModelOptions, 'ipfsGateway' | 'timeoutMs' | 'fetch'>): Promise<Uint8Array> {
  if (uri.startsWith('file://')) {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch (cause) {
      throw fetchError(`Model URI ${safeUri(uri)} is not a valid file:// URL`, {}, cause);
    }
    let size: number;
    try {
      size = statSync(path).size;
    } catch (cause) {
      throw fetchError(`Model file ${path} cannot be read`, {}, cause);
    }
    if (size > maxBytes) throw fetchError(`Model file ${path} is ${size} bytes; the cap is ${maxBytes}`, { bytes: size, cap: maxBytes });
    return readFileSync(path);
  }
  try {
    return await fetchUriBytes(uri, { maxBytes, ipfsGateway: opts.ipfsGateway, timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  } catch (err) {
    if (err instanceof AioracleError) throw fetchError(err.message, err.details, err);
    throw err;
  }
}

function writeDurable(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported on every platform; the rename itself is atomic
  }
}

function fetchError(message: string, details: Record<string, unknown> = {}, cause?: unknown): AioracleError {
  return new AioracleError(ERR_MODEL_FETCH, message, { details, ...(cause === undefined ? {} : { cause }) });
}

/** A URI without its query (which may hold a token). */
function safeUri(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : `${uri.slice(0, q)}?…`;
}
