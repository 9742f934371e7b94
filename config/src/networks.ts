/**
 * Network files: the EigenLayer core addresses of each public network (as EigenLayer publishes
 * them) and the devnet's placeholder. Deploying the AVS against a real core reads these; the devnet
 * deploys its own core instead.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './load.js';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address');

/** The EigenLayer core contracts an AVS talks to. */
export const eigenLayerCoreSchema = z.object({
  delegationManager: address,
  strategyManager: address,
  allocationManager: address,
  permissionController: address,
  avsDirectory: address.optional(),
  rewardsCoordinator: address.optional(),
});
export type EigenLayerCore = z.infer<typeof eigenLayerCoreSchema>;

export const networkSchema = z.object({
  name: z.string(),
  chainId: z.number().int().positive(),
  source: z.string(),
  eigenlayer: eigenLayerCoreSchema.nullable(),
  strategies: z.record(z.string(), address),
  /** The chain's wrapped ether (WETH9), the token the RewardsVault pays rewards in. */
  weth: address.optional(),
});
export type NetworkFile = z.infer<typeof networkSchema>;

export const NETWORK_NAMES = ['devnet', 'holesky', 'sepolia', 'mainnet'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

/** Loads a bundled network file by name. */
export function loadNetwork(name: string): NetworkFile {
  if (!(NETWORK_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError('ERR_CONFIG_INVALID', `unknown network "${name}"; expected one of ${NETWORK_NAMES.join(', ')}`);
  }
  const url = new URL(`../networks/${name}.json`, import.meta.url);
  return networkSchema.parse(JSON.parse(readFileSync(url, 'utf8')));
}

/** Finds the bundled network for a chain id, if any. */
export function networkForChainId(chainId: number): NetworkFile | undefined {
  return NETWORK_NAMES.map(loadNetwork).find((n) => n.chainId === chainId);
}
