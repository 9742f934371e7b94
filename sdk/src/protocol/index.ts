/** Protocol core: the task and its hash, the response digest, content hashes, profiles, constants (docs/protocol.md). */
export * from './hex.js';
export * from './constants.js';
export * from './profile.js';
export * from './hashes.js';
export * from './task.js';
export * from './digest.js';
export * from './batch.js';
export * from './validation.js';
