/**
 * Models the operator serves: manifests found in `models.dir` (one folder per model with
 * manifest.json and the ONNX file it names), verified against the ModelRegistry before the first
 * load (model integrity: the manifest must hash to the registered manifestHash, the ONNX file to
 * the registered onnxHash and to the manifest's sha256), then held as an onnxruntime session pinned
 * by the manifest's profile:
 *   exact-int, tolerant → onnxruntime-node (execution provider from config: cpu or cuda);
 *   exact-wasm          → onnxruntime-web's wasm backend, numThreads 1, the manifest's opt level.
 * onnxruntime-node runs `session.run` on its own native thread, so inference stays off the event
 * loop; onnxruntime-web with one thread runs on the calling thread (fine for the small exact-wasm
 * models; see README "Inference threads").
 * The active flag is re-read from the chain at most every `chainCacheMs`, so a model deactivated on
 * chain stops being served.
 */
import {
  isAioracleError,
  loadModel,
  scanModels as sdkScanModels,
  noopLogger,
  type LoadedModel,
  type LocalModel,
  type Logger,
  type ModelInfo,
} from '@aioracle/sdk';
import { OperatorErrorCode, operatorError } from '../errors.js';
import type { Metrics } from '../metrics.js';

export { sha256File, type LoadedModel, type LocalModel } from '@aioracle/sdk';

/** Where the model's on-chain record comes from (the sdk ChainReader fits). */
export interface ModelChainSource {
  getModel(modelId: string): Promise<ModelInfo>;
}

/** Options of {@link ModelStore}. */
export interface ModelStoreOptions {
  dir: string;
  executionProvider?: 'cpu' | 'cuda';
  /** intra-op threads for onnxruntime-node when the manifest does not pin them. */
  intraOpThreads?: number;
  /** How long an on-chain model record is trusted (default 30 s). */
  chainCacheMs?: number;
}

/** Collaborators of {@link ModelStore}. */
export interface ModelStoreDeps {
  /** null: trust local manifests (tests and benches only). */
  chain: ModelChainSource | null;
  metrics?: Metrics | null;
  logger?: Logger;
}

/** Scans `dir` for `<model>/manifest.json` (or `dir/manifest.json`) and parses each; ERR_OPERATOR_MODEL_INTEGRITY for a bad manifest. */
export function scanModels(dir: string): LocalModel[] {
  try {
    return sdkScanModels(dir);
  } catch (err) {
    throw operatorError(OperatorErrorCode.ModelIntegrity, (err as Error).message, { cause: err, details: { dir } });
  }
}

export class ModelStore {
  private readonly local = new Map<string, LocalModel>();
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  private readonly chainInfo = new Map<string, { info: ModelInfo; at: number }>();
  private readonly opts: Required<ModelStoreOptions>;
  private readonly logger: Logger;

  constructor(
    opts: ModelStoreOptions,
    private readonly deps: ModelStoreDeps,
  ) {
    this.opts = { executionProvider: 'cpu', intraOpThreads: 1, chainCacheMs: 30_000, ...opts };
    this.logger = deps.logger ?? noopLogger;
    for (const m of scanModels(opts.dir)) this.local.set(m.modelId, m);
  }

  /** Model ids found on disk. */
  get modelIds(): string[] {
    return [...this.local.keys()];
  }

  /** Adds a model folder (tests, third-party models shipped elsewhere). */
  addModelDir(dir: string): LocalModel {
    const [m] = scanModels(dir);
    if (!m) throw operatorError(OperatorErrorCode.ModelUnknown, `No manifest.json in ${dir}`);
    this.local.set(m.modelId, m);
    return m;
  }

  /**
   * The loaded model for `modelId`, verified against the chain (active flag re-checked every
   * chainCacheMs). Throws ERR_OPERATOR_MODEL_UNKNOWN / _INACTIVE / _INTEGRITY, ERR_OPERATOR_INFERENCE.
   */
  async get(modelId: string): Promise<LoadedModel> {
    const id = modelId.toLowerCase();
    const local = this.local.get(id);
    if (!local) throw operatorError(OperatorErrorCode.ModelUnknown, `Model ${id} is not in ${this.opts.dir}; run "aioracle-operator models pull ${id}" (or turn on models.auto_pull) to serve it`, { details: { modelId: id } });
    if (this.deps.chain) {
      const info = await this.chainModel(id);
      if (!info.active) throw operatorError(OperatorErrorCode.ModelInactive, `Model ${id} is not active in the ModelRegistry`, { details: { modelId: id } });
    }
    let p = this.loaded.get(id);
    if (!p) {
      p = this.load(local);
      this.loaded.set(id, p);
      p.catch(() => this.loaded.delete(id));
    }
    return p;
  }

  private async chainModel(id: string): Promise<ModelInfo> {
    const c = this.chainInfo.get(id);
    if (c && Date.now() - c.at < this.opts.chainCacheMs) return c.info;
    let info: ModelInfo;
    try {
      info = await this.deps.chain!.getModel(id);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_CHAIN_MODEL_UNKNOWN') {
        throw operatorError(OperatorErrorCode.ModelUnknown, `Model ${id} is not registered in the ModelRegistry`, { cause: err, details: { modelId: id } });
      }
      throw err;
    }
    this.chainInfo.set(id, { info, at: Date.now() });
    return info;
  }

  private async load(m: LocalModel): Promise<LoadedModel> {
    const started = performance.now();
    const mismatch = (v: 0 | 1): void => this.deps.metrics?.modelMismatch.set({ model: `${m.manifest.name}@${m.manifest.version}` }, v);
    try {
      const chain = this.deps.chain ? await this.chainModel(m.modelId) : null;
      let loaded: LoadedModel;
      try {
        loaded = await loadModel(m, chain, { executionProvider: this.opts.executionProvider, intraOpThreads: this.opts.intraOpThreads });
      } catch (err) {
        if (isAioracleError(err, 'ERR_MODEL_INTEGRITY')) throw operatorError(OperatorErrorCode.ModelIntegrity, err.message, { cause: err, details: { modelId: m.modelId } });
        if (isAioracleError(err)) throw operatorError(OperatorErrorCode.Inference, err.message, { cause: err, details: { modelId: m.modelId } });
        throw err;
      }
      mismatch(0);
      this.deps.metrics?.modelLoads.inc({ outcome: 'ok' });
      this.deps.metrics?.modelLoadDuration.observe((performance.now() - started) / 1000);
      this.logger.info({ modelId: m.modelId, model: `${m.manifest.name}@${m.manifest.version}`, profile: m.manifest.profile, engine: m.manifest.runtime.engine }, 'model loaded');
      return loaded;
    } catch (err) {
      this.deps.metrics?.modelLoads.inc({ outcome: 'error' });
      if ((err as { code?: string }).code === OperatorErrorCode.ModelIntegrity) mismatch(1);
      if (err instanceof Error && 'code' in err) throw err;
      throw operatorError(OperatorErrorCode.Inference, `onnxruntime could not load ${m.onnxPath}`, { cause: err, details: { modelId: m.modelId } });
    }
  }

  /** Takes a record just read from the chain (the ModelWatcher's poll) as the cached one. */
  noteChainRecord(info: ModelInfo): void {
    this.chainInfo.set(info.modelId.toLowerCase(), { info, at: Date.now() });
  }

  /** Whether `modelId` is in the models directory (found at start or added since). */
  has(modelId: string): boolean {
    return this.local.has(modelId.toLowerCase());
  }

  /**
   * Stops serving `modelId` (deactivated on chain): releases its session; the files stay. A later get()
   * loads it again (and checks the chain again).
   */
  async drop(modelId: string): Promise<boolean> {
    const id = modelId.toLowerCase();
    const p = this.loaded.get(id);
    this.loaded.delete(id);
    this.chainInfo.delete(id);
    const m = p ? await p.catch(() => null) : null;
    await m?.session.release?.();
    return m !== null;
  }

  /** Releases every session. */
  async close(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) {
      const m = await p.catch(() => null);
      await m?.session.release?.();
    }
  }
}
