export * from './retry.js';
export * from './shutdown.js';
