/**
 * ECDSA keys in Web3 Secret Storage v3 keystores (geth / eigenlayer-cli), and password files, as
 * every process that sends transactions reads them: the operator's registration key, the
 * aggregator's submitter, the deployer and the client CLI. Errors never carry the key, the
 * password or ethers' message (which can echo keystore fields).
 */
import { readFileSync } from 'node:fs';
import { Wallet } from 'ethers';
import { KeystoreErrorCode, keystoreError } from './errors.js';

/** The password in `path`: its first line (a trailing CR is dropped). ERR_KEYSTORE_IO when unreadable. */
export function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (cause) {
    throw keystoreError(KeystoreErrorCode.Io, `Cannot read the password file ${path}`, { path }, cause);
  }
}

function readKeystoreText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw keystoreError(KeystoreErrorCode.Io, `Cannot read the keystore ${path}`, { path }, cause);
  }
}

function undecryptable(path: string): Error {
  // The cause is dropped on purpose: ethers' messages can echo keystore fields.
  return keystoreError(KeystoreErrorCode.WrongPassword, `Cannot decrypt the keystore ${path}: wrong password or not an Ethereum JSON keystore`, { path });
}

/**
 * Decrypts the ECDSA keystore at `path` and returns its private key (0x-hex).
 * ERR_KEYSTORE_IO when the file is unreadable, ERR_KEYSTORE_WRONG_PASSWORD when it does not decrypt
 * (wrong password, or not an Ethereum JSON keystore).
 * @example const key = await readEcdsaKeystore('submitter.json', readPasswordFile('submitter.pass'));
 */
export async function readEcdsaKeystore(path: string, password: string): Promise<string> {
  const json = readKeystoreText(path);
  try {
    return (await Wallet.fromEncryptedJson(json, password)).privateKey;
  } catch {
    throw undecryptable(path);
  }
}

/** {@link readEcdsaKeystore}, blocking (for command-line checks made before anything connects). */
export function readEcdsaKeystoreSync(path: string, password: string): string {
  const json = readKeystoreText(path);
  try {
    return Wallet.fromEncryptedJsonSync(json, password).privateKey;
  } catch {
    throw undecryptable(path);
  }
}
