/**
 * onnxruntime, pinned by profile. onnxruntime-node for exact-int and tolerant models; the wasm
 * backend of onnxruntime-web (one thread, no proxy worker) for exact-wasm. onnxruntime-web is
 * imported lazily: it is only needed when an exact-wasm model is served.
 */
import type { Manifest } from '@aioracle/sdk';

/** The session surface the operator uses (both runtimes fit). */
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

interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<InferenceSessionLike> };
  Tensor: TensorCtor;
  env: { wasm: { numThreads?: number; proxy?: boolean; simd?: boolean } };
}

let webModule: Promise<OrtModule> | undefined;
let nodeModule: Promise<OrtModule> | undefined;

/** onnxruntime-node (loaded once). */
export function ortNode(): Promise<OrtModule> {
  nodeModule ??= import('onnxruntime-node') as unknown as Promise<OrtModule>;
  return nodeModule;
}

/** onnxruntime-web's wasm backend with one thread and no proxy worker (loaded once). */
export function ortWeb(): Promise<OrtModule> {
  webModule ??= (import('onnxruntime-web') as unknown as Promise<OrtModule>).then((m) => {
    m.env.wasm.numThreads = 1;
    m.env.wasm.proxy = false;
    return m;
  });
  return webModule;
}

/** The runtime module a manifest's engine names. */
export function runtimeFor(manifest: Manifest): Promise<OrtModule> {
  return manifest.runtime.engine === 'onnxruntime-web' ? ortWeb() : ortNode();
}

/** Creates a session for `model` pinned by `manifest`. */
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
