/**
 * Fetches input bytes from a URI (protocol.md "Inputs by reference"): https/http directly, ipfs://CID/path
 * through a configured HTTP gateway (`{gateway}/ipfs/CID/path`). The body is streamed and cut off as soon
 * as it passes `maxBytes` (a Content-Length over the cap is refused before reading), so a hostile server
 * cannot make the reader buffer more than the cap.
 */
import { InputErrorCode, inputError } from './errors.js';
import { validateInputUri } from './reference.js';

/** Options of {@link fetchUriBytes}. */
export interface FetchUriOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** HTTP gateway for ipfs:// (e.g. "http://127.0.0.1:8080"); ipfs:// URIs fail without one. */
  ipfsGateway?: string | undefined;
  /** Whole-request timeout (default 10 s). */
  timeoutMs?: number;
  /** fetch to use (tests). */
  fetch?: typeof fetch;
}

/** The HTTP(S) URL a URI is fetched from (ipfs:// mapped onto the gateway). */
export function httpUrlOf(uri: string, ipfsGateway?: string): string {
  const url = validateInputUri(uri);
  if (url.protocol !== 'ipfs:') return url.toString();
  if (!ipfsGateway) throw inputError(InputErrorCode.Unavailable, 'ipfs:// input but no IPFS gateway is configured');
  return `${ipfsGateway.replace(/\/+$/, '')}/ipfs/${url.hostname}${url.pathname === '/' ? '' : url.pathname}${url.search}`;
}

/**
 * GETs `uri` and returns its body, at most `maxBytes`. Throws ERR_INPUT_UNAVAILABLE (network, status,
 * timeout; retryable) or ERR_INPUT_TOO_LARGE (cut off at the cap).
 * @example const bytes = await fetchUriBytes('ipfs://bafy.../input.bin', { maxBytes: 1 << 20, ipfsGateway: 'http://127.0.0.1:8080' })
 */
export async function fetchUriBytes(uri: string, opts: FetchUriOptions): Promise<Uint8Array> {
  const target = httpUrlOf(uri, opts.ipfsGateway);
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs ?? 10_000);
  const where = redact(target);
  try {
    let res: Response;
    try {
      res = await (opts.fetch ?? fetch)(target, { signal: ctrl.signal, redirect: 'follow' });
    } catch (cause) {
      throw inputError(InputErrorCode.Unavailable, `Input at ${where} is unreachable`, { cause, retryable: true });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw inputError(InputErrorCode.Unavailable, `Input at ${where} answered HTTP ${res.status}`, { details: { status: res.status }, retryable: res.status >= 500 || res.status === 429 });
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw inputError(InputErrorCode.TooLarge, `Input at ${where} is ${declared} bytes; the cap is ${opts.maxBytes}`, { details: { bytes: declared, cap: opts.maxBytes } });
    }
    if (!res.body) return new Uint8Array(0);
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (cause) {
        throw inputError(InputErrorCode.Unavailable, `Reading the input at ${where} failed after ${total} bytes`, { cause, retryable: true });
      }
      if (r.done) break;
      total += r.value.length;
      if (total > opts.maxBytes) {
        await reader.cancel().catch(() => undefined);
        ctrl.abort();
        throw inputError(InputErrorCode.TooLarge, `Input at ${where} passed the cap of ${opts.maxBytes} bytes; cut off`, { details: { cap: opts.maxBytes, read: total } });
      }
      chunks.push(r.value);
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without query string (a URL's query may hold a token; never log it). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(bad url)';
  }
}
