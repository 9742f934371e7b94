/**
 * The deployments file (`deployments/<chainId>.json`): where a deployment of the AVS lives on one
 * chain. `deploy` writes it; the operator, the aggregator and the client read it, so its schema is
 * here in the sdk. All values are JSON-safe: uint96/uint256 amounts are decimal strings.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AioracleError } from '../errors.js';
import { formatZodError } from '../protocol/validation.js';

/** Error code: the deployments file is missing, unreadable or fails the schema. */
export const ERR_DEPLOYMENT_FILE = 'ERR_DEPLOYMENT_FILE';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex string');
const uintString = z.string().regex(/^(0|[1-9][0-9]*)$/, 'must be a decimal integer string');

/** Addresses of the EigenLayer core contracts the AVS talks to. */
export const eigenLayerCoreAddressesSchema = z.object({
  delegationManager: address,
  strategyManager: address,
  allocationManager: address,
  permissionController: address,
  /** EigenLayer's RewardsCoordinator (absent in deployments made before rewards). */
  rewardsCoordinator: address.optional(),
});
/** Addresses of the EigenLayer core contracts the AVS talks to. */
export type EigenLayerCoreAddresses = z.infer<typeof eigenLayerCoreAddressesSchema>;

/** Addresses of the AVS contracts. The InferenceOracle is the AVS account in EigenLayer. */
export const avsAddressesSchema = z.object({
  inferenceOracle: address,
  operatorRegistry: address,
  modelRegistry: address,
  /** The feeds contract (rounds + AggregatorV3Interface adapters). */
  inferenceFeeds: address,
  /** The RewardsVault paying task fees to the signers (absent: no rewards; the owner collects fees). */
  rewardsVault: address.optional(),
  /** The wrapped ether rewards are paid in (with rewardsVault). */
  weth: address.optional(),
});
/** Addresses of the AVS contracts. */
export type AvsAddresses = z.infer<typeof avsAddressesSchema>;

/** One quorum (= operator set of the AVS) as deployed. */
export const quorumDeploymentSchema = z.object({
  quorumNumber: z.number().int().min(0).max(255),
  /** Strategies counted by the quorum with their multipliers (1e18 = 1×), ascending by address. */
  strategies: z.array(z.object({ strategy: address, multiplier: uintString })).min(1),
  minimumStake: uintString,
  maxOperators: z.number().int().positive(),
});
/** One quorum as deployed. */
export type QuorumDeployment = z.infer<typeof quorumDeploymentSchema>;

/** A registered model. */
export const modelDeploymentSchema = z.object({
  modelId: bytes32,
  name: z.string(),
  version: z.string(),
  manifestHash: bytes32,
  onnxHash: bytes32,
  uri: z.string(),
});

/** A feed and its AggregatorV3Interface adapter. */
export const feedDeploymentSchema = z.object({
  feedId: uintString,
  modelId: bytes32,
  description: z.string(),
  adapter: address.nullable(),
});

/** The deployments file. */
export const deploymentSchema = z.object({
  /** Format version of this file. */
  version: z.literal(1),
  chainId: z.number().int().positive(),
  /** The deployer account (owner of the AVS contracts). */
  deployer: address,
  /** First block of the AVS deployment: where log scans start. */
  startBlock: z.number().int().nonnegative(),
  /** ISO time of the deployment. */
  deployedAt: z.string(),
  /** The EigenLayer core used; `deployedByUs` = the devnet core of avs-contracts. */
  core: eigenLayerCoreAddressesSchema.extend({ deployedByUs: z.boolean() }),
  /** The devnet staking asset (token + strategy), when the devnet core was deployed. */
  devnet: z.object({ token: address, strategy: address }).nullable(),
  avs: avsAddressesSchema,
  quorums: z.array(quorumDeploymentSchema),
  /** Blocks after a request during which responses are accepted. */
  responseWindowBlocks: z.number().int().positive(),
  /** Default threshold per quorum in basis points that requests use. */
  thresholdBps: z.number().int().min(1).max(10_000),
  models: z.array(modelDeploymentSchema),
  feeds: z.array(feedDeploymentSchema),
});
/** The deployments file. */
export type Deployment = z.infer<typeof deploymentSchema>;

/** Validates an untrusted deployments object; ERR_DEPLOYMENT_FILE naming each bad field. */
export function parseDeployment(value: unknown): Deployment {
  const res = deploymentSchema.safeParse(value);
  if (!res.success) throw new AioracleError(ERR_DEPLOYMENT_FILE, formatZodError(res.error), { cause: res.error });
  return res.data;
}

/** `<dir>/<chainId>.json`. */
export function deploymentFilePath(dir: string, chainId: number): string {
  return join(dir, `${chainId}.json`);
}

/** Reads and validates a deployments file. */
export function readDeploymentFile(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AioracleError(ERR_DEPLOYMENT_FILE, `Cannot read the deployments file ${path}: deploy first (\`aioracle-deploy deploy\`) or pass its path`, { cause, details: { path } });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AioracleError(ERR_DEPLOYMENT_FILE, `The deployments file ${path} is not valid JSON`, { cause, details: { path } });
  }
  try {
    return parseDeployment(json);
  } catch (err) {
    const e = err as AioracleError;
    throw new AioracleError(ERR_DEPLOYMENT_FILE, `${path}: ${e.message}`, { cause: err, details: { path } });
  }
}

/** Writes a deployments file atomically (temp file + rename), creating its directory. */
export function writeDeploymentFile(path: string, deployment: Deployment): void {
  const valid = parseDeployment(deployment);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`);
  renameSync(tmp, path);
}
