/**
 * Gas benchmark of the AVS hot paths, measured end to end: the whole transaction's gasUsed from
 * receipts on a fresh anvil (Cancun), with the real devnet core, real BLS keys and signatures made
 * by the sdk. Measured:
 *   - respondToTask for one quorum with 10, 100 and 200 registered operators and 0, 1, 10 and 50
 *     non-signers (where there are enough operators),
 *   - requestInference, operator registration (AllocationManager.registerForOperatorSets, which
 *     runs the registry callback with its proof-of-possession check), and slashDissenter;
 *   - respondToBatch (10 operators, all signing) at 1, 10, 50, 100 and 200 tasks created in one block,
 *     per task (whole transaction / tasks), in two shapes: `callbacks` (the first task a feed round, every
 *     other task with a no-op callback) and `feeds` (every task a round of one feed; feed tasks cannot
 *     have a callback); and slashBatchDissenter (batch evidence with a Merkle proof);
 *   - the rewards submission (RewardsVault.submitRewards: settle every operator, wrap the fees, one
 *     operator-directed operator-set submission to the RewardsCoordinator) after each operator level, as
 *     gas per task accrued since the previous submission and per operator paid. The devnet's stand-in
 *     coordinator also writes its own ledger (the real one does not), so the figure is an upper bound;
 *   - the requester's cost of a 100 KiB input in calldata (cap raised for the comparison), in one blob
 *     (execution gas and blob gas separately) and by URI (`--inputs-only` measures just this).
 * Targets (DESIGN §6): respondToTask ≤ 200,000 gas with 0 non-signers, ≤ 12,000 per additional
 * non-signer; respondToBatch ≤ 25,000 per task at 100 tasks (callbacks shape). Operators are funded with anvil_setBalance (funding is not measured) and registered
 * through the sdk flow with automine; nothing measured is impersonated.
 * Prints a table, then as the LAST line one JSON object with every figure.
 * Run: npm run bench:gas -w avs-contracts
 */
import {
  ChainReader,
  EXAMPLE_MANIFEST_EXACT_INT,
  TxSender,
  bindings,
  blobsFor,
  sendInferenceRequest,
  batchDigest,
  batchLeaf,
  blsSign,
  buildNonSignerData,
  merkleProof,
  merkleRoot,
  initBls,
  nonSignerDataToAbi,
  outputHash,
  responseDigest,
  taskAbiValue,
  taskHash,
  type CreatedTask,
  type G1Point,
} from '@aioracle/sdk';
import { deployAll, registerModel, setupOperators, startAnvil, type RegisteredOperator } from '@aioracle/deploy';
import { JsonRpcProvider, Wallet, ZeroAddress, type TransactionReceipt } from 'ethers';

const E18 = 10n ** 18n;
const OPERATOR_COUNTS = [10, 100, 200] as const;
const NON_SIGNER_COUNTS = [0, 1, 10, 50] as const;
const TARGET_RESPOND_GAS = 200_000;
const TARGET_PER_NON_SIGNER_GAS = 12_000;
const BATCH_SIZES = [1, 10, 50, 100, 200] as const;
const TARGET_BATCH_PER_TASK_GAS = 25_000;
/** Init code of a contract whose runtime is one STOP byte: the cheapest possible callback consumer. */
const NOOP_CONTRACT_INITCODE = '0x6001600c60003960016000f300';

/** Size of the input of the carrier comparison (100 KiB). */
const INPUT_CARRIER_BYTES = 100 * 1024;

type CarrierCost = { executionGas: number; blobGas: number };
function printInputCarriers(r: { bytes: number; calldata: CarrierCost; blob: CarrierCost & { blobs: number }; uri: CarrierCost }): void {
  console.log(`requester cost of a ${r.bytes}-byte input (requestInference / requestInferenceByRef, whole transaction)`);
  console.log(`${'carrier'.padEnd(10)}${'execution gas'.padStart(16)}${'blob gas'.padStart(12)}`);
  console.log(`${'calldata'.padEnd(10)}${String(r.calldata.executionGas).padStart(16)}${'0'.padStart(12)}`);
  console.log(`${'blob'.padEnd(10)}${String(r.blob.executionGas).padStart(16)}${String(r.blob.blobGas).padStart(12)}   (${r.blob.blobs} blob(s), priced by the separate blob base fee)`);
  console.log(`${'uri'.padEnd(10)}${String(r.uri.executionGas).padStart(16)}${'0'.padStart(12)}   (the bytes are served off chain)`);
  console.log('');
}

const t0 = Date.now();
const log = (msg: string): void => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await initBls();
const anvil = await startAnvil({ gasLimit: 200_000_000n }); // 200 tasks must fit in one block
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

  // ---- requester cost of a 100 KiB input: calldata vs blob (vs URI) ----
  // The oracle's calldata cap (64 KiB) is raised for this comparison only, so the same bytes can go in calldata.
  const inputCarriers = await (async () => {
    const owner = new TxSender(new Wallet(deployer, provider));
    const cfg = await oracle.config();
    await owner.send(oracle, 'setConfig', [{ responseWindow: cfg.responseWindow, challengeWindow: cfg.challengeWindow, maxStaleBlocks: cfg.maxStaleBlocks, maxInputBytes: 200_000, maxCallbackGas: cfg.maxCallbackGas }]);
    const input = Uint8Array.from({ length: INPUT_CARRIER_BYTES }, (_, i) => (i * 7919 + 13) & 0xff);
    input[0] = 1;
    const calldata = await sendInferenceRequest(requester, oracle, { modelId: model.modelId, input, fee, carrier: 'calldata' });
    const blob = await sendInferenceRequest(requester, oracle, { modelId: model.modelId, input, fee, carrier: 'blob' });
    const uri = await sendInferenceRequest(requester, oracle, { modelId: model.modelId, input, fee, carrier: 'uri', uri: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/input.bin' });
    await owner.send(oracle, 'setConfig', [{ responseWindow: cfg.responseWindow, challengeWindow: cfg.challengeWindow, maxStaleBlocks: cfg.maxStaleBlocks, maxInputBytes: cfg.maxInputBytes, maxCallbackGas: cfg.maxCallbackGas }]);
    const r = {
      bytes: INPUT_CARRIER_BYTES,
      calldata: { executionGas: Number(calldata.gasUsed), blobGas: 0 },
      blob: { executionGas: Number(blob.gasUsed), blobGas: Number(blob.blobGasUsed ?? 0n), blobs: blobsFor(INPUT_CARRIER_BYTES) },
      uri: { executionGas: Number(uri.gasUsed), blobGas: 0 },
    };
    log(`input carriers: ${JSON.stringify(r)}`);
    return r;
  })();
  if (process.argv.includes('--inputs-only')) {
    printInputCarriers(inputCarriers);
    console.log(JSON.stringify({ inputCarriers, runtimeSec: Math.round((Date.now() - t0) / 1000) }));
    provider.destroy();
    process.exit(0);
  }

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

  // ---- batches ----
  const feedsContract = bindings.InferenceFeeds__factory.connect(deployment.avs.inferenceFeeds, provider);
  const owner = new TxSender(new Wallet(deployer, provider));
  const batchWallet = new Wallet(anvil.accounts[4]!.privateKey, provider);
  let feedId = 0n;
  let noopCallback = '';
  const setupBatches = async (): Promise<void> => {
    const r = await owner.send(feedsContract, 'createFeed', [model.modelId, Uint8Array.from([1, 1, 0, 0, 0, 9, 9, 9, 9]), ZeroAddress, 8, 1, 3600, 'bench feed']);
    const ev = r.logs.map((x) => { try { return feedsContract.interface.parseLog(x); } catch { return null; } }).find((p) => p?.name === 'FeedCreated');
    feedId = ev!.args.getValue('feedId') as bigint;
    const d = await (await batchWallet.sendTransaction({ data: NOOP_CONTRACT_INITCODE })).wait();
    noopCallback = d!.contractAddress!;
  };
  /** `n` tasks created in one block (automine off, then one evm_mine), so they share a reference block. */
  const createInOneBlock = async (n: number, shape: 'callbacks' | 'feeds' | 'plain'): Promise<CreatedTask[]> => {
    let nonce = await provider.getTransactionCount(batchWallet.address, 'pending');
    const hashes: string[] = [];
    await provider.send('evm_setAutomine', [false]);
    try {
      for (let i = 0; i < n; i++) {
        const feed = shape === 'feeds' || (shape === 'callbacks' && i === 0);
        const callback = shape === 'plain' ? ZeroAddress : noopCallback;
        const input = Uint8Array.from([1, 1, 0, 0, 0, i & 0xff, i >> 8, n & 0xff, n >> 8, 0, 0, 0, 0]);
        const tx = feed
          ? { to: deployment.avs.inferenceFeeds, data: feedsContract.interface.encodeFunctionData('requestFeedRound', [feedId]) }
          : { to: deployment.avs.inferenceOracle, data: oracle.interface.encodeFunctionData('requestInference', [model.modelId, input, callback, callback === ZeroAddress ? 0 : 50_000]) };
        const sent = await batchWallet.sendTransaction({ ...tx, value: fee, nonce: nonce++, gasLimit: 400_000 });
        hashes.push(sent.hash);
      }
      await provider.send('evm_mine', []);
    } finally {
      await provider.send('evm_setAutomine', [true]);
    }
    const receipts = (await Promise.all(hashes.map((h) => provider.getTransactionReceipt(h)))) as TransactionReceipt[];
    const topic = oracle.interface.getEvent('TaskCreated').topicHash;
    const created = receipts.map((r) => reader.parseTaskCreated(r.logs.find((x) => x.topics[0] === topic && x.address.toLowerCase() === deployment.avs.inferenceOracle.toLowerCase())!));
    if (new Set(created.map((c) => c.task.referenceBlock)).size !== 1) throw new Error('batch tasks span several blocks');
    return created;
  };
  const batchOutput = (i: number, variant = 0): Uint8Array => Uint8Array.from([1, 1, 0, 0, 0, 7, i & 0xff, i >> 8, 0, 9 + variant, 0, 0, 0]);
  const batchDigestFor = (created: CreatedTask[], outputs: Uint8Array[]): { digest: string; leaves: string[] } => {
    const leaves = created.map((c, i) => batchLeaf(taskHash(c.task), outputHash(outputs[i]!)));
    const digest = batchDigest({ chainId: anvil.chainId, oracle: deployment.avs.inferenceOracle, referenceBlock: created[0]!.task.referenceBlock, batchRoot: merkleRoot(leaves), leafCount: leaves.length });
    return { digest, leaves };
  };
  const respondBatch = async (created: CreatedTask[]): Promise<{ gasUsed: bigint; signatoryRecordHash: string; outputs: Uint8Array[] }> => {
    const outputs = created.map((_, i) => batchOutput(i));
    const states = await reader.getQuorumStates(created[0]!.task.quorumNumbers, created[0]!.task.referenceBlock);
    const members = new Set(states[0]!.operators.map((o) => o.operatorId));
    const { digest } = batchDigestFor(created, outputs);
    const sigs = new Map<string, G1Point>(operators.filter((o) => members.has(o.operatorId.toLowerCase())).map((o) => [o.operatorId, blsSign(o.blsKeyPair.secretKey, digest)]));
    const data = buildNonSignerData(states, sigs);
    const r = await submitter.send(oracle, 'respondToBatch', [created.map((c) => taskAbiValue(c.task)), outputs, nonSignerDataToAbi(data)], { gasLimit: 30_000_000n });
    const parsed = r.logs.map((x) => { try { return oracle.interface.parseLog(x); } catch { return null; } }).filter((p) => p?.name === 'TaskResponded');
    if (parsed.length !== created.length) throw new Error(`batch answered ${parsed.length} of ${created.length}`);
    return { gasUsed: r.gasUsed, signatoryRecordHash: parsed[0]!.args.getValue('signatoryRecordHash') as string, outputs };
  };
  const batchGas: Record<string, Record<string, number>> = { callbacks: {}, feeds: {} };
  let slashBatchGas = 0n;
  /** A 1-task batch of a task without callback or feed: the like-for-like comparison with respondToTask. */
  let batchPlain1 = 0;
  const measureBatches = async (): Promise<void> => {
    await setupBatches();
    batchPlain1 = Number((await respondBatch(await createInOneBlock(1, 'plain'))).gasUsed);
    tasksSinceSubmission += 1;
    log(`respondToBatch plain n=1: ${batchPlain1}`);
    for (const shape of ['callbacks', 'feeds'] as const) {
      for (const n of BATCH_SIZES) {
        const created = await createInOneBlock(n, shape);
        const r = await respondBatch(created);
        batchGas[shape]![n] = Math.round(Number(r.gasUsed) / n);
        tasksSinceSubmission += n;
        log(`respondToBatch ${shape} n=${n}: ${r.gasUsed} (${batchGas[shape]![n]} per task)`);
        if (shape === 'callbacks' && n === 10) {
          // slashBatchDissenter: operator 0 also signed a root in which task 3's output differs.
          const mine = r.outputs.map((o, i) => (i === 3 ? batchOutput(i, 1) : o));
          const { digest, leaves } = batchDigestFor(created, mine);
          const op = operators[0]!;
          const sig = blsSign(op.blsKeyPair.secretKey, digest).toSolidity();
          const proof = { leafCount: n, leafIndex: 3, siblings: merkleProof(leaves, 3) };
          const s = await submitter.send(oracle, 'slashBatchDissenter', [taskAbiValue(created[3]!.task), r.outputs[3]!, r.signatoryRecordHash, mine[3]!, op.address, proof, { X: sig[0], Y: sig[1] }]);
          slashBatchGas = s.gasUsed;
          log(`slashBatchDissenter: ${s.gasUsed}`);
        }
      }
    }
  };

  // ---- rewards submissions ----
  const vault = deployment.avs.rewardsVault !== undefined ? bindings.RewardsVault__factory.connect(deployment.avs.rewardsVault, provider) : null;
  const keeper = new TxSender(new Wallet(anvil.accounts[5]!.privateKey, provider));
  let tasksSinceSubmission = 0;
  const rewardsGas: Record<string, { gas: number; tasks: number; operators: number; perTask: number; perOperator: number }> = {};
  /** Moves time past the coordinator's calculation interval and submits what the vault accrued. */
  const submitRewards = async (label: string): Promise<void> => {
    if (!vault || tasksSinceSubmission === 0) return;
    const rc = bindings.RewardsCoordinator__factory.connect(deployment.core.rewardsCoordinator!, provider);
    const interval = Number(await rc.CALCULATION_INTERVAL_SECONDS());
    await provider.send('evm_increaseTime', [interval + 1]);
    await provider.send('evm_mine', []);
    const r = await keeper.send(vault, 'submitRewards', [], { gasLimit: 30_000_000n });
    const ev = r.logs.map((x) => { try { return vault.interface.parseLog(x); } catch { return null; } }).find((p) => p?.name === 'RewardsSubmitted');
    const paid = Number(ev!.args.getValue('operators') as bigint);
    rewardsGas[label] = { gas: Number(r.gasUsed), tasks: tasksSinceSubmission, operators: paid, perTask: Math.round(Number(r.gasUsed) / tasksSinceSubmission), perOperator: Math.round(Number(r.gasUsed) / Math.max(1, paid)) };
    log(`submitRewards (${label}): ${r.gasUsed} for ${tasksSinceSubmission} tasks, ${paid} operators`);
    tasksSinceSubmission = 0;
  };

  const respondGas: Record<string, Record<string, number>> = {};
  let requestGas = 0n;
  let slashGas = 0n;
  for (const n of OPERATOR_COUNTS) {
    await addOperators(n);
    log(`${n} operators registered`);
    respondGas[n] = {};
    if (n === OPERATOR_COUNTS[0]) await measureBatches();
    for (const k of NON_SIGNER_COUNTS) {
      if (k >= n || (n - k) * 10_000 < n * 6667) continue; // the signers (the larger stakes) must reach 66.67%
      const { created, gasUsed } = await request();
      requestGas = gasUsed;
      const r = await respond(created, k);
      tasksSinceSubmission += 1;
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
    await submitRewards(`${n} operators`);
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
  console.log('');
  console.log(`respondToBatch gas per task (whole transaction / tasks), ${OPERATOR_COUNTS[0]} operators all signing`);
  console.log(`${'shape'.padEnd(10)}${BATCH_SIZES.map((n) => `${n} tasks`.padStart(12)).join('')}`);
  for (const shape of ['callbacks', 'feeds'] as const) {
    console.log(`${shape.padEnd(10)}${BATCH_SIZES.map((n) => String(batchGas[shape]![n] ?? '-').padStart(12)).join('')}`);
  }
  console.log(`slashBatchDissenter               ${slashBatchGas}`);
  console.log('');
  console.log('RewardsVault.submitRewards (whole transaction), after each operator level');
  for (const [label, g] of Object.entries(rewardsGas)) {
    console.log(`${label.padEnd(14)} ${String(g.gas).padStart(10)} gas, ${g.tasks} tasks accrued (${g.perTask} per task), ${g.operators} operators paid (${g.perOperator} per operator)`);
  }
  const batchAt100 = batchGas.callbacks![100] ?? Infinity;
  const single = respondGas[OPERATOR_COUNTS[0]]![0]!;
  console.log(`target: respondToBatch(100 tasks, callbacks) <= ${TARGET_BATCH_PER_TASK_GAS} per task: ${batchAt100 <= TARGET_BATCH_PER_TASK_GAS ? 'met' : 'MISSED'} (${batchAt100})`);
  console.log(`1-task batch: a single response by protocol (docs/protocol.md), answered by respondToTask: ${single} gas, no dearer than respondToTask; a one-leaf respondToBatch (not used) would be ${batchPlain1} (+${batchPlain1 - single})`);
  console.log(`targets: respondToTask(0 non-signers) <= ${TARGET_RESPOND_GAS}: ${maxZero <= TARGET_RESPOND_GAS ? 'met' : 'MISSED'} (max ${maxZero}); per non-signer <= ${TARGET_PER_NON_SIGNER_GAS}: ${maxPer <= TARGET_PER_NON_SIGNER_GAS ? 'met' : 'MISSED'} (max ${maxPer})`);
  printInputCarriers(inputCarriers);
  console.log(
    JSON.stringify({
      inputCarriers,
      respondToTask: respondGas,
      perNonSigner,
      requestInference: Number(requestGas),
      registerOperator: registration,
      slashDissenter: Number(slashGas),
      batch: batchGas.callbacks,
      batchFeeds: batchGas.feeds,
      batchPlain1,
      oneTaskBatch: { answeredBy: 'respondToTask', gas: single },
      slashBatchDissenter: Number(slashBatchGas),
      rewardsSubmission: rewardsGas,
      targets: { respondToTaskZeroNonSigners: TARGET_RESPOND_GAS, perNonSigner: TARGET_PER_NON_SIGNER_GAS, batchPerTaskAt100: TARGET_BATCH_PER_TASK_GAS },
      met: { respondToTaskZeroNonSigners: maxZero <= TARGET_RESPOND_GAS, perNonSigner: maxPer <= TARGET_PER_NON_SIGNER_GAS, batchPerTaskAt100: batchAt100 <= TARGET_BATCH_PER_TASK_GAS },
      runtimeSec: Math.round((Date.now() - t0) / 1000),
    }),
  );
  provider.destroy();
} finally {
  await anvil.stop();
}
