/** Re-exports the few library functions the bench uses (keeps its import list short). */
export { generateBlsKeyPair, initBls } from '@aioracle/sdk';
export { getBytes } from 'ethers';
