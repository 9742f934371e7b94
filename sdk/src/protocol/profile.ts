/**
 * Determinism profiles (DESIGN section 5, protocol.md "Models and profiles"). The manifest names a
 * profile as a string; the ModelRegistry stores it as a uint8. The mapping is fixed forever.
 */
import { AioracleError } from '../errors.js';

/** The determinism profiles, in on-chain id order (index = uint8 id). */
export const PROFILES = ['exact-int', 'exact-wasm', 'tolerant'] as const;

/** A determinism profile name as it appears in a manifest. */
export type Profile = (typeof PROFILES)[number];

/** The on-chain uint8 of each profile: exact-int 0, exact-wasm 1, tolerant 2. */
export const PROFILE_IDS: Readonly<Record<Profile, number>> = { 'exact-int': 0, 'exact-wasm': 1, tolerant: 2 };

/** The ModelRegistry's uint8 for a profile name. */
export function profileId(profile: Profile): number {
  return PROFILE_IDS[profile];
}

/** The profile name for an on-chain uint8; throws ERR_PROFILE_UNKNOWN for any other value. */
export function profileFromId(id: number | bigint): Profile {
  const n = typeof id === 'bigint' ? Number(id) : id;
  const p = Number.isInteger(n) ? PROFILES[n] : undefined;
  if (p === undefined) {
    throw new AioracleError('ERR_PROFILE_UNKNOWN', `Unknown profile id ${String(id)}: expected 0 (exact-int), 1 (exact-wasm) or 2 (tolerant)`, {
      details: { id: String(id) },
    });
  }
  return p;
}
