import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeOutput, generateBlsKeyPair, initBls, parseManifest, type Manifest } from '@aioracle/sdk';
import { AggregatorClient, assertByzantineAllowed, corruptOutput, loadOperatorConfig, ModelStore, SigningLog, TaskProcessor, type ModelChainSource } from '../../src/index.js';
import { startStubAggregator, type StubAggregator } from '../helpers/stubAggregator.js';
import { makeJob, MODELS_DIR, sample } from '../helpers/tasks.js';

const manifestOf = (dir: string): Manifest => parseManifest(JSON.parse(readFileSync(join(MODELS_DIR, dir, 'manifest.json'), 'utf8')));

describe('devnet.byzantine: corrupted outputs, refused off anvil', () => {
  it('is off by default and accepted in the schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'byz-'));
    try {
      const file = join(dir, 'operator.yaml');
      const base = 'eth_rpc_url: http://127.0.0.1:8545\navs: { inference_oracle: "0x00000000000000000000000000000000000000aa", operator_registry: "0x00000000000000000000000000000000000000bb", model_registry: "0x00000000000000000000000000000000000000cc" }\n';
      writeFileSync(file, base);
      expect(loadOperatorConfig(file, {}, {}).devnet.byzantine).toBe(false);
      writeFileSync(file, `${base}devnet: { byzantine: true }\n`);
      expect(loadOperatorConfig(file, {}, {}).devnet.byzantine).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on any chain but anvil 31337', () => {
    expect(() => assertByzantineAllowed(true, 31337)).not.toThrow();
    expect(() => assertByzantineAllowed(false, 1)).not.toThrow();
    for (const chainId of [1, 17000, 11155111, 31338]) {
      expect(() => assertByzantineAllowed(true, chainId)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringContaining(`chain ${chainId}`) }));
    }
  });

  it('argmax: picks another valid class for every row it touches, and the output still decodes', () => {
    const m = manifestOf('liquidation-risk');
    const honest = Buffer.from(sample.expected.outputBytes.slice(2), 'hex');
    const bad = corruptOutput(honest, m);
    expect(Buffer.from(bad).equals(honest)).toBe(false);
    const decoded = decodeOutput(m, bad);
    const honestDecoded = decodeOutput(m, honest);
    expect(decoded.batch).toBe(honestDecoded.batch);
    // Only the first element changes, to (class + 1) mod 3.
    expect(bad.subarray(9)).toEqual(honest.subarray(9));
    expect(new DataView(bad.buffer, bad.byteOffset).getInt32(5, true)).toBe((new DataView(honest.buffer, honest.byteOffset).getInt32(5, true) + 1) % 3);
    expect(honest.equals(Buffer.from(sample.expected.outputBytes.slice(2), 'hex'))).toBe(true); // input untouched
  });

  it('fixed:16: flips the lowest bit of the first element; topk:2 swaps the first two indices', () => {
    const f = manifestOf('liquidation-risk-f32');
    const out = Uint8Array.from([1, 1, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0]);
    const bad = corruptOutput(out, f);
    expect(bad[5]).toBe(0x11);
    expect(bad.subarray(6)).toEqual(out.subarray(6));
    const topk = { outputs: [{ name: 't', dtype: 'float32' as const, shape: ['batch', 4] as ['batch', number], encoding: 'topk:2' }] };
    const t = Uint8Array.from([1, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
    expect([...corruptOutput(t, topk)]).toEqual([1, 1, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0]);
  });

  describe('TaskProcessor with byzantine: true', () => {
    let dir: string;
    let stub: StubAggregator;
    let log: SigningLog;
    beforeAll(async () => {
      await initBls();
      dir = mkdtempSync(join(tmpdir(), 'byzproc-'));
      stub = await startStubAggregator();
      log = await SigningLog.open({ path: join(dir, 'signing.log') });
    });
    afterAll(async () => {
      await log.close();
      await stub.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('records and signs the corrupted output instead of the honest one', async () => {
      const idx = JSON.parse(readFileSync(join(MODELS_DIR, 'index.json'), 'utf8')) as { modelId: string; manifestHash: string; onnxHash: string; profile: string }[];
      const chain: ModelChainSource = {
        getModel: async (id) => {
          const m = idx.find((x) => x.modelId === id)!;
          return { modelId: id, manifestHash: m.manifestHash, onnxHash: m.onnxHash, uri: '', profile: m.profile as 'exact-int', tolerance: 0, fee: 0n, slashWad: 0n, active: true };
        },
      };
      const processor = new TaskProcessor(
        { chainId: 31337, oracle: '0x00000000000000000000000000000000000000aa', byzantine: true },
        { keyPair: generateBlsKeyPair(), models: new ModelStore({ dir: MODELS_DIR, chainCacheMs: 0 }, { chain }), signingLog: log, aggregators: new AggregatorClient({ urls: [stub.url], attempts: 1 }), headBlock: () => 100 },
      );
      const out = await processor.process(makeJob(7));
      expect(out.output).not.toBe(sample.expected.outputBytes);
      expect(out.output).toBe(`0x${Buffer.from(corruptOutput(Buffer.from(sample.expected.outputBytes.slice(2), 'hex'), manifestOf('liquidation-risk'))).toString('hex')}`);
      expect(stub.received.at(-1)).toMatchObject({ taskId: '7', output: out.output });
    });
  });
});
