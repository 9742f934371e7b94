/**
 * Canonical JSON: the one byte string a JSON value hashes as. It is the subset of RFC 8785 (JCS)
 * that manifests need: object keys sorted by UTF-16 code units at every level, no whitespace,
 * strings escaped as ECMAScript JSON.stringify does, numbers as ECMAScript prints them (JCS's rule).
 * On top of JCS: bigints become decimal strings, `undefined` object members are dropped (absent
 * optional fields), and everything JSON cannot carry faithfully is rejected.
 */
import { AioracleError } from '../errors.js';

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function fail(path: string, message: string): never {
  throw new AioracleError('ERR_CANONICAL_JSON', `Cannot canonicalise ${path}: ${message}`, { details: { path } });
}

function str(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) fail(path, 'string contains a lone UTF-16 surrogate (not valid Unicode)');
  return JSON.stringify(s);
}

function write(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return str(value, path);
    case 'number':
      if (!Number.isFinite(value)) fail(path, `non-finite number ${String(value)}`);
      return JSON.stringify(value); // ECMAScript Number::toString, as JCS specifies; -0 prints "0"
    case 'bigint':
      return JSON.stringify(value.toString(10));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) fail(path, 'circular reference');
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((v, i) => {
          if (v === undefined) fail(`${path}[${i}]`, 'undefined array element');
          return write(v, `${path}[${i}]`, seen);
        }).join(',')}]`;
      } else {
        const proto = Object.getPrototypeOf(value) as unknown;
        if (proto !== Object.prototype && proto !== null) fail(path, 'only plain objects and arrays are allowed');
        const rec = value as Record<string, unknown>;
        // Default sort compares UTF-16 code units, which is exactly JCS's key order.
        const keys = Object.keys(rec).filter((k) => rec[k] !== undefined).sort();
        out = `{${keys.map((k) => `${str(k, path)}:${write(rec[k], `${path}.${k}`, seen)}`).join(',')}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      return fail(path, `unsupported value of type ${typeof value}`);
  }
}

/**
 * The canonical JSON text of a value (see the module comment). Throws ERR_CANONICAL_JSON for
 * non-finite numbers, lone surrogates, cycles, functions, symbols, class instances.
 * @example canonicalJson({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, '(root)', new Set());
}

/** The canonical JSON as UTF-8 bytes (what gets hashed). */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
