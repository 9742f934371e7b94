/**
 * Decoding custom errors across contracts. A revert in OperatorRegistry.checkSignatures bubbles up
 * through InferenceOracle.respondToTask, and one in the AllocationManager through the registry, so
 * the ABI of the called contract alone often cannot name it. This decodes revert data against the
 * errors of every AVS and EigenLayer contract the sdk has bindings for.
 */
import { Interface, isHexString, type ErrorFragment } from 'ethers';
import * as abis from './generated/abis.js';

/** A decoded custom error. */
export interface DecodedRevert {
  /** The custom error's name, e.g. `ThresholdNotMet`. */
  name: string;
  /** Its signature, e.g. `ThresholdNotMet(uint8,uint96,uint96,uint16)`. */
  signature: string;
  args: unknown[];
}

let merged: Interface | undefined;

/** One Interface holding every custom error of the generated ABIs (deduplicated by selector). */
export function avsErrorInterface(): Interface {
  if (merged) return merged;
  const seen = new Set<string>();
  const fragments: ErrorFragment[] = [];
  for (const abi of Object.values(abis) as unknown as readonly unknown[][]) {
    for (const f of new Interface(abi as never).fragments) {
      if (f.type !== 'error') continue;
      const e = f as ErrorFragment;
      if (seen.has(e.selector)) continue;
      seen.add(e.selector);
      fragments.push(e);
    }
  }
  merged = new Interface(fragments);
  return merged;
}

/** The revert data carried by an ethers error (or the hex data itself), if any. */
export function revertData(err: unknown): string | null {
  if (typeof err === 'string') return isHexString(err) ? err : null;
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const o = e as { data?: unknown; error?: unknown; info?: unknown; cause?: unknown };
    if (typeof o.data === 'string' && isHexString(o.data) && o.data.length >= 10) return o.data;
    stack.push(o.error, o.info, o.cause, typeof o.data === 'object' ? o.data : undefined);
  }
  return null;
}

/**
 * Names the custom error in `err` (an ethers error, an AioracleError wrapping one, or revert data),
 * or returns null when there is no revert data or no known error matches.
 * @example decodeRevert(err)?.name === 'ThresholdNotMet'
 */
export function decodeRevert(err: unknown): DecodedRevert | null {
  const data = revertData(err);
  if (!data) return null;
  const iface = avsErrorInterface();
  try {
    const parsed = iface.parseError(data);
    if (!parsed) return null;
    return { name: parsed.name, signature: parsed.signature, args: [...parsed.args] };
  } catch {
    return null;
  }
}
