/**
 * End to end, 1 byzantine operator out of 4 (`devnet.byzantine`: it signs a corrupted output): the
 * results are still right (the exact-int sample equals its known output; every accepted output is
 * what each honest operator computed and signed), the aggregator proves the dissent and the
 * byzantine operator is slashed on chain (DissenterSlashed, AllocationManager OperatorSlashed, its
 * registry stake down), and no honest operator is. The devnet runs batch attestation: the four
 * requests are sent at once, so some share a block and are answered by respondToBatch, the dissent
 * proven with batch evidence (slashBatchDissenter); a block's lone task is a single response
 * (protocol.md), answered by respondToTask and slashed with response evidence (slashDissenter).
 */
import { jest } from '@jest/globals';
import { bindings, createProvider, destroyProvider } from '@aioracle/sdk';
import { getAddress, type JsonRpcProvider } from 'ethers';
import type { DevnetHandle } from '../../src/devnet/index.js';
import { eventually, signedOutputs, startTestDevnet, stopTestDevnet } from './helpers.js';

jest.setTimeout(150_000);

const INITIAL_STAKE = 1000n * 10n ** 18n; // operator.yaml devnet.stake default

describe('e2e: 1 byzantine operator of 4', () => {
  let d: DevnetHandle;
  let provider: JsonRpcProvider;

  beforeAll(async () => {
    d = await startTestDevnet({ operators: 4, byzantine: 1 });
    provider = createProvider(d.rpcUrl) as JsonRpcProvider;
  }, 180_000);
  afterAll(async () => {
    if (provider) await destroyProvider(provider);
    await stopTestDevnet(d);
  }, 60_000);

  it('finalises the honest output and slashes only the byzantine operator', async () => {
    const byz = d.operators.filter((o) => o.byzantine);
    const honest = d.operators.filter((o) => !o.byzantine);
    expect(byz.map((o) => o.name)).toEqual(['op4']);

    // Sent at once, so that some share a block (a batch); a block's lone task is a single response.
    const reqs = await Promise.all(d.models.flatMap((m) => [d.request(m.name, m.sampleInput), d.request(m.name)].map(async (p) => ({ model: m, r: await p }))));
    // Every task of the blocks our tasks landed in (feed rounds included), from the chain.
    const created = bindings.InferenceOracle__factory.connect(d.deployment.avs.inferenceOracle, provider);
    const blockOf = new Map<string, number>();
    for (const { r } of reqs) {
      const b = (await d.waitForTask(r.taskId)).createdBlock;
      for (const l of await created.queryFilter(created.filters.TaskCreated(), b, b)) blockOf.set(l.args.taskId.toString(), b);
    }
    const inBlock = (taskId: string): number => [...blockOf.values()].filter((b) => b === blockOf.get(taskId)).length;
    const firstOfBlock = (taskId: string): boolean => [...blockOf].every(([id, b]) => b !== blockOf.get(taskId) || BigInt(id) >= BigInt(taskId));
    for (const { model, r } of reqs) {
      const what = `${model.name} task ${r.taskId}`;
      const t = await d.waitForTask(r.taskId);
      expect({ what, status: t.status }).toEqual({ what, status: 'finalised' });
      if (model.sampleOutput && Buffer.from(r.input).equals(Buffer.from(model.sampleInput))) {
        expect({ what, output: t.output }).toEqual({ what, output: model.sampleOutput });
      }
      for (const op of honest) {
        const signed = await eventually(`${op.name} to sign ${what}`, () => signedOutputs(d, op.name).get(r.taskId.toString()), 20_000);
        expect({ what, op: op.name, signed }).toEqual({ what, op: op.name, signed: t.outputHash });
      }
      const bad = await eventually(`the byzantine operator to sign ${what}`, () => signedOutputs(d, byz[0]!.name).get(r.taskId.toString()), 20_000);
      // Devnet byzantine mode corrupts a lone task and the first task of each batch (byzantine.ts).
      const corrupted = firstOfBlock(r.taskId.toString());
      expect({ what, corrupted, dissents: bad !== t.outputHash }).toEqual({ what, corrupted, dissents: corrupted });
    }

    // The aggregator files the dissent evidence after finalisation; the oracle slashes through EigenLayer.
    await eventually('the byzantine operator to be slashed', () => (d.tracker.slashedOperators().includes(getAddress(byz[0]!.address)) ? true : undefined), 60_000, 500);
    expect(d.tracker.slashedOperators()).toEqual([getAddress(byz[0]!.address)]);

    // Batch attestation is the devnet's default: the tasks were answered by respondToBatch, and the
    // dissent was proven with batch evidence (the operator's batch signature + its leaf's Merkle path).
    const oracle = bindings.InferenceOracle__factory.connect(d.deployment.avs.inferenceOracle, provider);
    const corruptedIds = [...blockOf.keys()].filter((id) => reqs.some(({ r }) => r.taskId.toString() === id) && firstOfBlock(id));
    await eventually(
      'every corrupted task of ours slashed',
      async () => {
        const s = await oracle.queryFilter(oracle.filters.DissenterSlashed(), d.deployment.startBlock);
        return corruptedIds.every((id) => s.some((l) => l.args.taskId.toString() === id)) ? true : undefined;
      },
      60_000,
      500,
    );
    // Four requests sent at once span at most two blocks, so some block holds a batch of several.
    expect(Math.max(...[...blockOf.keys()].map(inBlock))).toBeGreaterThan(1);
    const batches = await oracle.queryFilter(oracle.filters.BatchResponded(), d.deployment.startBlock);
    expect(batches.length).toBeGreaterThan(0);
    const slashes = await oracle.queryFilter(oracle.filters.DissenterSlashed(), d.deployment.startBlock);
    expect(slashes.length).toBeGreaterThan(0);
    expect(slashes.some((l) => blockOf.has(l.args.taskId.toString()) && inBlock(l.args.taskId.toString()) > 1)).toBe(true);
    for (const l of slashes) {
      const taskId = l.args.taskId.toString();
      if (!blockOf.has(taskId)) continue; // a task outside the blocks looked at (a feed round)
      const tx = await provider.getTransaction(l.transactionHash);
      const fn = oracle.interface.parseTransaction({ data: tx!.data })?.name;
      // A batch of several: batch evidence; a block's lone task (protocol.md: a single response): response evidence.
      expect({ taskId, fn }).toEqual({ taskId, fn: inBlock(taskId) > 1 ? 'slashBatchDissenter' : 'slashDissenter' });
    }

    const am = bindings.AllocationManager__factory.connect(d.deployment.core.allocationManager, provider);
    const slashedLogs = await am.queryFilter(am.filters.OperatorSlashed(), d.deployment.startBlock);
    const slashedInEigenLayer = new Set(slashedLogs.map((l) => getAddress(l.args.operator)));
    expect([...slashedInEigenLayer]).toEqual([getAddress(byz[0]!.address)]);

    const registry = bindings.OperatorRegistry__factory.connect(d.deployment.avs.operatorRegistry, provider);
    const head = await provider.getBlockNumber();
    for (const op of d.operators) {
      const [, stake] = await registry.getOperatorStakeAt(op.operatorId, 0, head);
      if (op.byzantine) expect({ op: op.name, lower: stake < INITIAL_STAKE }).toEqual({ op: op.name, lower: true });
      else expect({ op: op.name, stake }).toEqual({ op: op.name, stake: INITIAL_STAKE });
    }
  });
});
