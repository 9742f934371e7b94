export * from './provider.js';
export * from './txSender.js';
