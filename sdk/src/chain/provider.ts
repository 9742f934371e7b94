/**
 * Provider construction with the settings measured to work on local chains (DESIGN section 3):
 * no JSON-RPC batching (its default batching stalls ~10 ms a request), a static network (no chain-id
 * probe per call), no 250 ms response cache (a repeated eth_blockNumber or eth_getLogs to "latest"
 * right after a transaction would otherwise see the block before it), and a short polling interval
 * for local chains. {@link waitForReceipt} polls for receipts instead of relying on block events.
 */
import http from 'node:http';
import https from 'node:https';
import { JsonRpcProvider, WebSocketProvider, makeError, type JsonRpcPayload, type JsonRpcResult, type Provider, type TransactionReceipt, type TransactionResponse } from 'ethers';
import { AioracleError } from '../errors.js';

/** Options of {@link createProvider}. */
export interface CreateProviderOptions {
  /** Polling interval in ms for events/receipts (default 50 for local URLs, 1000 otherwise). */
  pollingIntervalMs?: number;
}

const isLocal = (url: string): boolean => /^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(url);

/** ethers' default FetchRequest timeout, kept. */
const RPC_TIMEOUT_MS = 300_000;

/** One keep-alive agent per protocol for every provider of the process. */
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/** POSTs `body` to `url` over a keep-alive connection; resolves with the status and the body text. */
function postJson(url: URL, body: string): Promise<{ status: number; text: string }> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      { method: 'POST', agent: url.protocol === 'https:' ? agents.https : agents.http, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: RPC_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`RPC request timed out after ${RPC_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A JsonRpcProvider whose HTTP transport is a plain keep-alive node:http POST with Node's native
 * UTF-8 and JSON decoding, instead of ethers' FetchRequest, whose pure-JavaScript UTF-8 decoder of
 * response bodies was ~6 % of an operator's CPU under load (eth_getLogs bodies of large batches).
 * (Node's fetch was measured dearer per small call than either.) Same semantics: a non-2xx status
 * throws SERVER_ERROR as FetchResponse.assertOk does, HTTP 429 is retried with backoff, a body that
 * is not JSON throws, and ethers handles the JSON-RPC results and errors as before. URLs with
 * credentials (user:pass@host) keep ethers' transport, which handles them.
 */
export class HttpJsonRpcProvider extends JsonRpcProvider {
  private readonly endpoint: URL | null;

  constructor(url: string, options: ConstructorParameters<typeof JsonRpcProvider>[2]) {
    super(url, undefined, options);
    const u = new URL(url);
    this.endpoint = u.username || u.password ? null : u;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    if (this.endpoint === null) return super._send(payload);
    const body = JSON.stringify(payload);
    let res: { status: number; text: string };
    for (let attempt = 0; ; attempt++) {
      res = await postJson(this.endpoint, body);
      if (res.status !== 429 || attempt >= 11) break;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 10_000) * (0.5 + Math.random() / 2)));
    }
    if (res.status < 200 || res.status >= 300) {
      throw makeError(`server response ${res.status}`, 'SERVER_ERROR', { request: undefined as never, response: undefined as never, info: { status: res.status, body: res.text.slice(0, 200) } });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch (cause) {
      throw makeError('invalid JSON response body', 'SERVER_ERROR', { request: undefined as never, response: undefined as never, info: { body: res.text.slice(0, 200), error: cause } });
    }
    return (Array.isArray(parsed) ? parsed : [parsed]) as JsonRpcResult[];
  }
}

/**
 * An ethers v6 provider for `url` (http(s) or ws(s)).
 * @example const provider = createProvider('http://127.0.0.1:8545')
 */
export function createProvider(url: string, opts: CreateProviderOptions = {}): JsonRpcProvider | WebSocketProvider {
  const pollingInterval = opts.pollingIntervalMs ?? (isLocal(url) ? 50 : 1000);
  if (/^wss?:\/\//.test(url)) {
    return new WebSocketProvider(url, undefined, { staticNetwork: true, pollingInterval, cacheTimeout: -1 });
  }
  return new HttpJsonRpcProvider(url, { batchMaxCount: 1, staticNetwork: true, pollingInterval, cacheTimeout: -1 });
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
