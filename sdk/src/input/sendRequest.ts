/**
 * Sending a request with its input by the right carrier (protocol.md "Inputs by reference"), shared by
 * the client CLI, the devnet and benches:
 *   calldata  `requestInference(modelId, input, …)`                     (input ≤ MAX_INPUT_BYTES)
 *   blob      `requestInferenceByRef(modelId, keccak256(input), "", …)`  in a type-3 transaction
 *   uri       `requestInferenceByRef(modelId, keccak256(input), uri, …)` (the requester serves the bytes)
 * `chooseCarrier` picks the cheapest that fits when the caller does not say.
 */
import { ZeroAddress, keccak256, type BaseContract, type TransactionReceipt } from 'ethers';
import type { TxSender } from '../chain/txSender.js';
import { MAX_INPUT_BYTES } from '../protocol/constants.js';
import { MAX_BLOB_INPUT_BYTES, encodeBlobPayload } from './blobPayload.js';
import { InputErrorCode, inputError } from './errors.js';
import { kzgLibrary, kzgToVersionedHash } from './kzg.js';
import { validateInputUri, type InputCarrier } from './reference.js';

/**
 * The carrier for an input of `length` bytes: `requested` if given (checked to fit), else the URI when
 * one is given, else calldata up to `maxCalldataBytes`, then blobs up to MAX_BLOB_INPUT_BYTES, then uri.
 * Throws ERR_INPUT_CARRIER when nothing fits.
 */
export function chooseCarrier(length: number, opts: { requested?: InputCarrier | undefined; uri?: string | undefined; maxCalldataBytes?: number }): InputCarrier {
  const calldataCap = opts.maxCalldataBytes ?? MAX_INPUT_BYTES;
  const carrier = opts.requested ?? (opts.uri ? 'uri' : length <= calldataCap ? 'calldata' : length <= MAX_BLOB_INPUT_BYTES ? 'blob' : 'uri');
  if (carrier === 'calldata' && length > calldataCap) throw inputError(InputErrorCode.Carrier, `Input is ${length} bytes; calldata takes at most ${calldataCap}: use --carrier blob or uri`);
  if (carrier === 'blob' && length > MAX_BLOB_INPUT_BYTES) throw inputError(InputErrorCode.Carrier, `Input is ${length} bytes; blobs carry at most ${MAX_BLOB_INPUT_BYTES}: serve it and use --carrier uri --uri URL`);
  if (carrier === 'uri' && !opts.uri) throw inputError(InputErrorCode.Carrier, `Input is ${length} bytes and goes by URI: write it with --save-input FILE, serve that file (https or ipfs) and pass --uri URL`);
  return carrier;
}

/** What {@link sendInferenceRequest} sends. */
export interface InferenceRequest {
  modelId: string;
  /** The canonical input bytes. */
  input: Uint8Array;
  fee: bigint;
  carrier: InputCarrier;
  /** For carrier `uri`: where the bytes are served. */
  uri?: string | undefined;
  callback?: string;
  callbackGasLimit?: number;
}

/**
 * Sends the request through `sender` to the InferenceOracle `oracle` and returns the mined receipt
 * (its TaskCreated log names the task). Blob requests compute KZG commitments and proofs first (a few
 * seconds per blob in pure JS).
 */
export async function sendInferenceRequest(sender: TxSender, oracle: BaseContract, req: InferenceRequest): Promise<TransactionReceipt> {
  const callback = req.callback ?? ZeroAddress;
  const gas = req.callbackGasLimit ?? 0;
  if (req.carrier === 'calldata') return sender.send(oracle, 'requestInference', [req.modelId, req.input, callback, gas], { value: req.fee });
  const inputHash = keccak256(req.input);
  if (req.carrier === 'uri') {
    if (!req.uri) throw inputError(InputErrorCode.Carrier, 'carrier uri needs a URI');
    validateInputUri(req.uri);
    return sender.send(oracle, 'requestInferenceByRef', [req.modelId, inputHash, new TextEncoder().encode(req.uri), callback, gas], { value: req.fee });
  }
  const blobs = encodeBlobPayload(req.input);
  const kzg = await kzgLibrary();
  const versionedHashes = blobs.map((b) => kzgToVersionedHash(kzg.blobToKzgCommitment(b)));
  return sender.send(oracle, 'requestInferenceByRef', [req.modelId, inputHash, '0x', callback, gas], { value: req.fee, blob: { blobs, kzg, versionedHashes } });
}
