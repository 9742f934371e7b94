/**
 * The aggregator's rewards keeper on anvil (docs/protocol.md "Rewards"): with `rewards.enabled`, once a calculation
 * interval of the (stand-in) RewardsCoordinator has ended after tasks were answered, the aggregator calls
 * RewardsVault.submitRewards() by itself, and the signers' earnings move from "pending" to "submitted"; with
 * nothing earned it sends nothing.
 */
import { jest } from '@jest/globals';
import { bindings, noopLogger, parseTaskCreatedLog, taskHash, waitForReceipt } from '@aioracle/sdk';
import { hexlify, randomBytes } from 'ethers';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { MODEL_ID, cleanRedis, createWorld, signedResponse, testConfig, waitFor, type World } from '../helpers/world.js';

jest.setTimeout(180_000);

const PREFIX = `aggtest-rewards-${process.pid}`;
const OUT = '0x0101000000' + '07000000';
let w: World;
let agg: Aggregator;

beforeAll(async () => {
  w = await createWorld([
    { stake: 5n, quorums: [0] },
    { stake: 5n, quorums: [0] },
    { stake: 5n, quorums: [0] },
  ], { quorums: [0] });
  agg = await startAggregator(testConfig(w, PREFIX, { rewards: { enabled: true, vault: w.deployment.avs.rewardsVault!, poll_interval_ms: 200 } }), { logger: noopLogger, submitterKey: w.submitterKey });
});

afterAll(async () => {
  await agg?.stop();
  await w?.close();
  await cleanRedis(PREFIX);
});

test('submits the accrued rewards once the interval has ended', async () => {
  const vault = bindings.RewardsVault__factory.connect(w.deployment.avs.rewardsVault!, w.provider);
  // a fee well above the submitter's gas refund (the world's model fee, 1,000 wei, would all go to gas)
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.requester);
  const receipt = await waitForReceipt(await oracle.requestInference(MODEL_ID, hexlify(Uint8Array.from([1, 1, 0, 0, 0, ...randomBytes(8)])), '0x0000000000000000000000000000000000000000', 0, { value: 10n ** 16n }));
  const log = receipt!.logs.find((l) => l.address.toLowerCase() === w.deployment.avs.inferenceOracle.toLowerCase() && l.topics[0] === oracle.interface.getEvent('TaskCreated').topicHash)!;
  const c = parseTaskCreatedLog(log, w.deployment.avs.inferenceOracle);
  const t = { task: c.task, taskHash: taskHash(c.task) };
  await waitFor(() => agg.store.getStatus(t.task.taskId.toString()), 15_000, 'task loaded');
  for (const op of w.operators) {
    await fetch(`http://127.0.0.1:${agg.port}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signedResponse(w, op, t, OUT)) });
  }
  await waitFor(async () => (await agg.store.getStatus(t.task.taskId.toString())) === 'finalised', 20_000, 'finalised');
  const earned = await Promise.all(w.operators.map((o) => vault.earned(o.address)));
  for (const e of earned) expect(e).toBeGreaterThan(0n);
  expect(await vault.submitted(w.operators[0]!.address)).toBe(0n);

  const rc = bindings.RewardsCoordinator__factory.connect(w.deployment.core.rewardsCoordinator!, w.provider);
  await w.provider.send('evm_increaseTime', [Number(await rc.CALCULATION_INTERVAL_SECONDS()) + 1]);
  await w.provider.send('evm_mine', []);
  await waitFor(async () => (await vault.submitted(w.operators[0]!.address)) > 0n, 20_000, 'rewards submitted by the keeper');
  for (const [i, o] of w.operators.entries()) {
    expect({ i, submitted: await vault.submitted(o.address), pending: await vault.earned(o.address) }).toEqual({ i, submitted: earned[i], pending: 0n });
  }
  expect(await rc.submissionNonce(w.deployment.avs.inferenceOracle)).toBe(1n);

  // another interval with nothing earned: the keeper sends no submission
  await w.provider.send('evm_increaseTime', [Number(await rc.CALCULATION_INTERVAL_SECONDS()) + 1]);
  await w.provider.send('evm_mine', []);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await rc.submissionNonce(w.deployment.avs.inferenceOracle)).toBe(1n);
});
