/**
 * The sdk TxSender against a real anvil: calls of one shape are estimated once (estimateKey), fee
 * data is reused, the nonce is kept locally across pipelined sends, the raw-broadcast path reports
 * the mined transaction's hash, and a revert is classified. Broadcasts that fail (refused, or taken
 * by the node with the answer lost) leave no transaction stuck behind a nonce gap and send nothing twice.
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

/**
 * The node fails the next `method` call: 'refused' answers with an error and never sees the
 * request; 'lost' carries it out (a broadcast enters the pool) and the answer is lost on the way back.
 */
function failNext(method: string, mode: 'refused' | 'lost'): { failed: () => number; restore: () => void } {
  const realSend = w.provider.send.bind(w.provider);
  let failed = 0;
  const spy = jest.spyOn(w.provider, 'send').mockImplementation(async (m: string, params: unknown[] | Record<string, unknown>) => {
    const hit = m === method && failed === 0;
    if (hit && mode === 'refused') {
      failed++;
      throw new Error('connection reset by peer');
    }
    const out = await realSend(m, params);
    if (hit) {
      failed++;
      throw new Error('socket hang up');
    }
    return out;
  });
  return { failed: () => failed, restore: () => spy.mockRestore() };
}

/** A fresh TxSender on one of anvil's funded accounts, the registry, and the account's mined nonce. */
async function senderOn(account: number) {
  const wallet = new Wallet(w.anvil.accounts[account]!.privateKey, w.provider);
  const sender = new TxSender(wallet, { timeoutMs: 30_000 });
  const registry = bindings.OperatorRegistry__factory.connect(w.deployment.avs.operatorRegistry, w.provider);
  return { wallet, sender, registry, start: await w.provider.getTransactionCount(wallet.address, 'latest') };
}
const nonceOf = async (hash: string): Promise<number> => (await w.provider.getTransaction(hash))!.nonce;

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

  test('a failed broadcast with a later nonce already sent: the next send fills the gap and the held transaction is mined', async () => {
    const { wallet, sender, registry, start } = await senderOn(7);
    const node = failNext('eth_sendRawTransaction', 'refused');
    try {
      const first = sender.send(registry, 'updateOperators', [[]], { estimateKey: 'gap' });
      const second = sender.send(registry, 'updateOperators', [[]], { estimateKey: 'gap' });
      await expect(first).rejects.toMatchObject({ retryable: true });
      expect(node.failed()).toBe(1);
      // The second went out with nonce start+1 and waits in the node's pool behind the gap.
      const third = await sender.send(registry, 'updateOperators', [[]], { estimateKey: 'gap' });
      const held = await second;
      expect([third.status, held.status]).toEqual([1, 1]);
      expect([await nonceOf(third.hash), await nonceOf(held.hash)]).toEqual([start, start + 1]);
      expect(await w.provider.getTransactionCount(wallet.address, 'latest')).toBe(start + 2);
    } finally {
      node.restore();
    }
  }, 60_000);

  test('a broadcast whose answer is lost (the node took it): its nonce is tried again, found used, and the next call goes out with a fresh one', async () => {
    const { wallet, sender, registry, start } = await senderOn(8);
    const node = failNext('eth_sendRawTransaction', 'lost');
    try {
      await expect(sender.send(registry, 'updateOperators', [[]])).rejects.toMatchObject({ code: 'ERR_RPC', retryable: true });
      // Another call (another gas limit, so another transaction): the gap nonce is taken, the call is sent again.
      const next = await sender.send(registry, 'updateOperators', [[]], { gasLimit: 400_000n });
      expect(next.status).toBe(1);
      expect(await nonceOf(next.hash)).toBe(start + 1);
      expect(await w.provider.getTransactionCount(wallet.address, 'latest')).toBe(start + 2);
    } finally {
      node.restore();
    }
  }, 60_000);

  test('the same transaction broadcast again while the node holds it is not an error: the call waits for it to be mined', async () => {
    const { wallet, sender, registry, start } = await senderOn(9);
    const node = failNext('eth_sendRawTransaction', 'lost');
    await w.provider.send('evm_setAutomine', [false]);
    try {
      // Same call, same gas limit, same cached fees and the gap's nonce: byte for byte the held transaction.
      await expect(sender.send(registry, 'updateOperators', [[]], { gasLimit: 300_000n })).rejects.toMatchObject({ code: 'ERR_RPC' });
      const again = sender.send(registry, 'updateOperators', [[]], { gasLimit: 300_000n });
      await new Promise((r) => setTimeout(r, 200));
      await w.provider.send('evm_mine', []);
      const r = await again;
      expect(r.status).toBe(1);
      expect(await nonceOf(r.hash)).toBe(start);
      expect(await w.provider.getTransactionCount(wallet.address, 'latest')).toBe(start + 1);
    } finally {
      await w.provider.send('evm_setAutomine', [true]);
      node.restore();
    }
  }, 60_000);

  test('signing fails: its nonce goes to the next send in line, so nothing waits behind a gap', async () => {
    const { wallet, sender, registry, start } = await senderOn(4);
    const sign = jest.spyOn(wallet, 'signTransaction');
    sign.mockRejectedValueOnce(new Error('signer unavailable'));
    try {
      const first = sender.send(registry, 'updateOperators', [[]], { gasLimit: 300_000n });
      const second = sender.send(registry, 'updateOperators', [[]], { gasLimit: 300_000n });
      await expect(first).rejects.toMatchObject({ code: 'ERR_RPC' });
      const third = await sender.send(registry, 'updateOperators', [[]], { gasLimit: 300_000n });
      // Signing is in line (the failed nonce is noted before the next signs), so the second takes it.
      expect([await nonceOf((await second).hash), await nonceOf(third.hash)]).toEqual([start, start + 1]);
      expect(await w.provider.getTransactionCount(wallet.address, 'latest')).toBe(start + 2);
    } finally {
      sign.mockRestore();
    }
  }, 60_000);

  test('reading the nonce fails once: the send fails clearly and the next one reads it again', async () => {
    const { sender, registry, start } = await senderOn(3);
    const node = failNext('eth_getTransactionCount', 'refused');
    try {
      await expect(sender.send(registry, 'updateOperators', [[]], { gasLimit: 300_000n })).rejects.toMatchObject({ code: 'ERR_RPC', retryable: true });
      const r = await sender.send(registry, 'updateOperators', [[]], { gasLimit: 300_000n });
      expect(await nonceOf(r.hash)).toBe(start);
    } finally {
      node.restore();
    }
  }, 60_000);
});
