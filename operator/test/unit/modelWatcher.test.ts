/**
 * ModelWatcher against a fake ModelRegistry and a real ModelStore on a temporary models folder:
 * missing models with auto_pull off are reported (gauge, health), a URI outside the allow-list is
 * refused by policy, a pull over file:// installs and serves, a deactivated model is dropped, and a
 * model whose file fails its hash check is fetched again only after an exponential backoff (local HTTP
 * host counting requests, fake clock), reset when its chain record changes.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { manifestHash, recordingLogger, scanModels, serveHttp, sha256File, type LocalHttpServer, type Logger, type ModelInfo } from '@aioracle/sdk';
import { Registry } from 'prom-client';
import { DEFAULT_SERVICES, getMetrics, HealthTracker, MODELS_SERVICE, ModelStore, ModelWatcher } from '../../src/index.js';

const SRC = fileURLToPath(new URL('../../../config/models/liquidation-risk', import.meta.url));

describe('ModelWatcher', () => {
  let dir: string;
  let hostDir: string;
  const local = scanModels(SRC)[0]!;
  const info = (over: Partial<ModelInfo> = {}): ModelInfo => ({
    modelId: local.modelId,
    manifestHash: manifestHash(local.manifest),
    onnxHash: sha256File(local.onnxPath),
    uri: pathToFileURL(join(hostDir, 'model.onnx')).toString(),
    profile: local.manifest.profile,
    tolerance: 0,
    fee: 0n,
    slashWad: 0n,
    active: true,
    ...over,
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'watch-'));
    hostDir = mkdtempSync(join(tmpdir(), 'host-'));
    cpSync(SRC, hostDir, { recursive: true });
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(hostDir, { recursive: true, force: true });
  });

  function world(record: () => ModelInfo, autoPull: boolean, allow: string[], extra: { now?: () => number; pullBackoff?: { initialMs?: number; maxMs?: number }; logger?: Logger } = {}) {
    const register = new Registry();
    const metrics = getMetrics(register);
    const health = new HealthTracker([...DEFAULT_SERVICES, MODELS_SERVICE]);
    for (const id of ['rpc', 'redis', 'aggregators']) health.set(id, true);
    const store = new ModelStore({ dir }, { chain: { getModel: async () => record() } });
    const watcher = new ModelWatcher(
      { dir, autoPull, maxBytes: 1 << 20, allow, pollIntervalMs: 60_000, ...(extra.pullBackoff ? { pullBackoff: extra.pullBackoff } : {}) },
      { registry: { getModelIds: async () => [local.modelId], getModel: async () => record() }, store, health, metrics, ...(extra.now ? { now: extra.now } : {}), ...(extra.logger ? { logger: extra.logger } : {}) },
    );
    return { register, metrics, health, store, watcher };
  }
  const gauge = async (r: Registry, name: string) => (await r.getSingleMetric(name)!.get()).values.reduce((a, v) => a + v.value, 0);

  it('auto_pull off: reports the model missing in the gauge and the models service', async () => {
    const w = world(() => info(), false, []);
    await w.watcher.pollOnce();
    expect(await gauge(w.register, 'aioracle_operator_models_missing')).toBe(1);
    expect(w.health.get('models')).toMatchObject({ status: 'Down', description: expect.stringContaining(local.modelId) });
    expect(w.health.nodeStatusCode()).toBe(206);
    expect(w.store.has(local.modelId)).toBe(false);
  });

  it('auto_pull on: refuses a URI outside the allow-list (file:// is not in the default), pulls one inside it', async () => {
    const refused = world(() => info(), true, []);
    await refused.watcher.pollOnce();
    expect(await gauge(refused.register, 'aioracle_operator_model_pulls_total')).toBe(1);
    expect(refused.store.has(local.modelId)).toBe(false);

    const w = world(() => info(), true, ['file://']);
    await w.watcher.pollOnce();
    expect(w.store.has(local.modelId)).toBe(true);
    expect(await gauge(w.register, 'aioracle_operator_models_missing')).toBe(0);
    expect(w.health.get('models')?.status).toBe('Up');
    const m = await w.store.get(local.modelId);
    expect(m.manifest.name).toBe(local.manifest.name);
    await w.store.close();
  });

  it('drops the session of a model deactivated on chain', async () => {
    let active = true;
    const w = world(() => info({ active }), true, ['file://']);
    await w.watcher.pollOnce();
    const first = await w.store.get(local.modelId);
    active = false;
    await w.watcher.pollOnce();
    await expect(w.store.get(local.modelId)).rejects.toMatchObject({ code: 'ERR_OPERATOR_MODEL_INACTIVE' });
    active = true;
    await w.watcher.pollOnce();
    const again = await w.store.get(local.modelId);
    expect(again).not.toBe(first); // a fresh session after the drop
    await w.store.close();
  });
  describe('a pull that fails its hash check', () => {
    let server: LocalHttpServer;
    let host: string;
    /** Requests to the model host, by path. */
    const hits: string[] = [];
    beforeAll(async () => {
      const manifestText = readFileSync(join(SRC, 'manifest.json'));
      const onnx = readFileSync(local.onnxPath);
      server = await serveHttp((req, res) => {
        hits.push(req.url ?? '');
        const u = (req.url ?? '').split('?')[0]!;
        if (u.endsWith('/manifest.json')) return res.end(manifestText);
        if (u === '/good/model.onnx') return res.end(onnx);
        if (u === '/tampered/model.onnx') return res.end(Buffer.concat([onnx, Buffer.from([0])]));
        res.statusCode = 404;
        res.end();
      });
      host = server.url;
    });
    afterAll(async () => {
      await server.close();
    });

    it('is fetched again only after an exponential, capped backoff, reported missing meanwhile; a new chain record is pulled at once', async () => {
      let now = 1_000_000;
      let uri = `${host}/tampered/model.onnx`;
      const logger = recordingLogger();
      const w = world(() => info({ uri }), true, [`${host}/`], { now: () => now, pullBackoff: { initialMs: 1_000, maxMs: 4_000 }, logger });
      const onnxFetches = () => hits.filter((h) => h.endsWith('/model.onnx')).length;
      const refused = async () => (await w.register.getSingleMetric('aioracle_operator_model_pulls_total')!.get()).values.find((v) => v.labels.outcome === 'refused_integrity')?.value ?? 0;
      hits.length = 0;

      // [time after the first failure, whether that poll fetches]: waits 1 s, 2 s, 4 s, then 4 s (the cap)
      const schedule: [number, boolean][] = [[0, true], [999, false], [1_000, true], [2_999, false], [3_000, true], [6_999, false], [7_000, true], [10_999, false], [11_000, true]];
      const start = now;
      const seen: [number, boolean][] = [];
      for (const [at] of schedule) {
        now = start + at;
        const before = hits.length;
        await w.watcher.pollOnce();
        seen.push([at, hits.length > before]);
        // refused meanwhile: still missing, in the gauge and the models service
        expect({ at, missing: await gauge(w.register, 'aioracle_operator_models_missing'), models: w.health.get('models')?.status, described: w.health.get('models')?.description.includes(local.modelId) }).toEqual({ at, missing: 1, models: 'Down', described: true });
      }
      expect(seen).toEqual(schedule);
      expect({ fetches: onnxFetches(), refused: await refused(), installed: w.store.has(local.modelId) }).toEqual({ fetches: 5, refused: 5, installed: false });
      const lines = logger.lines.filter((l) => l.msg === 'model pull refused; will retry after a backoff');
      expect(lines.map((l) => ({ level: l.level, code: l.obj.code, failures: l.obj.failures, retryInMs: l.obj.retryInMs }))).toEqual(
        [1_000, 2_000, 4_000, 4_000, 4_000].map((retryInMs, i) => ({ level: 'error', code: 'ERR_MODEL_INTEGRITY', failures: i + 1, retryInMs })),
      );

      // the record on chain changes (a corrected URI): pulled at the next poll, backoff or not
      now += 1;
      uri = `${host}/good/model.onnx`;
      await w.watcher.pollOnce();
      expect({ installed: w.store.has(local.modelId), missing: await gauge(w.register, 'aioracle_operator_models_missing'), models: w.health.get('models')?.status }).toEqual({ installed: true, missing: 0, models: 'Up' });
      await w.store.close();
    });

    it('starts afresh when the record changes to another file that fails too', async () => {
      let now = 0;
      let uri = `${host}/tampered/model.onnx`;
      const w = world(() => info({ uri }), true, [`${host}/`], { now: () => now, pullBackoff: { initialMs: 1_000, maxMs: 60_000 } });
      hits.length = 0;
      for (const at of [0, 1_000, 3_000]) {
        now = at;
        await w.watcher.pollOnce();
      }
      expect(hits.filter((h) => h.endsWith('/model.onnx')).length).toBe(3); // next try at 3 s + 4 s
      uri = `${host}/tampered/model.onnx?v=2`; // another record: tried at once, then 1 s again
      now = 3_001;
      await w.watcher.pollOnce();
      now = 4_000;
      await w.watcher.pollOnce();
      now = 4_001;
      await w.watcher.pollOnce();
      expect(hits.filter((h) => h.includes('/model.onnx')).length).toBe(5);
      expect(await gauge(w.register, 'aioracle_operator_models_missing')).toBe(1);
    });
  });
});
