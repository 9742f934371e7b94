/**
 * Parsing, hashing and reading model manifests. `parseManifest` is the only way in from untrusted
 * text or objects; `manifestHash` is what the ModelRegistry stores.
 */
import { keccak256 } from 'ethers';
import { z } from 'zod';
import { AioracleError } from '../errors.js';
import { formatZodError, zodIssueDetails } from '../protocol/validation.js';
import { modelIdFor } from '../protocol/hashes.js';
import { profileId } from '../protocol/profile.js';
import type { Bytes32 } from '../protocol/hex.js';
import { canonicalJson, canonicalJsonBytes } from './canonicalJson.js';
import { manifestSchema, type Manifest } from './schema.js';

/** Error code for a manifest that is not JSON or breaks a rule. */
export const ERR_MANIFEST_INVALID = 'ERR_MANIFEST_INVALID';

/**
 * Validates a manifest given as JSON text or as a parsed object. Throws ERR_MANIFEST_INVALID with a
 * message naming every bad field and what it allows ("Validation failed: outputs[0].encoding must
 * be one of ..."). The result is a fresh object; the input is not modified.
 */
export function parseManifest(input: unknown): Manifest {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (cause) {
      throw new AioracleError(ERR_MANIFEST_INVALID, `Manifest is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  } else if (input instanceof Uint8Array) {
    return parseManifest(new TextDecoder('utf-8', { fatal: false }).decode(input));
  }
  const res = manifestSchema.safeParse(value);
  if (!res.success) {
    throw new AioracleError(ERR_MANIFEST_INVALID, formatZodError(res.error), {
      cause: res.error,
      details: { issues: zodIssueDetails(res.error) },
    });
  }
  return res.data;
}

/** True when `input` is a valid manifest (no throw). */
export function isValidManifest(input: unknown): input is Manifest {
  return manifestSchema.safeParse(input).success;
}

/**
 * The canonical JSON of a validated manifest (manifest.md): sorted keys, no whitespace, absent
 * optional fields omitted. Validate first: hashing an unvalidated object would hash junk.
 */
export function canonicalManifestJson(manifest: Manifest): string {
  return canonicalJson(manifest);
}

/** keccak256 of the canonical manifest's UTF-8 bytes: the ModelRegistry's `manifestHash`. */
export function manifestHash(manifest: Manifest): Bytes32 {
  return keccak256(canonicalJsonBytes(manifest)) as Bytes32;
}

/** The conventional model id of a manifest: keccak256(utf8(name + "@" + version)). */
export function manifestModelId(manifest: Manifest): Bytes32 {
  return modelIdFor(manifest.name, manifest.version);
}

/** The manifest's profile as the ModelRegistry's uint8. */
export function manifestProfileId(manifest: Manifest): number {
  return profileId(manifest.profile);
}

/** What the ModelRegistry stores for a manifest (besides uri, slashWad and active). */
export interface ModelRegistration {
  /** Conventional model id (modelIdFor). */
  modelId: Bytes32;
  /** keccak256 of the canonical manifest. */
  manifestHash: Bytes32;
  /** sha256 of the ONNX file, as bytes32. */
  onnxHash: Bytes32;
  /** Profile as uint8. */
  profile: number;
  /** uint32 tolerance in int32 output units. */
  tolerance: number;
  /** Fee in wei. */
  fee: bigint;
}

/** The on-chain registration fields derived from a manifest. */
export function modelRegistration(manifest: Manifest): ModelRegistration {
  return {
    modelId: manifestModelId(manifest),
    manifestHash: manifestHash(manifest),
    onnxHash: manifest.onnx.sha256 as Bytes32,
    profile: profileId(manifest.profile),
    tolerance: manifest.tolerance,
    fee: BigInt(manifest.fee),
  };
}

/**
 * onnxruntime `InferenceSession.create` options pinned by the manifest: the optimisation level, the
 * thread count when set, sequential execution, and the session config entries as `extra` (nested by
 * dots, the form both onnxruntime-node and onnxruntime-web flatten back to "a.b" keys).
 */
export function ortSessionOptions(manifest: Manifest): {
  graphOptimizationLevel: Manifest['runtime']['graphOptimizationLevel'];
  executionMode: 'sequential';
  intraOpNumThreads?: number;
  extra?: Record<string, unknown>;
} {
  const out: ReturnType<typeof ortSessionOptions> = {
    graphOptimizationLevel: manifest.runtime.graphOptimizationLevel,
    executionMode: 'sequential',
  };
  if (manifest.runtime.intraOpNumThreads !== undefined) out.intraOpNumThreads = manifest.runtime.intraOpNumThreads;
  const entries = Object.entries(manifest.runtime.sessionConfig ?? {});
  if (entries.length > 0) {
    const extra: Record<string, unknown> = {};
    for (const [key, value] of entries) {
      const parts = key.split('.');
      let node = extra;
      for (const part of parts.slice(0, -1)) {
        const next = node[part];
        node = (typeof next === 'object' && next !== null ? next : (node[part] = {})) as Record<string, unknown>;
      }
      node[parts[parts.length - 1] as string] = value;
    }
    out.extra = extra;
  }
  return out;
}

/** The JSON Schema of the manifest's field types (for editors; cross-field rules are prose in manifest.md). */
export function manifestJsonSchema(): unknown {
  return z.toJSONSchema(manifestSchema, { unrepresentable: 'any', io: 'input' });
}
