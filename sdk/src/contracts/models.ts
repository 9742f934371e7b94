/**
 * Registering a model in the ModelRegistry from its manifest, the one implementation behind
 * `aioracle-deploy register-model`, the devnet and `aioracle model register`. The model id is the
 * manifest's conventional id (keccak256(name@version)); the ONNX file, when given, must hash to the
 * manifest's sha256. Idempotent: a model already registered with the same manifest hash is left as
 * it is; one registered with another manifest hash is ERR_MODEL_EXISTS (bump the version).
 */
import type { Signer } from 'ethers';
import { AioracleError } from '../errors.js';
import { modelRegistration, parseManifest } from '../manifest/manifest.js';
import type { Manifest } from '../manifest/schema.js';
import { TxSender } from '../chain/txSender.js';
import { sha256File } from '../runtime/modelFolder.js';
import { wrapReadError } from './errors.js';
import { ModelRegistry__factory } from './generated/index.js';

/** Error codes of model registration. */
export const ModelRegistrationErrorCode = {
  /** The ONNX file does not hash to the manifest's onnx.sha256. */
  OnnxMismatch: 'ERR_MODEL_ONNX_MISMATCH',
  /** The model id is registered with another manifest hash. */
  Exists: 'ERR_MODEL_EXISTS',
} as const;

/** Default share of allocated magnitude slashed per proven dissent: 1% (WAD). */
export const DEFAULT_SLASH_WAD = 10n ** 16n;

/** Parameters of {@link registerModelFromManifest}. */
export interface RegisterModelFromManifestParams {
  /** The ModelRegistry owner's signer (connected to a provider), or a TxSender around it. */
  signer: Signer | TxSender;
  /** ModelRegistry address. */
  modelRegistry: string;
  /** The manifest (object or JSON text); validated with the sdk schema. */
  manifest: unknown;
  /** Path of the ONNX file; when given its sha256 must equal manifest.onnx.sha256. */
  onnxFile?: string;
  /** Where operators fetch the model (default: the manifest's uri, else its onnx.file). */
  uri?: string;
  /** Share of allocated magnitude slashed per proven dissent, WAD (default 1%). */
  slashWad?: bigint;
  /** Called with each transaction sent (never with keys). */
  onTx?: (tx: { method: string; txHash: string; gasUsed: bigint }) => void;
}

/** The deployments-file entry of a model plus what the call did. */
export interface RegisteredModel {
  modelId: string;
  name: string;
  version: string;
  manifestHash: string;
  onnxHash: string;
  uri: string;
  /** false when the model was already registered with this manifest (nothing sent). */
  created: boolean;
  txHash: string | null;
}

/** Checks `onnxFile` against the manifest's sha256; ERR_MODEL_ONNX_MISMATCH when it differs. */
export function checkOnnxFile(manifest: Manifest, onnxFile: string): void {
  const actual = sha256File(onnxFile);
  if (actual !== manifest.onnx.sha256.toLowerCase()) {
    throw new AioracleError(
      ModelRegistrationErrorCode.OnnxMismatch,
      `ONNX file ${onnxFile} has sha256 ${actual}, the manifest says ${manifest.onnx.sha256}: rebuild the manifest or pick the right file`,
      { details: { file: onnxFile } },
    );
  }
}

/**
 * Registers the manifest's model (idempotent) and returns its deployments-file entry.
 * @example
 * const entry = await registerModelFromManifest({ signer: owner, modelRegistry: d.avs.modelRegistry, manifest, onnxFile });
 */
export async function registerModelFromManifest(p: RegisterModelFromManifestParams): Promise<RegisteredModel> {
  const manifest = parseManifest(typeof p.manifest === 'string' ? (JSON.parse(p.manifest) as unknown) : p.manifest);
  const reg = modelRegistration(manifest);
  if (p.onnxFile !== undefined) checkOnnxFile(manifest, p.onnxFile);
  const uri = p.uri ?? manifest.uri ?? manifest.onnx.file;
  const sender = p.signer instanceof TxSender ? p.signer : new TxSender(p.signer);
  const registry = ModelRegistry__factory.connect(p.modelRegistry, sender.signer);
  let exists: boolean;
  try {
    exists = await registry.exists(reg.modelId);
  } catch (err) {
    throw wrapReadError(err, 'ModelRegistry.exists');
  }
  const entry = { modelId: reg.modelId.toLowerCase(), name: manifest.name, version: manifest.version, manifestHash: reg.manifestHash.toLowerCase(), onnxHash: reg.onnxHash.toLowerCase(), uri };
  if (exists) {
    let onChain;
    try {
      onChain = await registry.getModel(reg.modelId);
    } catch (err) {
      throw wrapReadError(err, 'ModelRegistry.getModel');
    }
    if (onChain.manifestHash.toLowerCase() !== entry.manifestHash) {
      throw new AioracleError(
        ModelRegistrationErrorCode.Exists,
        `Model ${manifest.name}@${manifest.version} (${reg.modelId}) is registered with another manifest hash (${onChain.manifestHash}); bump the manifest version`,
        { details: { modelId: reg.modelId } },
      );
    }
    return { ...entry, uri: onChain.uri, created: false, txHash: null };
  }
  const model = {
    manifestHash: reg.manifestHash,
    onnxHash: reg.onnxHash,
    uri,
    profile: reg.profile,
    tolerance: reg.tolerance,
    fee: reg.fee,
    slashWad: p.slashWad ?? DEFAULT_SLASH_WAD,
    active: true,
  };
  const r = await sender.send(registry, 'registerModel', [reg.modelId, model]);
  p.onTx?.({ method: 'ModelRegistry.registerModel', txHash: r.hash, gasUsed: r.gasUsed });
  return { ...entry, created: true, txHash: r.hash };
}
