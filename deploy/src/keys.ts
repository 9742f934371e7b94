/**
 * Where the CLI gets the deployer's ECDSA key: a file (a 0x-hex private key, or an Ethereum JSON
 * keystore whose password comes from AIORACLE_DEPLOYER_PASSWORD), or the AIORACLE_DEPLOYER_KEY
 * environment variable. Never from the command line, never logged.
 */
import { readFileSync, statSync } from 'node:fs';
import { AioracleError } from '@aioracle/sdk';
import { Wallet, isHexString } from 'ethers';

/** Env var holding the deployer key (0x-hex). */
export const DEPLOYER_KEY_ENV = 'AIORACLE_DEPLOYER_KEY';
/** Env var holding the password of a JSON keystore given with --key-file. */
export const DEPLOYER_PASSWORD_ENV = 'AIORACLE_DEPLOYER_PASSWORD';

/** Options of {@link loadDeployerKey}. */
export interface LoadDeployerKeyOptions {
  /** Path of a key file (hex) or JSON keystore. */
  keyFile?: string | undefined;
  env?: Record<string, string | undefined>;
}

function checkHexKey(v: string, where: string): string {
  const key = v.trim();
  if (!isHexString(key, 32)) throw new AioracleError('ERR_DEPLOY_KEY_INVALID', `The deployer key in ${where} is not a 0x-prefixed 32-byte hex private key`);
  return key;
}

/**
 * Returns the deployer private key. ERR_DEPLOY_KEY_MISSING when neither source is set,
 * ERR_DEPLOY_KEY_INVALID when it does not parse (the message never contains the key).
 */
export async function loadDeployerKey(opts: LoadDeployerKeyOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  if (opts.keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.keyFile, 'utf8');
    } catch (cause) {
      throw new AioracleError('ERR_DEPLOY_KEY_MISSING', `Cannot read the key file ${opts.keyFile}`, { cause });
    }
    if ((statSync(opts.keyFile).mode & 0o077) !== 0) process.emitWarning(`${opts.keyFile} is readable by group/others; chmod 600 it`);
    if (text.trim().startsWith('{')) {
      const password = env[DEPLOYER_PASSWORD_ENV];
      if (password === undefined) throw new AioracleError('ERR_DEPLOY_KEY_MISSING', `${opts.keyFile} is a JSON keystore: set ${DEPLOYER_PASSWORD_ENV} to its password`);
      try {
        return (await Wallet.fromEncryptedJson(text, password)).privateKey;
      } catch (cause) {
        throw new AioracleError('ERR_DEPLOY_KEY_INVALID', `Cannot decrypt the keystore ${opts.keyFile}: wrong password or not an Ethereum keystore`, { cause });
      }
    }
    return checkHexKey(text, opts.keyFile);
  }
  const fromEnv = env[DEPLOYER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return checkHexKey(fromEnv, DEPLOYER_KEY_ENV);
  throw new AioracleError('ERR_DEPLOY_KEY_MISSING', `No deployer key: pass --key-file <path> (hex key or JSON keystore) or set ${DEPLOYER_KEY_ENV}`);
}
