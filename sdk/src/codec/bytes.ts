/**
 * Byte helpers shared by the codecs: accepting Uint8Array or hex, and the 5-byte header.
 */
import { ENCODING_HEADER_BYTES } from '../protocol/constants.js';
import { TensorErrorCode, tensorError } from './errors.js';

/** Canonical bytes as a Uint8Array or 0x-prefixed hex (as they appear in logs and calldata). */
export type BytesInput = Uint8Array | string;

/** Normalises BytesInput to a Uint8Array (hex validated); ERR_TENSOR_MALFORMED otherwise. */
export function toBytes(input: BytesInput, what: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(input)) {
    const out = new Uint8Array((input.length - 2) / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(input.slice(2 + 2 * i, 4 + 2 * i), 16);
    return out;
  }
  return tensorError(TensorErrorCode.Malformed, `${what} must be a Uint8Array or 0x-prefixed hex with an even number of digits`);
}

/** The header of canonical input/output bytes. */
export interface EncodingHeader {
  /** Version byte. */
  version: number;
  /** uint32 LE batch size. */
  batch: number;
}

/**
 * Reads and checks the header: at least 5 bytes, version as expected. Does not check the batch
 * against a manifest (callers do).
 */
export function readHeader(bytes: Uint8Array, expectedVersion: number, what: string): EncodingHeader {
  if (bytes.length < ENCODING_HEADER_BYTES) {
    tensorError(TensorErrorCode.Truncated, `${what} are ${bytes.length} bytes; the header alone is ${ENCODING_HEADER_BYTES}`, { length: bytes.length });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== expectedVersion) {
    tensorError(TensorErrorCode.Version, `${what} have version byte 0x${version.toString(16).padStart(2, '0')}; this sdk reads 0x${expectedVersion.toString(16).padStart(2, '0')}`, { version });
  }
  return { version, batch: view.getUint32(1, true) };
}

/** Writes the 5-byte header into `view` at offset 0. */
export function writeHeader(view: DataView, version: number, batch: number): void {
  view.setUint8(0, version);
  view.setUint32(1, batch, true);
}
