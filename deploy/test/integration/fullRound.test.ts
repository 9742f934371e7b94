/**
 * One full round on anvil, on the EigenLayer core the devnet deploys (the stand-in of avs-contracts/src/devnet-core,
 * held to the real core's ABI by avs-contracts/test/avs/EigenLayerCompatTable.t.sol), with real contracts and no
 * mocks: an operator registers through the AllocationManager with its BLS proof of possession (the sdk's
 * registerOperator, what `aioracle-operator register` runs; a proof made for another address is refused first),
 * allocates magnitude, answers tasks with the three operators of the test world (BLS signatures and non-signer data
 * from the sdk, respondToTask), signs a different output on one task and is slashed by slashDissenter →
 * AllocationManager.slashOperator (magnitude, shares and registry stake down by the model's slashWad; the others
 * untouched), then deregisters (out of the operator set and the registry, still slashable for DEALLOCATION_DELAY).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ChainReader,
  EXAMPLE_MANIFEST_EXACT_INT,
  bindings,
  blsSign,
  buildNonSignerData,
  decodeRevert,
  deregisterOperator,
  encodePubkeyRegistrationData,
  nonSignerDataToAbi,
  operatorIdFromPublicKey,
  outputHash,
  registerOperator,
  responseDigest,
  taskAbiValue,
  toBlsKeyPair,
  waitForReceipt,
  type BlsKeyPair,
  type CreatedTask,
  type G1Point,
  type RegistrationProgress,
} from '@aioracle/sdk';
import { Wallet, ZeroAddress, parseEther, toBeHex, type Log } from 'ethers';
import { registerModel } from '../../src/index.js';
import { buildWorld, testBlsKey, type World } from './world.js';

const E18 = 10n ** 18n;
const WAD = E18;
// Three honest operators (300 of 350 after the fourth joins: above the two-thirds threshold without it).
const STAKES = [100n * E18, 100n * E18, 100n * E18];
const JOINER_STAKE = 50n * E18;
const SLASH_WAD = WAD / 10n; // the model slashes 10% of the allocated magnitude per proven dissent
const QUORUM = 0;
const OUTPUT = Uint8Array.from([1, 1, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 3, 0, 0, 0]);
const DISSENT = Uint8Array.from([1, 1, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 4, 0, 0, 0]);

let w: World;
let reader: ChainReader;
let modelId: string;
let fee: bigint;
let strategy: string;

beforeAll(async () => {
  w = await buildWorld(STAKES);
  reader = new ChainReader(w.provider, w.deployment.avs);
  const m = await registerModel({ rpcUrl: w.anvil.rpcUrl, ownerKey: w.anvil.accounts[0]!.privateKey, deployment: w.deployment, manifest: EXAMPLE_MANIFEST_EXACT_INT, slashWad: SLASH_WAD });
  modelId = m.modelId;
  fee = BigInt(EXAMPLE_MANIFEST_EXACT_INT.fee);
  strategy = w.deployment.devnet!.strategy;
}, 300_000);
afterAll(async () => {
  await w?.stop();
});

const operatorSet = () => ({ avs: w.deployment.avs.inferenceOracle, id: QUORUM });
const am = () => bindings.IAllocationManager__factory.connect(w.deployment.core.allocationManager, w.provider);
const oracle = () => bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);

/** Events of `contract`'s interface in `logs`, by name. */
function events(logs: readonly Log[], iface: { parseLog: (l: Log) => { name: string; args: unknown } | null }, name: string) {
  return logs.flatMap((l) => {
    try {
      const ev = iface.parseLog(l);
      return ev?.name === name ? [ev] : [];
    } catch {
      return [];
    }
  });
}

async function request(i: number): Promise<CreatedTask> {
  const requester = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.operators[0]!.wallet);
  const receipt = await waitForReceipt(await requester.requestInference(modelId, Uint8Array.from([1, 1, 0, 0, 0, ...new Array(16).fill(i)]), ZeroAddress, 0, { value: fee }));
  return reader.parseTaskCreated(receipt!.logs.find((l) => events([l], requester.interface, 'TaskCreated').length === 1)!);
}

function signOf(created: CreatedTask, key: BlsKeyPair, output: Uint8Array): G1Point {
  return blsSign(key.secretKey, responseDigest({ chainId: w.anvil.chainId, oracle: w.deployment.avs.inferenceOracle, taskHash: created.taskHash, outputHash: outputHash(output) }));
}

/** respondToTask for `created` with `sigs` over OUTPUT (any account submits); returns the non-signer data used. */
async function respond(created: CreatedTask, sigs: Map<string, G1Point>) {
  const states = await reader.getQuorumStates(created.task.quorumNumbers, created.task.referenceBlock);
  const data = buildNonSignerData(states, sigs);
  const submitter = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.operators[1]!.wallet);
  const receipt = await waitForReceipt(await submitter.respondToTask(taskAbiValue(created.task) as never, OUTPUT, nonSignerDataToAbi(data)));
  expect(receipt!.status).toBe(1);
  return data;
}

describe('a full round on the devnet core: register, allocate, answer, slash, deregister', () => {
  test('register with the BLS proof of possession → allocate → answer → slashDissenter → slashOperator → deregister', async () => {
    const joiner = new Wallet(Wallet.createRandom().privateKey, w.provider);
    await w.provider.send('anvil_setBalance', [joiner.address, toBeHex(parseEther('10'))]);
    const key = toBlsKeyPair(testBlsKey(STAKES.length));
    const operatorId = operatorIdFromPublicKey(key.publicKeyG1).toLowerCase();
    const registry = bindings.OperatorRegistry__factory.connect(w.deployment.avs.operatorRegistry, w.provider);

    // 1. A proof of possession made for another address is refused by the registrar (the AllocationManager's callback).
    const dm = bindings.IDelegationManager__factory.connect(w.deployment.core.delegationManager, joiner);
    await waitForReceipt(await dm.registerAsOperator(ZeroAddress, 0, ''));
    const wrongPop = encodePubkeyRegistrationData(key, w.operators[0]!.address, w.deployment.avs.operatorRegistry, w.anvil.chainId);
    const refused = await am().connect(joiner).registerForOperatorSets(joiner.address, { avs: w.deployment.avs.inferenceOracle, operatorSetIds: [QUORUM], data: wrongPop }).catch((e: unknown) => e);
    expect(decodeRevert(refused)?.name).toBe('InvalidProofOfPossession');
    expect(await am().isMemberOfOperatorSet(joiner.address, operatorSet())).toBe(false);

    // 2. The sdk's registration flow (aioracle-operator register): stake, allocate, join with the right proof.
    const steps: string[] = [];
    const res = await registerOperator({
      signer: joiner,
      blsKey: key,
      core: w.deployment.core,
      avs: w.deployment.avs,
      quorums: [QUORUM],
      devnet: { ...w.deployment.devnet!, stake: JOINER_STAKE },
      onProgress: (p: RegistrationProgress) => void (p.status !== 'started' && steps.push(`${p.step}:${p.status}`)),
    });
    expect(steps).toEqual(['registerAsOperator:skipped', 'mint:done', 'deposit:done', 'allocate:done', 'registerForOperatorSets:done']);
    expect(res).toMatchObject({ operator: joiner.address, joined: [QUORUM] });
    expect(res.operatorId.toLowerCase()).toBe(operatorId);
    const joinLogs = res.receipts.registerForOperatorSets!.logs;
    expect(events(joinLogs, am().interface, 'OperatorAddedToOperatorSet')).toHaveLength(1);
    expect(events(joinLogs, registry.interface, 'NewPubkeyRegistration')).toHaveLength(1);
    expect(await am().isMemberOfOperatorSet(joiner.address, operatorSet())).toBe(true);
    expect((await registry.operatorIdOf(joiner.address)).toLowerCase()).toBe(operatorId);
    // all of its magnitude (one quorum) allocated to the operator set, in effect at once (allocation delay 0)
    const alloc0 = await am().getAllocation(joiner.address, operatorSet(), strategy);
    expect({ current: alloc0.currentMagnitude, pending: alloc0.pendingDiff }).toEqual({ current: WAD, pending: 0n });
    expect(await am().getMaxMagnitude(joiner.address, strategy)).toBe(WAD);
    const [sharesBefore] = await bindings.IDelegationManager__factory.connect(w.deployment.core.delegationManager, w.provider).getOperatorShares(joiner.address, [strategy]);
    expect(sharesBefore).toBe(JOINER_STAKE);
    const state0 = await reader.getQuorumState(QUORUM, await w.provider.getBlockNumber());
    const joined = state0.operators.find((o) => o.operatorId === operatorId)!;
    expect(joined.pubkeyG2.equals(key.publicKeyG2)).toBe(true);
    expect(joined.stake).toBe(JOINER_STAKE);
    expect(state0.totalStake).toBe(STAKES.reduce((a, b) => a + b, 0n) + JOINER_STAKE);

    // 3. Tasks: all four sign the first; on the second the joiner signs another output and is a non-signer.
    const everyone = [...w.operators.map((o) => ({ id: o.operatorId, key: o.blsKeyPair })), { id: operatorId, key }];
    const t1 = await request(1);
    const d1 = await respond(t1, new Map(everyone.map((o) => [o.id, signOf(t1, o.key, OUTPUT)])));
    expect(d1.nonSignerIds).toEqual([]);
    expect((await reader.getTaskResult(t1.task.taskId))!.signedStake).toEqual([state0.totalStake]);

    const t2 = await request(2);
    const dissentSig = signOf(t2, key, DISSENT);
    const d2 = await respond(t2, new Map(w.operators.map((o) => [o.operatorId, signOf(t2, o.blsKeyPair, OUTPUT)])));
    expect(d2.nonSignerIds).toEqual([operatorId]);
    const r2 = (await reader.getTaskResult(t2.task.taskId))!;
    expect(r2.signedStake).toEqual([state0.totalStake - JOINER_STAKE]);
    expect((await reader.getTaskStatus(t2.task.taskId)).status).toBe('responded');

    // 4. Anyone files the dissent: slashDissenter → AllocationManager.slashOperator.
    const slasher = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.operators[2]!.wallet);
    const [sx, sy] = dissentSig.toSolidity();
    const slashReceipt = await waitForReceipt(await slasher.slashDissenter(taskAbiValue(t2.task) as never, OUTPUT, r2.signatoryRecordHash, DISSENT, joiner.address, { X: sx, Y: sy }));
    const [dissent] = events(slashReceipt!.logs, oracle().interface, 'DissenterSlashed');
    expect(dissent).toBeDefined();
    const [slashed] = events(slashReceipt!.logs, am().interface, 'OperatorSlashed') as unknown as { args: { operator: string; operatorSet: { avs: string; id: bigint }; strategies: string[]; wadSlashed: bigint[] } }[];
    expect(slashed!.args.operator).toBe(joiner.address);
    expect([slashed!.args.operatorSet.avs, Number(slashed!.args.operatorSet.id)]).toEqual([w.deployment.avs.inferenceOracle, QUORUM]);
    expect([...slashed!.args.strategies]).toEqual([strategy]);
    expect([...slashed!.args.wadSlashed]).toEqual([SLASH_WAD]); // 10% of a full allocation
    expect(await oracle().isSlashed(t2.task.taskId, joiner.address)).toBe(true);

    // its magnitude, max magnitude, shares and registry stake dropped by the slashWad; nobody else's moved
    const alloc1 = await am().getAllocation(joiner.address, operatorSet(), strategy);
    expect(alloc1.currentMagnitude).toBe(WAD - SLASH_WAD);
    expect(await am().getMaxMagnitude(joiner.address, strategy)).toBe(WAD - SLASH_WAD);
    const [sharesAfter] = await bindings.IDelegationManager__factory.connect(w.deployment.core.delegationManager, w.provider).getOperatorShares(joiner.address, [strategy]);
    expect(sharesAfter).toBe(sharesBefore! - (sharesBefore! * SLASH_WAD) / WAD);
    const allocated = await am().getAllocatedStake(operatorSet(), [joiner.address], [strategy]);
    expect(allocated.map((row) => [...row])).toEqual([[sharesAfter]]);
    const state1 = await reader.getQuorumState(QUORUM, await w.provider.getBlockNumber());
    expect(state1.operators.find((o) => o.operatorId === operatorId)!.stake).toBe(sharesAfter);
    expect(state1.totalStake).toBe(state0.totalStake - (JOINER_STAKE - sharesAfter!));
    for (const o of w.operators) {
      expect({ op: o.address, magnitude: (await am().getAllocation(o.address, operatorSet(), strategy)).currentMagnitude }).toEqual({ op: o.address, magnitude: WAD });
    }
    // the same evidence twice is refused
    const again = await slasher.slashDissenter(taskAbiValue(t2.task) as never, OUTPUT, r2.signatoryRecordHash, DISSENT, joiner.address, { X: sx, Y: sy }).catch((e: unknown) => e);
    expect(decodeRevert(again)?.name).toBe('AlreadySlashed');

    // 5. Deregistration: out of the operator set and the registry's quorum, still slashable for DEALLOCATION_DELAY.
    const beforeLeave = await w.provider.getBlockNumber();
    expect(await deregisterOperator({ signer: joiner, core: w.deployment.core, avs: w.deployment.avs })).toEqual([QUORUM]);
    const afterLeave = await w.provider.getBlockNumber();
    expect(await am().isMemberOfOperatorSet(joiner.address, operatorSet())).toBe(false);
    expect(await am().getMembers(operatorSet())).not.toContain(joiner.address);
    expect(await am().isOperatorSlashable(joiner.address, operatorSet())).toBe(true);
    const [member] = await registry.getOperatorStakeAt(operatorId, QUORUM, afterLeave);
    expect(member).toBe(false);
    const state2 = await reader.getQuorumState(QUORUM, afterLeave);
    expect(state2.operators.map((o) => o.operatorId)).not.toContain(operatorId);
    expect(state2.totalStake).toBe(STAKES.reduce((a, b) => a + b, 0n));
    // the registry's checkpoints keep it at the older block; a second deregistration sends nothing
    expect((await reader.getQuorumState(QUORUM, beforeLeave)).operators.map((o) => o.operatorId)).toContain(operatorId);
    expect(await deregisterOperator({ signer: joiner, core: w.deployment.core, avs: w.deployment.avs })).toEqual([]);
  });
});
