/**
 * BLS keystores in eigensdk-go's format (docs/keystore.md). Every export carries its doc comment
 * at its definition.
 */
export { KeystoreErrorCode } from './errors.js';
export {
  BLS_KEYSTORE_SCRYPT_N,
  decryptBlsKeystore,
  readBlsKeystore,
  encryptBlsKeystore,
  writeBlsKeystore,
  formatPubKey,
  type BlsKeystoreJson,
  type EncryptBlsKeystoreOptions,
  type WriteBlsKeystoreOptions,
} from './blsKeystore.js';
export { readEcdsaKeystore, readEcdsaKeystoreSync, readPasswordFile } from './ecdsaKeystore.js';
