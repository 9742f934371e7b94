/**
 * Hex string types shared by the protocol modules. Hashes and ids are lowercase `0x`-prefixed hex;
 * addresses are EIP-55 checksummed once they have passed validation.
 */

/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

/** A 32-byte value as lowercase hex (`0x` + 64 hex digits): hashes, model ids. */
export type Bytes32 = Hex;

/** A 20-byte EVM address (checksummed after validation). */
export type Address = Hex;

/** Matches a lowercase or mixed-case 32-byte hex value. */
export const BYTES32_REGEX = /^0x[0-9a-fA-F]{64}$/;
