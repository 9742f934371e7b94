/**
 * Operator state read back through the generated bindings and the sdk ChainReader after real
 * registrations: members, operatorIds, G1/G2 keys, stakes, apk = Σ pkG1, total stake; then the
 * same at an older block after a stake change and a deregistration (the registry's checkpoints).
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import {
  ChainReader,
  aggregatePublicKeysG1,
  bindings,
  deregisterOperator,
  operatorIdFromPublicKey,
  registerOperator,
  type QuorumOperatorState,
  waitForReceipt,
} from '@aioracle/sdk';
import { buildWorld, type World } from './world.js';

const E18 = 10n ** 18n;
const STAKES = [100n * E18, 250n * E18, 300n * E18, 475n * E18];
let w: World;
let reader: ChainReader;

beforeAll(async () => {
  w = await buildWorld(STAKES);
  reader = new ChainReader(w.provider, w.deployment.avs);
}, 300_000);
afterAll(async () => {
  await w?.stop();
});

function byId(state: QuorumOperatorState, id: string) {
  const op = state.operators.find((o) => o.operatorId === id.toLowerCase());
  if (!op) throw new Error(`operator ${id} not in quorum state`);
  return op;
}

describe('operator state of quorum 0', () => {
  test('lists every registered operator with its keys and stake', async () => {
    const block = await w.provider.getBlockNumber();
    const state = await reader.getQuorumState(0, block);
    expect(state.operators).toHaveLength(STAKES.length);
    for (const op of w.operators) {
      const got = byId(state, op.operatorId);
      expect(got.address).toBe(op.address);
      expect(got.operatorId).toBe(operatorIdFromPublicKey(op.blsKeyPair.publicKeyG1).toLowerCase());
      expect(got.pubkeyG1.equals(op.blsKeyPair.publicKeyG1)).toBe(true);
      expect(got.pubkeyG2.equals(op.blsKeyPair.publicKeyG2)).toBe(true);
      expect({ op: op.address, stake: got.stake }).toEqual({ op: op.address, stake: op.stake });
    }
    const expectedApk = aggregatePublicKeysG1(w.operators.map((o) => o.blsKeyPair.publicKeyG1));
    expect(state.apk?.equals(expectedApk)).toBe(true);
    expect(state.totalStake).toBe(STAKES.reduce((a, b) => a + b, 0n));
  });

  test('the raw binding agrees with the reader (operators, ids, G1 keys, stakes)', async () => {
    const block = await w.provider.getBlockNumber();
    const registry = bindings.OperatorRegistry__factory.connect(w.deployment.avs.operatorRegistry, w.provider);
    const raw = await registry.getQuorumState(0, block);
    const state = await reader.getQuorumState(0, block);
    expect(raw.operators).toEqual(state.operators.map((o) => o.address));
    expect(raw.operatorIds.map((x) => x.toLowerCase())).toEqual(state.operators.map((o) => o.operatorId));
    expect(raw.pubkeysG1.map((p) => [p.X, p.Y])).toEqual(state.operators.map((o) => o.pubkeyG1.toSolidity()));
    expect([...raw.stakes]).toEqual(state.operators.map((o) => o.stake));
    expect([raw.apk.X, raw.apk.Y]).toEqual(state.apk?.toSolidity());
  });

  test('blocks without a registry change share one state read (cached by the block that wrote the state)', async () => {
    const fresh = new ChainReader(w.provider, w.deployment.avs);
    const selector = bindings.OperatorRegistry__factory.createInterface().getFunction('getQuorumState').selector;
    const call = jest.spyOn(w.provider, 'call');
    try {
      const b1 = await w.provider.getBlockNumber();
      await w.provider.send('evm_mine', []);
      await w.provider.send('evm_mine', []);
      const states = await Promise.all([b1, b1 + 1, b1 + 2].map((b) => fresh.getQuorumState(0, b)));
      const reads = call.mock.calls.filter(([tx]) => typeof tx.data === 'string' && tx.data.startsWith(selector)).length;
      expect(reads).toBe(1);
      expect(states.map((s) => s.blockNumber)).toEqual([b1, b1 + 1, b1 + 2]);
      for (const s of states) {
        expect(s.totalStake).toBe(states[0]!.totalStake);
        expect(s.operators.map((o) => [o.operatorId, o.stake])).toEqual(states[0]!.operators.map((o) => [o.operatorId, o.stake]));
      }
    } finally {
      call.mockRestore();
    }
  });

  test('registration is idempotent: a second run sends nothing', async () => {
    const op = w.operators[0]!;
    const steps: string[] = [];
    const res = await registerOperator({
      signer: op.wallet,
      blsKey: op.blsKeyPair,
      core: w.deployment.core,
      avs: w.deployment.avs,
      quorums: [0],
      devnet: { ...w.deployment.devnet!, stake: op.stake },
      onProgress: (p) => steps.push(`${p.step}:${p.status}`),
    });
    expect(res.joined).toEqual([]);
    expect(steps.every((s) => s.endsWith(':skipped'))).toBe(true);
  });

  test('a stake change and a deregistration are checkpointed: older blocks keep the old state', async () => {
    const before = await w.provider.getBlockNumber();
    const stateBefore = await reader.getQuorumState(0, before);

    // Operator 0 deposits 50 more and anyone refreshes its stake.
    const op0 = w.operators[0]!;
    const added = 50n * E18;
    await registerOperator({ signer: op0.wallet, blsKey: op0.blsKeyPair, core: w.deployment.core, avs: w.deployment.avs, quorums: [0], devnet: { ...w.deployment.devnet!, stake: op0.stake + added } });
    const registry = bindings.OperatorRegistry__factory.connect(w.deployment.avs.operatorRegistry, w.operators[1]!.wallet);
    await waitForReceipt(await registry.updateOperators([op0.address]));
    const afterStake = await w.provider.getBlockNumber();

    // Operator 3 leaves.
    const op3 = w.operators[3]!;
    expect(await deregisterOperator({ signer: op3.wallet, core: w.deployment.core, avs: w.deployment.avs })).toEqual([0]);
    const afterLeave = await w.provider.getBlockNumber();

    const old = await reader.getQuorumState(0, before);
    expect(old.totalStake).toBe(stateBefore.totalStake);
    expect(byId(old, op0.operatorId).stake).toBe(op0.stake);
    expect(old.operators).toHaveLength(4);

    const mid = await reader.getQuorumState(0, afterStake);
    expect(byId(mid, op0.operatorId).stake).toBe(op0.stake + added);
    expect(mid.totalStake).toBe(stateBefore.totalStake + added);
    expect(mid.operators).toHaveLength(4);

    const now = await reader.getQuorumState(0, afterLeave);
    expect(now.operators.map((o) => o.operatorId)).not.toContain(op3.operatorId.toLowerCase());
    expect(now.totalStake).toBe(stateBefore.totalStake + added - op3.stake);
    const apk = aggregatePublicKeysG1(w.operators.slice(0, 3).map((o) => o.blsKeyPair.publicKeyG1));
    expect(now.apk?.equals(apk)).toBe(true);
    // The old block still shows operator 3 and the old apk.
    expect(old.apk?.equals(aggregatePublicKeysG1(w.operators.map((o) => o.blsKeyPair.publicKeyG1)))).toBe(true);
  });

  test('a block ahead of the chain is a retryable ERR_CHAIN_BLOCK_NOT_REACHED', async () => {
    const head = await w.provider.getBlockNumber();
    await expect(reader.getQuorumState(0, head + 1000)).rejects.toMatchObject({ code: 'ERR_CHAIN_BLOCK_NOT_REACHED', retryable: true });
  });

  test('a quorum that does not exist is ERR_CHAIN_QUORUM_UNKNOWN', async () => {
    const head = await w.provider.getBlockNumber();
    await expect(reader.getQuorumState(7, head)).rejects.toMatchObject({ code: 'ERR_CHAIN_QUORUM_UNKNOWN' });
  });
});
