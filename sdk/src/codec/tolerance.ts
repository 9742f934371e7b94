/**
 * The comparison behind `tolerant` models (docs/protocol.md "Dissent"), byte for byte what the
 * oracle contract checks: two canonical outputs agree within a tolerance when they have the same
 * length and header and every int32 element (after the 5-byte header) differs by at most the
 * tolerance. Also the full dissent rule per profile, for the aggregator's slashing worker.
 */
import { ENCODING_HEADER_BYTES } from '../protocol/constants.js';
import type { Profile } from '../protocol/profile.js';
import { toBytes, type BytesInput } from './bytes.js';

function sameHeader(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < ENCODING_HEADER_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Byte equality of two canonical outputs. */
export function outputsEqual(a: BytesInput, b: BytesInput): boolean {
  const x = toBytes(a, 'Output bytes');
  const y = toBytes(b, 'Output bytes');
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * True when `other` is within `tolerance` of `accepted`: same length, a whole header of equal bytes,
 * a body of whole int32s, and |a_i − b_i| ≤ tolerance for every int32 element i (differences are
 * computed exactly, up to 2^32 − 1). Malformed bytes (shorter than the header, a partial int32) are
 * never within tolerance. Hex or Uint8Array; throws only for arguments that are not bytes at all.
 */
export function withinTolerance(accepted: BytesInput, other: BytesInput, tolerance: number | bigint): boolean {
  const a = toBytes(accepted, 'Accepted output');
  const b = toBytes(other, 'Other output');
  const tol = BigInt(tolerance);
  if (tol < 0n) throw new RangeError('tolerance must be >= 0');
  if (a.length !== b.length || a.length < ENCODING_HEADER_BYTES || (a.length - ENCODING_HEADER_BYTES) % 4 !== 0) return false;
  if (!sameHeader(a, b)) return false;
  const va = new DataView(a.buffer, a.byteOffset, a.byteLength);
  const vb = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const t = Number(tol > 0xffffffffn ? 0xffffffffn : tol); // no int32 difference exceeds 2^32 - 1
  for (let off = ENCODING_HEADER_BYTES; off < a.length; off += 4) {
    if (Math.abs(va.getInt32(off, true) - vb.getInt32(off, true)) > t) return false;
  }
  return true;
}

/**
 * Whether a signature over `other` is slashable dissent against the finalised `accepted` output,
 * exactly as docs/protocol.md states it: for exact profiles any difference; for `tolerant`, any
 * output that is not within `tolerance` of the accepted one — another length, another header, a
 * body of partial int32s, or some int32 element further than `tolerance` — since an honest
 * output always has the accepted shape.
 */
export function isSlashableDissent(profile: Profile, accepted: BytesInput, other: BytesInput, tolerance: number | bigint): boolean {
  if (outputsEqual(accepted, other)) return false;
  if (profile !== 'tolerant') return true;
  return !withinTolerance(accepted, other, tolerance);
}
