/**
 * The operator's BLS key files: eigensdk-go keystores named `<name>.bls.key.json` in a keys
 * directory (default ~/.aioracle/keys), written 0600 by the sdk. Listing needs no password (the
 * file carries pkG1, which gives the operatorId); showing pkG2 decrypts the key.
 */
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  BlsSecretKey,
  g1FromSolidity,
  initBls,
  blsBackendName,
  operatorIdFromPublicKey,
  readBlsKeystore,
  writeBlsKeystore,
  type BlsKeyPair,
  type WriteBlsKeystoreOptions,
  blsKeyPairFromSecretKey,
} from '@aioracle/sdk';
import { OperatorErrorCode, operatorError } from './errors.js';

/** Default keys directory. */
export function defaultKeysDir(): string {
  return join(homedir(), '.aioracle', 'keys');
}

/** Path of key `name` in `dir`. */
export function keyPath(dir: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw operatorError(OperatorErrorCode.Usage, `Key name "${name}" must be 1-64 characters of [A-Za-z0-9._-]`);
  return join(dir, `${name}.bls.key.json`);
}

/** The public view of a key (what `keys show --json` prints). */
export interface KeyInfo {
  name?: string;
  file: string;
  operatorId: string;
  /** [x, y] decimal strings. */
  pubkeyG1: [string, string];
  /** [[x_imag, x_real], [y_imag, y_real]] decimal strings (EIP-197 order). */
  pubkeyG2?: [[string, string], [string, string]];
}

async function ensure(): Promise<void> {
  if (blsBackendName() === null) await initBls();
}

/** Parses a BLS private key: 0x-hex (32 bytes) or a decimal scalar (as the eigenlayer CLI prints it). */
export function parseBlsPrivateKey(text: string): BlsSecretKey {
  const t = text.trim();
  try {
    if (/^0x[0-9a-fA-F]{1,64}$/.test(t)) return BlsSecretKey.fromBigInt(BigInt(t));
    if (/^[0-9]{1,80}$/.test(t)) return BlsSecretKey.fromBigInt(BigInt(t));
  } catch (cause) {
    throw operatorError(OperatorErrorCode.Usage, 'The BLS private key is not a scalar in [1, r)', { cause });
  }
  throw operatorError(OperatorErrorCode.Usage, 'The private key file must hold the BLS private key as 0x-hex or a decimal number');
}

/** Writes a new key file; refuses to overwrite. */
export async function saveKey(dir: string, name: string, sk: BlsSecretKey, password: string, opts: WriteBlsKeystoreOptions = {}): Promise<KeyInfo> {
  await ensure();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = keyPath(dir, name);
  if (existsSync(file)) throw operatorError(OperatorErrorCode.KeyExists, `Key "${name}" already exists at ${file}`);
  await writeBlsKeystore(file, sk, password, opts);
  return keyInfo(blsKeyPairFromSecretKey(sk), file, name);
}

/** Public info of a decrypted key pair. */
export function keyInfo(kp: BlsKeyPair, file: string, name?: string): KeyInfo {
  const [[x0, x1], [y0, y1]] = kp.publicKeyG2.toSolidity() as unknown as [[bigint, bigint], [bigint, bigint]];
  return {
    ...(name !== undefined ? { name } : {}),
    file,
    operatorId: operatorIdFromPublicKey(kp.publicKeyG1),
    pubkeyG1: kp.publicKeyG1.toSolidityStrings(),
    pubkeyG2: [
      [x0.toString(), x1.toString()],
      [y0.toString(), y1.toString()],
    ],
  };
}

/** Public info from the file alone (pkG1 from `pubKey`; no password). */
export async function keyInfoFromFile(file: string, name?: string): Promise<KeyInfo> {
  await ensure();
  let pub: string;
  try {
    pub = (JSON.parse(readFileSync(file, 'utf8')) as { pubKey?: string }).pubKey ?? '';
  } catch (cause) {
    throw operatorError(OperatorErrorCode.KeyNotFound, `Cannot read the key file ${file}`, { cause });
  }
  const m = /^E\(\[([0-9]+),([0-9]+)\]\)$/.exec(pub);
  if (!m) throw operatorError(OperatorErrorCode.KeyNotFound, `${file} is not a BLS keystore (no pubKey "E([x,y])")`);
  const g1 = g1FromSolidity([m[1]!, m[2]!]);
  return { ...(name !== undefined ? { name } : {}), file, operatorId: operatorIdFromPublicKey(g1), pubkeyG1: g1.toSolidityStrings() };
}

/** Every key in `dir`. */
export async function listKeys(dir: string): Promise<KeyInfo[]> {
  if (!existsSync(dir)) return [];
  const out: KeyInfo[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.bls.key.json')).sort()) {
    out.push(await keyInfoFromFile(join(dir, f), f.slice(0, -'.bls.key.json'.length)));
  }
  return out;
}

/** Decrypts a key file. */
export async function loadKey(file: string, password: string): Promise<BlsKeyPair> {
  await ensure();
  if (!existsSync(file)) throw operatorError(OperatorErrorCode.KeyNotFound, `No key file at ${file}`);
  return readBlsKeystore(file, password);
}
