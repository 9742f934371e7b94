/**
 * ModelWatcher against a fake ModelRegistry and a real ModelStore on a temporary models folder:
 * missing models with auto_pull off are reported (gauge, health), a URI outside the allow-list is
 * refused by policy, a pull over file:// installs and serves, a deactivated model is dropped.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { manifestHash, scanModels, sha256File, type ModelInfo } from '@aioracle/sdk';
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

  function world(record: () => ModelInfo, autoPull: boolean, allow: string[]) {
    const register = new Registry();
    const metrics = getMetrics(register);
    const health = new HealthTracker([...DEFAULT_SERVICES, MODELS_SERVICE]);
    for (const id of ['rpc', 'redis', 'aggregators']) health.set(id, true);
    const store = new ModelStore({ dir }, { chain: { getModel: async () => record() } });
    const watcher = new ModelWatcher({ dir, autoPull, maxBytes: 1 << 20, allow, pollIntervalMs: 60_000 }, { registry: { getModelIds: async () => [local.modelId], getModel: async () => record() }, store, health, metrics });
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
});
