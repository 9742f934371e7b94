/**
 * The model manifest (docs/manifest.md): which model, which file, which runtime settings, which
 * tensors, how outputs are made canonical, which determinism profile. Its canonical JSON hashes to
 * the on-chain `manifestHash`, so the schema is strict: no unknown keys, no defaults (what a file
 * says is exactly what is hashed), and the profile rules of DESIGN section 5 are enforced here.
 */
import { z } from 'zod';
import { DTYPES, DTYPE_INFO } from '../codec/dtype.js';
import {
  BATCH_DIM,
  ENCODING_REGEX,
  MAX_FIXED_BITS,
  fixedDims,
  hasBatchDim,
  inputRowBytes,
  outputRowBytes,
  parseOutputEncoding,
} from '../codec/layout.js';
import { ENCODING_HEADER_BYTES, MAX_BATCH, MAX_INPUT_BYTES, MAX_OUTPUT_BYTES, MAX_REF_INPUT_BYTES } from '../protocol/constants.js';
import { PROFILES } from '../protocol/profile.js';

/** Runtimes a manifest may pin. */
export const ENGINES = ['onnxruntime-node', 'onnxruntime-web'] as const;

/** onnxruntime graph optimisation levels (pinned in every manifest). */
export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;

/** Largest fixed dimension of a tensor. */
export const MAX_DIM = 1 << 24;

/** Most inputs or outputs a manifest may declare. */
export const MAX_TENSORS = 32;

/** Largest tensor rank, batch included. */
export const MAX_RANK = 8;

/** The largest uint96 (the on-chain fee type). */
const UINT96_MAX = (1n << 96n) - 1n;

const oneOf = (values: readonly string[]): string => `must be one of ${values.map((v) => `"${v}"`).join(', ')}`;

/** Model name and version: 1–64 of [A-Za-z0-9._-], starting alphanumeric (no "@": see modelIdFor). */
const identifier = (what: string) =>
  z.string({ error: `must be a string (the model ${what})` }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    error: `must be 1-64 characters of [A-Za-z0-9._-] starting with a letter or digit (the model ${what})`,
  });

const tensorName = z
  .string({ error: 'must be a string (the ONNX tensor name)' })
  .regex(/^[\x21-\x7e]{1,128}$/, { error: 'must be 1-128 printable ASCII characters without spaces (the ONNX tensor name)' });

const dtype = z.enum(DTYPES, { error: oneOf(DTYPES) });

const dim = z
  .number({ error: `must be a positive integer or "${BATCH_DIM}"` })
  .int({ error: `must be a positive integer or "${BATCH_DIM}"` })
  .min(1, { error: `must be a positive integer or "${BATCH_DIM}"` })
  .max(MAX_DIM, { error: `must be <= ${MAX_DIM}` });

const shape = z
  .array(z.union([z.literal(BATCH_DIM), dim], { error: `must be a positive integer or "${BATCH_DIM}"` }), {
    error: 'must be an array of dimensions',
  })
  .max(MAX_RANK, { error: `must have at most ${MAX_RANK} dimensions` })
  .superRefine((s, ctx) => {
    s.forEach((d, i) => {
      if (d === BATCH_DIM && i !== 0) ctx.addIssue({ code: 'custom', path: [i], message: `may be "${BATCH_DIM}" only as the first dimension` });
    });
  });

const encoding = z
  .string({ error: 'must be a string' })
  .refine((e) => ENCODING_REGEX.test(e) && parseOutputEncoding(e) !== undefined, {
    error: `must be one of "raw", "fixed:<bits 0-${MAX_FIXED_BITS}>", "argmax", "topk:<k>"`,
  });

/** One input tensor: name, dtype, shape (optionally led by "batch"). */
export const manifestInputSchema = z.strictObject({ name: tensorName, dtype, shape });

/** One output tensor: name, the ONNX output's dtype and shape, and its canonical encoding. */
export const manifestOutputSchema = z.strictObject({ name: tensorName, dtype, shape, encoding });

/** Runtime pinning: engine, optimisation level, threads, and extra onnxruntime session config entries. */
export const manifestRuntimeSchema = z.strictObject({
  engine: z.enum(ENGINES, { error: oneOf(ENGINES) }),
  graphOptimizationLevel: z.enum(GRAPH_OPTIMIZATION_LEVELS, { error: oneOf(GRAPH_OPTIMIZATION_LEVELS) }),
  intraOpNumThreads: z
    .number({ error: 'must be an integer from 1 to 256' })
    .int({ error: 'must be an integer from 1 to 256' })
    .min(1, { error: 'must be an integer from 1 to 256' })
    .max(256, { error: 'must be an integer from 1 to 256' })
    .optional(),
  /** onnxruntime session config entries (`AddSessionConfigEntry`), e.g. {"session.x64quantprecision": "1"}. */
  sessionConfig: z
    .record(
      z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/, { error: 'keys must be dotted onnxruntime config keys such as "session.x64quantprecision"' }),
      z.string({ error: 'values must be strings' }).max(256),
      { error: 'must be an object of string values' },
    )
    .optional(),
});

const decimalWei = z
  .string({ error: 'must be a decimal string of wei (e.g. "1000000000000000")' })
  .regex(/^(0|[1-9][0-9]*)$/, { error: 'must be a decimal string of wei without sign, spaces or leading zeros' })
  // Refinements run even after a failed regex (zod issues are continuable), so re-check the form.
  .refine((s) => !/^(0|[1-9][0-9]*)$/.test(s) || (s.length <= 30 && BigInt(s) <= UINT96_MAX), { error: 'must fit in uint96' });

/** Fields of the manifest before the cross-field rules. */
const manifestObject = z.strictObject({
  name: identifier('name'),
  version: identifier('version'),
  description: z.string({ error: 'must be a string' }).max(1024).optional(),
  uri: z.string({ error: 'must be a string' }).max(2048).optional(),
  onnx: z.strictObject({
    file: z
      .string({ error: 'must be a string' })
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { error: 'must be a relative path of [A-Za-z0-9._-] segments joined by "/"' })
      .refine((f) => !f.split('/').some((seg) => seg === '..' || seg === '.'), { error: 'must not contain "." or ".." segments' })
      .refine((f) => f.length <= 256, { error: 'must have at most 256 characters' }),
    sha256: z.string({ error: 'must be a string' }).regex(/^0x[0-9a-f]{64}$/, { error: 'must be "0x" + 64 lowercase hex digits (sha256 of the ONNX file)' }),
  }),
  runtime: manifestRuntimeSchema,
  inputs: z.array(manifestInputSchema, { error: 'must be an array' }).min(1, { error: 'must declare at least one input' }).max(MAX_TENSORS),
  outputs: z.array(manifestOutputSchema, { error: 'must be an array' }).min(1, { error: 'must declare at least one output' }).max(MAX_TENSORS),
  profile: z.enum(PROFILES, { error: oneOf(PROFILES) }),
  tolerance: z
    .number({ error: 'must be an integer from 0 to 4294967295' })
    .int({ error: 'must be an integer from 0 to 4294967295' })
    .min(0, { error: 'must be an integer from 0 to 4294967295' })
    .max(0xffffffff, { error: 'must be an integer from 0 to 4294967295' }),
  fee: decimalWei,
  maxBatch: z
    .number({ error: `must be an integer from 1 to ${MAX_BATCH}` })
    .int({ error: `must be an integer from 1 to ${MAX_BATCH}` })
    .min(1, { error: `must be an integer from 1 to ${MAX_BATCH}` })
    .max(MAX_BATCH, { error: `must be an integer from 1 to ${MAX_BATCH}` }),
  /** Optional: the model's input cap when above the calldata cap (inputs then go by reference). */
  maxInputBytes: z
    .number({ error: `must be an integer from ${MAX_INPUT_BYTES + 1} to ${MAX_REF_INPUT_BYTES}` })
    .int({ error: `must be an integer from ${MAX_INPUT_BYTES + 1} to ${MAX_REF_INPUT_BYTES}` })
    .min(MAX_INPUT_BYTES + 1, { error: `must be an integer from ${MAX_INPUT_BYTES + 1} to ${MAX_REF_INPUT_BYTES} (leave it out for the calldata cap ${MAX_INPUT_BYTES})` })
    .max(MAX_REF_INPUT_BYTES, { error: `must be an integer from ${MAX_INPUT_BYTES + 1} to ${MAX_REF_INPUT_BYTES}` })
    .optional(),
});

type ManifestObject = z.infer<typeof manifestObject>;

/** The cross-field rules: names, batch dims, encodings per dtype, size caps, profile rules. */
function checkManifest(m: ManifestObject, ctx: z.core.$RefinementCtx<ManifestObject>): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  for (const [list, key] of [[m.inputs, 'inputs'], [m.outputs, 'outputs']] as const) {
    const seen = new Set<string>();
    list.forEach((t, i) => {
      if (seen.has(t.name)) issue([key, i, 'name'], `must be unique among ${key} ("${t.name}" repeats)`);
      seen.add(t.name);
    });
  }

  // Batch: either every tensor leads with "batch" (batched model) or none does (maxBatch 1).
  const batched = m.inputs.some((t) => hasBatchDim(t.shape));
  const tensors = [...m.inputs.map((t, i) => ['inputs', i, t] as const), ...m.outputs.map((t, i) => ['outputs', i, t] as const)];
  for (const [key, i, t] of tensors) {
    if (hasBatchDim(t.shape) !== batched) {
      issue([key, i, 'shape'], batched
        ? `must start with "${BATCH_DIM}" (every tensor of a batched model has the batch dimension)`
        : `must not start with "${BATCH_DIM}" (no input has a batch dimension)`);
    }
  }
  if (!batched && m.maxBatch !== 1) issue(['maxBatch'], `must be 1 when the inputs have no "${BATCH_DIM}" dimension`);

  // Encodings against dtypes and shapes.
  let outRow = 0;
  m.outputs.forEach((o, i) => {
    const enc = parseOutputEncoding(o.encoding);
    if (enc === undefined) return; // reported by the field schema
    const dims = fixedDims(o.shape);
    const last = dims[dims.length - 1];
    if (enc.kind === 'fixed' && DTYPE_INFO[o.dtype].integer) {
      issue(['outputs', i, 'encoding'], `"fixed:<bits>" needs a float dtype (float32 or float64), not ${o.dtype}; use "raw" for integer outputs`);
    }
    if ((enc.kind === 'argmax' || enc.kind === 'topk') && last === undefined) {
      issue(['outputs', i, 'shape'], `must have a fixed last dimension for "${o.encoding}" (the axis it ranks over)`);
    }
    if (enc.kind === 'topk' && last !== undefined && enc.k > last) {
      issue(['outputs', i, 'encoding'], `topk:${enc.k} exceeds the last dimension (${last})`);
    }
    if (m.profile === 'tolerant' && enc.kind === 'raw') {
      issue(['outputs', i, 'encoding'], 'must be one of "fixed:<bits>", "argmax", "topk:<k>" for profile "tolerant" (int32 elements compared with the tolerance)');
    }
    if (m.profile === 'exact-int' && !DTYPE_INFO[o.dtype].integer) {
      issue(['outputs', i, 'dtype'], `must be an integer dtype for profile "exact-int" (got ${o.dtype})`);
    }
    outRow += outputRowBytes(o, enc);
  });

  const inRow = m.inputs.reduce((a, t) => a + inputRowBytes(t), 0);
  const inCap = m.maxInputBytes ?? MAX_INPUT_BYTES;
  if (ENCODING_HEADER_BYTES + m.maxBatch * inRow > inCap) {
    issue(['maxBatch'], m.maxInputBytes === undefined
      ? `makes the largest input ${ENCODING_HEADER_BYTES + m.maxBatch * inRow} bytes; the protocol cap is ${MAX_INPUT_BYTES} (set maxInputBytes, up to ${MAX_REF_INPUT_BYTES}, for inputs sent by reference)`
      : `makes the largest input ${ENCODING_HEADER_BYTES + m.maxBatch * inRow} bytes; the manifest's maxInputBytes is ${m.maxInputBytes}`);
  }
  if (ENCODING_HEADER_BYTES + m.maxBatch * outRow > MAX_OUTPUT_BYTES) {
    issue(['maxBatch'], `makes the largest output ${ENCODING_HEADER_BYTES + m.maxBatch * outRow} bytes; the protocol cap is ${MAX_OUTPUT_BYTES}`);
  }

  // Profile rules (DESIGN section 5).
  switch (m.profile) {
    case 'exact-int':
      if (m.runtime.engine !== 'onnxruntime-node') issue(['runtime', 'engine'], 'must be "onnxruntime-node" for profile "exact-int"');
      m.inputs.forEach((t, i) => {
        if (!DTYPE_INFO[t.dtype].integer) issue(['inputs', i, 'dtype'], `must be an integer dtype for profile "exact-int" (got ${t.dtype})`);
      });
      break;
    case 'exact-wasm':
      if (m.runtime.engine !== 'onnxruntime-web') issue(['runtime', 'engine'], 'must be "onnxruntime-web" for profile "exact-wasm"');
      if (m.runtime.intraOpNumThreads !== 1) issue(['runtime', 'intraOpNumThreads'], 'must be 1 for profile "exact-wasm"');
      break;
    case 'tolerant':
      break;
  }
  if (m.profile === 'tolerant' && m.tolerance < 1) issue(['tolerance'], 'must be >= 1 for profile "tolerant" (in int32 output units)');
  if (m.profile !== 'tolerant' && m.tolerance !== 0) issue(['tolerance'], `must be 0 for profile "${m.profile}" (exact profiles tolerate no difference)`);
}

/** The manifest schema: field types plus every cross-field rule. */
export const manifestSchema = manifestObject.superRefine(checkManifest);

/** A validated model manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

/** One validated input declaration. */
export type ManifestInput = z.infer<typeof manifestInputSchema>;

/** One validated output declaration. */
export type ManifestOutput = z.infer<typeof manifestOutputSchema>;

/** The validated runtime block. */
export type ManifestRuntime = z.infer<typeof manifestRuntimeSchema>;
