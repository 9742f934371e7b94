/** The devnet's raw EIP-1559 signer against ethers' Wallet.signTransaction: the same bytes and hash. */
import { describe, expect, it } from '@jest/globals';
import { Transaction, Wallet } from 'ethers';
import fc from 'fast-check';
import { signEip1559 } from '../../src/devnet/rawTx.js';

describe('signEip1559', () => {
  it('signs exactly as ethers does (property), and the result parses back to the same fields and sender', async () => {
    const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => `0x${Buffer.from(b).toString('hex')}`);
    await fc.assert(
      fc.asyncProperty(
        hex(32).filter((k) => BigInt(k) > 0n && BigInt(k) < 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n),
        fc.record({
          chainId: fc.bigInt({ min: 1n, max: 2n ** 40n }),
          nonce: fc.integer({ min: 0, max: 2 ** 31 }),
          maxPriorityFeePerGas: fc.bigInt({ min: 0n, max: 2n ** 80n }),
          maxFeePerGas: fc.bigInt({ min: 0n, max: 2n ** 80n }),
          gasLimit: fc.bigInt({ min: 21_000n, max: 30_000_000n }),
          to: hex(20),
          value: fc.bigInt({ min: 0n, max: 2n ** 100n }),
          data: fc.uint8Array({ maxLength: 300 }).map((b) => `0x${Buffer.from(b).toString('hex')}`),
        }).map((t) => ({ ...t, maxFeePerGas: t.maxFeePerGas + t.maxPriorityFeePerGas })),
        async (key, tx) => {
          const w = new Wallet(key);
          const ref = await w.signTransaction({ ...tx, type: 2 });
          const got = signEip1559(tx, Buffer.from(key.slice(2), 'hex'));
          expect(got.raw).toBe(ref);
          const parsed = Transaction.from(got.raw);
          expect(parsed.hash).toBe(got.hash);
          expect(parsed.from).toBe(w.address);
          expect({ nonce: parsed.nonce, value: parsed.value, data: parsed.data }).toEqual({ nonce: tx.nonce, value: tx.value, data: tx.data });
        },
      ),
      { numRuns: 150 },
    );
  });
});
