/**
 * The BLS keystore of eigensdk-go and the eigenlayer CLI (docs/keystore.md): Web3 Secret Storage
 * v3's `crypto` object around the 32-byte big-endian secret key, next to `pubKey: "E([x,y])"`
 * (gnark's G1 string, decimal). Decryption: derive a key with the KDF, check
 * mac = keccak256(dk[16:32] ‖ ciphertext), then AES-128-CTR with dk[0:16] and the iv.
 * scrypt runs in libuv's thread pool (node:crypto), so the event loop stays free.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { AioracleError } from '../errors.js';
import { ensureBls } from '../bls/init.js';
import { BlsSecretKey, blsKeyPairFromSecretKey, type BlsKeyPair } from '../bls/keys.js';
import { KeystoreErrorCode, keystoreError } from './errors.js';

/** The JSON shape eigensdk-go writes (field order as it writes them). */
export interface BlsKeystoreJson {
  /** gnark G1 string: `E([x,y])`, decimal coordinates. */
  pubKey: string;
  crypto: {
    cipher: string;
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: string;
    kdfparams: Record<string, unknown>;
    mac: string;
  };
}

/** Options of {@link encryptBlsKeystore}. */
export interface EncryptBlsKeystoreOptions {
  /** scrypt N (power of two ≥ 2). Default 262144 (eigensdk-go / geth StandardScryptN). Lower only in tests. */
  scryptN?: number;
  /** scrypt p. Default 1 (StandardScryptP). */
  scryptP?: number;
  /** Fixed 32-byte salt (tests only; default random). */
  salt?: Uint8Array;
  /** Fixed 16-byte iv (tests only; default random). */
  iv?: Uint8Array;
}

/** Options of {@link writeBlsKeystore}. */
export interface WriteBlsKeystoreOptions extends EncryptBlsKeystoreOptions {
  /** Replace an existing file (atomically). Default false: an existing file is an error. */
  overwrite?: boolean;
}

/** eigensdk-go's defaults (geth keystore.StandardScryptN / StandardScryptP). */
export const BLS_KEYSTORE_SCRYPT_N = 262144;
const SCRYPT_R = 8;
const DKLEN = 32;
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;

const corrupt = (message: string, details: Record<string, unknown> = {}, cause?: unknown): AioracleError =>
  keystoreError(KeystoreErrorCode.Corrupt, `Corrupt BLS keystore: ${message}`, details, cause);

function hexField(v: unknown, field: string, length?: number): Buffer {
  if (typeof v !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(v)) throw corrupt(`${field} is not a hex string`, { field });
  const b = Buffer.from(v.replace(/^0x/, ''), 'hex');
  if (length !== undefined && b.length !== length) throw corrupt(`${field} must be ${length} bytes`, { field, expected: length, actual: b.length });
  return b;
}

function intField(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw corrupt(`kdfparams.${field} must be a positive integer`, { field });
  return v;
}

function record(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(`${field} must be an object`, { field });
  return v as Record<string, unknown>;
}

function scryptAsync(password: Buffer, salt: Buffer, n: number, r: number, p: number, dklen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, dklen, { N: n, r, p, maxmem: 2 * 128 * n * r * p + 32 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

async function deriveKey(kdf: unknown, params: Record<string, unknown>, password: Buffer): Promise<Buffer> {
  if (kdf === 'scrypt') {
    const n = intField(params, 'n');
    const r = intField(params, 'r');
    const p = intField(params, 'p');
    const dklen = intField(params, 'dklen');
    const salt = hexField(params.salt, 'kdfparams.salt');
    if (n < 2 || (n & (n - 1)) !== 0) throw corrupt('kdfparams.n must be a power of two', { field: 'n' });
    if (dklen < DKLEN || dklen > 64) throw keystoreError(KeystoreErrorCode.Unsupported, 'Unsupported BLS keystore: scrypt dklen must be 32..64', { dklen });
    if (128 * n * r * p > MAX_SCRYPT_MEMORY) {
      throw keystoreError(KeystoreErrorCode.Unsupported, 'Unsupported BLS keystore: scrypt parameters need more than 1 GiB of memory', { n, r, p });
    }
    return scryptAsync(password, salt, n, r, p, dklen);
  }
  if (kdf === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256') {
      throw keystoreError(KeystoreErrorCode.Unsupported, 'Unsupported BLS keystore: pbkdf2 prf must be hmac-sha256', { prf: String(params.prf) });
    }
    const c = intField(params, 'c');
    const dklen = intField(params, 'dklen');
    const salt = hexField(params.salt, 'kdfparams.salt');
    if (dklen < DKLEN || dklen > 64 || c > 10_000_000) {
      throw keystoreError(KeystoreErrorCode.Unsupported, 'Unsupported BLS keystore: pbkdf2 parameters out of range', { c, dklen });
    }
    return new Promise((resolve, reject) => pbkdf2(password, salt, c, dklen, 'sha256', (err, key) => (err ? reject(err) : resolve(key))));
  }
  throw keystoreError(KeystoreErrorCode.Unsupported, `Unsupported BLS keystore: kdf "${String(kdf)}" (supported: scrypt, pbkdf2)`, { kdf: String(kdf) });
}

function macOf(derivedKey: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(keccak_256(Buffer.concat([derivedKey.subarray(16, 32), ciphertext])));
}

/** gnark's G1 string `E([x,y])` of a key pair's pkG1. */
export function formatPubKey(kp: Pick<BlsKeyPair, 'publicKeyG1'>): string {
  const [x, y] = kp.publicKeyG1.toSolidityStrings();
  return `E([${x},${y}])`;
}

function parsePubKey(v: unknown): [bigint, bigint] {
  const m = typeof v === 'string' ? /^E\(\[([0-9]{1,80}),([0-9]{1,80})\]\)$/.exec(v) : null;
  if (m === null || m[1] === undefined || m[2] === undefined) throw corrupt('pubKey must be "E([x,y])" with decimal coordinates', { field: 'pubKey' });
  return [BigInt(m[1]), BigInt(m[2])];
}

function parseJson(json: string | object): Record<string, unknown> {
  if (typeof json !== 'string') return record(json, 'keystore');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw corrupt('not valid JSON', {}, cause);
  }
  return record(parsed, 'keystore');
}

/**
 * Decrypts a BLS keystore (JSON text or parsed object) and returns the key pair. Checks that the
 * derived pkG1 equals `pubKey`. Throws ERR_KEYSTORE_WRONG_PASSWORD, ERR_KEYSTORE_CORRUPT or
 * ERR_KEYSTORE_UNSUPPORTED. Initialises BLS (default backend) if nothing is active.
 */
export async function decryptBlsKeystore(json: string | object, password: string): Promise<BlsKeyPair> {
  const ks = parseJson(json);
  const crypto = record(ks.crypto ?? ks.Crypto, 'crypto');
  const expectedPub = parsePubKey(ks.pubKey);
  if (crypto.cipher !== 'aes-128-ctr') {
    throw keystoreError(KeystoreErrorCode.Unsupported, `Unsupported BLS keystore: cipher "${String(crypto.cipher)}" (supported: aes-128-ctr)`, {
      cipher: String(crypto.cipher),
    });
  }
  const ciphertext = hexField(crypto.ciphertext, 'crypto.ciphertext');
  const iv = hexField(record(crypto.cipherparams, 'crypto.cipherparams').iv, 'crypto.cipherparams.iv', 16);
  const mac = hexField(crypto.mac, 'crypto.mac', 32);
  const params = record(crypto.kdfparams, 'crypto.kdfparams');
  if (typeof password !== 'string') throw keystoreError(KeystoreErrorCode.WrongPassword, 'BLS keystore password must be a string');

  const derivedKey = await deriveKey(crypto.kdf, params, Buffer.from(password, 'utf8'));
  try {
    if (!timingSafeEqual(macOf(derivedKey, ciphertext), mac)) {
      throw keystoreError(KeystoreErrorCode.WrongPassword, 'Could not decrypt the BLS keystore: wrong password (MAC mismatch)');
    }
    const decipher = createDecipheriv('aes-128-ctr', derivedKey.subarray(0, 16), iv);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    try {
      if (plain.length !== 32) throw corrupt('the decrypted secret key is not 32 bytes', { length: plain.length });
      let sk: BlsSecretKey;
      try {
        sk = BlsSecretKey.fromBytes(plain);
      } catch (cause) {
        throw corrupt('the decrypted secret key is not a scalar in [1, r)', {}, cause);
      }
      await ensureBls();
      const kp = blsKeyPairFromSecretKey(sk);
      const [x, y] = kp.publicKeyG1.toSolidity();
      if (x !== expectedPub[0] || y !== expectedPub[1]) throw corrupt('pubKey does not match the public key derived from the secret key', { field: 'pubKey' });
      return kp;
    } finally {
      plain.fill(0);
    }
  } finally {
    derivedKey.fill(0);
  }
}

/** Reads and decrypts a BLS keystore file. Errors as {@link decryptBlsKeystore}, plus ERR_KEYSTORE_IO. */
export async function readBlsKeystore(path: string, password: string): Promise<BlsKeyPair> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw keystoreError(KeystoreErrorCode.Io, `Cannot read the BLS keystore at ${path}`, { path }, cause);
  }
  return decryptBlsKeystore(text, password);
}

/** Encrypts a secret key into eigensdk-go's keystore JSON (scrypt N=262144, r=8, p=1 unless overridden). */
export async function encryptBlsKeystore(secretKey: BlsSecretKey, password: string, options: EncryptBlsKeystoreOptions = {}): Promise<BlsKeystoreJson> {
  const n = options.scryptN ?? BLS_KEYSTORE_SCRYPT_N;
  const p = options.scryptP ?? 1;
  if (!Number.isSafeInteger(n) || n < 2 || (n & (n - 1)) !== 0 || !Number.isSafeInteger(p) || p < 1 || 128 * n * SCRYPT_R * p > MAX_SCRYPT_MEMORY) {
    throw keystoreError(KeystoreErrorCode.Unsupported, 'scryptN must be a power of two ≥ 2 and scryptP ≥ 1 (memory ≤ 1 GiB)', { n, p });
  }
  const salt = Buffer.from(options.salt ?? randomBytes(32));
  const iv = Buffer.from(options.iv ?? randomBytes(16));
  if (iv.length !== 16) throw keystoreError(KeystoreErrorCode.Unsupported, 'iv must be 16 bytes', { length: iv.length });
  await ensureBls();
  const kp = blsKeyPairFromSecretKey(secretKey);
  const derivedKey = await scryptAsync(Buffer.from(password, 'utf8'), salt, n, SCRYPT_R, p, DKLEN);
  const plain = Buffer.from(secretKey.toBytes());
  try {
    const cipher = createCipheriv('aes-128-ctr', derivedKey.subarray(0, 16), iv);
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      pubKey: formatPubKey(kp),
      crypto: {
        cipher: 'aes-128-ctr',
        ciphertext: ciphertext.toString('hex'),
        cipherparams: { iv: iv.toString('hex') },
        kdf: 'scrypt',
        kdfparams: { dklen: DKLEN, n, p, r: SCRYPT_R, salt: salt.toString('hex') },
        mac: macOf(derivedKey, ciphertext).toString('hex'),
      },
    };
  } finally {
    plain.fill(0);
    derivedKey.fill(0);
  }
}

/**
 * Encrypts and writes a keystore file with mode 0600 from creation (a temp file in the same
 * directory, opened O_CREAT|O_EXCL with 0600, fsynced, then linked or renamed into place), so the
 * key is never world-readable. Refuses to replace an existing file unless `overwrite`.
 */
export async function writeBlsKeystore(path: string, secretKey: BlsSecretKey, password: string, options: WriteBlsKeystoreOptions = {}): Promise<void> {
  const json = JSON.stringify(await encryptBlsKeystore(secretKey, password, options));
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.chmod(0o600); // exact mode whatever the umask
      await fh.writeFile(json, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.overwrite === true) {
      await rename(tmp, path);
    } else {
      try {
        await link(tmp, path);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
          throw keystoreError(KeystoreErrorCode.Exists, `A file already exists at ${path}; pass { overwrite: true } to replace it`, { path }, cause);
        }
        throw cause;
      }
      await unlink(tmp);
    }
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    if (cause instanceof AioracleError) throw cause;
    throw keystoreError(KeystoreErrorCode.Io, `Cannot write the BLS keystore at ${path}`, { path }, cause);
  }
}
