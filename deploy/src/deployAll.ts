/**
 * One call that leaves a chain ready for the AVS: the EigenLayer core (deployed here unless its
 * addresses are given), the AVS contracts, wired, with their quorums; returns the deployments-file
 * object (and writes it when asked). Used by the CLI, the devnet, the gas bench and the integration
 * tests of other packages.
 */
import { type Deployment, writeDeploymentFile, deploymentFilePath, destroyProvider } from '@aioracle/sdk';
import { getAddress, type JsonRpcProvider } from 'ethers';
import { deployAvs, defaultOracleConfig, validateQuorums, type OracleConfig, type QuorumSpec, type StrategySpec } from './avs.js';
import { deployDevnetCore, type DeployDevnetCoreOptions, type EigenLayerCore } from './core.js';
import { createDeployContext, type DeployProgress } from './deployer.js';
import { AioracleError } from '@aioracle/sdk';

/** Options of {@link deployAll}. */
export interface DeployAllOptions {
  /** JSON-RPC endpoint (http(s) or ws(s)). */
  rpcUrl: string;
  /** Deployer private key (0x-hex). Owns the AVS contracts. Never logged. */
  deployerKey: string;
  /**
   * An existing EigenLayer core (e.g. `loadNetwork('holesky').eigenlayer`). Omitted: the devnet core
   * and a test token + strategy are deployed first.
   */
  core?: EigenLayerCore;
  /** The chain's wrapped ether (with `core.rewardsCoordinator`: deploy a RewardsVault). The devnet deploys its own. */
  weth?: string;
  /** Quorums (default: one, quorum 0, over the devnet strategy; required with `core`). */
  quorums?: QuorumSpec[];
  /** Blocks a task stays open for responses (default 20). */
  responseWindowBlocks?: number;
  /** Any other oracle configuration field to override. */
  oracleConfig?: Partial<OracleConfig>;
  /** Default per-quorum threshold new tasks require, basis points (default 6667 = two thirds). */
  thresholdBps?: number;
  /** AVS metadata URI published in EigenLayer (default a data: URI naming the AVS). */
  metadataUri?: string;
  /** Owner of the AVS contracts after deployment (default: the deployer). */
  owner?: string;
  /** Devnet core options (delays, token name). */
  devnetCore?: DeployDevnetCoreOptions;
  /** Forge `out/` (default: that of @aioracle/avs-contracts). */
  artifactsDir?: string;
  /** When set, the deployment is also written to `<deploymentsDir>/<chainId>.json`. */
  deploymentsDir?: string;
  /** Progress of each deployment transaction. */
  onProgress?: (p: DeployProgress) => void;
}

const DEFAULT_METADATA_URI = 'data:application/json,{"name":"AI Oracle AVS","description":"Quorum-attested ONNX inference"}';

/**
 * Deploys everything and returns the {@link Deployment} (the deployments-file object).
 * Throws ERR_DEPLOY_CONFIG for bad options, ERR_DEPLOY_ARTIFACTS when avs-contracts is not built,
 * ERR_TX_* / ERR_RPC when a transaction fails.
 * @example
 * const anvil = await startAnvil();
 * const d = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey });
 * d.avs.inferenceOracle; d.core.allocationManager; d.devnet?.strategy
 */
export async function deployAll(opts: DeployAllOptions): Promise<Deployment> {
  if (opts.core !== undefined && opts.quorums === undefined) {
    throw new AioracleError('ERR_DEPLOY_CONFIG', 'Validation failed: quorums (with their strategies) are required when deploying against an existing EigenLayer core');
  }
  const ctx = await createDeployContext({
    rpcUrl: opts.rpcUrl,
    deployerKey: opts.deployerKey,
    ...(opts.artifactsDir !== undefined ? { artifactsDir: opts.artifactsDir } : {}),
    ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
  });
  try {
    const thresholdBps = opts.thresholdBps ?? 6667;
    if (!Number.isInteger(thresholdBps) || thresholdBps < 6667 || thresholdBps > 10_000) throw new AioracleError('ERR_DEPLOY_CONFIG', 'Validation failed: thresholdBps must be 6667..10000 (more than two thirds, docs/protocol.md)');
    const quorumSpecs = opts.quorums ?? [{ quorumNumber: 0 }];
    validateQuorums(quorumSpecs);
    const config = { ...defaultOracleConfig(opts.responseWindowBlocks ?? 20), ...opts.oracleConfig };
    if (config.maxStaleBlocks <= config.responseWindow) throw new AioracleError('ERR_DEPLOY_CONFIG', 'Validation failed: oracleConfig.maxStaleBlocks must be > responseWindow');

    const startBlock = await ctx.provider.getBlockNumber();
    let core: EigenLayerCore;
    let devnet: { token: string; strategy: string } | null = null;
    let weth = opts.weth !== undefined ? getAddress(opts.weth) : undefined;
    if (opts.core) core = normaliseCore(opts.core);
    else {
      const d = await deployDevnetCore(ctx, opts.devnetCore);
      core = d.core;
      devnet = d.asset;
      weth = d.weth;
    }
    const quorums = quorumSpecs.map((q) => {
      const strategies: StrategySpec[] | undefined = q.strategies ?? (devnet ? [{ strategy: devnet.strategy, multiplier: q.devnetMultiplier ?? 10n ** 18n }] : undefined);
      if (!strategies || strategies.length === 0) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: quorum ${q.quorumNumber} needs strategies`);
      return { ...q, strategies };
    });
    const avs = await deployAvs(ctx, { core, quorums, config, thresholdBps, metadataUri: opts.metadataUri ?? DEFAULT_METADATA_URI, ...(opts.owner ? { owner: opts.owner } : {}), ...(weth !== undefined ? { weth } : {}) });
    const deployment: Deployment = {
      version: 1,
      chainId: ctx.chainId,
      deployer: ctx.deployer,
      startBlock,
      deployedAt: new Date().toISOString(),
      core: { ...core, deployedByUs: opts.core === undefined },
      devnet,
      avs: {
        inferenceOracle: avs.inferenceOracle,
        operatorRegistry: avs.operatorRegistry,
        modelRegistry: avs.modelRegistry,
        inferenceFeeds: avs.inferenceFeeds,
        ...(avs.rewardsVault !== undefined && weth !== undefined ? { rewardsVault: avs.rewardsVault, weth } : {}),
      },
      quorums: quorums
        .map((q) => ({
          quorumNumber: q.quorumNumber,
          strategies: q.strategies.map((s) => ({ strategy: getAddress(s.strategy), multiplier: s.multiplier.toString() })).sort((a, b) => (BigInt(a.strategy) < BigInt(b.strategy) ? -1 : 1)),
          minimumStake: (q.minimumStake ?? 1n).toString(),
          maxOperators: q.maxOperators ?? 1024,
        }))
        .sort((a, b) => a.quorumNumber - b.quorumNumber),
      responseWindowBlocks: config.responseWindow,
      thresholdBps,
      models: [],
      feeds: [],
    };
    if (opts.deploymentsDir !== undefined) writeDeploymentFile(deploymentFilePath(opts.deploymentsDir, ctx.chainId), deployment);
    return deployment;
  } finally {
    await destroyProvider(ctx.provider as JsonRpcProvider);
  }
}

function normaliseCore(core: EigenLayerCore): EigenLayerCore {
  const out = {} as EigenLayerCore;
  for (const k of ['delegationManager', 'strategyManager', 'allocationManager', 'permissionController', 'rewardsCoordinator'] as const) {
    const v = core[k];
    if (v === undefined && k === 'rewardsCoordinator') continue;
    try {
      out[k] = getAddress(v as string);
    } catch (cause) {
      throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: core.${k} must be a valid address`, { cause });
    }
  }
  return out;
}
