/**
 * Test and devnet operators: funds each ECDSA key with ETH, then runs the sdk's registration flow
 * (EigenLayer operator → devnet stake → allocation → operator sets with the BLS proof of
 * possession). Operators register concurrently (each has its own key and nonce); funding is
 * serialised through one sender.
 */
import {
  AioracleError,
  TxSender,
  createProvider,
  destroyProvider,
  blsBackendName,
  initBls,
  registerOperator,
  toBlsKeyPair,
  type BlsKeyInput,
  type BlsKeyPair,
  type Deployment,
  type RegistrationProgress,
  waitForReceipt,
} from '@aioracle/sdk';
import { Wallet, parseEther, toBeHex, type JsonRpcProvider } from 'ethers';

/** One operator to set up. */
export interface OperatorSpec {
  /** The operator's ECDSA private key (0x-hex). */
  ecdsaKey: string;
  /** Its BLS secret key (BlsSecretKey, key pair, bigint, or 32-byte hex). */
  blsSecretKey: BlsKeyInput;
  /** Devnet stake (wei of the test token) deposited into the test strategy (default 1000e18). */
  stake?: bigint;
  /** Quorums to join (default: every quorum of the deployment). */
  quorums?: number[];
}

/** Options of {@link setupOperators}. */
export interface SetupOperatorsOptions {
  /** JSON-RPC endpoint of the chain the deployment is on. */
  rpcUrl: string;
  /**
   * Key that pays each operator `fundEth` when its balance is lower. Omitted: balances are set with
   * `anvil_setBalance` (anvil and hardhat only).
   */
  funderKey?: string;
  /** ETH each operator should hold for gas (default 10). */
  fundEth?: string;
  /** Operators registered at the same time (default 8). */
  concurrency?: number;
  /** Progress of each operator's registration steps. */
  onProgress?: (operator: string, p: RegistrationProgress) => void;
}

/** A registered operator. */
export interface RegisteredOperator {
  address: string;
  operatorId: string;
  /** Its BLS key pair (for signing in tests). */
  blsKeyPair: BlsKeyPair;
  /** Quorums it is a member of after setup. */
  quorums: number[];
}

/**
 * Funds and registers `operators` with the AVS of `deployment` (idempotent: already-registered
 * operators are left as they are). On a deployment without the devnet core, stake must come from
 * elsewhere: `stake` is then ignored and the operators need delegated stake already.
 * @example
 * const ops = await setupOperators(d, [{ ecdsaKey, blsSecretKey: 42n, stake: 10n ** 21n }], { rpcUrl: anvil.rpcUrl });
 */
export async function setupOperators(deployment: Deployment, operators: readonly OperatorSpec[], opts: SetupOperatorsOptions): Promise<RegisteredOperator[]> {
  if (blsBackendName() === null) await initBls();
  const provider = createProvider(opts.rpcUrl) as JsonRpcProvider;
  try {
    const fundWei = parseEther(opts.fundEth ?? '10');
    const funder = opts.funderKey ? new TxSender(new Wallet(opts.funderKey, provider)) : undefined;
    const wallets = operators.map((o) => {
      try {
        return new Wallet(o.ecdsaKey, provider);
      } catch (cause) {
        throw new AioracleError('ERR_DEPLOY_CONFIG', 'Validation failed: an operator ecdsaKey is not a valid private key', { cause });
      }
    });
    for (const w of wallets) {
      const balance = await provider.getBalance(w.address);
      if (balance >= fundWei / 2n) continue;
      if (funder) {
        const r = await funder.signer.sendTransaction({ to: w.address, value: fundWei - balance });
        await waitForReceipt(r);
      } else {
        try {
          await provider.send('anvil_setBalance', [w.address, toBeHex(fundWei)]);
        } catch (cause) {
          throw new AioracleError('ERR_DEPLOY_FUNDING', `Cannot fund operator ${w.address}: pass funderKey (this chain has no anvil_setBalance)`, { cause });
        }
      }
    }
    const allQuorums = deployment.quorums.map((q) => q.quorumNumber);
    const results: RegisteredOperator[] = new Array(operators.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= operators.length) return;
        const spec = operators[i]!;
        const wallet = wallets[i]!;
        const keyPair = toBlsKeyPair(spec.blsSecretKey);
        const quorums = spec.quorums ?? allQuorums;
        const res = await registerOperator({
          signer: wallet,
          blsKey: keyPair,
          core: deployment.core,
          avs: deployment.avs,
          quorums,
          ...(deployment.devnet ? { devnet: { ...deployment.devnet, stake: spec.stake ?? 1000n * 10n ** 18n } } : {}),
          ...(opts.onProgress ? { onProgress: (p: RegistrationProgress) => opts.onProgress!(wallet.address, p) } : {}),
        });
        results[i] = { address: res.operator, operatorId: res.operatorId, blsKeyPair: keyPair, quorums };
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, operators.length)) }, worker));
    return results;
  } finally {
    await destroyProvider(provider);
  }
}
