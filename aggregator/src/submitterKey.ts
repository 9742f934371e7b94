/**
 * Loads the submitter's ECDSA key from an encrypted JSON keystore and a password read from a file
 * or an environment variable. The key and the password never reach logs, errors or the CLI.
 */
import { readEcdsaKeystore, readPasswordFile } from '@aioracle/sdk';
import { AggErrorCode, aggError } from './errors.js';

/** Where the key and its password come from. */
export interface SubmitterKeySource {
  keystoreFile: string;
  passwordFile?: string | undefined;
  passwordEnv: string;
}

/** Decrypts the submitter keystore; returns the private key (0x-hex). */
export async function loadSubmitterKey(src: SubmitterKeySource, env: Record<string, string | undefined> = process.env): Promise<string> {
  const asKeystoreError = (err: unknown): Error => aggError(AggErrorCode.Keystore, `Submitter key: ${(err as Error).message}`, { cause: err });
  let password: string | undefined;
  try {
    password = src.passwordFile !== undefined ? readPasswordFile(src.passwordFile) : env[src.passwordEnv];
  } catch (err) {
    throw asKeystoreError(err);
  }
  if (password === undefined) {
    throw aggError(AggErrorCode.Keystore, `No submitter password: set submitter.password_file or the ${src.passwordEnv} environment variable`);
  }
  try {
    return await readEcdsaKeystore(src.keystoreFile, password);
  } catch (err) {
    throw asKeystoreError(err);
  }
}
