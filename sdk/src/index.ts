/**
 * @aioracle/sdk: the protocol core every other package builds on.
 * Each area lives in its own folder and is re-exported here.
 */
export * from './errors.js';
