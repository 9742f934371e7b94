/**
 * What an operator earned from the AVS's task fees (docs/protocol.md "Rewards"), read from the chain:
 * the RewardsVault's accrued-but-not-submitted earnings and the total it submitted to EigenLayer's
 * RewardsCoordinator for this operator, and the coordinator's record of what the operator claimed.
 * `unclaimed` = submitted − claimed: claimable once EigenLayer posts a distribution root covering the
 * submission (on mainnet the rewards updater does so about weekly; the devnet's stand-in posts one with
 * `publishLedgerRoot()`).
 */
import type { Provider, Signer } from 'ethers';
import { AioracleError } from '../errors.js';
import * as bindings from './generated/index.js';

/** Addresses of the rewards path: the AVS's RewardsVault, EigenLayer's RewardsCoordinator, the rewards token. */
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

/** Error code: claiming needs the devnet's stand-in RewardsCoordinator (or its addresses are missing). */
export const ERR_REWARDS_CLAIM = 'ERR_REWARDS_CLAIM';

/** Outcome of {@link claimLedgerRewards}. */
export interface LedgerClaimResult {
  /** Distribution root claimed against. */
  rootIndex: number;
  /** Wei of the rewards token sent to the recipient (0: nothing new to claim). */
  amount: bigint;
  /** The claim transaction (null when there was nothing to claim). */
  txHash: string | null;
}

/**
 * Claims the signer's rewards on the DEVNET's stand-in RewardsCoordinator (avs-contracts/src/devnet-core): posts the
 * ledger's distribution root if a submission is not in one yet (`publishLedgerRoot`), builds the claim with
 * `getLedgerClaim` and sends `processClaim(claim, recipient)`. On EigenLayer's real RewardsCoordinator the claim's
 * proofs come from EigenLayer's rewards calculation instead (its CLI: `eigenlayer rewards claim`).
 * @example const r = await claimLedgerRewards(wallet, '0xCoordinator', wallet.address); r.amount
 */
export async function claimLedgerRewards(signer: Signer, coordinator: string, recipient: string): Promise<LedgerClaimResult> {
  const rc = bindings.RewardsCoordinator__factory.connect(coordinator, signer);
  const earner = await signer.getAddress();
  try {
    await rc.publishLedgerRoot.staticCall();
    await (await rc.publishLedgerRoot()).wait();
  } catch {
    // nothing submitted since the last root, or its range has not ended: claim against the last root
  }
  const n = Number(await rc.getDistributionRootsLength());
  if (n === 0) return { rootIndex: -1, amount: 0n, txHash: null };
  const rootIndex = n - 1;
  let claim;
  try {
    claim = await rc.getLedgerClaim(earner, rootIndex);
  } catch (cause) {
    throw new AioracleError(ERR_REWARDS_CLAIM, `No claim for ${earner} in distribution root ${rootIndex} (never paid, or not the devnet's stand-in RewardsCoordinator)`, { cause });
  }
  if (claim.tokenLeaves.length === 0) return { rootIndex, amount: 0n, txHash: null };
  const plain = {
    rootIndex: claim.rootIndex,
    earnerIndex: claim.earnerIndex,
    earnerTreeProof: claim.earnerTreeProof,
    earnerLeaf: { earner: claim.earnerLeaf.earner, earnerTokenRoot: claim.earnerLeaf.earnerTokenRoot },
    tokenIndices: [...claim.tokenIndices],
    tokenTreeProofs: [...claim.tokenTreeProofs],
    tokenLeaves: claim.tokenLeaves.map((l) => ({ token: l.token, cumulativeEarnings: l.cumulativeEarnings })),
  };
  const receipt = await (await rc.processClaim(plain, recipient)).wait();
  let amount = 0n;
  for (const log of receipt?.logs ?? []) {
    try {
      const ev = rc.interface.parseLog(log);
      if (ev?.name === 'RewardsClaimed') amount += ev.args.getValue('claimedAmount') as bigint;
    } catch {
      // another contract's log
    }
  }
  return { rootIndex, amount, txHash: receipt?.hash ?? null };
}
