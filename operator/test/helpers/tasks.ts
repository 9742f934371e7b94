/** Task fixtures for processor tests: a valid task for the demo model and its job data. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inputHash, taskHash, taskToJson, type Task } from '@aioracle/sdk';
import type { TaskJobData } from '../../src/index.js';

export const MODELS_DIR = fileURLToPath(new URL('../../../config/models', import.meta.url));
export const DEMO_MODEL_ID = '0x92edb67da77e75cac92e94508116b19d180aa5bb4f2fd8dbc185c85c19dd1dc2';
export const sample = JSON.parse(readFileSync(`${MODELS_DIR}/liquidation-risk/sample-input.json`, 'utf8')) as {
  inputBytes: string;
  expected: { outputBytes: string; outputHash: string };
};

export function makeJob(taskId: number, input: string = sample.inputBytes, over: Partial<Task> = {}): TaskJobData {
  const bytes = Buffer.from(input.replace(/^0x/, ''), 'hex');
  const task: Task = {
    taskId: BigInt(taskId),
    modelId: DEMO_MODEL_ID,
    requester: '0x000000000000000000000000000000000000bEEF',
    inputHash: inputHash(bytes),
    referenceBlock: 10,
    deadlineBlock: 1_000_000,
    fee: 1n,
    callback: '0x0000000000000000000000000000000000000000',
    callbackGasLimit: 0,
    feedId: 0n,
    quorumNumbers: [0],
    quorumThresholdBps: [6667],
    ...over,
  };
  return { task: taskToJson(task), taskHash: taskHash(task), input: `0x${bytes.toString('hex')}`, seenAt: Date.now() };
}
