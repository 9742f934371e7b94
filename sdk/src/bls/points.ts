/**
 * Validated G1 and G2 points and their encodings. A G1Point / G2Point can only be made by a
 * validating decoder or by BLS arithmetic, so holding one means: on the curve, coordinates < p,
 * and for G2 in the r-order subgroup. That is why hot paths (aggregation, batch verification)
 * never re-check. Encodings (docs/bls.md):
 *   G1 Solidity `[X, Y]`; bytes X‖Y, 32-byte big-endian words (64 bytes).
 *   G2 Solidity `[[X_im, X_re], [Y_im, Y_re]]` (EIP-197 order); bytes X_im‖X_re‖Y_im‖Y_re (128).
 * Infinity is encoded as all zeros on output (as BN254.sol does) and is rejected on input.
 */
import type { BlsBackend, G1Handle, G2Handle, G2AffineValue } from './backend.js';
import { FP_MODULUS } from './constants.js';
import { BlsErrorCode, blsError } from './errors.js';
import { bytesToBigInt, bytesToHex, hexToBytesOrNull, isOnCurveG1, isOnCurveG2, packWords } from './field.js';
import { backend } from './init.js';

/** An unsigned integer as ABI libraries hand it over: bigint, safe integer, decimal or 0x-hex string. */
export type UintLike = bigint | number | string;
/** G1 in Solidity form: `[X, Y]` or a `{ X, Y }` struct. */
export type G1Solidity = readonly [UintLike, UintLike] | { readonly X: UintLike; readonly Y: UintLike };
/** G2 in Solidity form: `[[X_im, X_re], [Y_im, Y_re]]` or `{ X: [im, re], Y: [im, re] }`. */
export type G2Solidity =
  | readonly [readonly [UintLike, UintLike], readonly [UintLike, UintLike]]
  | { readonly X: readonly [UintLike, UintLike]; readonly Y: readonly [UintLike, UintLike] };
/** Bytes, or a hex string with or without 0x. */
export type BytesLike = Uint8Array | string;

const TOKEN = Symbol('aioracle.bls.point');

interface G1State {
  backend: BlsBackend;
  handle: G1Handle;
  affine?: { x: bigint; y: bigint } | null;
}
interface G2State {
  backend: BlsBackend;
  handle: G2Handle;
  affine?: G2AffineValue | null;
}

let g1State: (p: G1Point) => G1State;
let g2State: (p: G2Point) => G2State;

function g1Affine(s: G1State): { x: bigint; y: bigint } | null {
  if (s.affine === undefined) s.affine = s.backend.g1ToAffine(s.handle);
  return s.affine;
}
function g2Affine(s: G2State): G2AffineValue | null {
  if (s.affine === undefined) s.affine = s.backend.g2ToAffine(s.handle);
  return s.affine;
}

/**
 * A validated point of G1 (a signature, a G1 public key, an aggregate). Immutable.
 * Build one with {@link g1FromSolidity} / {@link g1FromBytes} or get it from BLS functions.
 */
export class G1Point {
  readonly #s: G1State;
  static {
    g1State = (p) => p.#s;
  }
  /** Internal: use the decoders. */
  constructor(token: symbol, state: G1State) {
    if (token !== TOKEN) throw blsError(BlsErrorCode.InvalidArgument, 'G1Point cannot be constructed directly; use g1FromSolidity or g1FromBytes');
    this.#s = state;
  }
  /** True for the point at infinity (only aggregates and sums can be infinity). */
  isInfinity(): boolean {
    return g1Affine(this.#s) === null;
  }
  /** Affine coordinates; infinity is (0, 0) as in BN254.sol. */
  toAffine(): { x: bigint; y: bigint } {
    const a = g1Affine(this.#s);
    return a === null ? { x: 0n, y: 0n } : { x: a.x, y: a.y };
  }
  /** Solidity `[X, Y]`. */
  toSolidity(): [bigint, bigint] {
    const a = this.toAffine();
    return [a.x, a.y];
  }
  /** Solidity `[X, Y]` as decimal strings (JSON-safe). */
  toSolidityStrings(): [string, string] {
    const a = this.toAffine();
    return [a.x.toString(), a.y.toString()];
  }
  /** 64 bytes: X‖Y big-endian. */
  toBytes(): Uint8Array {
    const a = this.toAffine();
    return packWords([a.x, a.y]);
  }
  /** 0x-hex of {@link toBytes}. */
  toHex(): string {
    return bytesToHex(this.toBytes());
  }
  /** Group equality (works across backends). */
  equals(other: G1Point): boolean {
    const o = g1State(other);
    if (o.backend === this.#s.backend) return this.#s.backend.g1Equal(this.#s.handle, o.handle);
    const a = this.toAffine();
    const b = other.toAffine();
    return a.x === b.x && a.y === b.y;
  }
  /** JSON form: Solidity decimal strings. */
  toJSON(): [string, string] {
    return this.toSolidityStrings();
  }
  toString(): string {
    return this.toHex();
  }
}

/**
 * A validated point of G2 subgroup (a G2 public key or an aggregate of them). Immutable.
 * Build one with {@link g2FromSolidity} / {@link g2FromBytes} or get it from BLS functions.
 */
export class G2Point {
  readonly #s: G2State;
  static {
    g2State = (p) => p.#s;
  }
  /** Internal: use the decoders. */
  constructor(token: symbol, state: G2State) {
    if (token !== TOKEN) throw blsError(BlsErrorCode.InvalidArgument, 'G2Point cannot be constructed directly; use g2FromSolidity or g2FromBytes');
    this.#s = state;
  }
  /** True for the point at infinity. */
  isInfinity(): boolean {
    return g2Affine(this.#s) === null;
  }
  /** Affine coordinates as { re, im } pairs; infinity is all zeros. */
  toAffine(): G2AffineValue {
    const a = g2Affine(this.#s);
    return a === null ? { x: { re: 0n, im: 0n }, y: { re: 0n, im: 0n } } : { x: { ...a.x }, y: { ...a.y } };
  }
  /** Solidity `[[X_im, X_re], [Y_im, Y_re]]` (EIP-197 order). */
  toSolidity(): [[bigint, bigint], [bigint, bigint]] {
    const a = this.toAffine();
    return [
      [a.x.im, a.x.re],
      [a.y.im, a.y.re],
    ];
  }
  /** {@link toSolidity} as decimal strings (JSON-safe). */
  toSolidityStrings(): [[string, string], [string, string]] {
    const [x, y] = this.toSolidity();
    return [
      [x[0].toString(), x[1].toString()],
      [y[0].toString(), y[1].toString()],
    ];
  }
  /** 128 bytes: X_im‖X_re‖Y_im‖Y_re big-endian. */
  toBytes(): Uint8Array {
    const [x, y] = this.toSolidity();
    return packWords([x[0], x[1], y[0], y[1]]);
  }
  /** 0x-hex of {@link toBytes}. */
  toHex(): string {
    return bytesToHex(this.toBytes());
  }
  /** Group equality (works across backends). */
  equals(other: G2Point): boolean {
    const o = g2State(other);
    if (o.backend === this.#s.backend) return this.#s.backend.g2Equal(this.#s.handle, o.handle);
    return this.toHex() === other.toHex();
  }
  /** JSON form: Solidity decimal strings. */
  toJSON(): [[string, string], [string, string]] {
    return this.toSolidityStrings();
  }
  toString(): string {
    return this.toHex();
  }
}

/** Wraps a backend handle. (internal) */
export function wrapG1(b: BlsBackend, handle: G1Handle): G1Point {
  return new G1Point(TOKEN, { backend: b, handle });
}
/** Wraps a backend handle. (internal) */
export function wrapG2(b: BlsBackend, handle: G2Handle): G2Point {
  return new G2Point(TOKEN, { backend: b, handle });
}

/** The point's handle in backend b, converting (without re-validation) if it came from another. (internal) */
export function g1Handle(p: G1Point, b: BlsBackend): G1Handle {
  const s = g1State(p);
  if (s.backend === b) return s.handle;
  const a = g1Affine(s);
  return a === null ? b.g1Zero() : b.g1FromAffine(a.x, a.y);
}
/** The point's handle in backend b, converting (without re-validation) if it came from another. (internal) */
export function g2Handle(p: G2Point, b: BlsBackend): G2Handle {
  const s = g2State(p);
  if (s.backend === b) return s.handle;
  const a = g2Affine(s);
  return a === null ? b.g2Zero() : b.g2FromAffine(a);
}

function parseUint(v: unknown, field: string): bigint {
  if (typeof v === 'bigint') {
    if (v >= 0n) return v;
  } else if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  } else if (typeof v === 'string') {
    if (/^[0-9]{1,80}$/.test(v) || /^0[xX][0-9a-fA-F]{1,64}$/.test(v)) return BigInt(v);
  }
  throw blsError(BlsErrorCode.InvalidEncoding, `Invalid ${field}: expected an unsigned integer (bigint, decimal or 0x-hex string)`, { field });
}

function coordinate(v: unknown, field: string): bigint {
  const x = parseUint(v, field);
  if (x >= FP_MODULUS) throw blsError(BlsErrorCode.InvalidPoint, `Invalid point: ${field} is not a field element (≥ p)`, { field });
  return x;
}

function pair(v: unknown, field: string): [unknown, unknown] {
  if (!Array.isArray(v) || v.length !== 2) {
    throw blsError(BlsErrorCode.InvalidEncoding, `Invalid ${field}: expected a 2-element array`, { field });
  }
  return [v[0], v[1]];
}

function checkG1(x: bigint, y: bigint): void {
  if (x === 0n && y === 0n) throw blsError(BlsErrorCode.InvalidPoint, 'Invalid G1 point: the point at infinity is not accepted', { reason: 'infinity' });
  if (!isOnCurveG1(x, y)) throw blsError(BlsErrorCode.InvalidPoint, 'Invalid G1 point: not on the curve y² = x³ + 3', { reason: 'not-on-curve' });
}

function g1Checked(x: bigint, y: bigint): G1Point {
  checkG1(x, y);
  const b = backend();
  return new G1Point(TOKEN, { backend: b, handle: b.g1FromAffine(x, y), affine: { x, y } });
}

function g2Checked(a: G2AffineValue): G2Point {
  if (a.x.re === 0n && a.x.im === 0n && a.y.re === 0n && a.y.im === 0n) {
    throw blsError(BlsErrorCode.InvalidPoint, 'Invalid G2 point: the point at infinity is not accepted', { reason: 'infinity' });
  }
  if (!isOnCurveG2(a.x, a.y)) {
    throw blsError(BlsErrorCode.InvalidPoint, 'Invalid G2 point: not on the twist curve (check the [imaginary, real] coordinate order)', { reason: 'not-on-curve' });
  }
  const b = backend();
  const handle = b.g2FromAffine(a);
  if (!b.g2InSubgroup(handle)) throw blsError(BlsErrorCode.InvalidPoint, 'Invalid G2 point: not in the r-order subgroup', { reason: 'not-in-subgroup' });
  return new G2Point(TOKEN, { backend: b, handle, affine: a });
}

/** Parses and validates an untrusted G1 point in Solidity form (on curve, not infinity). */
export function g1FromSolidity(v: G1Solidity): G1Point {
  const { x, y } = g1SolidityCoordinates(v);
  return g1Checked(x, y);
}

/** The coordinates of a G1 point in Solidity form, each checked to be a field element. */
function g1SolidityCoordinates(v: G1Solidity): { x: bigint; y: bigint } {
  let xs: unknown;
  let ys: unknown;
  if (Array.isArray(v)) [xs, ys] = pair(v, 'G1 point');
  else if (typeof v === 'object' && v !== null && 'X' in v && 'Y' in v) ({ X: xs, Y: ys } = v as { X: unknown; Y: unknown });
  else throw blsError(BlsErrorCode.InvalidEncoding, 'Invalid G1 point: expected [X, Y] or { X, Y }', { field: 'G1 point' });
  return { x: coordinate(xs, 'G1.X'), y: coordinate(ys, 'G1.Y') };
}

/**
 * Validates an untrusted G1 point in Solidity form exactly as {@link g1FromSolidity} does, but only
 * returns its coordinates and 64-byte encoding, building no backend point: for code that forwards
 * signatures (to a verification thread, to storage) and never computes with them itself.
 */
export function g1CheckSolidity(v: G1Solidity): { x: bigint; y: bigint; bytes: Uint8Array } {
  const { x, y } = g1SolidityCoordinates(v);
  checkG1(x, y);
  return { x, y, bytes: packWords([x, y]) };
}

/** Parses and validates an untrusted G2 point in Solidity form `[[X_im, X_re], [Y_im, Y_re]]` (on curve, in subgroup). */
export function g2FromSolidity(v: G2Solidity): G2Point {
  let xv: unknown;
  let yv: unknown;
  if (Array.isArray(v)) [xv, yv] = pair(v, 'G2 point');
  else if (typeof v === 'object' && v !== null && 'X' in v && 'Y' in v) ({ X: xv, Y: yv } = v as { X: unknown; Y: unknown });
  else throw blsError(BlsErrorCode.InvalidEncoding, 'Invalid G2 point: expected [[X_im, X_re], [Y_im, Y_re]] or { X, Y }', { field: 'G2 point' });
  const [xi, xr] = pair(xv, 'G2.X');
  const [yi, yr] = pair(yv, 'G2.Y');
  return g2Checked({
    x: { re: coordinate(xr, 'G2.X[1] (real)'), im: coordinate(xi, 'G2.X[0] (imaginary)') },
    y: { re: coordinate(yr, 'G2.Y[1] (real)'), im: coordinate(yi, 'G2.Y[0] (imaginary)') },
  });
}

/** Bytes of an exact length from bytes or hex; typed error otherwise. (internal) */
export function toBytesExact(v: BytesLike, length: number, field: string): Uint8Array {
  let bytes: Uint8Array | null;
  if (v instanceof Uint8Array) bytes = v;
  else if (typeof v === 'string') bytes = hexToBytesOrNull(v);
  else bytes = null;
  if (bytes === null) throw blsError(BlsErrorCode.InvalidEncoding, `Invalid ${field}: expected bytes or a hex string`, { field });
  if (bytes.length !== length) {
    throw blsError(BlsErrorCode.InvalidEncoding, `Invalid ${field}: expected ${length} bytes, got ${bytes.length}`, { field, expected: length, actual: bytes.length });
  }
  return bytes;
}

function word(bytes: Uint8Array, i: number, field: string): bigint {
  const x = bytesToBigInt(bytes.subarray(32 * i, 32 * i + 32));
  if (x >= FP_MODULUS) throw blsError(BlsErrorCode.InvalidPoint, `Invalid point: ${field} is not a field element (≥ p)`, { field });
  return x;
}

/** Decodes and validates an untrusted 64-byte G1 encoding (X‖Y). */
export function g1FromBytes(v: BytesLike): G1Point {
  const b = toBytesExact(v, 64, 'G1 encoding');
  return g1Checked(word(b, 0, 'G1.X'), word(b, 1, 'G1.Y'));
}

/** Decodes and validates an untrusted 128-byte G2 encoding (X_im‖X_re‖Y_im‖Y_re). */
export function g2FromBytes(v: BytesLike): G2Point {
  const b = toBytesExact(v, 128, 'G2 encoding');
  return g2Checked({
    x: { im: word(b, 0, 'G2.X[0] (imaginary)'), re: word(b, 1, 'G2.X[1] (real)') },
    y: { im: word(b, 2, 'G2.Y[0] (imaginary)'), re: word(b, 3, 'G2.Y[1] (real)') },
  });
}
