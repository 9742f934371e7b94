/**
 * Building what `respondToTask` / `OperatorRegistry.checkSignatures` take besides the output
 * (IOperatorRegistryTypes.NonSignerStakesAndSignature), from the task quorums' operator state at
 * the reference block and the signatures collected.
 *
 * The contract computes apk = Σ_q apk_q − Σ_{non-signers} pk·(task quorums the non-signer is in),
 * i.e. every signer's G1 key counted once per task quorum it belongs to. The G2 side must match:
 * apkG2 = Σ_q Σ_{signers ∈ q} pkG2 and σ = Σ_q Σ_{signers ∈ q} σ_i (with one quorum: each signer
 * once). Non-signers are the members of any task quorum that did not sign, each listed once, sorted
 * strictly ascending by operatorId — the registry looks up their membership and stake itself, so
 * no checkpoint hints are needed.
 */
import { aggregatePublicKeysG2, aggregateSignatures } from '../bls/signature.js';
import type { G1Point, G2Point } from '../bls/points.js';
import { ChainErrorCode, chainError } from './errors.js';

/** One member of a quorum at a block. */
export interface QuorumOperator {
  address: string;
  /** keccak256(pkG1.X, pkG1.Y), lowercase 0x-hex. */
  operatorId: string;
  pubkeyG1: G1Point;
  pubkeyG2: G2Point;
  /** Weighted stake in the quorum at the block (uint96). */
  stake: bigint;
}

/** The operator state of one quorum at one block (OperatorRegistry.getQuorumState + G2 keys). */
export interface QuorumOperatorState {
  quorumNumber: number;
  blockNumber: number;
  /** Members, in the registry's order (first joining). */
  operators: QuorumOperator[];
  /** Aggregate G1 key of the members; null when the quorum has none (the point at infinity). */
  apk: G1Point | null;
  /** Σ stakes (uint96). */
  totalStake: bigint;
}

/** The non-signer data and aggregate of a signer set. */
export interface NonSignerData {
  /** Non-signers' G1 keys, sorted strictly ascending by operatorId. */
  nonSignerPubkeys: G1Point[];
  /** Their operatorIds, in the same order. */
  nonSignerIds: string[];
  /** Σ signer G2 keys (each once per task quorum it is in). */
  apkG2: G2Point;
  /** Σ signer signatures (each once per task quorum it is in). */
  sigma: G1Point;
  /** Signed stake per quorum, in the order of `quorumStates`. */
  signedStake: bigint[];
  /** Total stake per quorum, in the same order. */
  totalStake: bigint[];
}

/** NonSignerStakesAndSignature in the ABI form ethers encodes (G2 as [imaginary, real]). */
export interface NonSignerStakesAndSignatureAbi {
  nonSignerPubkeys: { X: bigint; Y: bigint }[];
  apkG2: { X: [bigint, bigint]; Y: [bigint, bigint] };
  sigma: { X: bigint; Y: bigint };
}

const norm = (id: string): string => id.toLowerCase();

/**
 * Builds the non-signer data for `signatures` (operatorId → that operator's signature over the
 * response digest) against the task quorums' states at the reference block. Signatures must have
 * been verified already (this does not re-check them). Throws ERR_CHAIN_SIGNER_UNKNOWN for a
 * signer that is in none of the quorums, ERR_CHAIN_BAD_DATA for no signer at all.
 * @example
 * const data = buildNonSignerData(states, new Map([[op.operatorId, sig]]));
 * await oracle.respondToTask(taskAbiValue(task), output, nonSignerDataToAbi(data));
 */
export function buildNonSignerData(quorumStates: readonly QuorumOperatorState[], signatures: ReadonlyMap<string, G1Point>): NonSignerData {
  const sigs = new Map<string, G1Point>();
  for (const [id, s] of signatures) sigs.set(norm(id), s);
  if (sigs.size === 0) throw chainError(ChainErrorCode.BadData, 'Cannot build a response without any signature');
  const known = new Set<string>();
  const nonSigners = new Map<string, G1Point>();
  const g2: G2Point[] = [];
  const sigmaParts: G1Point[] = [];
  const signedStake: bigint[] = [];
  const totalStake: bigint[] = [];
  for (const q of quorumStates) {
    let signed = 0n;
    for (const op of q.operators) {
      const id = norm(op.operatorId);
      known.add(id);
      const s = sigs.get(id);
      if (s) {
        g2.push(op.pubkeyG2);
        sigmaParts.push(s);
        signed += op.stake;
      } else nonSigners.set(id, op.pubkeyG1);
    }
    signedStake.push(signed);
    totalStake.push(q.totalStake);
  }
  for (const id of sigs.keys()) {
    if (!known.has(id)) throw chainError(ChainErrorCode.SignerUnknown, `Signer ${id} is not a member of the task's quorums at the reference block`, { details: { operatorId: id } });
  }
  const nonSignerIds = [...nonSigners.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  return {
    nonSignerPubkeys: nonSignerIds.map((id) => nonSigners.get(id) as G1Point),
    nonSignerIds,
    apkG2: aggregatePublicKeysG2(g2),
    sigma: aggregateSignatures(sigmaParts),
    signedStake,
    totalStake,
  };
}

/** The ABI value of NonSignerStakesAndSignature for ethers (respondToTask / checkSignatures). */
export function nonSignerDataToAbi(data: Pick<NonSignerData, 'nonSignerPubkeys' | 'apkG2' | 'sigma'>): NonSignerStakesAndSignatureAbi {
  const [[x0, x1], [y0, y1]] = data.apkG2.toSolidity();
  const [sx, sy] = data.sigma.toSolidity();
  return {
    nonSignerPubkeys: data.nonSignerPubkeys.map((p) => {
      const [X, Y] = p.toSolidity();
      return { X, Y };
    }),
    apkG2: { X: [x0, x1], Y: [y0, y1] },
    sigma: { X: sx, Y: sy },
  };
}

/** True when `signedStake * 10000 >= totalStake * thresholdBps` (protocol.md "Quorums"). */
export function meetsThreshold(signedStake: bigint, totalStake: bigint, thresholdBps: number): boolean {
  return signedStake * 10_000n >= totalStake * BigInt(thresholdBps);
}
