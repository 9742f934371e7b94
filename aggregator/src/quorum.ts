/**
 * Quorum arithmetic (docs/protocol.md "Quorums"): an output is accepted when, for every quorum of
 * the task, signedStake * 10000 >= totalStake * thresholdBps, with stakes at the reference block.
 * Pure functions so that the rule is unit-tested once and used by the API and the workers alike.
 */

/** True when `signed` meets `bps` of `total` (integer math, no rounding). */
export function meetsThresholdBps(signed: bigint, total: bigint, bps: number): boolean {
  return signed * 10_000n >= total * BigInt(bps);
}

/**
 * True when the signed stakes (one per task quorum, in task order) meet every quorum's threshold.
 * A quorum with zero total stake never reaches quorum (nothing was signed for it).
 */
export function quorumReached(signed: readonly bigint[], totals: readonly bigint[], thresholdsBps: readonly number[]): boolean {
  if (signed.length !== totals.length || totals.length !== thresholdsBps.length || totals.length === 0) return false;
  for (let i = 0; i < totals.length; i++) {
    const total = totals[i]!;
    if (total === 0n) return false;
    if (!meetsThresholdBps(signed[i]!, total, thresholdsBps[i]!)) return false;
  }
  return true;
}

/** signed / total as a float in [0, 1] for metrics (0 when total is 0). */
export function stakeShare(signed: bigint, total: bigint): number {
  if (total === 0n) return 0;
  return Number((signed * 1_000_000n) / total) / 1_000_000;
}
