/**
 * The local EigenLayer core (avs-contracts/src/devnet-core) for devnets and tests: the four core
 * contracts EigenLayer's AVS-facing API lives in, the stand-in RewardsCoordinator (with a WETH the
 * AVS pays rewards in), plus a mintable test token and its strategy.
 * The real core is never deployed by this project: on public networks its addresses come from
 * config/networks/<name>.json and this module is skipped.
 */
import { attach, call, deployContract, type DeployContext } from './deployer.js';

/** Addresses of the EigenLayer core contracts an AVS and its operators talk to. */
export interface EigenLayerCore {
  delegationManager: string;
  strategyManager: string;
  allocationManager: string;
  permissionController: string;
  /** EigenLayer's RewardsCoordinator; without it the AVS has no RewardsVault (the owner collects fees). */
  rewardsCoordinator?: string;
}

/** The devnet staking asset: a freely mintable ERC-20 and its whitelisted strategy. */
export interface DevnetAsset {
  token: string;
  strategy: string;
}

/** Options of {@link deployDevnetCore}. */
export interface DeployDevnetCoreOptions {
  /** Blocks a deallocation stays slashable (default 0 on a devnet; EigenLayer mainnet: 14 days). */
  deallocationDelayBlocks?: number;
  /** Blocks before an allocation-delay change applies (default 0 on a devnet). */
  allocationConfigurationDelayBlocks?: number;
  /** Token name/symbol of the staking asset (default "Devnet Stake" / "DSTK"). */
  tokenName?: string;
  tokenSymbol?: string;
  /** The stand-in RewardsCoordinator's CALCULATION_INTERVAL_SECONDS (default 60 on a devnet; EigenLayer: 1 day). */
  rewardsIntervalSeconds?: number;
}

/**
 * Deploys PermissionController, DelegationManager, AllocationManager, StrategyManager (wired with
 * DelegationManager.initialize), a DevnetToken and a StrategyBase for it, whitelisted for deposits.
 */
export async function deployDevnetCore(ctx: DeployContext, opts: DeployDevnetCoreOptions = {}): Promise<{ core: EigenLayerCore; asset: DevnetAsset; weth: string }> {
  const pc = await deployContract(ctx, 'PermissionController', []);
  const dm = await deployContract(ctx, 'DelegationManager', [pc.address]);
  const am = await deployContract(ctx, 'AllocationManager', [dm.address, pc.address, opts.deallocationDelayBlocks ?? 0, opts.allocationConfigurationDelayBlocks ?? 0]);
  const sm = await deployContract(ctx, 'StrategyManager', [am.address, dm.address, ctx.deployer]);
  await call(ctx, dm.contract, 'DelegationManager', 'initialize', [sm.address, am.address]);
  const asset = await deployDevnetAsset(ctx, sm.address, opts);
  // RewardsCoordinator(am, sm, pc, rewardsUpdater, interval, maxRewardsDuration, maxRetroactiveLength, genesis)
  const interval = opts.rewardsIntervalSeconds ?? 60;
  const rc = await deployContract(ctx, 'RewardsCoordinator', [am.address, sm.address, pc.address, ctx.deployer, interval, interval * 60 * 24 * 30, interval * 60 * 24 * 90, 0]);
  const weth = await deployContract(ctx, 'DevnetWETH', []);
  return {
    core: { delegationManager: dm.address, strategyManager: sm.address, allocationManager: am.address, permissionController: pc.address, rewardsCoordinator: rc.address },
    asset,
    weth: weth.address,
  };
}

/** Deploys a DevnetToken and a StrategyBase over it, and whitelists the strategy (deployer = whitelister). */
export async function deployDevnetAsset(ctx: DeployContext, strategyManager: string, opts: DeployDevnetCoreOptions = {}): Promise<DevnetAsset> {
  const token = await deployContract(ctx, 'DevnetToken', [opts.tokenName ?? 'Devnet Stake', opts.tokenSymbol ?? 'DSTK']);
  const strategy = await deployContract(ctx, 'StrategyBase', [strategyManager, token.address]);
  const sm = attach(ctx, 'StrategyManager', strategyManager);
  await call(ctx, sm, 'StrategyManager', 'addStrategiesToDepositWhitelist', [[strategy.address]]);
  return { token: token.address, strategy: strategy.address };
}
