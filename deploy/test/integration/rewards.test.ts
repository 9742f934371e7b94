/**
 * Rewards on anvil, end to end from TypeScript (docs/protocol.md "Rewards"): the devnet deployment wires a
 * RewardsVault to the stand-in RewardsCoordinator; tasks are answered with one non-signer; after the calculation
 * interval anyone submits the rewards; each signer claims through the sdk's claimLedgerRewards (Merkle proofs
 * checked by the coordinator) exactly what the vault submitted for it, its stake's share of the fees less the
 * submitter's gas refunds; the non-signer gets nothing; requesters' payments = claims + gas refunds + dust.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ChainReader,
  EXAMPLE_MANIFEST_EXACT_INT,
  bindings,
  blsSign,
  buildNonSignerData,
  claimLedgerRewards,
  nonSignerDataToAbi,
  outputHash,
  readOperatorRewards,
  responseDigest,
  taskAbiValue,
  type CreatedTask,
  waitForReceipt,
} from '@aioracle/sdk';
import { registerModel } from '../../src/index.js';
import { buildWorld, type World } from './world.js';

const E18 = 10n ** 18n;
// operator 3 (50 of 350) stays out of every task: 300/350 > two thirds
const STAKES = [100n * E18, 100n * E18, 100n * E18, 50n * E18];
const OUTPUT = Uint8Array.from([1, 1, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 3, 0, 0, 0]);
const TASKS = 3;
let w: World;
let reader: ChainReader;
let modelId: string;
let fee: bigint;

beforeAll(async () => {
  w = await buildWorld(STAKES);
  reader = new ChainReader(w.provider, w.deployment.avs);
  const m = await registerModel({ rpcUrl: w.anvil.rpcUrl, ownerKey: w.anvil.accounts[0]!.privateKey, deployment: w.deployment, manifest: EXAMPLE_MANIFEST_EXACT_INT });
  modelId = m.modelId;
  fee = BigInt(EXAMPLE_MANIFEST_EXACT_INT.fee);
}, 300_000);
afterAll(async () => {
  await w?.stop();
});

async function requestAndAnswer(i: number): Promise<void> {
  const requester = w.operators[0]!.wallet;
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, requester);
  const receipt = await waitForReceipt(await oracle.requestInference(modelId, Uint8Array.from([1, 1, 0, 0, 0, ...new Array(16).fill(i + 1)]), '0x0000000000000000000000000000000000000000', 0, { value: fee }));
  const log = receipt!.logs.find((l) => { try { return oracle.interface.parseLog(l)?.name === 'TaskCreated'; } catch { return false; } });
  const created: CreatedTask = reader.parseTaskCreated(log!);
  const digest = responseDigest({ chainId: w.anvil.chainId, oracle: w.deployment.avs.inferenceOracle, taskHash: created.taskHash, outputHash: outputHash(OUTPUT) });
  const sigs = new Map([0, 1, 2].map((k) => [w.operators[k]!.operatorId, blsSign(w.operators[k]!.blsKeyPair.secretKey, digest)]));
  const states = await reader.getQuorumStates(created.task.quorumNumbers, created.task.referenceBlock);
  const submitter = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.operators[1]!.wallet);
  // plain ethers (eth_estimateGas, no margin): the vault takes the same path at gas price 0 as in the transaction
  await waitForReceipt(await submitter.respondToTask(taskAbiValue(created.task) as never, OUTPUT, nonSignerDataToAbi(buildNonSignerData(states, sigs))));
}

describe('rewards through the RewardsVault and the RewardsCoordinator', () => {
  test('the devnet deployment has a vault wired to the coordinator', () => {
    expect(w.deployment.avs.rewardsVault).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(w.deployment.core.rewardsCoordinator).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(w.deployment.avs.weth).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  test('signers claim their share of the fees less gas; the non-signer nothing; no wei lost or created', async () => {
    for (let i = 0; i < TASKS; i++) await requestAndAnswer(i);
    const rewards = { vault: w.deployment.avs.rewardsVault!, coordinator: w.deployment.core.rewardsCoordinator!, token: w.deployment.avs.weth! };
    const vault = bindings.RewardsVault__factory.connect(rewards.vault, w.operators[2]!.wallet);
    const gasRefund = await vault.gasRefunds(w.operators[1]!.address);
    expect(gasRefund).toBeGreaterThan(0n);
    const net = BigInt(TASKS) * fee - gasRefund;
    const pending = await Promise.all(w.operators.map((o) => readOperatorRewards(w.provider, rewards, o.address)));
    for (let i = 0; i < 3; i++) {
      // each of three equal signers: a third of what is left after the gas refunds (rounding: a few wei at most)
      expect({ i, below: net / 3n - pending[i]!.pendingWei <= BigInt(TASKS), notAbove: pending[i]!.pendingWei <= net / 3n }).toEqual({ i, below: true, notAbove: true });
    }
    expect(pending[3]!.pendingWei).toBe(0n);

    // one calculation interval later, anyone submits
    const rc = bindings.RewardsCoordinator__factory.connect(rewards.coordinator, w.provider);
    await w.provider.send('evm_increaseTime', [Number(await rc.CALCULATION_INTERVAL_SECONDS()) + 1]);
    await w.provider.send('evm_mine', []);
    await waitForReceipt(await vault.submitRewards());
    await w.provider.send('evm_increaseTime', [2]);
    await w.provider.send('evm_mine', []);

    let claimed = 0n;
    for (let i = 0; i < 3; i++) {
      const op = w.operators[i]!;
      const after = await readOperatorRewards(w.provider, rewards, op.address);
      expect({ i, pending: after.pendingWei, submitted: after.submittedWei }).toEqual({ i, pending: 0n, submitted: pending[i]!.pendingWei });
      const res = await claimLedgerRewards(op.wallet, rewards.coordinator, op.address);
      expect({ i, amount: res.amount }).toEqual({ i, amount: pending[i]!.pendingWei });
      const st = await readOperatorRewards(w.provider, rewards, op.address);
      expect({ i, claimed: st.claimedWei, unclaimed: st.unclaimedWei }).toEqual({ i, claimed: res.amount, unclaimed: 0n });
      claimed += res.amount;
    }
    const non = await readOperatorRewards(w.provider, rewards, w.operators[3]!.address);
    expect(non).toEqual({ pendingWei: 0n, submittedWei: 0n, split: { source: 'stand-in', bips: 10_000, byQuorum: [] }, operatorShareWei: 0n, claimedWei: 0n, unclaimedWei: 0n });

    const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
    const pool = (await w.provider.getBalance(w.deployment.avs.inferenceOracle)) - (await oracle.escrowedFees());
    expect(claimed + pool).toBe(BigInt(TASKS) * fee); // the pool holds the gas refund (not withdrawn) and the dust
    expect(pool - gasRefund).toBeLessThanOrEqual(BigInt(4 * TASKS));
    expect(pool).toBeGreaterThanOrEqual(gasRefund);
  });
});
