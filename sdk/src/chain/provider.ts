/**
 * Provider construction with the settings measured to work on local chains (DESIGN section 3):
 * no JSON-RPC batching (its default batching stalls ~10 ms a request), a static network (no chain-id
 * probe per call), no 250 ms response cache (a repeated eth_blockNumber or eth_getLogs to "latest"
 * right after a transaction would otherwise see the block before it), and a short polling interval
 * for local chains. {@link waitForReceipt} polls for receipts instead of relying on block events.
 */
import { JsonRpcProvider, WebSocketProvider, makeError, type Provider, type TransactionReceipt, type TransactionResponse } from 'ethers';
import { AioracleError } from '../errors.js';

/** Options of {@link createProvider}. */
export interface CreateProviderOptions {
  /** Polling interval in ms for events/receipts (default 50 for local URLs, 1000 otherwise). */
  pollingIntervalMs?: number;
}

const isLocal = (url: string): boolean => /^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(url);

/**
 * An ethers v6 provider for `url` (http(s) or ws(s)).
 * @example const provider = createProvider('http://127.0.0.1:8545')
 */
export function createProvider(url: string, opts: CreateProviderOptions = {}): JsonRpcProvider | WebSocketProvider {
  const pollingInterval = opts.pollingIntervalMs ?? (isLocal(url) ? 50 : 1000);
  if (/^wss?:\/\//.test(url)) {
    return new WebSocketProvider(url, undefined, { staticNetwork: true, pollingInterval, cacheTimeout: -1 });
  }
  return new JsonRpcProvider(url, undefined, { batchMaxCount: 1, staticNetwork: true, pollingInterval, cacheTimeout: -1 });
}

/** Destroys a provider created by {@link createProvider} (closes sockets, stops polling). */
export async function destroyProvider(provider: Provider): Promise<void> {
  const p = provider as { destroy?: () => void | Promise<void> };
  await p.destroy?.();
}

/** Options of {@link waitForReceipt}. */
export interface WaitForReceiptOptions {
  /** Blocks the receipt must be buried under, counting its own (default 1). */
  confirmations?: number;
  /** Give up after this many ms (default 120000): ERR_RPC, retryable. */
  timeoutMs?: number;
  /** First poll interval in ms (default: the provider's polling interval, else 100); it grows ×1.5 per poll up to `maxPollMs`. */
  pollMs?: number;
  /** Longest poll interval in ms (default 1000), so many waiting transactions do not flood the node. */
  maxPollMs?: number;
}

/**
 * Waits for `tx` to be mined with `confirmations` by polling eth_getTransactionReceipt. ethers'
 * own `tx.wait()` listens for new blocks, and when the transaction was mined between its first
 * receipt lookup and the first block poll (anvil's automine does this), it waits for a block that
 * may never come. A reverted transaction throws ethers' CALL_EXCEPTION (as `tx.wait()` does).
 * @example const receipt = await waitForReceipt(await contract.doIt())
 */
export async function waitForReceipt(
  tx: TransactionResponse | { hash: string; provider: Provider },
  opts: WaitForReceiptOptions = {},
): Promise<TransactionReceipt> {
  const provider = tx.provider;
  const confirmations = Math.max(1, opts.confirmations ?? 1);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let pollMs = opts.pollMs ?? ((provider as { pollingInterval?: number }).pollingInterval || 100);
  const maxPollMs = Math.max(pollMs, opts.maxPollMs ?? 1000);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(tx.hash);
    if (receipt) {
      const head = confirmations > 1 ? await provider.getBlockNumber() : receipt.blockNumber;
      if (head - receipt.blockNumber + 1 >= confirmations) {
        if (receipt.status !== 0) return receipt;
        // A revert: wait(0) re-reads the receipt and throws ethers' CALL_EXCEPTION, as tx.wait() does;
        // a bare hash gets the same error built here.
        if ('wait' in tx) await tx.wait(0);
        throw makeError('transaction execution reverted', 'CALL_EXCEPTION', {
          action: 'sendTransaction',
          data: null,
          reason: null,
          invocation: null,
          revert: null,
          transaction: { to: receipt.to, from: receipt.from, data: '' },
          receipt,
        });
      }
    }
    if (Date.now() > end) {
      throw new AioracleError('ERR_RPC', `transaction ${tx.hash} not mined with ${confirmations} confirmation(s) after ${timeoutMs} ms`, { retryable: true, details: { hash: tx.hash } });
    }
    await new Promise((r) => setTimeout(r, pollMs));
    pollMs = Math.min(maxPollMs, Math.ceil(pollMs * 1.5));
  }
}
