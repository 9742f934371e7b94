/**
 * Keeps the served models in step with the ModelRegistry while the node runs (docs/manifest.md
 * "Distribution"). Every poll it lists the registry's models and, for each:
 *   - deactivated: the session is released (ModelStore.drop); tasks for it are refused as before;
 *   - active and installed: nothing;
 *   - active and missing: with `models.auto_pull` on and the URI allowed, it is pulled (sdk pullModel:
 *     hashes checked against the chain, atomic install) and served from then on, no restart; otherwise it
 *     is reported missing: the `models` service of /eigen/node/health is Down (206, partially healthy) and
 *     names it, and aioracle_operator_models_missing counts it.
 * A pull that fails (unreachable, over the cap, hash mismatch) is retried with an exponential backoff per
 * model and chain record (first after `pullBackoff.initialMs`, doubling, at most `pullBackoff.maxMs`), so
 * a file that never verifies is not downloaded again at every poll; the model stays reported missing
 * meanwhile. A change of the model's record on chain (hashes, URI, deactivation) starts it afresh.
 */
import { isAioracleError, modelUriAllowed, noopLogger, pullModel, type Logger, type ModelInfo } from '@aioracle/sdk';
import type { HealthTracker } from '../api/health.js';
import type { Metrics } from '../metrics.js';
import type { ModelStore } from './modelStore.js';

/** The registry reads the watcher needs (the sdk ChainReader fits). */
export interface ModelRegistrySource {
  getModelIds(): Promise<string[]>;
  getModel(modelId: string): Promise<ModelInfo>;
}

/** Options of {@link ModelWatcher}. */
export interface ModelWatcherOptions {
  dir: string;
  autoPull: boolean;
  maxBytes: number;
  /** URI prefixes auto_pull may fetch; empty = https:// and ipfs://. */
  allow: readonly string[];
  ipfsGateway?: string | undefined;
  pollIntervalMs: number;
  /** Wait before retrying a failed pull: `initialMs` (default pollIntervalMs), doubled per failure, at most `maxMs` (default 1 h). */
  pullBackoff?: { initialMs?: number; maxMs?: number };
}

/** Default cap on the wait between two pulls of a model that keeps failing. */
export const DEFAULT_PULL_BACKOFF_MAX_MS = 3_600_000;

/** Collaborators of {@link ModelWatcher}. */
export interface ModelWatcherDeps {
  registry: ModelRegistrySource;
  store: ModelStore;
  health?: HealthTracker | null;
  metrics?: Metrics | null;
  logger?: Logger;
  /** Clock (ms), for tests. */
  now?: () => number;
}

/** A model whose pull failed: not fetched again before `retryAt` unless its chain record changes. */
interface PullBackoff {
  /** The chain record the failures were against (see recordKey). */
  record: string;
  failures: number;
  retryAt: number;
}

/** What a pull depends on in a model's chain record: a change of any of it is worth an immediate retry. */
function recordKey(info: ModelInfo): string {
  return `${info.manifestHash.toLowerCase()}|${info.onnxHash.toLowerCase()}|${info.uri}`;
}

/** The allow-list auto_pull applies: the configured prefixes, or https:// and ipfs:// when none. */
export function autoPullAllowList(allow: readonly string[]): readonly string[] {
  return allow.length > 0 ? allow : ['https://', 'ipfs://'];
}

export class ModelWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly logger: Logger;
  /** Model ids currently missing (active on chain, not served). */
  missing: string[] = [];
  /** Failed pulls, by model id. */
  private readonly backoff = new Map<string, PullBackoff>();

  constructor(
    private readonly opts: ModelWatcherOptions,
    private readonly deps: ModelWatcherDeps,
  ) {
    this.logger = deps.logger ?? noopLogger;
  }

  /** One pass over the registry. */
  async pollOnce(): Promise<void> {
    const ids = await this.deps.registry.getModelIds();
    const missing: string[] = [];
    const listed = new Set<string>();
    for (const raw of ids) {
      const id = raw.toLowerCase();
      listed.add(id);
      const info = await this.deps.registry.getModel(id);
      if (!info.active) {
        this.backoff.delete(id);
        if (await this.deps.store.drop(id)) this.logger.info({ modelId: id }, 'model deactivated on chain: session released');
        continue;
      }
      if (this.deps.store.has(id)) {
        this.backoff.delete(id); // installed meanwhile (e.g. `aioracle-operator models pull`)
        this.deps.store.noteChainRecord(info); // a reactivation is served at once, not after the store's cache runs out
        continue;
      }
      if (!this.opts.autoPull) {
        missing.push(id);
        continue;
      }
      if (!modelUriAllowed(info.uri, autoPullAllowList(this.opts.allow))) {
        this.deps.metrics?.modelPulls.inc({ outcome: 'refused_policy' });
        this.logger.warn({ modelId: id, allow: autoPullAllowList(this.opts.allow) }, 'registered model not pulled: its URI is outside models.pull_allow');
        missing.push(id);
        continue;
      }
      const record = recordKey(info);
      const failed = this.backoff.get(id);
      if (failed && failed.record === record && this.now() < failed.retryAt) {
        missing.push(id); // still backing off after a failed pull of this very record
        continue;
      }
      try {
        const r = await pullModel(info, { dir: this.opts.dir, maxBytes: this.opts.maxBytes, ipfsGateway: this.opts.ipfsGateway, allow: autoPullAllowList(this.opts.allow) });
        this.backoff.delete(id);
        this.deps.store.addModelDir(r.dir);
        this.deps.metrics?.modelPulls.inc({ outcome: r.installed ? 'installed' : 'present' });
        this.logger.info({ modelId: id, model: r.model, bytes: r.onnxBytes, installed: r.installed }, 'model pulled and verified: now served');
      } catch (err) {
        const integrity = isAioracleError(err, 'ERR_MODEL_INTEGRITY');
        this.deps.metrics?.modelPulls.inc({ outcome: integrity ? 'refused_integrity' : 'failed' });
        const failures = failed && failed.record === record ? failed.failures + 1 : 1;
        const retryInMs = this.backoffMs(failures);
        this.backoff.set(id, { record, failures, retryAt: this.now() + retryInMs });
        const e = err as { code?: string; message?: string };
        (integrity ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger))({ modelId: id, code: e.code, err: e.message, failures, retryInMs }, 'model pull refused; will retry after a backoff');
        missing.push(id);
      }
    }
    for (const id of this.backoff.keys()) if (!listed.has(id)) this.backoff.delete(id);
    this.missing = missing;
    this.deps.metrics?.modelsMissing.set(missing.length);
    this.deps.health?.set('models', missing.length === 0);
    this.deps.health?.describe('models', missing.length === 0 ? 'Every active model of the ModelRegistry is installed and verified' : `Missing active models (not installed${this.opts.autoPull ? ' or pull failed' : '; models.auto_pull is off: run `aioracle-operator models pull`'}): ${missing.join(', ')}`);
  }

  /** Wait after the `failures`-th failed pull in a row of one record. */
  private backoffMs(failures: number): number {
    const initial = Math.max(1, this.opts.pullBackoff?.initialMs ?? this.opts.pollIntervalMs);
    const max = Math.max(initial, this.opts.pullBackoff?.maxMs ?? DEFAULT_PULL_BACKOFF_MAX_MS);
    return Math.min(max, initial * 2 ** Math.min(failures - 1, 40));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Polls every pollIntervalMs until stop(); failures are logged and the node's models service goes Down. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.pollOnce()
        .catch((err: unknown) => {
          this.deps.health?.set('models', false);
          this.logger.warn({ code: (err as { code?: string }).code, err: (err as Error).message }, 'model registry poll failed; will retry');
        })
        .then(() => {
          this.running = null;
          if (!this.stopped) {
            this.timer = setTimeout(tick, this.opts.pollIntervalMs);
            this.timer.unref();
          }
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
