/**
 * The CLI's global options resolved once per command: RPC endpoint, deployments file, models
 * directory, and the key that sends transactions. Precedence: option > environment > default.
 * Keys come only from the environment (AIORACLE_PRIVATE_KEY) or an encrypted JSON keystore file
 * whose password is in a file or the environment; never from an argument value, never printed.
 * The chain connection is opened lazily, so input validation runs before anything touches the
 * network.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet, type Provider, type Signer } from 'ethers';
import { createProvider, destroyProvider } from '../chain/provider.js';
import { ChainReader } from '../contracts/chainReader.js';
import { readDeploymentFile, type Deployment } from '../contracts/deployment.js';
import { readEcdsaKeystoreSync, readPasswordFile } from '../keystore/ecdsaKeystore.js';
import { CliErrorCode, cliError, type CliIo } from './io.js';

/** The global options as commander parsed them. */
export interface GlobalOptions {
  rpcUrl?: string;
  deployment?: string;
  modelsDir?: string;
  keyFile?: string;
  passwordFile?: string;
}

/** Default RPC endpoint. */
export const DEFAULT_RPC_URL = 'http://127.0.0.1:8545';

/** What a connected command needs. */
export interface ChainContext {
  deployment: Deployment;
  provider: Provider;
  reader: ChainReader;
  chainId: bigint;
}

/** Connects to the chain (injectable for tests). */
export type Connect = (rpcUrl: string, deployment: Deployment) => Promise<ChainContext & { close: () => Promise<void> }>;

/** Opens a provider, checks that the deployment is for its chain, and builds a ChainReader. */
export const connectRpc: Connect = async (rpcUrl, deployment) => {
  const provider = createProvider(rpcUrl);
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (cause) {
    await destroyProvider(provider);
    throw cliError('ERR_RPC', `Cannot reach the RPC endpoint ${rpcUrl}: start the chain or pass --rpc-url`, { cause });
  }
  if (chainId !== BigInt(deployment.chainId)) {
    await destroyProvider(provider);
    throw cliError(CliErrorCode.ChainMismatch, `The deployments file is for chain ${deployment.chainId} but ${rpcUrl} is chain ${chainId}`);
  }
  return { deployment, provider, chainId, reader: new ChainReader(provider, deployment.avs), close: () => destroyProvider(provider) };
};

/** Resolved settings of one invocation. */
export class CliContext {
  private chain: (ChainContext & { close: () => Promise<void> }) | null = null;

  constructor(
    private readonly io: CliIo,
    private readonly opts: GlobalOptions,
    private readonly connect: Connect,
  ) {}

  get rpcUrl(): string {
    return this.opts.rpcUrl ?? this.io.env.AIORACLE_RPC_URL ?? DEFAULT_RPC_URL;
  }

  /** The deployments file path; ERR_DEPLOYMENT_MISSING when neither the option nor the env gives one. */
  get deploymentPath(): string {
    const p = this.opts.deployment ?? this.io.env.AIORACLE_DEPLOYMENT;
    if (!p) {
      throw cliError(CliErrorCode.DeploymentMissing, 'No deployments file: pass --deployment FILE or set AIORACLE_DEPLOYMENT (the deployments/<chainId>.json written by aioracle-deploy)');
    }
    return resolve(p);
  }

  /** The models directory: --models-dir, AIORACLE_MODELS_DIR, else the demo models of @aioracle/config. */
  get modelsDir(): string | null {
    const p = this.opts.modelsDir ?? this.io.env.AIORACLE_MODELS_DIR;
    return p ? resolve(p) : defaultModelsDir();
  }

  /** Reads the deployments file. */
  deployment(): Deployment {
    return readDeploymentFile(this.deploymentPath);
  }

  /** Connects once (deployment + provider + reader). */
  async chainContext(): Promise<ChainContext> {
    this.chain ??= await this.connect(this.rpcUrl, this.deployment());
    return this.chain;
  }

  /** The transaction signer: --key-file (+ password) or AIORACLE_PRIVATE_KEY; connected to the provider. */
  async signer(): Promise<Signer> {
    const { provider } = await this.chainContext();
    return loadSigner(this.io.env, this.opts).connect(provider);
  }

  /** Releases the connection. */
  async close(): Promise<void> {
    const c = this.chain;
    this.chain = null;
    await c?.close();
  }
}

/**
 * The sending key. A keystore file (--key-file) wins over AIORACLE_PRIVATE_KEY; its password comes
 * from --password-file or AIORACLE_KEY_PASSWORD. Errors never include the key or the password.
 */
export function loadSigner(env: Record<string, string | undefined>, opts: Pick<GlobalOptions, 'keyFile' | 'passwordFile'>): Wallet {
  if (opts.keyFile !== undefined) {
    const keyFile = opts.keyFile;
    const asKeyInvalid = (err: unknown): Error => cliError(CliErrorCode.KeyInvalid, (err as Error).message, { cause: err });
    let password: string | undefined;
    if (opts.passwordFile !== undefined) {
      try {
        password = readPasswordFile(opts.passwordFile);
      } catch (err) {
        throw asKeyInvalid(err);
      }
    } else password = env.AIORACLE_KEY_PASSWORD;
    if (password === undefined) throw cliError(CliErrorCode.KeyMissing, `The key file ${keyFile} is encrypted: give its password with --password-file FILE or AIORACLE_KEY_PASSWORD`);
    try {
      return new Wallet(readEcdsaKeystoreSync(keyFile, password));
    } catch (err) {
      throw asKeyInvalid(err);
    }
  }
  const key = env.AIORACLE_PRIVATE_KEY;
  if (key === undefined || key === '') {
    throw cliError(CliErrorCode.KeyMissing, 'This command sends a transaction: set AIORACLE_PRIVATE_KEY, or pass --key-file FILE (an encrypted JSON keystore) with --password-file FILE or AIORACLE_KEY_PASSWORD');
  }
  const hex = key.trim().startsWith('0x') ? key.trim() : `0x${key.trim()}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw cliError(CliErrorCode.KeyInvalid, 'AIORACLE_PRIVATE_KEY must be a 32-byte hex private key');
  return new Wallet(hex);
}

/**
 * The demo models of the @aioracle/config package (config/models with its index.json), found by
 * walking up from this file to a node_modules/@aioracle/config or the monorepo's config/; null when
 * neither exists (a client installed without @aioracle/config).
 */
export function defaultModelsDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [join(dir, 'node_modules', '@aioracle', 'config', 'models'), join(dir, 'config', 'models')]) {
      if (existsSync(join(candidate, 'index.json'))) return candidate;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}
