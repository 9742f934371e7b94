/**
 * Deploying and wiring the AVS contracts against an EigenLayer core (the devnet one or a real one:
 * the same code path, only the core addresses differ). Order matters and is fixed by the contracts:
 *   ModelRegistry, OperatorRegistry(allocationManager), InferenceOracle(allocationManager, registry,
 *   models, config), InferenceFeeds(oracle, models) → oracle.setFeeds(feeds) → registry.setAvs(oracle) → oracle.setupAvs(metadataURI) (metadata + registrar;
 *   the oracle becomes a PermissionController admin of its AVS account and the owner a pending one)
 *   → permissionController.acceptAdmin(oracle) (the owner, then an admin: it manages appointees and admins there)
 *   → oracle.createQuorum(...) per quorum (operator set + stake bookkeeping)
 *   → oracle.setQuorumConfig(quorums, thresholds) (what new tasks require).
 * With a RewardsCoordinator and a WETH: RewardsVault(oracle, registry, coordinator, weth, owner) →
 *   registry.setRewardsVault(vault) → oracle.setRewardsVault(vault) → permissionController.setAppointee(oracle, vault,
 *   coordinator, createOperatorDirectedOperatorSetRewardsSubmission) (the deployer, an admin by then; before any
 *   operator registers, so the vault sees every stake).
 * With another owner: transferOwnership on each contract (it calls acceptOwnership), and on the PermissionController
 * addPendingAdmin(oracle, owner) → removeAdmin(oracle, deployer) (it calls acceptAdmin(oracle)).
 */
import { AioracleError, MAX_INPUT_BYTES } from '@aioracle/sdk';
import { getAddress, hexlify } from 'ethers';
import type { EigenLayerCore } from './core.js';
import { attach, call, deployContract, type DeployContext } from './deployer.js';

/** RewardsCoordinator.createOperatorDirectedOperatorSetRewardsSubmission((address,uint32),(...)[]) (EigenLayer v1.12.0). */
export const CREATE_OPERATOR_SET_REWARDS_SELECTOR = '0x0ca29899';

/** A strategy counted by a quorum and its weight (1e18 = 1 share counts 1). */
export interface StrategySpec {
  strategy: string;
  multiplier: bigint;
}

/** A quorum to create (quorum number = EigenLayer operator set id). */
export interface QuorumSpec {
  quorumNumber: number;
  /** Strategies and multipliers (any order; sorted here). Default on a devnet: the test strategy × 1e18. */
  strategies?: StrategySpec[];
  /** Multiplier of the devnet strategy when `strategies` is omitted (default 1e18). */
  devnetMultiplier?: bigint;
  /** Minimum stake to register (default 1 wei of weighted stake). */
  minimumStake?: bigint;
  /** Maximum members (default 1024). */
  maxOperators?: number;
  /** Threshold new tasks require in this quorum, basis points (default: the deployment's thresholdBps). */
  thresholdBps?: number;
}

/** InferenceOracle configuration (block counts and caps). */
export interface OracleConfig {
  /** Blocks after a request during which responses are accepted. */
  responseWindow: number;
  /** Blocks after a response during which dissent can be proven. */
  challengeWindow: number;
  /** Max age of a task's reference block at response time (> responseWindow). */
  maxStaleBlocks: number;
  /** Cap on input bytes per request. */
  maxInputBytes: number;
  /** Cap on a request's callback gas limit. */
  maxCallbackGas: number;
}

/** Options of {@link deployAvs}. */
export interface DeployAvsOptions {
  core: EigenLayerCore;
  quorums: (QuorumSpec & { strategies: StrategySpec[] })[];
  config: OracleConfig;
  /** Default threshold in basis points for quorums that set none. */
  thresholdBps: number;
  /** AVS metadata URI published in EigenLayer. */
  metadataUri: string;
  /** Owner of the AVS contracts (default: the deployer). Ownership moves after wiring. */
  owner?: string;
  /** The chain's wrapped ether; with core.rewardsCoordinator it makes the AVS deploy a RewardsVault. */
  weth?: string;
}

/** Addresses of the deployed AVS contracts. */
export interface AvsDeployment {
  inferenceOracle: string;
  operatorRegistry: string;
  modelRegistry: string;
  inferenceFeeds: string;
  /** The RewardsVault (absent without a RewardsCoordinator and WETH). */
  rewardsVault?: string;
  startBlock: number;
}

/** Sorts strategies ascending by address and rejects duplicates (the registry requires it). */
export function sortStrategies(strategies: readonly StrategySpec[]): StrategySpec[] {
  const sorted = [...strategies].map((s) => ({ strategy: getAddress(s.strategy), multiplier: s.multiplier })).sort((a, b) => (BigInt(a.strategy) < BigInt(b.strategy) ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.strategy === sorted[i - 1]!.strategy) {
      throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: strategy ${sorted[i]!.strategy} is listed twice in one quorum`);
    }
  }
  return sorted;
}

/** Checks quorum specs: numbers 0..255, unique; thresholds 1..10000; at least one strategy with multiplier > 0. */
export function validateQuorums(quorums: readonly QuorumSpec[]): void {
  if (quorums.length === 0) throw new AioracleError('ERR_DEPLOY_CONFIG', 'Validation failed: quorums must list at least one quorum');
  const seen = new Set<number>();
  for (const [i, q] of quorums.entries()) {
    const where = `quorums[${i}]`;
    if (!Number.isInteger(q.quorumNumber) || q.quorumNumber < 0 || q.quorumNumber > 255) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: ${where}.quorumNumber must be an integer 0..255`);
    if (seen.has(q.quorumNumber)) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: ${where}.quorumNumber ${q.quorumNumber} is listed twice`);
    seen.add(q.quorumNumber);
    if (q.thresholdBps !== undefined && (!Number.isInteger(q.thresholdBps) || q.thresholdBps < 6667 || q.thresholdBps > 10_000)) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: ${where}.thresholdBps must be 6667..10000 (more than two thirds, docs/protocol.md)`);
    if (q.maxOperators !== undefined && (!Number.isInteger(q.maxOperators) || q.maxOperators < 1 || q.maxOperators > 2048)) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: ${where}.maxOperators must be an integer 1..2048`);
    if (q.minimumStake !== undefined && (q.minimumStake < 0n || q.minimumStake >= 1n << 96n)) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: ${where}.minimumStake must fit in uint96`);
    for (const s of q.strategies ?? []) {
      if (s.multiplier <= 0n || s.multiplier >= 1n << 96n) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: ${where} multiplier of ${s.strategy} must be 1..2^96-1`);
    }
  }
}

/** Default oracle configuration for a response window. */
export function defaultOracleConfig(responseWindowBlocks = 20): OracleConfig {
  return {
    responseWindow: responseWindowBlocks,
    challengeWindow: 1000,
    maxStaleBlocks: responseWindowBlocks * 2 + 10,
    maxInputBytes: MAX_INPUT_BYTES,
    maxCallbackGas: 2_000_000,
  };
}

/** Deploys and wires the AVS (see the module header). */
export async function deployAvs(ctx: DeployContext, opts: DeployAvsOptions): Promise<AvsDeployment> {
  validateQuorums(opts.quorums);
  const owner = ctx.deployer; // wiring needs the deployer as owner; transferred below if asked
  const startBlock = await ctx.provider.getBlockNumber();
  const models = await deployContract(ctx, 'ModelRegistry', [owner]);
  const registry = await deployContract(ctx, 'OperatorRegistry', [opts.core.allocationManager, owner]);
  const oracle = await deployContract(ctx, 'InferenceOracle', [opts.core.allocationManager, registry.address, models.address, owner, opts.config]);
  const feeds = await deployContract(ctx, 'InferenceFeeds', [oracle.address, models.address, owner]);
  await call(ctx, oracle.contract, 'InferenceOracle', 'setFeeds', [feeds.address]);
  await call(ctx, registry.contract, 'OperatorRegistry', 'setAvs', [oracle.address]);
  await call(ctx, oracle.contract, 'InferenceOracle', 'setupAvs', [opts.metadataUri]);
  // EigenLayer's PermissionController: setupAvs made the oracle an admin of its AVS account (it stays one, to act for
  // itself) and the owner a pending admin; accepting lets the owner manage appointees and admins there directly.
  const permissionController = attach(ctx, 'PermissionController', opts.core.permissionController);
  await call(ctx, permissionController, 'PermissionController', 'acceptAdmin', [oracle.address]);
  let vault: Awaited<ReturnType<typeof deployContract>> | undefined;
  if (opts.core.rewardsCoordinator !== undefined && opts.weth !== undefined) {
    vault = await deployContract(ctx, 'RewardsVault', [oracle.address, registry.address, opts.core.rewardsCoordinator, opts.weth, owner]);
    await call(ctx, registry.contract, 'OperatorRegistry', 'setRewardsVault', [vault.address]);
    await call(ctx, oracle.contract, 'InferenceOracle', 'setRewardsVault', [vault.address]);
    // The deployer, an admin of the AVS account since acceptAdmin above, appoints the vault on the PermissionController
    // (before handing admin over to another owner below).
    await call(ctx, permissionController, 'PermissionController', 'setAppointee', [oracle.address, vault.address, opts.core.rewardsCoordinator, CREATE_OPERATOR_SET_REWARDS_SELECTOR]);
  }
  const sorted = [...opts.quorums].sort((a, b) => a.quorumNumber - b.quorumNumber);
  for (const q of sorted) {
    const strategies = sortStrategies(q.strategies);
    await call(ctx, oracle.contract, 'InferenceOracle', 'createQuorum', [q.quorumNumber, q.minimumStake ?? 1n, q.maxOperators ?? 1024, strategies]);
  }
  await call(ctx, oracle.contract, 'InferenceOracle', 'setQuorumConfig', [hexlify(Uint8Array.from(sorted.map((q) => q.quorumNumber))), sorted.map((q) => q.thresholdBps ?? opts.thresholdBps)]);
  if (opts.owner !== undefined && getAddress(opts.owner) !== getAddress(owner)) {
    // Ownable2Step: the new owner must call acceptOwnership on each contract.
    for (const [label, c] of [['ModelRegistry', models.contract], ['OperatorRegistry', registry.contract], ['InferenceOracle', oracle.contract], ['InferenceFeeds', feeds.contract]] as const) {
      await call(ctx, c, label, 'transferOwnership', [opts.owner]);
    }
    if (vault) await call(ctx, vault.contract, 'RewardsVault', 'transferOwnership', [opts.owner]);
    // The new owner must call permissionController.acceptAdmin(oracle); the oracle stays an admin meanwhile.
    await call(ctx, permissionController, 'PermissionController', 'addPendingAdmin', [oracle.address, opts.owner]);
    await call(ctx, permissionController, 'PermissionController', 'removeAdmin', [oracle.address, owner]);
  }
  return { inferenceOracle: oracle.address, operatorRegistry: registry.address, modelRegistry: models.address, inferenceFeeds: feeds.address, ...(vault ? { rewardsVault: vault.address } : {}), startBlock };
}
