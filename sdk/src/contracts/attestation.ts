/**
 * Auditing a finalised task from chain data alone, as the contract checked it and without trusting
 * the aggregator: the task from its TaskCreated log, the accepted output and stakes from
 * TaskResponded, the non-signer keys, aggregate G2 key and signature from the respondToTask
 * calldata, and the quorums' members, G1 keys and stakes at the task's reference block from the
 * OperatorRegistry. The checks recompute what `OperatorRegistry.checkSignatures` and
 * `InferenceOracle._checkThresholds` computed:
 *
 *   apk          = Σ_q apk_q − Σ_{non-signers} pk · (task quorums the non-signer is in)
 *   digest       = responseDigest(chainId, oracle, taskHash, keccak256(output))           (respondToTask)
 *                | batchDigest(chainId, oracle, referenceBlock, root, leafCount)           (respondToBatch: the root
 *                  rebuilt from every task and output in the calldata, and the task's Merkle path checked)
 *   signature ok ⇔ e(σ + γ·apk, −G2) · e(H(digest) + γ·G1, apkG2) = 1   (γ as the contract derives it)
 *   signed_q     = total_q − Σ_{non-signers in q} stake ;  signed_q > 0 and signed_q·10⁴ ≥ total_q·bps_q
 *   record hash  = keccak256(abi.encodePacked(uint32 referenceBlock, bytes32[] nonSignerIds))
 */
import { keccak256, solidityPackedKeccak256 } from 'ethers';
import { ensureBls } from '../bls/init.js';
import { operatorIdFromPublicKey } from '../bls/keys.js';
import type { G1Point } from '../bls/points.js';
import { aggregatePublicKeysG1, blsVerifyAggregate, subtractG1 } from '../bls/signature.js';
import { withinTolerance } from '../codec/tolerance.js';
import type { Profile } from '../protocol/profile.js';
import { responseDigest } from '../protocol/digest.js';
import { batchDigest, batchLeaf, merkleProof, merkleRoot, rootFromProof } from '../protocol/batch.js';
import { taskHash as computeTaskHash } from '../protocol/task.js';
import type { ChainReader, CreatedTask, RespondCall, TaskResult, TaskStatusName } from './chainReader.js';
import { meetsThreshold, type QuorumOperatorState } from './nonSigners.js';
import { parseInputRef, type InputRef } from '../input/reference.js';
import type { InputResolver } from '../input/inputResolver.js';
import { MAX_REF_INPUT_BYTES } from '../protocol/constants.js';

/** What the audit reads (the sdk ChainReader fits; tests may fake it). */
export type AttestationSource = Pick<ChainReader, 'getCreatedTask' | 'getTaskStatus' | 'getTaskResult' | 'getRespondCall' | 'getQuorumStates'> & {
  readonly addresses: { inferenceOracle: string };
};

/** One named check with its outcome. */
export interface AuditCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** Signed and total stake of one quorum at the reference block. */
export interface QuorumStake {
  quorum: number;
  signed: bigint;
  total: bigint;
  thresholdBps: number;
}

/** The rebuilt attestation of a task (fields are null where the chain did not yield them). */
export interface Attestation {
  taskId: bigint;
  created: CreatedTask | null;
  status: TaskStatusName;
  result: TaskResult | null;
  call: RespondCall | null;
  states: QuorumOperatorState[] | null;
  /** Non-signer operatorIds, ascending (from the calldata's keys). */
  nonSignerIds: string[] | null;
  /** Members of the task's quorums at the reference block that signed, ascending by operatorId. */
  signerIds: string[] | null;
  /** Per task quorum, recomputed from the registry (null until the states are read). */
  stakes: QuorumStake[] | null;
}

/** The audit's verdict. */
export interface AuditReport {
  taskId: bigint;
  ok: boolean;
  checks: AuditCheck[];
  attestation: Attestation;
  /** The task's canonical input bytes: inline, or fetched and hash-checked by the resolver; null when not read. */
  input: Uint8Array | null;
}

const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;
const byId = (a: string, b: string): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/**
 * Reads everything the attestation of `taskId` is made of (no verdicts): the task, its status, the
 * result, the respondToTask call, the quorum states at the reference block, signers and stakes.
 */
export async function readAttestation(src: AttestationSource, taskId: bigint, fromBlock = 0): Promise<Attestation> {
  const att: Attestation = { taskId, created: null, status: 'none', result: null, call: null, states: null, nonSignerIds: null, signerIds: null, stakes: null };
  att.created = await src.getCreatedTask(taskId, fromBlock);
  att.status = (await src.getTaskStatus(taskId)).status;
  if (!att.created || att.status !== 'responded') return att;
  att.result = await src.getTaskResult(taskId);
  if (!att.result) return att;
  att.call = await src.getRespondCall(att.result.transactionHash, taskId);
  const task = att.created.task;
  att.states = await src.getQuorumStates(task.quorumNumbers, task.referenceBlock);
  if (att.call) {
    await ensureBls();
    const ids = att.call.nonSignerPubkeys.map((pk) => operatorIdFromPublicKey(pk).toLowerCase());
    att.nonSignerIds = ids;
    const non = new Set(ids);
    const signers = new Set<string>();
    for (const s of att.states) for (const o of s.operators) if (!non.has(o.operatorId.toLowerCase())) signers.add(o.operatorId.toLowerCase());
    att.signerIds = [...signers].sort(byId);
    att.stakes = att.states.map((s, i) => ({
      quorum: s.quorumNumber,
      total: s.totalStake,
      signed: s.totalStake - s.operators.filter((o) => non.has(o.operatorId.toLowerCase())).reduce((a, o) => a + o.stake, 0n),
      thresholdBps: task.quorumThresholdBps[i] ?? 0,
    }));
  }
  return att;
}

/**
 * Audits the attestation of `taskId`: every check the contract made, recomputed off-chain from
 * chain data. `ok` is true only when every check passes.
 * @example const report = await auditTask(new ChainReader(provider, d.avs), { chainId: 31337n, taskId: 7n, fromBlock: d.startBlock })
 */
export async function auditTask(src: AttestationSource, opts: { chainId: bigint | number; taskId: bigint; fromBlock?: number; resolver?: InputResolver }): Promise<AuditReport> {
  const att = await readAttestation(src, opts.taskId, opts.fromBlock ?? 0);
  const checks: AuditCheck[] = [];
  const add = (name: string, ok: boolean, detail: string): boolean => {
    checks.push({ name, ok, detail });
    return ok;
  };
  let input: Uint8Array | null = null;
  const done = (): AuditReport => ({ taskId: opts.taskId, ok: checks.length > 0 && checks.every((c) => c.ok), checks, attestation: att, input });

  const { created, result, call, states } = att;
  if (!add('task', created !== null, created ? `task ${opts.taskId} created in block ${created.blockNumber} (tx ${created.transactionHash}); taskHash ${created.taskHash} recomputed from the event` : `no TaskCreated log for task ${opts.taskId}`)) return done();
  const task = created!.task;
  // Inline: the event's bytes. By reference (blob, URI): fetched and checked against inputHash, as operators do.
  let ref: InputRef | null = null;
  try {
    ref = parseInputRef(task.inputHash, created!.input);
  } catch (err) {
    add('input', false, `the task's input is neither bytes hashing to inputHash ${task.inputHash} nor a reference: ${(err as Error).message}`);
  }
  if (ref?.carrier === 'calldata') {
    input = ref.bytes;
    add('input', true, `keccak256(input) = task.inputHash ${task.inputHash} (calldata)`);
  } else if (ref && !opts.resolver) {
    add('input', false, `input by ${ref.carrier}: no input resolver given, so it was not fetched and checked`);
  } else if (ref && opts.resolver) {
    try {
      const got = await opts.resolver.resolve(task, created!.input, MAX_REF_INPUT_BYTES);
      input = got.bytes;
      add('input', true, `input by ${ref.carrier}${ref.carrier === 'uri' ? ` (${ref.uri.split('?')[0]})` : ` (${ref.versionedHashes.length} blob(s))`}: ${got.bytes.length} bytes fetched, keccak256 = task.inputHash ${task.inputHash}`);
    } catch (err) {
      add('input', false, `input by ${ref.carrier} not verified: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
    }
  }
  if (!add('status', att.status === 'responded' && result !== null, `oracle status ${att.status}${result ? `, TaskResponded in block ${result.blockNumber} (tx ${result.transactionHash})` : ''}`)) return done();
  const r = result!;
  const outHash = keccak256(r.output);
  add('response', r.taskHash === created!.taskHash && outHash === r.outputHash, `TaskResponded taskHash ${r.taskHash === created!.taskHash ? 'matches' : 'differs from'} the task; keccak256(output) ${outHash === r.outputHash ? '=' : '≠'} outputHash ${r.outputHash}`);
  if (!add('calldata', call !== null, call ? `${call.batch ? 'respondToBatch' : 'respondToTask'} from ${call.from}: ${call.nonSignerPubkeys.length} non-signer key(s), apkG2 and sigma decoded` : `tx ${r.transactionHash} is not a direct respondToTask or respondToBatch call to the oracle; the non-signer keys cannot be read from calldata`)) return done();
  const c = call!;
  const callTaskHash = computeTaskHash(c.task);
  add('calldata-match', callTaskHash === created!.taskHash && keccak256(c.output) === r.outputHash, `the call's task ${callTaskHash === created!.taskHash ? 'is' : 'is NOT'} the created task; its output ${keccak256(c.output) === r.outputHash ? 'is' : 'is NOT'} the emitted output`);

  // A batch: the root over every (task, output) of the call, and this task's Merkle path to it.
  let digest = responseDigest({ chainId: opts.chainId, oracle: src.addresses.inferenceOracle, taskHash: created!.taskHash, outputHash: r.outputHash });
  if (c.batch) {
    const b = c.batch;
    const leaves = b.tasks.map((t, i) => batchLeaf(computeTaskHash(t), b.outputs[i]!.length === 0 ? null : keccak256(b.outputs[i]!)));
    const root = merkleRoot(leaves);
    const proof = merkleProof(leaves, b.index);
    const leaf = batchLeaf(created!.taskHash, r.outputHash);
    const pathOk = rootFromProof(leaf, b.index, leaves.length, proof) === root;
    const sameRef = b.tasks.every((t) => t.referenceBlock === task.referenceBlock);
    add('batch', pathOk && sameRef, `answered in a batch of ${leaves.length} task(s) with root ${root}: leaf ${b.index} = (taskHash, outputHash) ${pathOk ? 'reaches' : 'does NOT reach'} the root through its ${proof.length}-hash Merkle path${sameRef ? '' : '; the batch mixes reference blocks'}`);
    digest = batchDigest({ chainId: opts.chainId, oracle: src.addresses.inferenceOracle, referenceBlock: task.referenceBlock, batchRoot: root, leafCount: leaves.length });
  }

  // Non-signers: strictly ascending ids, each a member of some task quorum, and the record hash.
  const ids = att.nonSignerIds!;
  const ascending = ids.every((id, i) => i === 0 || byId(ids[i - 1]!, id) < 0);
  const memberships = new Map<string, number>();
  for (const s of states!) for (const o of s.operators) memberships.set(o.operatorId.toLowerCase(), (memberships.get(o.operatorId.toLowerCase()) ?? 0) + 1);
  const strangers = ids.filter((id) => !memberships.has(id));
  const record = solidityPackedKeccak256(['uint32', 'bytes32[]'], [task.referenceBlock, ids]).toLowerCase();
  add(
    'non-signers',
    ascending && strangers.length === 0 && record === r.signatoryRecordHash,
    `${ids.length} non-signer(s)${ascending ? '' : ' NOT strictly ascending'}${strangers.length ? `; not members at block ${task.referenceBlock}: ${strangers.join(', ')}` : ''}; keccak256(referenceBlock ${task.referenceBlock}, ids) ${record === r.signatoryRecordHash ? '=' : '≠'} signatoryRecordHash`,
  );

  // The aggregate signature, exactly as checkSignatures verifies it.
  await ensureBls();
  let sigOk = false;
  let sigDetail: string;
  try {
    const apks = states!.map((s) => s.apk).filter((p): p is G1Point => p !== null);
    let apk = aggregatePublicKeysG1(apks);
    for (const pk of c.nonSignerPubkeys) {
      const n = memberships.get(operatorIdFromPublicKey(pk).toLowerCase()) ?? 0;
      for (let k = 0; k < n; k++) apk = subtractG1(apk, pk);
    }
    sigOk = blsVerifyAggregate({ msgHash: digest, apk, apkG2: c.apkG2, sigma: c.sigma });
    sigDetail = `aggregate signature over ${c.batch ? 'batch ' : ''}digest ${digest} ${sigOk ? 'verifies' : 'does NOT verify'} against Σ quorum apk − non-signer keys at block ${task.referenceBlock} and apkG2`;
  } catch (err) {
    sigDetail = `cannot check the aggregate signature: ${(err as Error).message}`;
  }
  add('signature', sigOk, sigDetail);

  // Stakes: recomputed per quorum, compared with the event, and against each threshold.
  const stakes = att.stakes!;
  const parts: string[] = [];
  let stakeOk = stakes.length === task.quorumNumbers.length;
  stakes.forEach((s, i) => {
    const emitted = r.signedStake[i] === s.signed && r.totalStake[i] === s.total;
    const meets = s.signed > 0n && meetsThreshold(s.signed, s.total, s.thresholdBps);
    stakeOk &&= emitted && meets;
    parts.push(`quorum ${s.quorum}: ${s.signed}/${s.total} (threshold ${s.thresholdBps} bps) ${meets ? 'met' : 'NOT met'}${emitted ? '' : `, event says ${r.signedStake[i]}/${r.totalStake[i]}`}`);
  });
  add('stake', stakeOk, parts.join('; '));
  return done();
}

/** Outcome of re-running a model locally against the attested output. */
export interface RerunComparison {
  ok: boolean;
  detail: string;
}

/**
 * Compares a locally computed output with the attested one by the model's profile: exact profiles
 * need identical bytes; `tolerant` needs {@link withinTolerance} (same length and header, every
 * int32 element within the tolerance).
 */
export function compareRerun(profile: Profile, tolerance: number, attested: Uint8Array, local: Uint8Array): RerunComparison {
  if (profile === 'tolerant') {
    const ok = withinTolerance(attested, local, tolerance);
    return { ok, detail: ok ? `local output within tolerance ${tolerance} of the attested one` : `local output ${hex(local)} differs from the attested ${hex(attested)} by more than tolerance ${tolerance}` };
  }
  const ok = hex(attested) === hex(local);
  return { ok, detail: ok ? 'local output bytes are identical to the attested output' : `local output ${hex(local)} ≠ attested ${hex(attested)} (profile ${profile} needs identical bytes)` };
}
