/**
 * onnxruntime, pinned by profile: onnxruntime-node for exact-int and tolerant models; the wasm
 * backend of onnxruntime-web (one thread, no proxy worker) for exact-wasm (DESIGN section 5). Both
 * are optional peer dependencies of the sdk and are imported lazily, on the first model that needs
 * one; a missing package is ERR_RUNTIME_MISSING naming what to install.
 */
import type { Manifest } from '../manifest/schema.js';
import { RuntimeErrorCode, runtimeError } from './errors.js';

/** The session surface the sdk uses (both runtimes fit). */
export interface InferenceSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: ArrayLike<number | bigint>; dims: readonly number[]; type: string }>>;
  release?(): Promise<void>;
}

/** A tensor constructor (both runtimes' `Tensor`). */
export type TensorCtor = new (type: string, data: unknown, dims: readonly number[]) => unknown;

/** Options of {@link createSession}. */
export interface CreateSessionOptions {
  graphOptimizationLevel: string;
  executionMode: 'sequential';
  intraOpNumThreads?: number | undefined;
  extra?: Record<string, unknown> | undefined;
  executionProvider: 'cpu' | 'cuda';
}

/** The part of an onnxruntime module the sdk uses. */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<InferenceSessionLike> };
  Tensor: TensorCtor;
  env: { wasm: { numThreads?: number; proxy?: boolean; simd?: boolean } };
}

/** The engines a manifest can name, as npm package names. */
export type OrtEngine = Manifest['runtime']['engine'];

let webModule: Promise<OrtModule> | undefined;
let nodeModule: Promise<OrtModule> | undefined;

function missing(engine: OrtEngine, cause: unknown): never {
  throw runtimeError(
    RuntimeErrorCode.Missing,
    `${engine} is not installed: \`npm install ${engine}@1.30.0\` (the sdk needs it to run ${engine === 'onnxruntime-web' ? 'exact-wasm' : 'exact-int and tolerant'} models)`,
    { cause, details: { engine } },
  );
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function load(engine: OrtEngine): Promise<OrtModule> {
  try {
    return (await import(engine)) as OrtModule;
  } catch (err) {
    if (isNotFound(err)) missing(engine, err);
    throw runtimeError(RuntimeErrorCode.Inference, `${engine} failed to load`, { cause: err, details: { engine } });
  }
}

/** onnxruntime-node (loaded once). */
export function ortNode(): Promise<OrtModule> {
  if (!nodeModule) {
    nodeModule = load('onnxruntime-node');
    nodeModule.catch(() => (nodeModule = undefined));
  }
  return nodeModule;
}

/** onnxruntime-web's wasm backend with one thread and no proxy worker (loaded once). */
export function ortWeb(): Promise<OrtModule> {
  if (!webModule) {
    webModule = load('onnxruntime-web').then((m) => {
      m.env.wasm.numThreads = 1;
      m.env.wasm.proxy = false;
      return m;
    });
    webModule.catch(() => (webModule = undefined));
  }
  return webModule;
}

/** The runtime module a manifest's engine names. */
export function runtimeFor(manifest: Manifest): Promise<OrtModule> {
  return manifest.runtime.engine === 'onnxruntime-web' ? ortWeb() : ortNode();
}

/**
 * Creates a session for `model` pinned by `manifest` (options from `ortSessionOptions(manifest)`
 * plus the execution provider; exact-wasm always runs on the wasm backend).
 */
export async function createSession(model: Uint8Array, manifest: Manifest, o: CreateSessionOptions): Promise<InferenceSessionLike> {
  const ort = await runtimeFor(manifest);
  const options: Record<string, unknown> = { graphOptimizationLevel: o.graphOptimizationLevel, executionMode: o.executionMode };
  if (o.extra) options.extra = o.extra;
  if (manifest.runtime.engine === 'onnxruntime-web') {
    options.executionProviders = ['wasm'];
  } else {
    options.executionProviders = o.executionProvider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
    if (o.intraOpNumThreads !== undefined) options.intraOpNumThreads = o.intraOpNumThreads;
    options.interOpNumThreads = 1;
  }
  return ort.InferenceSession.create(model, options);
}
