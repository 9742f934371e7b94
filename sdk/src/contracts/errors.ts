/**
 * Error codes of the contract layer (chain reader, registration). Reads that fail on transport are
 * retryable (`ERR_CHAIN_RPC`); answers that can never change (a quorum that does not exist at a
 * block, a key that does not match the one registered) are not.
 */
import { AioracleError, type AioracleErrorOptions } from '../errors.js';

/** Stable codes raised by sdk/src/contracts. */
export const ChainErrorCode = {
  /** The RPC call failed (transport, timeout, node behind): retry. */
  Rpc: 'ERR_CHAIN_RPC',
  /** The quorum does not exist, or has no history at the requested block. */
  QuorumUnknown: 'ERR_CHAIN_QUORUM_UNKNOWN',
  /** The block is in the future of the node we asked (retryable: the node may catch up). */
  BlockNotReached: 'ERR_CHAIN_BLOCK_NOT_REACHED',
  /** A contract answered something the protocol forbids (bad point, inconsistent arrays). */
  BadData: 'ERR_CHAIN_BAD_DATA',
  /** The model is not registered in the ModelRegistry. */
  ModelUnknown: 'ERR_CHAIN_MODEL_UNKNOWN',
  /** A log is not a TaskCreated/TaskResponded log of the oracle, or does not decode. */
  LogInvalid: 'ERR_CHAIN_LOG_INVALID',
  /** A signer set names an operator that is not in the quorum state. */
  SignerUnknown: 'ERR_CHAIN_SIGNER_UNKNOWN',
  /** The operator's address already has a different BLS key registered. */
  KeyMismatch: 'ERR_CHAIN_KEY_MISMATCH',
  /** The operator's allocation delay is not in effect yet: allocations cannot be made before it. */
  AllocationDelayPending: 'ERR_CHAIN_ALLOCATION_DELAY_PENDING',
  /** A registration option is invalid (no quorums, quorum not on chain, bad stake). */
  RegistrationInvalid: 'ERR_CHAIN_REGISTRATION_INVALID',
} as const;

/** One of {@link ChainErrorCode}. */
export type ChainErrorCode = (typeof ChainErrorCode)[keyof typeof ChainErrorCode];

/** Builds an AioracleError with a contract-layer code. */
export function chainError(code: ChainErrorCode, message: string, options: AioracleErrorOptions = {}): AioracleError {
  return new AioracleError(code, message, { retryable: code === ChainErrorCode.Rpc || code === ChainErrorCode.BlockNotReached, ...options });
}

/**
 * Wraps an eth_call failure: a revert with a known custom error stays non-retryable with the
 * error's name; anything else is ERR_CHAIN_RPC (retryable).
 */
export function wrapReadError(err: unknown, what: string): AioracleError {
  if (err instanceof AioracleError) return err;
  const e = (err ?? {}) as { code?: string; revert?: { name?: string; args?: unknown[] } | null; shortMessage?: string; message?: string };
  if (e.code === 'CALL_EXCEPTION') {
    const name = e.revert?.name;
    if (name === 'NoHistoryAt' || name === 'QuorumDoesNotExist') {
      return chainError(ChainErrorCode.QuorumUnknown, `${what}: ${name}(${(e.revert?.args ?? []).map(String).join(', ')})`, { cause: err });
    }
    if (name === 'UnknownModel') return chainError(ChainErrorCode.ModelUnknown, `${what}: model is not registered`, { cause: err });
    return chainError(ChainErrorCode.BadData, `${what} reverted: ${name ?? e.shortMessage ?? 'unknown reason'}`, { cause: err, retryable: false });
  }
  return chainError(ChainErrorCode.Rpc, `${what}: ${e.shortMessage ?? e.message ?? String(err)}`, { cause: err });
}
