/**
 * Calldata of the oracle's request entry point, ABI-encoded by hand (a fixed layout: bytes32,
 * bytes, address, uint32). A load generator at hundreds of requests a second spent more CPU in
 * ethers' general encoder than in anything else it did; tests compare this with ethers' Interface.
 */
import { AioracleError } from '../errors.js';
import { bytesToHex, hexToBytes } from '../util/keccak.js';
import { InferenceOracle__factory } from './generated/index.js';

/** Error code for request arguments of the wrong shape. */
export const ERR_CALLDATA_INVALID = 'ERR_CALLDATA_INVALID';

const SELECTOR = hexToBytes(InferenceOracle__factory.createInterface().getFunction('requestInference')!.selector);

/** `requestInference(modelId, input, callback, callbackGasLimit)` calldata as 0x-hex. */
export function encodeRequestInference(modelId: string, input: Uint8Array, callback: string, callbackGasLimit: number): string {
  const bad = (field: string, rule: string): never => {
    throw new AioracleError(ERR_CALLDATA_INVALID, `Validation failed: ${field} ${rule}`, { details: { field } });
  };
  if (typeof modelId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(modelId)) bad('modelId', 'must be a 0x-prefixed 32-byte hex string');
  if (typeof callback !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(callback)) bad('callback', 'must be a 0x-prefixed 20-byte address');
  if (!Number.isInteger(callbackGasLimit) || callbackGasLimit < 0 || callbackGasLimit > 0xffffffff) bad('callbackGasLimit', 'must be a uint32');
  const padded = Math.ceil(input.length / 32) * 32;
  const out = new Uint8Array(4 + 5 * 32 + padded);
  out.set(SELECTOR, 0);
  out.set(hexToBytes(modelId.toLowerCase()), 4);
  out[4 + 64 - 1] = 0x80; // offset of `input`: after the four head words
  out.set(hexToBytes(callback.toLowerCase()), 4 + 64 + 12);
  new DataView(out.buffer).setUint32(4 + 96 + 28, callbackGasLimit);
  new DataView(out.buffer).setUint32(4 + 128 + 28, input.length);
  out.set(input, 4 + 160);
  return bytesToHex(out);
}
