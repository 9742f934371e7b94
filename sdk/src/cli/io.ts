/**
 * What the `aioracle` CLI talks to (injectable, so tests run it in-process), its exit codes, and
 * how an error becomes the one stderr line `error <CODE>: <message>` and an exit code: 2 for usage
 * and input errors (nothing was sent), 1 for failures (the chain said no, a check failed).
 */
import { AioracleError } from '../errors.js';

/** Where the CLI reads its environment and writes its output. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

/** Exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Error codes of the CLI itself. */
export const CliErrorCode = {
  /** Bad arguments or options. */
  Usage: 'ERR_USAGE',
  /** The input file is missing, not JSON, or not a tensor object. */
  Input: 'ERR_INPUT_INVALID',
  /** No deployments file given. */
  DeploymentMissing: 'ERR_DEPLOYMENT_MISSING',
  /** The deployments file is for another chain than the RPC endpoint. */
  ChainMismatch: 'ERR_CHAIN_MISMATCH',
  /** The model is not in the models directory (or the name is ambiguous). */
  ModelNotFound: 'ERR_MODEL_NOT_FOUND',
  /** The local manifest is not the one registered on chain. */
  ModelMismatch: 'ERR_MODEL_MISMATCH',
  /** No key to send transactions with, or it cannot be read/decrypted. */
  KeyMissing: 'ERR_KEY_MISSING',
  KeyInvalid: 'ERR_KEY_INVALID',
  /** The task does not exist. */
  TaskNotFound: 'ERR_TASK_NOT_FOUND',
  /** --wait gave up before the task was responded or expired. */
  Timeout: 'ERR_TIMEOUT',
  /** The task expired unanswered. */
  TaskExpired: 'ERR_TASK_EXPIRED',
  /** The feed does not exist or has no round yet. */
  Feed: 'ERR_FEED',
  /** The audit found a failing check. */
  AuditFailed: 'ERR_AUDIT_FAILED',
  /** `aioracle devnet`: the deploy package's devnet is not installed. */
  DevnetMissing: 'ERR_DEVNET_MISSING',
} as const;

/** Codes that mean "fix your input" (exit 2): nothing was sent. */
const USAGE_CODES = new Set<string>([
  CliErrorCode.Usage,
  CliErrorCode.Input,
  CliErrorCode.DeploymentMissing,
  CliErrorCode.ChainMismatch,
  CliErrorCode.ModelNotFound,
  CliErrorCode.KeyMissing,
  CliErrorCode.KeyInvalid,
  'ERR_DEPLOYMENT_FILE',
  'ERR_MANIFEST_INVALID',
  'ERR_MODEL_INVALID',
  'ERR_MODEL_ONNX_MISMATCH',
]);

/** The exit code for an error. */
export function exitCodeOf(err: unknown): number {
  if (!(err instanceof AioracleError)) return EXIT.failure;
  return USAGE_CODES.has(err.code) || err.code.startsWith('ERR_TENSOR_') || err.code.startsWith('ERR_INPUT_') ? EXIT.usage : EXIT.failure;
}

/** A CLI error (non-retryable). */
export function cliError(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}): AioracleError {
  return new AioracleError(code, message, options);
}

/** The one stderr line for an error: `error <CODE>: <message>` (newlines folded). */
export function errorLine(err: unknown): string {
  const code = err instanceof AioracleError ? err.code : 'ERR_UNEXPECTED';
  const msg = err instanceof Error ? err.message : String(err);
  return `error ${code}: ${msg.replace(/\s*\n\s*/g, ' ')}\n`;
}

/** JSON.stringify with bigints as decimal strings and byte arrays as 0x-hex. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
    return v;
  });
}
