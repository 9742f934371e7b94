/**
 * Sends contract transactions from one key in nonce order, with gas estimation and a safety
 * margin, and always waits for the receipt (several receipts are awaited at once). Errors are
 * classified: a revert is non-retryable (`ERR_TX_REVERTED`, with the custom error's name when the ABI knows it); transport
 * problems and nonce races are retryable (`ERR_RPC`, `ERR_TX_NONCE`), and the nonce manager is reset
 * after any failure so the next send reads the chain's nonce again.
 */
import { NonceManager, type BaseContract, type Signer, type TransactionReceipt } from 'ethers';
import { AioracleError } from '../errors.js';
import { waitForReceipt } from './provider.js';

/** Options of {@link TxSender}. */
export interface TxSenderOptions {
  /** Gas limit = estimate × this percentage / 100 (default 125). */
  gasMarginPct?: number;
  /** Confirmations to wait for (default 1). */
  confirmations?: number;
  /** Receipt wait timeout in ms (default 120 s). */
  timeoutMs?: number;
}

/** Per-call options of {@link TxSender.send}. */
export interface SendOptions {
  value?: bigint;
  gasLimit?: bigint;
}

type ErrLike = { code?: string; shortMessage?: string; message?: string; revert?: { name: string; args?: unknown[] } | null; reason?: string | null };

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
  if (e.code === 'NONCE_EXPIRED' || e.code === 'REPLACEMENT_UNDERPRICED' || /nonce/i.test(e.message ?? '')) {
    return new AioracleError('ERR_TX_NONCE', `${method}: nonce conflict (${e.shortMessage ?? e.message})`, { cause: err, retryable: true, details: { method } });
  }
  if (e.code === 'INSUFFICIENT_FUNDS') {
    return new AioracleError('ERR_TX_FUNDS', `${method}: the sender cannot pay for gas; fund the submitter account`, { cause: err, retryable: false, details: { method } });
  }
  return new AioracleError('ERR_RPC', `${method}: ${e.shortMessage ?? e.message ?? String(err)}`, { cause: err, retryable: true, details: { method } });
}

/**
 * Sends transactions for one signer. Gas estimation runs concurrently; signing and broadcasting are
 * serialised (nonces go out in order); receipts are awaited concurrently, so a slow block does not
 * hold back the next transaction.
 */
export class TxSender {
  readonly signer: NonceManager;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly opts: Required<TxSenderOptions>;

  constructor(signer: Signer, opts: TxSenderOptions = {}) {
    this.signer = signer instanceof NonceManager ? signer : new NonceManager(signer);
    this.opts = { gasMarginPct: opts.gasMarginPct ?? 125, confirmations: opts.confirmations ?? 1, timeoutMs: opts.timeoutMs ?? 120_000 };
  }

  /** The sender's address. */
  getAddress(): Promise<string> {
    return this.signer.getAddress();
  }

  /** Forgets the cached nonce (after an expected revert or an external send from the same key). */
  resetNonce(): void {
    this.signer.reset();
  }

  /**
   * Calls `contract.method(...args)` as a transaction and returns the mined receipt. Throws a
   * classified AioracleError; a mined-but-reverted transaction is `ERR_TX_REVERTED`.
   */
  async send(contract: BaseContract, method: string, args: readonly unknown[], options: SendOptions = {}): Promise<TransactionReceipt> {
    const fn = (contract.connect(this.signer) as BaseContract).getFunction(method);
    const overrides: { value?: bigint; gasLimit?: bigint } = {};
    if (options.value !== undefined) overrides.value = options.value;
    try {
      if (options.gasLimit !== undefined) overrides.gasLimit = options.gasLimit;
      else {
        const est = await fn.estimateGas(...args, overrides);
        overrides.gasLimit = (est * BigInt(this.opts.gasMarginPct)) / 100n;
      }
    } catch (err) {
      throw classifyTxError(err, method);
    }
    const broadcast = this.queue.then(() => fn.send(...args, overrides));
    this.queue = broadcast.catch(() => undefined);
    try {
      return await waitForReceipt(await broadcast, { confirmations: this.opts.confirmations, timeoutMs: this.opts.timeoutMs });
    } catch (err) {
      // The nonce may not have been used (failed broadcast) or the transaction may be lost: read it
      // from the chain again on the next send.
      this.signer.reset();
      throw classifyTxError(err, method);
    }
  }
}
