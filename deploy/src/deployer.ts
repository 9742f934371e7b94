/**
 * The one sending context of a deployment: a provider, one key behind one nonce manager
 * (sdk TxSender), the artifacts directory, and a progress callback. Contract creation goes through
 * the same nonce manager as calls, and always waits for the receipt.
 */
import { Contract, ContractFactory, Wallet, type InterfaceAbi, type JsonRpcProvider, type TransactionReceipt } from 'ethers';
import { AioracleError, TxSender, classifyTxError, createProvider, waitForReceipt } from '@aioracle/sdk';
import { EIP170_CODE_SIZE_LIMIT, defaultArtifactsDir, loadArtifact } from './artifacts.js';

/** A progress event of a deployment step (for CLIs and logs). */
export interface DeployProgress {
  /** Step name, e.g. `deploy:OperatorRegistry`, `call:InferenceOracle.createQuorum`. */
  step: string;
  /** Deployed address, when the step deployed a contract. */
  address?: string;
  /** Transaction hash. */
  txHash?: string;
  /** Gas used by the step's transaction. */
  gasUsed?: bigint;
}

/** Everything a deployment step needs. */
export interface DeployContext {
  provider: JsonRpcProvider;
  sender: TxSender;
  /** Address of the deploying key. */
  deployer: string;
  chainId: number;
  artifactsDir: string;
  onProgress: (p: DeployProgress) => void;
}

/** Options for {@link createDeployContext}. */
export interface DeployContextOptions {
  rpcUrl: string;
  /** Private key of the deployer (0x-hex). Never logged. */
  deployerKey: string;
  /** Forge `out/` directory (default: that of @aioracle/avs-contracts). */
  artifactsDir?: string;
  onProgress?: (p: DeployProgress) => void;
  /** Existing provider to reuse (the caller keeps ownership). */
  provider?: JsonRpcProvider;
}

/** Builds a {@link DeployContext}; the caller destroys `ctx.provider` when done (unless it passed one). */
export async function createDeployContext(opts: DeployContextOptions): Promise<DeployContext> {
  const provider = opts.provider ?? (createProvider(opts.rpcUrl) as JsonRpcProvider);
  let wallet: Wallet;
  try {
    wallet = new Wallet(opts.deployerKey, provider);
  } catch (cause) {
    throw new AioracleError('ERR_DEPLOY_KEY_INVALID', 'The deployer key is not a valid 32-byte hex private key', { cause });
  }
  let chainId: number;
  try {
    chainId = Number((await provider.getNetwork()).chainId);
  } catch (cause) {
    throw new AioracleError('ERR_RPC', `Cannot reach the RPC endpoint ${opts.rpcUrl}`, { cause, retryable: true });
  }
  return {
    provider,
    sender: new TxSender(wallet, { gasMarginPct: 130 }),
    deployer: wallet.address,
    chainId,
    artifactsDir: opts.artifactsDir ?? defaultArtifactsDir(),
    onProgress: opts.onProgress ?? (() => undefined),
  };
}

/**
 * Deploys `name` (a forge artifact) with positional constructor args and returns the contract,
 * connected to the deployer. Checks the arity against the ABI so a changed constructor fails with
 * the expected parameter list instead of an ABI-encoding error.
 */
export async function deployContract(ctx: DeployContext, name: string, args: readonly unknown[]): Promise<{ contract: Contract; address: string; receipt: TransactionReceipt }> {
  const art = loadArtifact(name, ctx.artifactsDir);
  const factory = new ContractFactory(art.abi, art.bytecode, ctx.sender.signer);
  const ctor = factory.interface.deploy;
  if (ctor.inputs.length !== args.length) {
    throw new AioracleError('ERR_DEPLOY_CONSTRUCTOR', `${art.name}'s constructor takes (${ctor.inputs.map((i) => `${i.type} ${i.name}`).join(', ')}); deploy passes ${args.length} argument(s): update deploy for the new constructor`, {
      details: { contract: art.name },
    });
  }
  try {
    const deployed = await factory.deploy(...args);
    const tx = deployed.deploymentTransaction();
    const receipt = tx ? await waitForReceipt(tx) : null;
    if (!receipt || receipt.status !== 1) throw new AioracleError('ERR_TX_REVERTED', `deploying ${art.name} failed`, { details: { contract: art.name } });
    const address = await deployed.getAddress();
    ctx.onProgress({ step: `deploy:${art.name}`, address, txHash: receipt.hash, gasUsed: receipt.gasUsed });
    return { contract: new Contract(address, art.abi, ctx.sender.signer), address, receipt };
  } catch (err) {
    ctx.sender.resetNonce();
    if (art.runtimeSize > EIP170_CODE_SIZE_LIMIT) {
      throw new AioracleError('ERR_DEPLOY_CODE_SIZE', `Deploying ${art.name} failed: its runtime code is ${art.runtimeSize} bytes, over the EIP-170 limit of ${EIP170_CODE_SIZE_LIMIT}. Shrink the contract (or, on a local anvil only, start it with startAnvil({ codeSizeLimit }))`, {
        details: { contract: art.name, runtimeSize: art.runtimeSize },
      });
    }
    throw classifyTxError(err, `deploy ${art.name}`);
  }
}

/** A contract instance for an already deployed artifact. */
export function attach(ctx: DeployContext, name: string, address: string): Contract {
  const art = loadArtifact(name, ctx.artifactsDir);
  return new Contract(address, art.abi as InterfaceAbi, ctx.sender.signer);
}

/** Sends `contract.method(...args)` from the deployer and reports progress. */
export async function call(ctx: DeployContext, contract: Contract, label: string, method: string, args: readonly unknown[], value?: bigint): Promise<TransactionReceipt> {
  const receipt = await ctx.sender.send(contract, method, args, value === undefined ? {} : { value });
  ctx.onProgress({ step: `call:${label}.${method}`, txHash: receipt.hash, gasUsed: receipt.gasUsed });
  return receipt;
}
