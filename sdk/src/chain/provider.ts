/**
 * Provider construction with the settings measured to work on local chains (DESIGN section 3):
 * no JSON-RPC batching (its default batching stalls ~10 ms a request), a static network (no chain-id
 * probe per call), and a short polling interval for local chains.
 */
import { JsonRpcProvider, WebSocketProvider, type Provider } from 'ethers';

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
    return new WebSocketProvider(url, undefined, { staticNetwork: true, pollingInterval });
  }
  return new JsonRpcProvider(url, undefined, { batchMaxCount: 1, staticNetwork: true, pollingInterval });
}

/** Destroys a provider created by {@link createProvider} (closes sockets, stops polling). */
export async function destroyProvider(provider: Provider): Promise<void> {
  const p = provider as { destroy?: () => void | Promise<void> };
  await p.destroy?.();
}
