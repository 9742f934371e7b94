/**
 * The sdk TxSender against a real anvil: calls of one shape are estimated once (estimateKey), fee
 * data is reused, the nonce is kept locally across pipelined sends, the raw-broadcast path reports
 * the mined transaction's hash, and a revert is classified.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { TxSender, bindings } from '@aioracle/sdk';
import { Wallet } from 'ethers';
import { buildWorld, type World } from './world.js';

let w: World;

beforeAll(async () => {
  w = await buildWorld([]);
}, 300_000);
afterAll(async () => {
  await w?.stop();
});

function rpcMethods(): { counts: () => Record<string, number>; restore: () => void } {
  const spy = jest.spyOn(w.provider, '_send');
  return {
    counts: () => {
      const out: Record<string, number> = {};
      for (const [payload] of spy.mock.calls) for (const p of [payload].flat()) out[p.method] = (out[p.method] ?? 0) + 1;
      return out;
    },
    restore: () => spy.mockRestore(),
  };
}

describe('TxSender', () => {
  test('one estimate per key, fee data reused, nonces in order, hashes reported as broadcast', async () => {
    const wallet = new Wallet(w.anvil.accounts[5]!.privateKey, w.provider);
    const sent: string[] = [];
    const sender = new TxSender(wallet, { onBroadcast: ({ method, hash }) => sent.push(`${method}:${hash}`) });
    const registry = bindings.OperatorRegistry__factory.connect(w.deployment.avs.operatorRegistry, w.provider);
    const rpc = rpcMethods();
    try {
      const receipts = await Promise.all([0, 1, 2, 3].map(() => sender.send(registry, 'updateOperators', [[]], { estimateKey: 'update-none' })));
      const counts = rpc.counts();
      expect(counts.eth_estimateGas).toBe(1);
      expect(counts.eth_sendRawTransaction).toBe(4);
      expect(counts.eth_getTransactionCount ?? 0).toBeLessThanOrEqual(1);
      expect((counts.eth_gasPrice ?? 0) + (counts.eth_maxPriorityFeePerGas ?? 0)).toBeLessThanOrEqual(2);
      expect(receipts.every((r) => r.status === 1)).toBe(true);
      expect(sent.sort()).toEqual(receipts.map((r) => `updateOperators:${r.hash}`).sort());
      const nonces = await Promise.all(receipts.map(async (r) => (await w.provider.getTransaction(r.hash))!.nonce));
      expect(new Set(nonces).size).toBe(4);
      // Without a key every call is estimated.
      await sender.send(registry, 'updateOperators', [[]]);
      expect(rpc.counts().eth_estimateGas).toBe(2);
      // Sizes: an estimate serves every call of its key up to its size; a larger size is estimated.
      await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'sized', estimateSize: 5 });
      await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'sized', estimateSize: 3 });
      await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'sized', estimateSize: 5 });
      expect(rpc.counts().eth_estimateGas).toBe(3);
      await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'sized', estimateSize: 6 });
      await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'sized', estimateSize: 0 });
      expect(rpc.counts().eth_estimateGas).toBe(4);
    } finally {
      rpc.restore();
    }
  });

  test('fee data past feeCacheMs is still used while one background read replaces it; past feeMaxAgeMs a send waits for fresh data', async () => {
    const wallet = new Wallet(w.anvil.accounts[7]!.privateKey, w.provider);
    const sender = new TxSender(wallet, { feeCacheMs: 1, feeMaxAgeMs: 60_000 });
    const registry = bindings.OperatorRegistry__factory.connect(w.deployment.avs.operatorRegistry, w.provider);
    expect((await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'u' })).status).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    // The node stops answering fee calls: sends go on with the last fee data, and only one read is started.
    const hang = jest.spyOn(w.provider, 'getFeeData').mockImplementation(() => new Promise(() => undefined));
    try {
      const rs = await Promise.all([0, 1].map(() => sender.send(registry, 'updateOperators', [[]], { estimateKey: 'u' })));
      expect(rs.every((r) => r.status === 1)).toBe(true);
      expect(hang).toHaveBeenCalledTimes(1);
    } finally {
      hang.mockRestore();
    }
    // With no stale window a send waits for the node's fee data.
    const strict = new TxSender(wallet, { feeCacheMs: 1, feeMaxAgeMs: 1 });
    expect((await strict.send(registry, 'updateOperators', [[]], { estimateKey: 'u' })).status).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    const slow = jest.spyOn(w.provider, 'getFeeData');
    try {
      expect((await strict.send(registry, 'updateOperators', [[]], { estimateKey: 'u' })).status).toBe(1);
      expect(slow).toHaveBeenCalledTimes(1);
    } finally {
      slow.mockRestore();
    }
  });

  test('a call that reverts is ERR_TX_REVERTED (not retryable), its estimate is not kept, and the next send still works', async () => {
    const wallet = new Wallet(w.anvil.accounts[6]!.privateKey, w.provider);
    const sender = new TxSender(wallet);
    const registry = bindings.OperatorRegistry__factory.connect(w.deployment.avs.operatorRegistry, w.provider);
    // Only the AllocationManager may call the registrar hooks.
    await expect(sender.send(registry, 'registerOperator', [wallet.address, w.deployment.avs.inferenceOracle, [0], '0x'], { estimateKey: 'k' })).rejects.toMatchObject({
      code: 'ERR_TX_REVERTED',
      retryable: false,
    });
    const r = await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'k' });
    expect(r.status).toBe(1);
  });
});
