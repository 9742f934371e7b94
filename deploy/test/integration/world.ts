/**
 * A test world: a fresh anvil, the devnet core and the AVS deployed, and operators registered with
 * real BLS keys through the sdk registration flow. Each test file builds its own and stops it.
 */
import { BlsSecretKey, destroyProvider, initBls, type Deployment } from '@aioracle/sdk';
import { JsonRpcProvider, Wallet } from 'ethers';
import { deployAll, setupOperators, startAnvil, type AnvilInstance, type DeployAllOptions, type RegisteredOperator } from '../../src/index.js';

export interface World {
  anvil: AnvilInstance;
  deployment: Deployment;
  provider: JsonRpcProvider;
  operators: (RegisteredOperator & { wallet: Wallet; stake: bigint })[];
  stop: () => Promise<void>;
}

/** Deterministic, distinct BLS secret keys for test operators. */
export function testBlsKey(i: number): BlsSecretKey {
  return BlsSecretKey.fromBigInt(1_000_003n * BigInt(i + 1) + 7n);
}

export async function buildWorld(stakes: bigint[], opts: Partial<DeployAllOptions> = {}): Promise<World> {
  await initBls();
  const anvil = await startAnvil();
  try {
    const deployment = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey, ...opts });
    // cacheTimeout -1: ethers otherwise answers a repeated eth_blockNumber / eth_getTransactionCount
    // from a 250 ms cache, and tests read "the block after this transaction" right after sending it.
    const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { batchMaxCount: 1, staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const wallets = stakes.map(() => new Wallet(Wallet.createRandom().privateKey, provider));
    const registered = await setupOperators(
      deployment,
      stakes.map((stake, i) => ({ ecdsaKey: wallets[i]!.privateKey, blsSecretKey: testBlsKey(i), stake })),
      { rpcUrl: anvil.rpcUrl, funderKey: anvil.accounts[1]!.privateKey },
    );
    return {
      anvil,
      deployment,
      provider,
      operators: registered.map((r, i) => ({ ...r, wallet: wallets[i]!, stake: stakes[i]! })),
      stop: async () => {
        await destroyProvider(provider);
        await anvil.stop();
      },
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}
