/**
 * What an operator earned from the AVS's task fees (docs/protocol.md "Rewards"), read from the chain:
 * the RewardsVault's accrued-but-not-submitted earnings and the total it submitted to EigenLayer's
 * RewardsCoordinator for this operator, and the coordinator's record of what the operator claimed.
 * `unclaimed` = submitted − claimed: claimable once EigenLayer posts a distribution root covering the
 * submission (on mainnet the rewards updater does so about weekly; the devnet's stand-in posts one with
 * `publishLedgerRoot()`).
 */
import { bindings } from '@aioracle/sdk';
import type { Provider } from 'ethers';

/** Addresses of the rewards path (from {@link ResolvedAvs.rewards}). */
export interface RewardsAddresses {
  vault: string;
  coordinator: string | null;
  token: string | null;
}

/** An operator's rewards, in wei of the rewards token (WETH). */
export interface OperatorRewards {
  /** Accrued in the vault from answered tasks, not yet submitted (all quorums). */
  pendingWei: bigint;
  /** Submitted to the RewardsCoordinator for this operator, in total. */
  submittedWei: bigint;
  /** Claimed from the RewardsCoordinator (null without coordinator or token address). */
  claimedWei: bigint | null;
  /** submitted − claimed (null when claimed is unknown). */
  unclaimedWei: bigint | null;
}

/**
 * Reads `operator`'s rewards.
 * @example const r = await readOperatorRewards(provider, resolved.rewards!, '0xabc…'); r.pendingWei
 */
export async function readOperatorRewards(provider: Provider, addrs: RewardsAddresses, operator: string): Promise<OperatorRewards> {
  const vault = bindings.RewardsVault__factory.connect(addrs.vault, provider);
  const [pendingWei, submittedWei] = await Promise.all([vault.earned(operator), vault.submitted(operator)]);
  let claimedWei: bigint | null = null;
  if (addrs.coordinator && addrs.token) {
    const rc = bindings.IRewardsCoordinator__factory.connect(addrs.coordinator, provider);
    claimedWei = await rc.cumulativeClaimed(operator, addrs.token);
  }
  const unclaimedWei = claimedWei === null ? null : submittedWei > claimedWei ? submittedWei - claimedWei : 0n;
  return { pendingWei, submittedWei, claimedWei, unclaimedWei };
}
