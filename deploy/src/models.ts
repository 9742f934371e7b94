/**
 * Models and feeds on a deployed AVS: a model manifest (and optionally its ONNX file, whose sha256
 * must match the manifest) becomes a ModelRegistry entry with the manifest's hashes, profile,
 * tolerance and fee; a feed is created on InferenceFeeds with its AggregatorV3Interface adapter.
 * Both are idempotent: an already registered model id is returned as it is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AioracleError,
  bindings,
  destroyProvider,
  modelRegistration,
  parseManifest,
  type Deployment,
  type Manifest,
} from '@aioracle/sdk';
import { getBytes, hexlify, type JsonRpcProvider } from 'ethers';
import { createDeployContext, type DeployContext, type DeployProgress } from './deployer.js';


type ModelEntry = Deployment['models'][number];
type FeedEntry = Deployment['feeds'][number];

/** Who sends, and where. */
export interface OwnerConnection {
  rpcUrl: string;
  /** Key of the AVS contracts' owner (the deployer unless ownership moved). Never logged. */
  ownerKey: string;
  onProgress?: (p: DeployProgress) => void;
}

/** Options of {@link registerModel}. */
export interface RegisterModelOptions extends OwnerConnection {
  deployment: Deployment;
  /** The manifest (object or JSON text); validated with the sdk schema. */
  manifest: unknown;
  /** Path of the ONNX file; when given its sha256 must equal manifest.onnx.sha256. */
  onnxFile?: string;
  /** Where operators fetch the model (default: the manifest's onnx.file). */
  uri?: string;
  /** Share of allocated magnitude slashed per proven dissent, WAD (default 0.01e18 = 1%). */
  slashWad?: bigint;
}

/** sha256 of a file as 0x-hex. */
export function sha256File(path: string): string {
  return `0x${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

async function withCtx<T>(conn: OwnerConnection, fn: (ctx: DeployContext) => Promise<T>): Promise<T> {
  const ctx = await createDeployContext({ rpcUrl: conn.rpcUrl, deployerKey: conn.ownerKey, ...(conn.onProgress ? { onProgress: conn.onProgress } : {}) });
  try {
    return await fn(ctx);
  } finally {
    await destroyProvider(ctx.provider as JsonRpcProvider);
  }
}

/**
 * Registers the manifest's model (modelId = keccak256(name@version)) in the ModelRegistry and
 * returns its deployments-file entry. ERR_DEPLOY_ONNX_MISMATCH when the file's hash differs.
 */
export async function registerModel(opts: RegisterModelOptions): Promise<ModelEntry> {
  const manifest: Manifest = parseManifest(typeof opts.manifest === 'string' ? JSON.parse(opts.manifest) : opts.manifest);
  const reg = modelRegistration(manifest);
  if (opts.onnxFile !== undefined) {
    const actual = sha256File(opts.onnxFile);
    if (actual.toLowerCase() !== reg.onnxHash.toLowerCase()) {
      throw new AioracleError('ERR_DEPLOY_ONNX_MISMATCH', `ONNX file ${opts.onnxFile} has sha256 ${actual}, the manifest says ${reg.onnxHash}: rebuild the manifest or pick the right file`, {
        details: { file: opts.onnxFile },
      });
    }
  }
  const uri = opts.uri ?? manifest.onnx.file;
  return withCtx(opts, async (ctx) => {
    const registry = bindings.ModelRegistry__factory.connect(opts.deployment.avs.modelRegistry, ctx.sender.signer);
    if (!(await registry.exists(reg.modelId))) {
      const model = {
        manifestHash: reg.manifestHash,
        onnxHash: reg.onnxHash,
        uri,
        profile: reg.profile,
        tolerance: reg.tolerance,
        fee: reg.fee,
        slashWad: opts.slashWad ?? 10n ** 16n,
        active: true,
      };
      const r = await ctx.sender.send(registry, 'registerModel', [reg.modelId, model]);
      ctx.onProgress({ step: 'call:ModelRegistry.registerModel', txHash: r.hash, gasUsed: r.gasUsed });
    } else {
      const onChain = await registry.getModel(reg.modelId);
      if (onChain.manifestHash.toLowerCase() !== reg.manifestHash.toLowerCase()) {
        throw new AioracleError('ERR_DEPLOY_MODEL_EXISTS', `Model ${manifest.name}@${manifest.version} (${reg.modelId}) is registered with another manifest hash; bump the manifest version`, {
          details: { modelId: reg.modelId },
        });
      }
    }
    return { modelId: reg.modelId, name: manifest.name, version: manifest.version, manifestHash: reg.manifestHash, onnxHash: reg.onnxHash, uri };
  });
}

/** Options of {@link createFeed}. */
export interface CreateFeedOptions extends OwnerConnection {
  deployment: Deployment;
  modelId: string;
  /** The fixed model input (canonical bytes, hex or Uint8Array). */
  input: string | Uint8Array;
  /** Contract read for each round's input instead of `input` (default none). */
  inputSource?: string;
  /** Decimals of the answer (the model's fixed-point scale). */
  decimals: number;
  /** Index of the int32 output element that is the answer. */
  answerIndex: number;
  /** Seconds between rounds keepers aim for. */
  heartbeat: number;
  description: string;
}

/** Creates a feed and its adapter; returns its deployments-file entry. */
export async function createFeed(opts: CreateFeedOptions): Promise<FeedEntry> {
  const input = hexlify(typeof opts.input === 'string' ? getBytes(opts.input) : opts.input);
  return withCtx(opts, async (ctx) => {
    const feeds = bindings.InferenceFeeds__factory.connect(opts.deployment.avs.inferenceFeeds, ctx.sender.signer);
    const r = await ctx.sender.send(feeds, 'createFeed', [opts.modelId, input, opts.inputSource ?? '0x0000000000000000000000000000000000000000', opts.decimals, opts.answerIndex, opts.heartbeat, opts.description]);
    ctx.onProgress({ step: 'call:InferenceFeeds.createFeed', txHash: r.hash, gasUsed: r.gasUsed });
    const iface = feeds.interface;
    for (const log of r.logs) {
      const parsed = log.address.toLowerCase() === opts.deployment.avs.inferenceFeeds.toLowerCase() ? iface.parseLog(log) : null;
      if (parsed?.name === 'FeedCreated') {
        return { feedId: (parsed.args.getValue('feedId') as bigint).toString(), modelId: opts.modelId.toLowerCase(), description: opts.description, adapter: parsed.args.getValue('adapter') as string };
      }
    }
    throw new AioracleError('ERR_DEPLOY_FEED', 'createFeed succeeded but emitted no FeedCreated event');
  });
}
