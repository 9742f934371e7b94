import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createProvider, destroyProvider, bindings, type Deployment } from '@aioracle/sdk';
import { deployAll, setupOperators, startAnvil, type AnvilInstance } from '@aioracle/deploy';
import { Wallet } from 'ethers';

let anvil: AnvilInstance;
let d: Deployment;
beforeAll(async () => {
  anvil = await startAnvil({ codeSizeLimit: 64_000 });
  d = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey });
}, 120_000);
afterAll(async () => {
  await anvil?.stop();
});

test('deploys and registers', async () => {
  const t0 = Date.now();
  const ops = await setupOperators(d, [1n, 2n, 3n].map((k) => ({ ecdsaKey: Wallet.createRandom().privateKey, blsSecretKey: k + 1000n })), { rpcUrl: anvil.rpcUrl });
  console.log('setup ms', Date.now() - t0);
  const provider = createProvider(anvil.rpcUrl);
  const reg = bindings.OperatorRegistry__factory.connect(d.avs.operatorRegistry, provider);
  const bn = await provider.getBlockNumber();
  const s = await reg.getQuorumState(0, bn);
  expect(s.operators.length).toBe(3);
  expect(s.operatorIds.map((x) => x.toLowerCase()).sort()).toEqual(ops.map((o) => o.operatorId.toLowerCase()).sort());
  await destroyProvider(provider);
}, 120_000);
