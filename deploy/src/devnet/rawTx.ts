/**
 * EIP-1559 transactions signed without ethers, for the devnet's request stream: RLP by hand, the
 * sdk's WebAssembly keccak, and libsecp256k1 compiled to WebAssembly (tiny-secp256k1). At a hundred
 * requests a second, ethers' Wallet.signTransaction (JavaScript secp256k1 and keccak, object
 * plumbing) was the requester's largest cost; this produces the same bytes (RFC 6979 nonces and
 * low-s signatures in both; a unit test compares them) at a fraction of the CPU.
 */
import { bytesToHex, hexToBytes, keccak256Bytes } from '@aioracle/sdk';
import * as ecc from 'tiny-secp256k1';

/** The fields of a type-2 transaction this signer handles (no access list). */
export interface Eip1559Tx {
  chainId: bigint;
  nonce: number;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  gasLimit: bigint;
  to: string;
  value: bigint;
  data: string;
}

/** Minimal big-endian bytes of a non-negative integer (0 → empty), as RLP encodes integers. */
function intBytes(v: bigint | number): Uint8Array {
  let x = BigInt(v);
  if (x < 0n) throw new RangeError('RLP integers are non-negative');
  const out: number[] = [];
  while (x > 0n) {
    out.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  return Uint8Array.from(out);
}

function lengthPrefix(len: number, short: number, long: number): Uint8Array {
  if (len <= 55) return Uint8Array.of(short + len);
  const l = intBytes(len);
  return Uint8Array.of(long + l.length, ...l);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function rlpString(b: Uint8Array): Uint8Array {
  if (b.length === 1 && b[0]! < 0x80) return b;
  return concat([lengthPrefix(b.length, 0x80, 0xb7), b]);
}

function rlpList(items: readonly Uint8Array[]): Uint8Array {
  const payload = concat(items);
  return concat([lengthPrefix(payload.length, 0xc0, 0xf7), payload]);
}

/** Signs `tx` with the 32-byte `privateKey`: the raw transaction (0x02 ‖ RLP) and its hash. */
export function signEip1559(tx: Eip1559Tx, privateKey: Uint8Array): { raw: string; hash: string } {
  const fields = [
    rlpString(intBytes(tx.chainId)),
    rlpString(intBytes(tx.nonce)),
    rlpString(intBytes(tx.maxPriorityFeePerGas)),
    rlpString(intBytes(tx.maxFeePerGas)),
    rlpString(intBytes(tx.gasLimit)),
    rlpString(hexToBytes(tx.to.toLowerCase())),
    rlpString(intBytes(tx.value)),
    rlpString(hexToBytes(tx.data)),
    rlpList([]), // access list
  ];
  const unsigned = concat([Uint8Array.of(2), rlpList(fields)]);
  const sig = ecc.signRecoverable(keccak256Bytes(unsigned), privateKey);
  const r = sig.signature.subarray(0, 32);
  const s = sig.signature.subarray(32, 64);
  const strip = (b: Uint8Array): Uint8Array => intBytes(BigInt(bytesToHex(b)));
  const signed = concat([Uint8Array.of(2), rlpList([...fields, rlpString(intBytes(sig.recoveryId)), rlpString(strip(r)), rlpString(strip(s))])]);
  return { raw: bytesToHex(signed), hash: bytesToHex(keccak256Bytes(signed)) };
}
