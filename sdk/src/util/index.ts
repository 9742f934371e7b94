export * from './retry.js';
export * from './shutdown.js';
export * from './worker.js';
export * from './refreshing.js';
export * from './net.js';
export * from './keccak.js';
