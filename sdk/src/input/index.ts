/** Inputs by reference: carriers, blob payloads, fetching with caps and hash checks, KZG for requesters. */
export * from './errors.js';
export * from './reference.js';
export * from './blobPayload.js';
export * from './fetchUri.js';
export * from './blobSource.js';
export * from './inputResolver.js';
export * from './kzg.js';
export * from './sendRequest.js';
