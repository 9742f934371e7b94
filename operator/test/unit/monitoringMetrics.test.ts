/**
 * The metrics the monitoring rules alert on: aioracle_operator_model_mismatch (set by the model
 * integrity check) and aioracle_operator_slashed_total (DissenterSlashed logs naming this operator,
 * counted by the task watcher).
 */
import { readFileSync } from 'node:fs';
import { AbiCoder, zeroPadValue, type Log, type Provider } from 'ethers';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { DISSENTER_SLASHED_TOPIC, getMetrics, ModelStore, TASK_CREATED_TOPIC, TaskWatcher, type ModelChainSource } from '../../src/index.js';
import { MODELS_DIR } from '../helpers/tasks.js';

const idx = JSON.parse(readFileSync(`${MODELS_DIR}/index.json`, 'utf8')) as { modelId: string; manifestHash: string; onnxHash: string; profile: string }[];
const demo = idx[0]!;

function chainWith(onnxHash: string): ModelChainSource {
  return {
    getModel: async (id) => ({ modelId: id, manifestHash: demo.manifestHash, onnxHash, uri: '', profile: demo.profile as 'exact-int', tolerance: 0, fee: 0n, slashWad: 0n, active: true }),
  };
}

async function gaugeValue(register: Registry, name: string): Promise<{ labels: Partial<Record<string, string | number>>; value: number }[]> {
  return (await register.getSingleMetric(name)!.get()).values;
}

describe('aioracle_operator_model_mismatch', () => {
  it('is 1 when the ONNX file does not match the ModelRegistry and 0 once the model verifies', async () => {
    const register = new Registry();
    const metrics = getMetrics(register);
    const bad = new ModelStore({ dir: MODELS_DIR, chainCacheMs: 0 }, { chain: chainWith(`0x${'00'.repeat(32)}`), metrics });
    await expect(bad.get(demo.modelId)).rejects.toMatchObject({ code: 'ERR_OPERATOR_MODEL_INTEGRITY' });
    expect(await gaugeValue(register, 'aioracle_operator_model_mismatch')).toEqual([{ labels: { model: 'liquidation-risk@1.0.0' }, value: 1 }]);
    const good = new ModelStore({ dir: MODELS_DIR, chainCacheMs: 0 }, { chain: chainWith(demo.onnxHash), metrics });
    await good.get(demo.modelId);
    expect(await gaugeValue(register, 'aioracle_operator_model_mismatch')).toEqual([{ labels: { model: 'liquidation-risk@1.0.0' }, value: 0 }]);
    await good.close();
  });
});

describe('aioracle_operator_slashed_total', () => {
  const ORACLE = '0x00000000000000000000000000000000000000aa';
  const ME = `0x${'11'.repeat(32)}`;
  const OTHER = `0x${'22'.repeat(32)}`;
  const slashLog = (operatorId: string, taskId: number): Log =>
    ({
      address: ORACLE,
      topics: [DISSENTER_SLASHED_TOPIC, zeroPadValue(`0x${taskId.toString(16).padStart(2, '0')}`, 32), zeroPadValue('0x0b', 32), operatorId],
      data: AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes', 'uint64'], [`0x${'33'.repeat(32)}`, '0x00', 10n ** 16n]),
      blockNumber: 5,
      transactionHash: `0x${'44'.repeat(32)}`,
    }) as unknown as Log;

  function watcher(operatorId: string | undefined, seenTopics: unknown[]): { w: TaskWatcher; register: Registry } {
    const register = new Registry();
    const metrics = getMetrics(register);
    const store = new Map<string, string>();
    const provider = {
      getBlockNumber: async () => 10,
      getLogs: async (f: { topics: unknown[] }) => {
        seenTopics.push(f.topics);
        return [slashLog(ME, 7), slashLog(OTHER, 8), slashLog(ME.toUpperCase().replace('0X', '0x'), 9)];
      },
    } as unknown as Provider;
    const redis = { get: async (k: string) => store.get(k) ?? null, set: async (k: string, v: string) => void store.set(k, v) } as unknown as Redis;
    const w = new TaskWatcher(
      { oracle: ORACLE, confirmations: 0, pollIntervalMs: 1000, maxBlockRange: 100, catchupBlocks: 100, startBlock: 0, cursorKey: 'c', ...(operatorId ? { operatorId } : {}) },
      { provider, redis, metrics, onTask: async () => undefined },
    );
    return { w, register };
  }

  it('counts the DissenterSlashed logs that name this operator, and hands no task over for them', async () => {
    const topics: unknown[] = [];
    const { w, register } = watcher(ME, topics);
    expect(await w.pollOnce()).toBe(0);
    expect(topics).toEqual([[[TASK_CREATED_TOPIC, DISSENTER_SLASHED_TOPIC]]]);
    expect((await gaugeValue(register, 'aioracle_operator_slashed_total'))[0]?.value).toBe(2);
  });

  it('without an operatorId asks only for TaskCreated and counts nothing', async () => {
    const topics: unknown[] = [];
    const { w, register } = watcher(undefined, topics);
    await w.pollOnce();
    expect(topics).toEqual([[TASK_CREATED_TOPIC]]);
    expect((await gaugeValue(register, 'aioracle_operator_slashed_total'))[0]?.value ?? 0).toBe(0);
  });
});
