/**
 * DEVNET ONLY fault injection (`devnet.byzantine: true`): a byzantine operator signs a wrong output
 * so that demos and end-to-end tests can show dissent being slashed. The wrong output still decodes
 * under the manifest (a valid class index, a fixed-point value off by one) so aggregators accept
 * the signed response and can prove the dissent on chain. Per-task mode corrupts every task; batch
 * mode only the first task of each batch (BYZANTINE_BATCH_INDEX). The node refuses the switch on any chain
 * but anvil's (config.ts assertByzantineAllowed): a real operator that turned it on would lose stake.
 */
import { parseOutputEncoding, type Manifest } from '@aioracle/sdk';

const HEADER = 5;

/**
 * Returns a copy of canonical output bytes with the first element of the first output changed:
 * argmax / topk:1 → the next class index (mod the last dimension), topk:k≥2 → the first two indices
 * swapped, raw / fixed → the lowest bit of the first element flipped. Always differs from `output`.
 */
export function corruptOutput(output: Uint8Array, manifest: Pick<Manifest, 'outputs'>): Uint8Array {
  const out = Uint8Array.from(output);
  if (out.length <= HEADER) return out;
  const decl = manifest.outputs[0];
  const enc = decl ? parseOutputEncoding(decl.encoding) : undefined;
  const last = decl?.shape[decl.shape.length - 1];
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (enc && typeof last === 'number' && last >= 2 && out.length >= HEADER + 4 && (enc.kind === 'argmax' || (enc.kind === 'topk' && enc.k === 1))) {
    view.setInt32(HEADER, (view.getInt32(HEADER, true) + 1) % last, true);
  } else if (enc?.kind === 'topk' && enc.k >= 2 && out.length >= HEADER + 8) {
    const a = view.getInt32(HEADER, true);
    view.setInt32(HEADER, view.getInt32(HEADER + 4, true), true);
    view.setInt32(HEADER + 4, a, true);
  } else {
    out[HEADER] = (out[HEADER] as number) ^ 1;
  }
  return out;
}

/**
 * In batch mode a byzantine node corrupts only the task at this position of each batch (the first),
 * so it dissents on exactly one task per batch and is slashable for it with batch evidence
 * (slashBatchDissenter: its batch signature plus the Merkle path of that leaf). Its other tasks are
 * honest; when they fall back to per-task signing they stay honest too (the fallback job carries the
 * batch's decision, so the signing log never sees a second output).
 */
export const BYZANTINE_BATCH_INDEX = 0;
