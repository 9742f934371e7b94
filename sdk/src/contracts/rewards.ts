/**
 * What an operator earned from the AVS's task fees (docs/protocol.md "Rewards"), read from the chain:
 * the RewardsVault's accrued-but-not-submitted earnings, the total it submitted to EigenLayer's
 * RewardsCoordinator for this operator, the operator's own share of that, and the coordinator's record
 * of what the operator claimed.
 *
 * The operator's own share: on EigenLayer's real RewardsCoordinator an operator-directed operator-set
 * submission is split off-chain by EigenLayer's rewards calculation (the sidecar): the operator gets its
 * operator-set split (`getOperatorSetSplit(operator, operatorSet)`, in bips; `defaultOperatorSplitBips`,
 * 10%, until the operator sets one) and the rest goes to the stakers delegated to it, by stake (the
 * operator's own address among them when it stakes with itself). Amounts for an operator that was not
 * registered (or had nothing allocated) in the operator set during the submission's window are refunded
 * by the calculation to the AVS instead. The devnet's stand-in coordinator (avs-contracts/src/devnet-core)
 * records splits but its ledger credits each submission to the operator in full; it is recognised by its
 * `ledgerEarnings` view, which the real coordinator does not have.
 *
 * `claimed` is the coordinator's `cumulativeClaimed(operator, token)`: everything the operator claimed of
 * that token, from every AVS that paid it in the token. `unclaimed` = operator's share − claimed (at least
 * 0): exact on the devnet; on the real core a lower bound whenever another AVS also paid this operator in
 * the same token. Claimable once EigenLayer posts a distribution root covering the submission (on mainnet
 * the rewards updater does so about weekly; the devnet's stand-in posts one with `publishLedgerRoot()`).
 */
import { ZeroAddress, type Provider, type Signer } from 'ethers';
import { AioracleError } from '../errors.js';
import * as bindings from './generated/index.js';

/** Addresses of the rewards path: the AVS's RewardsVault, EigenLayer's RewardsCoordinator, the rewards token. */
export interface RewardsAddresses {
  vault: string;
  coordinator: string | null;
  token: string | null;
}

/** 100% in basis points. */
export const ONE_HUNDRED_PERCENT_BIPS = 10_000;

/**
 * Where the operator's share of a submission comes from:
 * - `stand-in`: the devnet's stand-in coordinator, whose ledger credits the whole submission to the operator;
 * - `operator-set`: the coordinator's `getOperatorSetSplit` for the AVS's operator sets (quorums);
 * - `default`: the coordinator has no `getOperatorSetSplit`, only `defaultOperatorSplitBips`;
 * - `unknown`: no coordinator address, or it answers neither view.
 */
export type RewardsSplitSource = 'stand-in' | 'operator-set' | 'default' | 'unknown';

/** The operator's split of what the vault submitted for it. */
export interface OperatorRewardsSplit {
  source: RewardsSplitSource;
  /** Split applied to `submittedWei`, in bips (null: unknown, or the operator sets' splits differ). */
  bips: number | null;
  /** Each operator set's (quorum's) split as the coordinator reports it (empty unless `operator-set`). */
  byQuorum: { quorum: number; bips: number }[];
}

/** An operator's rewards, in wei of the rewards token (WETH). */
export interface OperatorRewards {
  /** Accrued in the vault from answered tasks, not yet submitted (all quorums). */
  pendingWei: bigint;
  /** Submitted to the RewardsCoordinator for this operator, in total (its own share plus its stakers'). */
  submittedWei: bigint;
  /** How `operatorShareWei` was derived. */
  split: OperatorRewardsSplit;
  /**
   * The operator's own part of `submittedWei`: all of it on the devnet's stand-in, `submitted · split / 10000`
   * (rounded down) on the real core; null when the split is unknown or differs between the AVS's operator sets.
   */
  operatorShareWei: bigint | null;
  /**
   * The coordinator's `cumulativeClaimed(operator, token)`: claimed of this token from every AVS, not only this
   * one (null without coordinator or token address).
   */
  claimedWei: bigint | null;
  /** operatorShare − claimed, at least 0 (a lower bound on the real core, see the module doc); null when either is unknown. */
  unclaimedWei: bigint | null;
}

/** `submitted` scaled by a split in bips, rounded down. */
export function operatorShareOf(submittedWei: bigint, bips: number): bigint {
  if (!Number.isInteger(bips) || bips < 0 || bips > ONE_HUNDRED_PERCENT_BIPS) throw new RangeError(`split ${bips} bips is not 0..${ONE_HUNDRED_PERCENT_BIPS}`);
  return (submittedWei * BigInt(bips)) / BigInt(ONE_HUNDRED_PERCENT_BIPS);
}

/**
 * The operator's split on `coordinator` for the vault's operator sets (the vault's oracle is the operator sets'
 * AVS, its registry lists the quorums). Never throws for a coordinator that lacks a view: it falls back as
 * {@link RewardsSplitSource} describes.
 */
export async function readOperatorRewardsSplit(provider: Provider, addrs: RewardsAddresses, operator: string): Promise<OperatorRewardsSplit> {
  const unknown: OperatorRewardsSplit = { source: 'unknown', bips: null, byQuorum: [] };
  if (!addrs.coordinator) return unknown;
  // The stand-in's ledgerEarnings view is not on EigenLayer's RewardsCoordinator (a call to it reverts there).
  const standIn = bindings.RewardsCoordinator__factory.connect(addrs.coordinator, provider);
  try {
    await standIn.ledgerEarnings(operator, addrs.token ?? ZeroAddress);
    return { source: 'stand-in', bips: ONE_HUNDRED_PERCENT_BIPS, byQuorum: [] };
  } catch (err) {
    if (!isMissingView(err)) throw err;
  }
  const vault = bindings.RewardsVault__factory.connect(addrs.vault, provider);
  const [avs, registry] = await Promise.all([vault.oracle(), vault.registry()]);
  const quorums = (await bindings.IOperatorRegistry__factory.connect(registry, provider).quorumList()).map(Number);
  const rc = bindings.IRewardsCoordinator__factory.connect(addrs.coordinator, provider);
  if (quorums.length > 0) {
    try {
      const byQuorum = await Promise.all(quorums.map(async (q) => ({ quorum: q, bips: Number(await rc.getOperatorSetSplit(operator, { avs, id: q })) })));
      const bips = byQuorum.every((s) => s.bips === byQuorum[0]!.bips) ? byQuorum[0]!.bips : null;
      return { source: 'operator-set', bips, byQuorum };
    } catch (err) {
      if (!isMissingView(err)) throw err;
    }
  }
  try {
    return { source: 'default', bips: Number(await rc.defaultOperatorSplitBips()), byQuorum: [] };
  } catch (err) {
    if (!isMissingView(err)) throw err;
    return unknown;
  }
}

/** A call that reached the contract and reverted or returned nothing decodable: the view is not there. */
function isMissingView(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'CALL_EXCEPTION' || code === 'BAD_DATA';
}

/**
 * Reads `operator`'s rewards (see the module doc for what each figure means on the real core and the devnet).
 * @example const r = await readOperatorRewards(provider, resolved.rewards!, '0xabc…'); r.operatorShareWei
 */
export async function readOperatorRewards(provider: Provider, addrs: RewardsAddresses, operator: string): Promise<OperatorRewards> {
  const vault = bindings.RewardsVault__factory.connect(addrs.vault, provider);
  const [pendingWei, submittedWei, split] = await Promise.all([vault.earned(operator), vault.submitted(operator), readOperatorRewardsSplit(provider, addrs, operator)]);
  let claimedWei: bigint | null = null;
  if (addrs.coordinator && addrs.token) {
    const rc = bindings.IRewardsCoordinator__factory.connect(addrs.coordinator, provider);
    claimedWei = await rc.cumulativeClaimed(operator, addrs.token);
  }
  const operatorShareWei = split.bips === null ? null : operatorShareOf(submittedWei, split.bips);
  const unclaimedWei = claimedWei === null || operatorShareWei === null ? null : operatorShareWei > claimedWei ? operatorShareWei - claimedWei : 0n;
  return { pendingWei, submittedWei, split, operatorShareWei, claimedWei, unclaimedWei };
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
