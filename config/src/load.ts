/**
 * One way to build a process's configuration: defaults (in the zod schema) < YAML file < env
 * (`AIORACLE_*`) < CLI overrides. The schema is the single source of types, defaults and docs; every
 * problem is reported at once, at start-up, naming the field.
 *
 * Env mapping: `AIORACLE_ETH_RPC_URL` → `eth_rpc_url`; a double underscore nests:
 * `AIORACLE_REDIS__URL` → `redis.url`. Values are parsed as JSON when they parse (numbers, booleans,
 * arrays), otherwise taken as strings. Only variables that name a field of the schema are applied,
 * so unrelated `AIORACLE_*` variables (e.g. a keystore password) never leak into the config.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AioracleError } from '@aioracle/sdk';

export const CONFIG_ENV_PREFIX = 'AIORACLE_';

/** Parameters of {@link loadConfig}. */
export interface LoadConfigParams<S extends z.ZodType> {
  /** The process's one schema. */
  schema: S;
  /** Optional YAML (or JSON) file. */
  file?: string | undefined;
  /** Environment to read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Env prefix (default `AIORACLE_`). */
  envPrefix?: string;
  /** CLI overrides; keys may be dotted (`redis.url`). Undefined values are ignored. */
  overrides?: Record<string, unknown>;
}

/** Thrown when the configuration is invalid or unreadable (non-retryable). */
export class ConfigError extends AioracleError {
  override readonly name = 'ConfigError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets `path` (array of keys) in `target`, creating objects on the way. */
function setPath(target: Obj, path: string[], value: unknown): void {
  let cur = target;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    if (!isObj(cur[k])) cur[k] = {};
    cur = cur[k] as Obj;
  }
  cur[path[path.length - 1]!] = value;
}

/** Deep-merges `b` over `a` (objects merge, everything else replaces). */
export function deepMerge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  }
  return out;
}

/** Unwraps optional/default/nullable/pipe wrappers to reach an object's shape, if any. */
function objectShape(schema: unknown): Record<string, unknown> | undefined {
  let cur: unknown = schema;
  for (let i = 0; i < 8 && cur; i++) {
    const def = (cur as { _zod?: { def?: Obj } })._zod?.def;
    if (!def) return undefined;
    if (def.type === 'object') return def.shape as Record<string, unknown>;
    cur = def.innerType ?? def.in ?? undefined;
  }
  return undefined;
}

/** True when the dotted `path` names a field of `schema`. */
function hasPath(schema: unknown, path: string[]): boolean {
  let cur: unknown = schema;
  for (const k of path) {
    const shape = objectShape(cur);
    if (!shape || !(k in shape)) return false;
    cur = shape[k];
  }
  return true;
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Reads a YAML/JSON config file into a plain object. */
export function readConfigFile(file: string): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_UNREADABLE', `cannot read config file ${file}`, { cause, details: { file } });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_INVALID', `config file ${file} is not valid YAML: ${(cause as Error).message}`, {
      cause,
      details: { file },
    });
  }
  if (doc === null || doc === undefined) return {};
  if (!isObj(doc)) throw new ConfigError('ERR_CONFIG_INVALID', `config file ${file} must hold a mapping at the top level`, { details: { file } });
  return doc;
}

/** Formats zod issues as one line per field: `eth_rpc_url: Invalid URL`. */
export function formatIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string[] {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
}

/**
 * Builds and validates a configuration. Throws {@link ConfigError} (`ERR_CONFIG_INVALID`) listing
 * every problem, or `ERR_CONFIG_UNREADABLE` when the file cannot be read.
 */
export function loadConfig<S extends z.ZodType>(params: LoadConfigParams<S>): z.output<S> {
  const prefix = params.envPrefix ?? CONFIG_ENV_PREFIX;
  const env = params.env ?? process.env;
  let raw: Obj = params.file ? readConfigFile(params.file) : {};

  const fromEnv: Obj = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const path = name.slice(prefix.length).toLowerCase().split('__');
    if (hasPath(params.schema, path)) setPath(fromEnv, path, parseEnvValue(value));
  }
  raw = deepMerge(raw, fromEnv);

  const fromCli: Obj = {};
  for (const [key, value] of Object.entries(params.overrides ?? {})) {
    if (value !== undefined) setPath(fromCli, key.split('.'), value);
  }
  raw = deepMerge(raw, fromCli);

  const result = params.schema.safeParse(raw);
  if (!result.success) {
    const lines = formatIssues(result.error.issues);
    throw new ConfigError('ERR_CONFIG_INVALID', `Validation failed:\n  ${lines.join('\n  ')}`, {
      details: { issues: lines, ...(params.file ? { file: params.file } : {}) },
    });
  }
  return result.data;
}
