/**
 * The blob payload of an input (protocol.md "Blob payload"): uint32_be(length) ‖ input, 31 bytes per
 * field element (each element 0x00 ‖ 31 bytes, below the BLS12-381 modulus), zero-padded to whole
 * blobs of 4096 elements.
 */
import { MAX_BLOBS_PER_TX } from '../protocol/constants.js';
import { InputErrorCode, inputError } from './errors.js';

/** Bytes of one blob. */
export const BLOB_BYTES = 131_072;
const ELEMENTS = 4096;
const CHUNK = 31;
/** Payload bytes one blob carries. */
export const BLOB_PAYLOAD_BYTES = ELEMENTS * CHUNK;

/** Blobs needed for an input of `length` bytes. */
export function blobsFor(length: number): number {
  return Math.max(1, Math.ceil((length + 4) / BLOB_PAYLOAD_BYTES));
}

/** Largest input the blob carrier takes in one transaction. */
export const MAX_BLOB_INPUT_BYTES = MAX_BLOBS_PER_TX * BLOB_PAYLOAD_BYTES - 4;

/** Lays `input` into blobs. Throws ERR_INPUT_CARRIER above MAX_BLOB_INPUT_BYTES. */
export function encodeBlobPayload(input: Uint8Array): Uint8Array[] {
  if (input.length > MAX_BLOB_INPUT_BYTES) throw inputError(InputErrorCode.Carrier, `Input is ${input.length} bytes; ${MAX_BLOBS_PER_TX} blobs carry at most ${MAX_BLOB_INPUT_BYTES}: send it by URI`);
  const payload = new Uint8Array(input.length + 4);
  new DataView(payload.buffer).setUint32(0, input.length, false);
  payload.set(input, 4);
  const n = blobsFor(input.length);
  const blobs: Uint8Array[] = [];
  for (let b = 0; b < n; b++) {
    const blob = new Uint8Array(BLOB_BYTES);
    for (let e = 0; e < ELEMENTS; e++) {
      const from = (b * ELEMENTS + e) * CHUNK;
      if (from >= payload.length) break;
      blob.set(payload.subarray(from, Math.min(from + CHUNK, payload.length)), e * 32 + 1);
    }
    blobs.push(blob);
  }
  return blobs;
}

/**
 * Reads an input back from its blobs, refusing a declared length over `maxBytes` before copying
 * anything. Throws ERR_INPUT_TOO_LARGE / ERR_INPUT_REF_INVALID.
 */
export function decodeBlobPayload(blobs: readonly Uint8Array[], maxBytes: number): Uint8Array {
  const first = blobs[0];
  if (!first || blobs.some((b) => b.length !== BLOB_BYTES)) throw inputError(InputErrorCode.RefInvalid, `Blobs must be ${BLOB_BYTES} bytes each`);
  for (const blob of blobs) {
    for (let e = 0; e < ELEMENTS; e++) {
      if (blob[e * 32] !== 0) throw inputError(InputErrorCode.RefInvalid, `Blob field element ${e} does not start with 0x00 (not an input payload)`);
    }
  }
  const length = ((first[1]! << 24) | (first[2]! << 16) | (first[3]! << 8) | first[4]!) >>> 0;
  if (length > maxBytes) throw inputError(InputErrorCode.TooLarge, `Blob input declares ${length} bytes; the cap is ${maxBytes}`, { details: { bytes: length, cap: maxBytes } });
  if (length + 4 > blobs.length * BLOB_PAYLOAD_BYTES) throw inputError(InputErrorCode.RefInvalid, `Blob input declares ${length} bytes but ${blobs.length} blob(s) hold at most ${blobs.length * BLOB_PAYLOAD_BYTES - 4}`);
  const out = new Uint8Array(length);
  let written = 0;
  let skip = 4;
  for (const blob of blobs) {
    for (let e = 0; e < ELEMENTS && written < length; e++) {
      let from = e * 32 + 1;
      let take = CHUNK;
      if (skip > 0) {
        from += skip;
        take -= skip;
        skip = 0;
      }
      take = Math.min(take, length - written);
      out.set(blob.subarray(from, from + take), written);
      written += take;
    }
  }
  return out;
}
