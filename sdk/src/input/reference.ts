/**
 * Input carriers (protocol.md "Inputs by reference"): which one a task uses, read from its
 * TaskCreated `input` field, and the descriptor bytes the oracle emits for a reference.
 *   inline:  input = the canonical bytes, keccak256(input) == task.inputHash
 *   blob:    input = 0x00 0x01 ‖ versioned hashes of the request transaction's blobs (32 bytes each)
 *   uri:     input = 0x00 0x02 ‖ utf8(uri), uri https://, http:// or ipfs://
 */
import { concat, getBytes, hexlify, toUtf8Bytes, toUtf8String } from 'ethers';
import { keccak256Hex as keccak256 } from '../util/keccak.js';
import type { Bytes32 } from '../protocol/hex.js';
import { InputErrorCode, inputError } from './errors.js';

/** The three carriers; `calldata` = inline. */
export const INPUT_CARRIERS = ['calldata', 'blob', 'uri'] as const;
export type InputCarrier = (typeof INPUT_CARRIERS)[number];

/** Carrier bytes of a reference descriptor (after the 0x00 lead byte). */
export const REF_TAG = { blob: 0x01, uri: 0x02 } as const;

/** URI schemes operators fetch. */
export const INPUT_URI_SCHEMES = ['https:', 'http:', 'ipfs:'] as const;

/** Longest URI accepted in a descriptor (also bounded on chain by the oracle's maxInputBytes). */
export const MAX_INPUT_URI_LENGTH = 2048;

/** Where a task's input bytes are. */
export type InputRef =
  | { carrier: 'calldata'; bytes: Uint8Array }
  | { carrier: 'blob'; versionedHashes: Bytes32[] }
  | { carrier: 'uri'; uri: string };

/**
 * Checks an input URI: https/http/ipfs, at most MAX_INPUT_URI_LENGTH characters, no credentials.
 * Throws ERR_INPUT_REF_INVALID.
 */
export function validateInputUri(uri: string): URL {
  if (uri.length === 0 || uri.length > MAX_INPUT_URI_LENGTH) throw inputError(InputErrorCode.RefInvalid, `Input URI must have 1-${MAX_INPUT_URI_LENGTH} characters (got ${uri.length})`);
  let url: URL;
  try {
    url = new URL(uri);
  } catch (cause) {
    throw inputError(InputErrorCode.RefInvalid, 'Input URI does not parse as a URL', { cause });
  }
  if (!(INPUT_URI_SCHEMES as readonly string[]).includes(url.protocol)) {
    throw inputError(InputErrorCode.RefInvalid, `Input URI scheme ${url.protocol} is not one of ${INPUT_URI_SCHEMES.join(' ')}`);
  }
  if (url.username !== '' || url.password !== '') throw inputError(InputErrorCode.RefInvalid, 'Input URI must not carry credentials (it is public on chain)');
  if (url.protocol === 'ipfs:' && url.hostname === '') throw inputError(InputErrorCode.RefInvalid, 'ipfs:// URI must name a CID (ipfs://CID[/path])');
  return url;
}

/**
 * Reads the carrier of a task from its TaskCreated `input` field and `inputHash`: inline exactly when
 * keccak256(input) == inputHash, else a reference descriptor. Throws ERR_INPUT_REF_INVALID for a
 * descriptor that does not parse.
 */
export function parseInputRef(inputHash: string, eventInput: Uint8Array): InputRef {
  if (keccak256(eventInput) === inputHash.toLowerCase()) return { carrier: 'calldata', bytes: eventInput };
  if (eventInput.length < 2 || eventInput[0] !== 0x00) {
    throw inputError(InputErrorCode.RefInvalid, 'Task input is neither the bytes of inputHash nor a reference descriptor (0x00 lead byte)', { details: { bytes: eventInput.length } });
  }
  const body = eventInput.subarray(2);
  switch (eventInput[1]) {
    case REF_TAG.blob: {
      if (body.length === 0 || body.length % 32 !== 0) throw inputError(InputErrorCode.RefInvalid, `Blob descriptor holds ${body.length} bytes; expected one or more 32-byte versioned hashes`);
      const versionedHashes: Bytes32[] = [];
      for (let i = 0; i < body.length; i += 32) versionedHashes.push(hexlify(body.subarray(i, i + 32)) as Bytes32);
      return { carrier: 'blob', versionedHashes };
    }
    case REF_TAG.uri: {
      let uri: string;
      try {
        uri = toUtf8String(body);
      } catch (cause) {
        throw inputError(InputErrorCode.RefInvalid, 'URI descriptor is not UTF-8', { cause });
      }
      validateInputUri(uri);
      return { carrier: 'uri', uri };
    }
    default:
      throw inputError(InputErrorCode.RefInvalid, `Unknown input carrier byte 0x${(eventInput[1] ?? 0).toString(16).padStart(2, '0')}`);
  }
}

/** The descriptor the oracle emits for `uri` (what `requestInferenceByRef(…, uri, …)` puts in TaskCreated). */
export function uriRefBytes(uri: string): Uint8Array {
  return getBytes(concat([new Uint8Array([0x00, REF_TAG.uri]), toUtf8Bytes(uri)]));
}

/** The descriptor the oracle emits for a blob request with these versioned hashes. */
export function blobRefBytes(versionedHashes: readonly string[]): Uint8Array {
  return getBytes(concat([new Uint8Array([0x00, REF_TAG.blob]), ...versionedHashes]));
}
