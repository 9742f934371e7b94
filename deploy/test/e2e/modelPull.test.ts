/**
 * End to end, model distribution (docs/manifest.md "Distribution"): a devnet of 4 real operator
 * processes whose models come from the devnet's HTTP model host: op1 runs with models.auto_pull off (its
 * models came from `aioracle-operator models pull --all` before start), op2..op4 with it on (they pulled at
 * start). While the devnet runs:
 *   - a model registered on chain is pulled and served by op2..op4 without a restart and a request for it is
 *     answered under quorum; op1 keeps serving the others and reports the missing model in
 *     /eigen/node/health (206), /eigen/node/services and aioracle_operator_models_missing;
 *   - a model whose hosted ONNX file does not hash to the chain's record is refused by every auto_pull node.
 */
import { jest } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindings, createProvider, destroyProvider, manifestModelId, parseManifest, sendInferenceRequest, TxSender, type Manifest } from '@aioracle/sdk';
import { Wallet, ZeroHash, type JsonRpcProvider } from 'ethers';
import { ANVIL_DEFAULT_KEYS, registerModel } from '../../src/index.js';
import type { DevnetHandle } from '../../src/devnet/index.js';
import { eventually, signedOutputs, startTestDevnet, stopTestDevnet } from './helpers.js';

jest.setTimeout(180_000);

/** A gauge or counter on an operator's /metrics (sum over samples whose labels include `labels`). */
async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

describe('e2e: models pulled from the ModelRegistry URI (auto_pull on and off)', () => {
  let d: DevnetHandle;
  let provider: JsonRpcProvider;

  beforeAll(async () => {
    d = await startTestDevnet({ operators: 4, autoPullOff: 1 });
    provider = createProvider(d.rpcUrl) as JsonRpcProvider;
  }, 240_000);
  afterAll(async () => {
    if (provider) await destroyProvider(provider);
    await stopTestDevnet(d);
  }, 60_000);

  /** Hosts a copy of the exact-int demo model as `version`, optionally with a tampered ONNX file, and registers it. */
  async function hostAndRegister(version: string, tamper: boolean): Promise<{ manifest: Manifest; modelId: string }> {
    const src = d.models.find((m) => m.manifest.profile === 'exact-int')!;
    const folder = join(d.modelServer.root, `pulled-${version}`);
    mkdirSync(folder, { recursive: true });
    const manifest = parseManifest({ ...JSON.parse(readFileSync(src.manifestFile, 'utf8')), version });
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
    // The hosted file is in its final state before the record is on chain (the record's onnxHash is the
    // source file's): tampered after registering, a node polling in between would pull the good file.
    if (tamper) writeFileSync(join(folder, manifest.onnx.file), Buffer.concat([readFileSync(src.onnxFile), Buffer.from([0])]));
    else copyFileSync(src.onnxFile, join(folder, manifest.onnx.file));
    const entry = await registerModel({ rpcUrl: d.rpcUrl, ownerKey: ANVIL_DEFAULT_KEYS[0]!, deployment: d.deployment, manifest, onnxFile: src.onnxFile, uri: `${d.modelServer.url}/pulled-${version}/${manifest.onnx.file}` });
    expect(entry.modelId.toLowerCase()).toBe(manifestModelId(manifest).toLowerCase());
    return { manifest, modelId: entry.modelId.toLowerCase() };
  }

  it('every node serves the three demo models at start: auto_pull nodes pulled them, the other ran models pull --all', async () => {
    expect(d.operators.map((o) => o.autoPull)).toEqual([false, true, true, true]);
    for (const op of d.operators) {
      const installed = readdirSync(join(d.dir, op.name, 'models')).filter((n) => !n.startsWith('.')).sort();
      expect({ op: op.name, installed }).toEqual({ op: op.name, installed: [...d.models, ...d.refModels].map((m) => `${m.manifest.name}@${m.manifest.version}`).sort() });
      const services = (await (await fetch(`${op.nodeApiUrl}/eigen/node/services`)).json()) as { services: { id: string; status: string }[] };
      expect({ op: op.name, models: services.services.find((s) => s.id === 'models')?.status }).toEqual({ op: op.name, models: 'Up' });
    }
    const m = d.models[0]!;
    const r = await d.request(m.name, m.sampleInput);
    expect((await d.waitForTask(r.taskId)).status).toBe('finalised');
  });

  it('a model registered while running is pulled and served without a restart; the auto_pull-off node reports it missing', async () => {
    const { manifest, modelId } = await hostAndRegister('1.0.1-pulled', false);
    const [off, ...on] = d.operators;
    for (const op of on) {
      await eventually(`${op.name} to pull ${modelId}`, async () => (existsSync(join(d.dir, op.name, 'models', `${manifest.name}@${manifest.version}`)) && (await metric(op.metricsUrl, 'aioracle_operator_models_missing')) === 0 ? true : undefined), 30_000, 500);
      expect(await metric(op.metricsUrl, 'aioracle_operator_model_pulls_total', { outcome: 'installed' })).toBeGreaterThanOrEqual(d.models.length + 1);
    }
    await eventually(`${off!.name} to report ${modelId} missing`, async () => ((await metric(off!.metricsUrl, 'aioracle_operator_models_missing')) === 1 ? true : undefined), 30_000, 500);
    expect((await fetch(`${off!.nodeApiUrl}/eigen/node/health`)).status).toBe(206);
    const services = (await (await fetch(`${off!.nodeApiUrl}/eigen/node/services`)).json()) as { services: { id: string; status: string; description: string }[] };
    const models = services.services.find((s) => s.id === 'models')!;
    expect(models.status).toBe('Down');
    expect(models.description).toContain(modelId);
    expect(existsSync(join(d.dir, off!.name, 'models', `${manifest.name}@${manifest.version}`))).toBe(false);

    // A request for the new model: answered by the three nodes that pulled it (75% of the stake).
    const sender = new TxSender(new Wallet(d.clientKey, provider));
    const oracle = bindings.InferenceOracle__factory.connect(d.deployment.avs.inferenceOracle, sender.signer);
    const src = d.models.find((m) => m.manifest.profile === 'exact-int')!;
    const receipt = await sendInferenceRequest(sender, oracle, { modelId, input: src.sampleInput, fee: BigInt(manifest.fee), carrier: 'calldata' });
    const created = receipt.logs.map((l) => oracle.interface.parseLog(l)).find((e) => e?.name === 'TaskCreated')!;
    const taskId = created.args.getValue('taskId') as bigint;
    const t = await d.waitForTask(taskId, 90_000);
    expect(t.status).toBe('finalised');
    if (src.sampleOutput) expect(t.output).toBe(src.sampleOutput);
    for (const op of on) {
      const signed = await eventually(`${op.name} to sign task ${taskId}`, () => signedOutputs(d, op.name).get(taskId.toString()), 20_000);
      expect({ op: op.name, signed }).toEqual({ op: op.name, signed: t.outputHash });
    }
    const offSigned = signedOutputs(d, off!.name).get(taskId.toString());
    expect({ op: off!.name, abstained: offSigned === undefined || offSigned === ZeroHash }).toEqual({ op: off!.name, abstained: true });
    // ... and it still serves the demo models: it signs the accepted output of a request for one
    const m = d.models[0]!;
    const r = await d.request(m.name, m.sampleInput);
    const done = await d.waitForTask(r.taskId);
    expect(done.status).toBe('finalised');
    expect(done.outputHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(done.outputHash).not.toBe(ZeroHash);
    const offServed = await eventually(`${off!.name} to sign task ${r.taskId}`, () => signedOutputs(d, off!.name).get(r.taskId.toString()), 20_000);
    expect({ op: off!.name, signed: offServed }).toEqual({ op: off!.name, signed: done.outputHash });
  });

  it('a model whose hosted ONNX file does not hash to the chain record is refused by every auto_pull node', async () => {
    const { manifest, modelId } = await hostAndRegister('1.0.2-tampered', true);
    for (const op of d.operators.filter((o) => o.autoPull)) {
      await eventually(`${op.name} to refuse ${modelId}`, async () => ((await metric(op.metricsUrl, 'aioracle_operator_model_pulls_total', { outcome: 'refused_integrity' })) >= 1 ? true : undefined), 30_000, 500);
      expect(await metric(op.metricsUrl, 'aioracle_operator_models_missing')).toBe(1);
      expect((await fetch(`${op.nodeApiUrl}/eigen/node/health`)).status).toBe(206);
      expect(existsSync(join(d.dir, op.name, 'models', `${manifest.name}@${manifest.version}`))).toBe(false);
      expect(readdirSync(join(d.dir, op.name, 'models')).filter((n) => n.startsWith('.'))).toEqual([]);
    }
  });
});
