// eigensdk-go BLS keystores: the real fixture, typed errors, and write → read round trips.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlsSecretKey, blsKeyPairFromSecretKey, initBls } from '../../src/bls/index.js';
import { BLS_KEYSTORE_SCRYPT_N, decryptBlsKeystore, encryptBlsKeystore, readBlsKeystore, writeBlsKeystore } from '../../src/keystore/index.js';
import { isAioracleError } from '../../src/errors.js';

const FIXTURE = new URL('../../../../shared/fixtures/eigensdk-go/test.bls.key.json', import.meta.url).pathname;
const FAST = { scryptN: 1024 };
const code = (c: string) => expect.objectContaining({ code: c });

let dir: string;
beforeAll(async () => {
  await initBls();
  dir = mkdtempSync(join(tmpdir(), 'aioracle-keystore-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('eigensdk-go fixture', () => {
  // The fixture uses the real scrypt n = 262144 (about 1 s on an idle core); both decryptions run
  // at once in libuv's pool.
  it('loads with password "test" (derived G1 = its pubKey; same shape as we write); a wrong password is ERR_KEYSTORE_WRONG_PASSWORD', async () => {
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { pubKey: string; crypto: Record<string, unknown> };
    expect(Object.keys(json)).toEqual(['pubKey', 'crypto']);
    const [kp, err] = await Promise.all([readBlsKeystore(FIXTURE, 'test'), readBlsKeystore(FIXTURE, 'hunter2-not-it').catch((e: unknown) => e)]);
    const [x, y] = kp.publicKeyG1.toSolidityStrings();
    expect(json.pubKey).toBe(`E([${x},${y}])`);
    expect(err).toEqual(code('ERR_KEYSTORE_WRONG_PASSWORD'));
    expect(JSON.stringify(err) + String(err)).not.toContain('hunter2');
    const mine = await encryptBlsKeystore(kp.secretKey, 'test', FAST);
    expect(Object.keys(mine)).toEqual(Object.keys(json));
    expect(Object.keys(mine.crypto)).toEqual(Object.keys(json.crypto));
    expect(Object.keys(mine.crypto.kdfparams)).toEqual(Object.keys(json.crypto.kdfparams as object));
    expect(mine.pubKey).toBe(json.pubKey);
  }, 180_000);
});

describe('round trip', () => {
  it('encrypt → decrypt gives the same key (default scrypt n is eigensdk-go\'s 262144)', async () => {
    expect(BLS_KEYSTORE_SCRYPT_N).toBe(262144);
    const sk = BlsSecretKey.random();
    const ks = await encryptBlsKeystore(sk, 'pässwörd', FAST);
    expect(ks.crypto.kdfparams).toMatchObject({ dklen: 32, n: 1024, p: 1, r: 8 });
    expect(ks.crypto.ciphertext).toHaveLength(64);
    expect(JSON.stringify(ks)).not.toContain(Buffer.from(sk.toBytes()).toString('hex'));
    const kp = await decryptBlsKeystore(JSON.stringify(ks), 'pässwörd');
    expect(kp.secretKey.toBigInt()).toBe(sk.toBigInt());
    expect(kp.publicKeyG2.equals(blsKeyPairFromSecretKey(sk).publicKeyG2)).toBe(true);
    await expect(decryptBlsKeystore(ks, 'passwörd')).rejects.toEqual(code('ERR_KEYSTORE_WRONG_PASSWORD'));
  });

  it('is deterministic for a fixed salt and iv', async () => {
    const sk = BlsSecretKey.fromBigInt(69n);
    const opts = { ...FAST, salt: new Uint8Array(32).fill(1), iv: new Uint8Array(16).fill(2) };
    expect(await encryptBlsKeystore(sk, 'x', opts)).toEqual(await encryptBlsKeystore(sk, 'x', opts));
  });

  it('writes a file with mode 0600 that reads back; refuses to overwrite unless asked', async () => {
    const path = join(dir, 'op.bls.key.json');
    const sk = BlsSecretKey.random();
    await writeBlsKeystore(path, sk, 'pw', FAST);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await readBlsKeystore(path, 'pw')).secretKey.toBigInt()).toBe(sk.toBigInt());
    await expect(writeBlsKeystore(path, BlsSecretKey.random(), 'pw', FAST)).rejects.toEqual(code('ERR_KEYSTORE_EXISTS'));
    expect((await readBlsKeystore(path, 'pw')).secretKey.toBigInt()).toBe(sk.toBigInt());
    const sk2 = BlsSecretKey.random();
    await writeBlsKeystore(path, sk2, 'pw', { ...FAST, overwrite: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await readBlsKeystore(path, 'pw')).secretKey.toBigInt()).toBe(sk2.toBigInt());
    const oldUmask = process.umask(0);
    try {
      const p2 = join(dir, 'umask0.json');
      await writeBlsKeystore(p2, sk, 'pw', FAST);
      expect(statSync(p2).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(oldUmask);
    }
    await expect(writeBlsKeystore(join(dir, 'no/such/dir/k.json'), sk, 'pw', FAST)).rejects.toEqual(code('ERR_KEYSTORE_IO'));
    await expect(readBlsKeystore(join(dir, 'missing.json'), 'pw')).rejects.toEqual(code('ERR_KEYSTORE_IO'));
  });
});

describe('corrupt and unsupported keystores', () => {
  let good: Record<string, unknown> & { crypto: Record<string, unknown> };
  const sk = BlsSecretKey.fromBigInt(123456789n);
  beforeAll(async () => {
    good = JSON.parse(JSON.stringify(await encryptBlsKeystore(sk, 'pw', FAST))) as typeof good;
  });
  const mutate = (f: (k: typeof good) => void): typeof good => {
    const k = JSON.parse(JSON.stringify(good)) as typeof good;
    f(k);
    return k;
  };

  it.each<[string, string | ((k: Record<string, unknown> & { crypto: Record<string, unknown> }) => void), string]>([
    ['not JSON', '{"pubKey":', 'ERR_KEYSTORE_CORRUPT'],
    ['JSON array', '[]', 'ERR_KEYSTORE_CORRUPT'],
    ['no crypto', (k) => delete (k as { crypto?: unknown }).crypto, 'ERR_KEYSTORE_CORRUPT'],
    ['no pubKey', (k) => delete k.pubKey, 'ERR_KEYSTORE_CORRUPT'],
    ['bad pubKey syntax', (k) => (k.pubKey = 'E([1;2])'), 'ERR_KEYSTORE_CORRUPT'],
    ['pubKey of another key', (k) => (k.pubKey = 'E([1,2])'), 'ERR_KEYSTORE_CORRUPT'],
    ['non-hex ciphertext', (k) => (k.crypto.ciphertext = 'zz'), 'ERR_KEYSTORE_CORRUPT'],
    ['short iv', (k) => ((k.crypto.cipherparams as { iv: string }).iv = 'abcd'), 'ERR_KEYSTORE_CORRUPT'],
    ['short mac', (k) => (k.crypto.mac = 'abcd'), 'ERR_KEYSTORE_CORRUPT'],
    ['n not a number', (k) => ((k.crypto.kdfparams as Record<string, unknown>).n = '1024'), 'ERR_KEYSTORE_CORRUPT'],
    ['n not a power of two', (k) => ((k.crypto.kdfparams as Record<string, unknown>).n = 1000), 'ERR_KEYSTORE_CORRUPT'],
    // flip the first byte (overwriting it with a constant was a no-op for 1 keystore in 256)
    ['tampered ciphertext', (k) => (k.crypto.ciphertext = `${(parseInt(String(k.crypto.ciphertext).slice(0, 2), 16) ^ 0xff).toString(16).padStart(2, '0')}${String(k.crypto.ciphertext).slice(2)}`), 'ERR_KEYSTORE_WRONG_PASSWORD'],
    ['unknown cipher', (k) => (k.crypto.cipher = 'aes-256-gcm'), 'ERR_KEYSTORE_UNSUPPORTED'],
    ['unknown kdf', (k) => (k.crypto.kdf = 'argon2id'), 'ERR_KEYSTORE_UNSUPPORTED'],
    ['huge scrypt n', (k) => ((k.crypto.kdfparams as Record<string, unknown>).n = 2 ** 30), 'ERR_KEYSTORE_UNSUPPORTED'],
  ])('%s → %s', async (_name, change, expected) => {
    const input = typeof change === 'string' ? change : mutate(change);
    const err = await decryptBlsKeystore(input, 'pw').catch((e: unknown) => e);
    expect(isAioracleError(err) ? err.code : err).toBe(expected);
    expect(JSON.stringify(err) + String((err as Error).message)).not.toMatch(/123456789|"pw"/);
  });

  it('a file with garbage is ERR_KEYSTORE_CORRUPT', async () => {
    const path = join(dir, 'garbage.json');
    writeFileSync(path, 'not a keystore', { mode: 0o600 });
    await expect(readBlsKeystore(path, 'pw')).rejects.toEqual(code('ERR_KEYSTORE_CORRUPT'));
  });

  it('a valid MAC over a plaintext that is not a scalar in [1, r) is ERR_KEYSTORE_CORRUPT', async () => {
    // Build by hand: encrypt 32 zero bytes with the same construction.
    const { createCipheriv, scryptSync } = await import('node:crypto');
    const { keccak_256 } = await import('@noble/hashes/sha3.js');
    const salt = Buffer.alloc(32, 3);
    const iv = Buffer.alloc(16, 4);
    const dk = scryptSync('pw', salt, 32, { N: 1024, r: 8, p: 1 });
    const c = createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv);
    const ct = Buffer.concat([c.update(Buffer.alloc(32)), c.final()]);
    const mac = Buffer.from(keccak_256(Buffer.concat([dk.subarray(16, 32), ct]))).toString('hex');
    const ks = { ...good, crypto: { ...good.crypto, ciphertext: ct.toString('hex'), cipherparams: { iv: iv.toString('hex') }, kdfparams: { dklen: 32, n: 1024, p: 1, r: 8, salt: salt.toString('hex') }, mac } };
    await expect(decryptBlsKeystore(ks, 'pw')).rejects.toEqual(code('ERR_KEYSTORE_CORRUPT'));
  });
});
