/**
 * Backend selection. The BLS functions are synchronous and use one active backend per process;
 * `await initBls()` chooses it (mcl by default) and must run before the first BLS call, which
 * otherwise throws ERR_BLS_NOT_INITIALIZED. Calling it again is cheap; naming another backend
 * switches to it (points made under the previous one keep working and are converted on use).
 * Async entry points (the keystore) call `initBls()` themselves when nothing is active.
 */
import type { BlsBackend, BlsBackendName } from './backend.js';
import { BlsErrorCode, blsError } from './errors.js';
import { createMclBackend } from './mclBackend.js';
import { createNobleBackend } from './nobleBackend.js';

/** Options of {@link initBls}. */
export interface InitBlsOptions {
  /** 'mcl' (default; mcl-wasm, fast) or 'noble' (@noble/curves, pure JS reference). */
  backend?: BlsBackendName;
}

let active: BlsBackend | undefined;
const loading = new Map<BlsBackendName, Promise<BlsBackend>>();

function load(name: BlsBackendName): Promise<BlsBackend> {
  let p = loading.get(name);
  if (p === undefined) {
    p =
      name === 'noble'
        ? Promise.resolve(createNobleBackend())
        : createMclBackend().catch((cause: unknown) => {
            loading.delete(name);
            throw blsError(BlsErrorCode.BackendUnavailable, 'mcl-wasm could not be initialised; use initBls({ backend: "noble" }) or check the mcl-wasm install', {}, cause);
          });
    loading.set(name, p);
  }
  return p;
}

/**
 * Initialises the BLS module (idempotent) and makes `backend` the active one.
 * @example
 * await initBls();                      // mcl-wasm
 * await initBls({ backend: 'noble' });  // pure JS reference
 */
export async function initBls(options: InitBlsOptions = {}): Promise<BlsBackendName> {
  const name = options.backend ?? 'mcl';
  if (name !== 'mcl' && name !== 'noble') {
    throw blsError(BlsErrorCode.InvalidArgument, `Unknown BLS backend "${String(name)}"; allowed: "mcl", "noble"`, { backend: String(name) });
  }
  active = await load(name);
  return name;
}

/** Initialises the default backend only when none is active (for async entry points). */
export async function ensureBls(): Promise<void> {
  if (active === undefined) await initBls();
}

/** Name of the active backend, or null before {@link initBls}. */
export function blsBackendName(): BlsBackendName | null {
  return active?.name ?? null;
}

/** The active backend; throws ERR_BLS_NOT_INITIALIZED before {@link initBls}. (internal) */
export function backend(): BlsBackend {
  if (active === undefined) {
    throw blsError(BlsErrorCode.NotInitialized, 'BLS is not initialised: call `await initBls()` once at start-up before any BLS function');
  }
  return active;
}

/** A loaded backend by name without changing the active one (for cross-backend tests). (internal) */
export function loadBackend(name: BlsBackendName): Promise<BlsBackend> {
  return load(name);
}
