/**
 * The project's one error base class. Every error a user can meet carries a stable `code`
 * (`ERR_*`), a message a person can act on, optional structured `details`, a `cause` chain, and
 * whether retrying the same operation can succeed. Queue processors turn non-retryable errors into
 * BullMQ's `UnrecoverableError`; HTTP layers map codes to status codes.
 */
export interface AioracleErrorOptions {
  /** The underlying error, kept on `cause` so the chain survives logging. */
  cause?: unknown;
  /** Small, secret-free context (ids, sizes, field names) for logs and API answers. */
  details?: Record<string, unknown>;
  /** True when the same call may succeed later (I/O, rate limits, a chain not yet at a block). */
  retryable?: boolean;
}

export class AioracleError extends Error {
  override readonly name: string = 'AioracleError';
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: AioracleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
  }

  /** A JSON-safe view (code, message, details) for API answers and structured logs. */
  toJSON(): { code: string; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `err` is an AioracleError, optionally with the given code. */
export function isAioracleError(err: unknown, code?: string): err is AioracleError {
  return err instanceof AioracleError && (code === undefined || err.code === code);
}

/** Walks the `cause` chain and returns every message, outermost first (for CLI output). */
export function errorChain(err: unknown): string[] {
  const out: string[] = [];
  let cur: unknown = err;
  for (let i = 0; cur !== undefined && cur !== null && i < 16; i++) {
    out.push(cur instanceof Error ? `${cur instanceof AioracleError ? `${cur.code}: ` : ''}${cur.message}` : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return out;
}
