/**
 * Gas benchmark of the AVS hot paths, measured end to end: the whole transaction's gasUsed from
 * receipts on a fresh anvil (Cancun), with the real devnet core, real BLS keys and signatures made
 * by the sdk. Measured:
 *   - respondToTask for one quorum with 10, 100 and 200 registered operators and 0, 1, 10 and 50
 *     non-signers (where there are enough operators),
 *   - requestInference, operator registration (AllocationManager.registerForOperatorSets, which
 *     runs the registry callback with its proof-of-possession check), and slashDissenter.
 * Targets (DESIGN §6): respondToTask ≤ 200,000 gas with 0 non-signers, ≤ 12,000 per additional
 * non-signer. Operators are funded with anvil_setBalance (funding is not measured) and registered
 * through the sdk flow with automine; nothing measured is impersonated.
 * Prints a table, then as the LAST line one JSON object with every figure.
 * Run: npm run bench:gas -w avs-contracts
 */
import {
  ChainReader,
  EXAMPLE_MANIFEST_EXACT_INT,
  TxSender,
  bindings,
  blsSign,
  buildNonSignerData,
  initBls,
  nonSignerDataToAbi,
  outputHash,
  responseDigest,
  taskAbiValue,
  type CreatedTask,
  type G1Point,
} from '@aioracle/sdk';
import { deployAll, registerModel, setupOperators, startAnvil, type RegisteredOperator } from '@aioracle/deploy';
import { JsonRpcProvider, Wallet, ZeroAddress } from 'ethers';

const E18 = 10n ** 18n;
const OPERATOR_COUNTS = [10, 100, 200] as const;
const NON_SIGNER_COUNTS = [0, 1, 10, 50] as const;
const TARGET_RESPOND_GAS = 200_000;
const TARGET_PER_NON_SIGNER_GAS = 12_000;

const t0 = Date.now();
const log = (msg: string): void => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await initBls();
const anvil = await startAnvil();
try {
  const deployer = anvil.accounts[0]!.privateKey;
  // The lowest threshold the oracle accepts (more than two thirds); the threshold check costs the same at any value.
  const deployment = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: deployer, thresholdBps: 6667, quorums: [{ quorumNumber: 0, maxOperators: 1024 }] });
  log('deployed');
  const model = await registerModel({ rpcUrl: anvil.rpcUrl, ownerKey: deployer, deployment, manifest: EXAMPLE_MANIFEST_EXACT_INT, slashWad: 10n ** 16n });
  const fee = BigInt(EXAMPLE_MANIFEST_EXACT_INT.fee);
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { batchMaxCount: 1, staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
  const requester = new TxSender(new Wallet(anvil.accounts[2]!.privateKey, provider));
  const submitter = new TxSender(new Wallet(anvil.accounts[3]!.privateKey, provider));
  const oracle = bindings.InferenceOracle__factory.connect(deployment.avs.inferenceOracle, provider);
  const reader = new ChainReader(provider, deployment.avs);

  const operators: RegisteredOperator[] = [];
  /** registerForOperatorSets gas of isolated registrations, by the operator's position (1-based). */
  const registrationGas: { nth: number; gas: bigint }[] = [];
  /**
   * Registers operators up to `count`. All but the last are registered in bulk: automine off and
   * one block a second, so many registrations share a block (their gas is not reported: writes to
   * the same block's checkpoints are cheaper). The first operator ever and the last of each level
   * register alone under automine, and their registerForOperatorSets gas is what is reported.
   */
  const addOperators = async (count: number): Promise<void> => {
    const specAt = (i: number) => ({ ecdsaKey: Wallet.createRandom().privateKey, blsSecretKey: 7_000_001n * BigInt(i + 1) + 13n, stake: 100n * E18 + BigInt(i) * E18 });
    const register = async (from: number, to: number, measure: boolean, concurrency: number): Promise<void> => {
      if (to <= from) return;
      const gasByAddress = new Map<string, bigint>();
      const regs = await setupOperators(deployment, Array.from({ length: to - from }, (_, i) => specAt(from + i)), {
        rpcUrl: anvil.rpcUrl,
        concurrency,
        onProgress: (address, p) => {
          if (p.step === 'registerForOperatorSets' && p.status === 'done' && p.gasUsed !== undefined) gasByAddress.set(address, p.gasUsed);
        },
      });
      operators.push(...regs);
      if (measure) registrationGas.push(...regs.map((r, i) => ({ nth: from + i + 1, gas: gasByAddress.get(r.address) ?? 0n })));
    };
    const start = operators.length;
    if (start === 0) await register(0, 1, true, 1);
    const bulkFrom = operators.length;
    if (count - 1 > bulkFrom) {
      await provider.send('evm_setAutomine', [false]);
      await provider.send('evm_setIntervalMining', [1]);
      try {
        await register(bulkFrom, count - 1, false, 64);
      } finally {
        await provider.send('evm_setIntervalMining', [0]);
        await provider.send('evm_setAutomine', [true]);
      }
    }
    await register(operators.length, count, true, 1);
  };

  const request = async (): Promise<{ created: CreatedTask; gasUsed: bigint }> => {
    const input = Uint8Array.from([1, 1, 0, 0, 0, ...Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))]);
    const r = await requester.send(oracle, 'requestInference', [model.modelId, input, ZeroAddress, 0], { value: fee });
    const l = r.logs.find((x) => x.topics[0] === oracle.interface.getEvent('TaskCreated').topicHash)!;
    return { created: reader.parseTaskCreated(l), gasUsed: r.gasUsed };
  };
  const OUTPUT = Uint8Array.from([1, 1, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 3, 0, 0, 0]);
  const digestFor = (created: CreatedTask, output: Uint8Array): string =>
    responseDigest({ chainId: anvil.chainId, oracle: deployment.avs.inferenceOracle, taskHash: created.taskHash, outputHash: outputHash(output) });
  const respond = async (created: CreatedTask, nonSigners: number): Promise<{ gasUsed: bigint; signatoryRecordHash: string }> => {
    const states = await reader.getQuorumStates(created.task.quorumNumbers, created.task.referenceBlock);
    const members = new Set(states[0]!.operators.map((o) => o.operatorId));
    const inQuorum = operators.filter((o) => members.has(o.operatorId.toLowerCase()));
    const digest = digestFor(created, OUTPUT);
    const sigs = new Map<string, G1Point>(inQuorum.slice(nonSigners).map((o) => [o.operatorId, blsSign(o.blsKeyPair.secretKey, digest)]));
    const data = buildNonSignerData(states, sigs);
    if (data.nonSignerIds.length !== nonSigners) throw new Error(`expected ${nonSigners} non-signers, built ${data.nonSignerIds.length}`);
    const r = await submitter.send(oracle, 'respondToTask', [taskAbiValue(created.task), OUTPUT, nonSignerDataToAbi(data)]);
    const parsed = r.logs.map((x) => { try { return oracle.interface.parseLog(x); } catch { return null; } }).find((p) => p?.name === 'TaskResponded');
    return { gasUsed: r.gasUsed, signatoryRecordHash: parsed!.args.getValue('signatoryRecordHash') as string };
  };

  const respondGas: Record<string, Record<string, number>> = {};
  let requestGas = 0n;
  let slashGas = 0n;
  for (const n of OPERATOR_COUNTS) {
    await addOperators(n);
    log(`${n} operators registered`);
    respondGas[n] = {};
    for (const k of NON_SIGNER_COUNTS) {
      if (k >= n || (n - k) * 10_000 < n * 6667) continue; // the signers (the larger stakes) must reach 66.67%
      const { created, gasUsed } = await request();
      requestGas = gasUsed;
      const r = await respond(created, k);
      respondGas[n]![k] = Number(r.gasUsed);
      log(`respondToTask n=${n} nonSigners=${k}: ${r.gasUsed}`);
      if (n === OPERATOR_COUNTS[0] && k === 0) {
        // slashDissenter: operator 0 also signed another output for this finalised task.
        const other = Uint8Array.from(OUTPUT);
        other[5] = 8;
        const op = operators[0]!;
        const sig = blsSign(op.blsKeyPair.secretKey, digestFor(created, other)).toSolidity();
        const s = await submitter.send(oracle, 'slashDissenter', [taskAbiValue(created.task), OUTPUT, r.signatoryRecordHash, other, op.address, { X: sig[0], Y: sig[1] }]);
        slashGas = s.gasUsed;
        log(`slashDissenter: ${s.gasUsed}`);
      }
    }
  }

  const perNonSigner: Record<string, number> = {};
  for (const n of OPERATOR_COUNTS) {
    const row = respondGas[n]!;
    const ks = Object.keys(row).map(Number).filter((k) => k > 0);
    const kMax = Math.max(...ks);
    if (row[0] !== undefined && Number.isFinite(kMax)) perNonSigner[n] = Math.round((row[kMax]! - row[0]) / kMax);
  }
  const registration = Object.fromEntries(registrationGas.map((r) => [r.nth, Number(r.gas)]));
  const maxZero = Math.max(...OPERATOR_COUNTS.map((n) => respondGas[n]![0] ?? 0));
  const maxPer = Math.max(...Object.values(perNonSigner));

  // Table.
  const cols = NON_SIGNER_COUNTS.map((k) => `${k} non-signers`.padStart(15));
  console.log(`respondToTask gas (whole transaction), one quorum`);
  console.log(`${'operators'.padEnd(10)}${cols.join('')}${'per non-signer'.padStart(16)}`);
  for (const n of OPERATOR_COUNTS) {
    const cells = NON_SIGNER_COUNTS.map((k) => String(respondGas[n]![k] ?? '-').padStart(15));
    console.log(`${String(n).padEnd(10)}${cells.join('')}${String(perNonSigner[n] ?? '-').padStart(16)}`);
  }
  console.log('');
  console.log(`requestInference                  ${requestGas}`);
  for (const r of registrationGas) console.log(`registerForOperatorSets (#${r.nth})`.padEnd(34) + String(r.gas));
  console.log(`slashDissenter                    ${slashGas}`);
  console.log(`targets: respondToTask(0 non-signers) <= ${TARGET_RESPOND_GAS}: ${maxZero <= TARGET_RESPOND_GAS ? 'met' : 'MISSED'} (max ${maxZero}); per non-signer <= ${TARGET_PER_NON_SIGNER_GAS}: ${maxPer <= TARGET_PER_NON_SIGNER_GAS ? 'met' : 'MISSED'} (max ${maxPer})`);
  console.log(
    JSON.stringify({
      respondToTask: respondGas,
      perNonSigner,
      requestInference: Number(requestGas),
      registerOperator: registration,
      slashDissenter: Number(slashGas),
      targets: { respondToTaskZeroNonSigners: TARGET_RESPOND_GAS, perNonSigner: TARGET_PER_NON_SIGNER_GAS },
      met: { respondToTaskZeroNonSigners: maxZero <= TARGET_RESPOND_GAS, perNonSigner: maxPer <= TARGET_PER_NON_SIGNER_GAS },
      runtimeSec: Math.round((Date.now() - t0) / 1000),
    }),
  );
  provider.destroy();
} finally {
  await anvil.stop();
}
