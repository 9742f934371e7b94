/**
 * Operator configuration: the zod schema lives in @aioracle/config (`operatorConfigSchema`); this
 * module loads it (defaults < YAML < AIORACLE_* env < CLI), resolves the AVS deployment (a
 * deployments file and/or explicit addresses), and reads keystore passwords from a file, the
 * environment or a prompt — never from the config file or the command line.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, loadConfig, operatorConfigSchema, type OperatorConfig } from '@aioracle/config';
import { readDeploymentFile, readPasswordFile, type AvsAddresses, type Deployment, type EigenLayerCoreAddresses } from '@aioracle/sdk';
import { OperatorErrorCode, operatorError } from './errors.js';

export type { OperatorConfig };

/** Loads and validates the operator config; relative paths in it resolve against the file's folder. */
export function loadOperatorConfig(file: string | undefined, overrides: Record<string, unknown> = {}, env: Record<string, string | undefined> = process.env): OperatorConfig {
  const cfg = loadConfig({ schema: operatorConfigSchema, file, env, overrides });
  const base = file ? dirname(resolve(file)) : process.cwd();
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const abso = (p: string | undefined): string | undefined => (p === undefined ? undefined : abs(p));
  return {
    ...cfg,
    bls_private_key_store_path: abso(cfg.bls_private_key_store_path),
    private_key_store_path: abso(cfg.private_key_store_path ?? cfg.ecdsa_private_key_store_path),
    bls_password_file: abso(cfg.bls_password_file),
    ecdsa_password_file: abso(cfg.ecdsa_password_file),
    signing_log_path: abs(cfg.signing_log_path),
    models: { ...cfg.models, dir: abs(cfg.models.dir) },
    avs: { ...cfg.avs, deployment_file: abso(cfg.avs.deployment_file) },
  };
}

/** The deployment the operator works with, resolved from the config. */
export interface ResolvedAvs {
  chainId: number | undefined;
  avs: AvsAddresses;
  core: EigenLayerCoreAddresses | null;
  startBlock: number;
  quorums: number[];
  devnet: Deployment['devnet'];
  /** The rewards path (docs/protocol.md "Rewards"), or null when the AVS has no RewardsVault. */
  rewards: { vault: string; coordinator: string | null; token: string | null } | null;
}

const ZERO = '0x0000000000000000000000000000000000000000';

/** Resolves the AVS and EigenLayer addresses: explicit config fields override the deployments file. */
export function resolveAvs(cfg: OperatorConfig): ResolvedAvs {
  const d = cfg.avs.deployment_file ? readDeploymentFile(cfg.avs.deployment_file) : null;
  const avs: AvsAddresses = {
    inferenceOracle: cfg.avs.inference_oracle ?? d?.avs.inferenceOracle ?? '',
    operatorRegistry: cfg.avs.operator_registry ?? d?.avs.operatorRegistry ?? '',
    modelRegistry: cfg.avs.model_registry ?? d?.avs.modelRegistry ?? '',
    inferenceFeeds: cfg.avs.inference_feeds ?? d?.avs.inferenceFeeds ?? ZERO,
  };
  const dm = cfg.el_delegation_manager_address ?? d?.core.delegationManager;
  const am = cfg.el_allocation_manager_address ?? d?.core.allocationManager;
  const sm = cfg.el_strategy_manager_address ?? d?.core.strategyManager;
  const core = dm && am && sm ? { delegationManager: dm, allocationManager: am, strategyManager: sm, permissionController: d?.core.permissionController ?? ZERO } : null;
  if (d && cfg.chain_id !== undefined && d.chainId !== cfg.chain_id) {
    throw new ConfigError('ERR_CONFIG_INVALID', `Validation failed: chain_id is ${cfg.chain_id} but the deployments file ${cfg.avs.deployment_file} is for chain ${d.chainId}`);
  }
  const vault = cfg.avs.rewards_vault ?? d?.avs.rewardsVault;
  const rewards = vault
    ? { vault, coordinator: cfg.avs.rewards_coordinator ?? d?.core.rewardsCoordinator ?? null, token: cfg.avs.rewards_token ?? d?.avs.weth ?? null }
    : null;
  return {
    chainId: cfg.chain_id ?? d?.chainId,
    avs,
    core,
    rewards,
    startBlock: d?.startBlock ?? 0,
    quorums: cfg.avs.quorums ?? d?.quorums.map((q) => q.quorumNumber) ?? [0],
    devnet: d?.devnet ?? null,
  };
}

/** Where a password may come from, in order: a file, an environment variable, a TTY prompt. */
export interface PasswordSource {
  file?: string | undefined;
  envVar: string;
  prompt: string;
  env?: Record<string, string | undefined>;
  /** Ask twice and compare (new keys). */
  confirm?: boolean;
}

/** Reads a password (first line of the file, the env variable, or a prompt on a TTY). */
export async function readPassword(src: PasswordSource): Promise<string> {
  if (src.file) {
    try {
      return readPasswordFile(src.file).trimEnd();
    } catch (cause) {
      throw operatorError(OperatorErrorCode.Password, (cause as Error).message, { cause });
    }
  }
  const env = src.env ?? process.env;
  const v = env[src.envVar];
  if (v !== undefined) return v;
  if (!process.stdin.isTTY) {
    throw operatorError(OperatorErrorCode.Password, `No password: pass --password-file, set ${src.envVar}, or run on a terminal to be prompted`);
  }
  const first = await prompt(src.prompt);
  if (src.confirm) {
    const again = await prompt('Repeat the password: ');
    if (again !== first) throw operatorError(OperatorErrorCode.Password, 'The passwords do not match');
  }
  return first;
}

function prompt(question: string): Promise<string> {
  return new Promise((resolvePrompt) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput?: (s: string) => void; output: NodeJS.WritableStream };
    process.stderr.write(question);
    out._writeToOutput = () => undefined; // no echo
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolvePrompt(answer);
    });
  });
}

/** The only chain id on which `devnet.byzantine` is accepted (anvil's default). */
export const BYZANTINE_CHAIN_ID = 31337;

/**
 * DEVNET ONLY switch guard: throws ERR_CONFIG_INVALID when `devnet.byzantine` (sign corrupted
 * outputs, byzantine.ts) is on and the RPC's chain is not anvil's.
 * @example assertByzantineAllowed(cfg.devnet.byzantine, chainId)
 */
export function assertByzantineAllowed(byzantine: boolean, chainId: number): void {
  if (byzantine && chainId !== BYZANTINE_CHAIN_ID) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `Validation failed: devnet.byzantine makes this node sign wrong outputs and is accepted only on a local anvil devnet (chain id ${BYZANTINE_CHAIN_ID}); the RPC reports chain ${chainId}. Remove it from the config.`,
    );
  }
}
