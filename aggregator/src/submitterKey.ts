/**
 * Loads the submitter's ECDSA key from an encrypted JSON keystore and a password read from a file
 * or an environment variable. The key and the password never reach logs, errors or the CLI.
 */
import { readFileSync } from 'node:fs';
import { Wallet } from 'ethers';
import { AggErrorCode, aggError } from './errors.js';

/** Where the key and its password come from. */
export interface SubmitterKeySource {
  keystoreFile: string;
  passwordFile?: string | undefined;
  passwordEnv: string;
}

/** Decrypts the submitter keystore; returns the private key (0x-hex). */
export async function loadSubmitterKey(src: SubmitterKeySource, env: Record<string, string | undefined> = process.env): Promise<string> {
  let json: string;
  try {
    json = readFileSync(src.keystoreFile, 'utf8');
  } catch (cause) {
    throw aggError(AggErrorCode.Keystore, `Cannot read the submitter keystore ${src.keystoreFile}`, { cause });
  }
  let password: string | undefined;
  if (src.passwordFile !== undefined) {
    try {
      password = readFileSync(src.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (cause) {
      throw aggError(AggErrorCode.Keystore, `Cannot read the submitter password file ${src.passwordFile}`, { cause });
    }
  } else password = env[src.passwordEnv];
  if (password === undefined) {
    throw aggError(AggErrorCode.Keystore, `No submitter password: set submitter.password_file or the ${src.passwordEnv} environment variable`);
  }
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return w.privateKey;
  } catch {
    // The cause is dropped on purpose: ethers' messages can echo keystore fields.
    throw aggError(AggErrorCode.Keystore, `Cannot decrypt the submitter keystore ${src.keystoreFile}: wrong password or not a keystore`);
  }
}
