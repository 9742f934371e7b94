/**
 * Sends contract transactions from one key in nonce order, with gas estimation and a safety
 * margin, and always waits for the receipt (several receipts are awaited at once). The nonce is
 * kept locally and fee data is cached (and refreshed in the background), so a send costs one eth_sendRawTransaction
 * plus receipt polls (and an eth_estimateGas unless the caller gives a limit or an estimate key). Errors are
 * classified: a revert is non-retryable (`ERR_TX_REVERTED`, with the custom error's name when the ABI knows it); transport
 * problems and nonce races are retryable (`ERR_RPC`, `ERR_TX_NONCE`).
 *
 * Nonces after a failure: a transaction whose broadcast failed leaves its nonce as a gap, which the
 * next send fills (later transactions, already broadcast, wait in the node's pool until then; the
 * node's "pending" count cannot be trusted for this, since anvil counts such held transactions). A
 * gap whose transaction did reach the node shows as a nonce conflict when reused and is dropped. A
 * lost receipt or a nonce conflict on a fresh nonce makes the next send read the chain's nonce again.
 */
import { BaseWallet, JsonRpcApiProvider, NonceManager, keccak256, type BaseContract, type BaseContractMethod, type KzgLibrary, type Provider, type Signer, type TransactionReceipt } from 'ethers';

type ContractMethod = BaseContractMethod<unknown[], unknown, unknown>;
import { AioracleError } from '../errors.js';
import { RefreshingValue } from '../util/refreshing.js';
import { waitForReceipt } from './provider.js';

/** Options of {@link TxSender}. */
export interface TxSenderOptions {
  /** Gas limit = estimate × this percentage / 100 (default 125). */
  gasMarginPct?: number;
  /** Confirmations to wait for (default 1). */
  confirmations?: number;
  /** Receipt wait timeout in ms (default 120 s). */
  timeoutMs?: number;
  /** How long fee data (eth_gasPrice / EIP-1559 fees) is reused, in ms (default 2000; 0 = read per send). */
  feeCacheMs?: number;
  /**
   * Fee data older than `feeCacheMs` but younger than this is still used, while a fresh read runs in
   * the background, so no send waits for the node's fee calls (default 5 × feeCacheMs; at most
   * this old, a send waits for fresh data).
   */
  feeMaxAgeMs?: number;
  /**
   * Called as soon as the node accepted a transaction (before it is mined), e.g. for latency metrics;
   * `dispatchedAtMs` is when the signed transaction was handed to the node (the request went out).
   */
  onBroadcast?: (sent: { method: string; args: readonly unknown[]; hash: string; dispatchedAtMs: number }) => void;
}

/** Per-call options of {@link TxSender.send}. */
export interface SendOptions {
  value?: bigint;
  gasLimit?: bigint;
  /**
   * Calls with the same key cost about the same gas (same code path, same sizes): the first is
   * estimated and later ones reuse that estimate (× the margin) instead of an eth_estimateGas each,
   * which on a chain runs the whole call. A call that reverts forgets its key's estimate.
   */
  estimateKey?: string;
  /**
   * With `estimateKey`: a size such that, within one key, a call never costs more gas than a call of
   * a larger size (e.g. the number of non-signers of respondToTask). A call then reuses the estimate
   * of the smallest size at least its own, so one estimate at a large size serves every smaller one.
   */
  estimateSize?: number;
  /**
   * Send as an EIP-4844 blob transaction (type 3) carrying these blobs: `kzg` computes commitments
   * and proofs (sdk `kzgLibrary()`), `versionedHashes` are the blobs' (for the gas estimate, which
   * runs with them so that `blobhash(i)` answers), `maxFeePerBlobGas` defaults to twice the
   * chain's blob base fee, at least 1 gwei.
   */
  blob?: { blobs: Uint8Array[]; kzg: KzgLibrary; versionedHashes: string[]; maxFeePerBlobGas?: bigint };
}

type FeeFields = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

type ErrLike = { code?: string; shortMessage?: string; message?: string; revert?: { name: string; args?: unknown[] } | null; reason?: string | null };

/** The error's message with the node's own message when ethers wrapped it. */
function errorText(err: unknown): string {
  const e = (err ?? {}) as ErrLike & { error?: { message?: string } };
  return `${e.message ?? ''} ${e.error?.message ?? ''}`;
}

/** Maps an ethers error to an AioracleError with a stable code. */
export function classifyTxError(err: unknown, method: string): AioracleError {
  if (err instanceof AioracleError) return err;
  const e = (err ?? {}) as ErrLike;
  if (e.code === 'CALL_EXCEPTION') {
    const name = e.revert?.name ?? e.reason ?? 'unknown reason';
    return new AioracleError('ERR_TX_REVERTED', `${method} reverted: ${name}`, {
      cause: err,
      details: { method, revert: e.revert?.name ?? null, reason: e.reason ?? null },
      retryable: false,
    });
  }
  if (e.code === 'NONCE_EXPIRED' || e.code === 'REPLACEMENT_UNDERPRICED' || /nonce|replacement transaction underpriced|already (known|imported)/i.test(errorText(err))) {
    return new AioracleError('ERR_TX_NONCE', `${method}: nonce conflict (${e.shortMessage ?? e.message})`, { cause: err, retryable: true, details: { method } });
  }
  if (e.code === 'INSUFFICIENT_FUNDS') {
    return new AioracleError('ERR_TX_FUNDS', `${method}: the sender cannot pay for gas; fund the submitter account`, { cause: err, retryable: false, details: { method } });
  }
  return new AioracleError('ERR_RPC', `${method}: ${e.shortMessage ?? e.message ?? String(err)}`, { cause: err, retryable: true, details: { method } });
}

/**
 * Sends transactions for one signer. Gas estimation runs concurrently; nonces are assigned and
 * transactions signed one at a time, in nonce order; broadcasts and receipts are awaited
 * concurrently, so a slow node answer or a slow block does not hold back the next transaction.
 */
export class TxSender {
  readonly signer: NonceManager;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly opts: Required<Omit<TxSenderOptions, 'onBroadcast'>> & Pick<TxSenderOptions, 'onBroadcast'>;
  /** Per estimate key: estimates by size (sizes ascending). */
  private readonly estimates = new Map<string, { size: number; gas: Promise<bigint> }[]>();
  /** Fee data: fresh for `feeCacheMs`, then used up to `feeMaxAgeMs` while one background read replaces it. */
  private readonly fees: RefreshingValue<FeeFields>;
  /** Nonces handed out whose transactions never reached the node, lowest first: reused before new ones. */
  private readonly gaps: number[] = [];

  constructor(signer: Signer, opts: TxSenderOptions = {}) {
    this.signer = signer instanceof NonceManager ? signer : new NonceManager(signer);
    this.opts = {
      gasMarginPct: opts.gasMarginPct ?? 125,
      confirmations: opts.confirmations ?? 1,
      timeoutMs: opts.timeoutMs ?? 120_000,
      feeCacheMs: opts.feeCacheMs ?? 2000,
      feeMaxAgeMs: Math.max(opts.feeCacheMs ?? 2000, opts.feeMaxAgeMs ?? 5 * (opts.feeCacheMs ?? 2000)),
      onBroadcast: opts.onBroadcast,
    };
    this.fees = new RefreshingValue(() => this.readFees(), { freshMs: this.opts.feeCacheMs, maxAgeMs: this.opts.feeMaxAgeMs });
  }

  /** The sender's address. */
  getAddress(): Promise<string> {
    return this.signer.getAddress();
  }

  /** Forgets the cached nonce and any gaps (after an external send from the same key): the next send reads the chain's. */
  resetNonce(): void {
    this.signer.reset();
    this.gaps.length = 0;
  }

  /**
   * Calls `contract.method(...args)` as a transaction and returns the mined receipt. Throws a
   * classified AioracleError; a mined-but-reverted transaction is `ERR_TX_REVERTED`.
   */
  async send(contract: BaseContract, method: string, args: readonly unknown[], options: SendOptions = {}): Promise<TransactionReceipt> {
    // Connected to the wallet itself: the nonce is assigned here, not by NonceManager.sendTransaction.
    const fn = (contract.connect(this.signer.signer) as BaseContract).getFunction(method);
    const overrides: { value?: bigint; gasLimit?: bigint; nonce?: number; type?: number; blobVersionedHashes?: string[]; maxFeePerBlobGas?: bigint } & Partial<FeeFields> = {};
    if (options.value !== undefined) overrides.value = options.value;
    if (options.blob) {
      overrides.type = 3;
      overrides.blobVersionedHashes = options.blob.versionedHashes;
    }
    const key = options.estimateKey;
    let usedEstimate: { size: number; gas: Promise<bigint> } | undefined;
    try {
      if (options.gasLimit !== undefined) overrides.gasLimit = options.gasLimit;
      else {
        const size = options.estimateSize ?? 0;
        let est = key === undefined ? undefined : this.estimates.get(key)?.find((e) => e.size >= size);
        if (est === undefined) {
          // Concurrent sends of one shape share the first one's estimate.
          const entry = { size, gas: fn.estimateGas(...args, overrides) };
          est = entry;
          if (key !== undefined) {
            if (this.estimates.size >= 1024) this.estimates.clear();
            const list = this.estimates.get(key) ?? [];
            list.push(entry);
            list.sort((a, b) => a.size - b.size);
            this.estimates.set(key, list);
            entry.gas.catch(() => this.forgetEstimate(key, entry));
          }
        }
        usedEstimate = est;
        overrides.gasLimit = ((await est.gas) * BigInt(this.opts.gasMarginPct)) / 100n;
      }
      Object.assign(overrides, await this.fees.get());
      if (options.blob) overrides.maxFeePerBlobGas = options.blob.maxFeePerBlobGas ?? (await this.blobFee());
    } catch (err) {
      throw classifyTxError(err, method);
    }
    // Nonces are assigned and transactions signed one at a time, in order; the broadcasts themselves
    // overlap (a node keeps a transaction whose nonce is ahead of its pool until the gap fills), so a
    // slow eth_sendRawTransaction does not hold back the next signature.
    let taken: number | undefined;
    const signed = this.queue.then(async () => {
      const gap = this.gaps.shift();
      let nonce: number;
      if (gap !== undefined) nonce = gap;
      else {
        nonce = await this.signer.getNonce('pending');
        this.signer.increment();
      }
      taken = nonce;
      try {
        const blobFields = options.blob ? { blobs: options.blob.blobs, kzg: options.blob.kzg } : {};
        return { nonce, gap: gap !== undefined, tx: await this.sign(fn, args, { ...overrides, ...blobFields, nonce }) };
      } catch (err) {
        // Not signed (or, for a remote signer, maybe not sent): the next send takes this nonce.
        this.noteUnsent(nonce);
        throw err;
      }
    });
    this.queue = signed.catch(() => undefined);
    let assigned: { nonce: number; gap: boolean } | undefined;
    let broadcast = false;
    try {
      const { nonce, gap, tx } = await signed;
      assigned = { nonce, gap };
      const dispatchedAtMs = Date.now();
      const sent = 'raw' in tx ? await this.sendRaw(tx) : tx;
      broadcast = true;
      this.opts.onBroadcast?.({ method, args, hash: sent.hash, dispatchedAtMs });
      return await waitForReceipt(sent, { confirmations: this.opts.confirmations, timeoutMs: this.opts.timeoutMs });
    } catch (err) {
      const failure = classifyTxError(err, method);
      if (!assigned) {
        // Reading the nonce failed (the nonce manager keeps a failed read: drop it), or signing
        // failed and its nonce is a gap already.
        if (taken === undefined) this.signer.reset();
      } else if (!broadcast) {
        // The node refused the transaction or did not answer.
        if (failure.code !== 'ERR_TX_NONCE') this.noteUnsent(assigned.nonce);
        // A reused gap that conflicts was sent after all (its answer was lost): this call goes again
        // with another nonce (gaps are finite, so this ends).
        else if (assigned.gap) return this.send(contract, method, args, options);
        // Someone else used our next nonce: read the chain's.
        else this.resetNonce();
      } else if (failure.code !== 'ERR_TX_REVERTED') {
        // The transaction went out but its receipt did not come: read the chain's nonce again.
        this.resetNonce();
      }
      // A revert may mean the reused estimate was too low.
      if (key !== undefined && usedEstimate) this.forgetEstimate(key, usedEstimate);
      throw failure;
    }
  }

  /** maxFeePerBlobGas for a blob send: twice the blob base fee (eth_blobBaseFee), at least 1 gwei. */
  private async blobFee(): Promise<bigint> {
    const provider = this.signer.provider as JsonRpcApiProvider | null;
    const base = provider && 'send' in provider ? BigInt((await provider.send('eth_blobBaseFee', [])) as string) : 1n;
    const fee = base * 2n;
    return fee < 1_000_000_000n ? 1_000_000_000n : fee;
  }

  /** `nonce` was handed out but its transaction did not reach the node: the next send uses it. */
  private noteUnsent(nonce: number): void {
    if (this.gaps.includes(nonce)) return;
    this.gaps.push(nonce);
    this.gaps.sort((a, b) => a - b);
  }

  private forgetEstimate(key: string, entry: { size: number; gas: Promise<bigint> }): void {
    const list = this.estimates.get(key);
    if (!list) return;
    const rest = list.filter((e) => e !== entry);
    if (rest.length > 0) this.estimates.set(key, rest);
    else this.estimates.delete(key);
  }

  /**
   * A local key signs here and the raw transaction goes out with one eth_sendRawTransaction:
   * ethers' sendTransaction would parse the signed transaction back and recover its sender (an
   * ECDSA recovery, milliseconds of CPU) only to build a response object. Any other signer (a
   * remote one signs as it sends) sends through ethers here, in the queue.
   */
  private async sign(fn: ContractMethod, args: readonly unknown[], overrides: Record<string, unknown>): Promise<{ raw: string; provider: JsonRpcApiProvider } | { hash: string; provider: Provider }> {
    const wallet = this.signer.signer;
    const provider = wallet.provider;
    if (wallet instanceof BaseWallet && provider instanceof JsonRpcApiProvider) {
      const request = await wallet.populateTransaction(await fn.populateTransaction(...args, overrides));
      const raw = await wallet.signTransaction(request);
      return { raw, provider };
    }
    return fn.send(...args, overrides);
  }

  private async sendRaw(tx: { raw: string; provider: JsonRpcApiProvider }): Promise<{ hash: string; provider: Provider }> {
    try {
      const hash = (await tx.provider.send('eth_sendRawTransaction', [tx.raw])) as string;
      return { hash, provider: tx.provider };
    } catch (err) {
      // This very transaction is in the node's pool already (a repeated broadcast): it was sent.
      if (/already (known|imported)/i.test(errorText(err))) return { hash: keccak256(tx.raw), provider: tx.provider };
      throw err;
    }
  }

  /** EIP-1559 fees when the chain has them, else a legacy gas price. */
  private async readFees(): Promise<FeeFields> {
    const provider = this.signer.provider;
    if (!provider) throw new AioracleError('ERR_RPC', 'The signer has no provider', { retryable: false });
    const f = await provider.getFeeData();
    if (f.maxFeePerGas != null && f.maxPriorityFeePerGas != null) return { maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas };
    if (f.gasPrice != null) return { gasPrice: f.gasPrice };
    throw new AioracleError('ERR_RPC', 'The node returned no fee data', { retryable: true });
  }
}
