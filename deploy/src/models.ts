/**
 * Models and feeds on a deployed AVS: a model manifest (and optionally its ONNX file, whose sha256
 * must match the manifest) becomes a ModelRegistry entry with the manifest's hashes, profile,
 * tolerance and fee; a feed is created on InferenceFeeds with its AggregatorV3Interface adapter.
 * Both are idempotent: an already registered model id is returned as it is.
 */
import {
  AioracleError,
  bindings,
  destroyProvider,
  registerModelFromManifest,
  type Deployment,
} from '@aioracle/sdk';
import { getBytes, hexlify, type JsonRpcProvider } from 'ethers';
import { createDeployContext, type DeployContext, type DeployProgress } from './deployer.js';

export { sha256File } from '@aioracle/sdk';

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
 * returns its deployments-file entry (the sdk's registerModelFromManifest: idempotent,
 * ERR_MODEL_ONNX_MISMATCH when the file's hash differs, ERR_MODEL_EXISTS for another manifest).
 */
export async function registerModel(opts: RegisterModelOptions): Promise<ModelEntry> {
  return withCtx(opts, async (ctx) => {
    const r = await registerModelFromManifest({
      signer: ctx.sender,
      modelRegistry: opts.deployment.avs.modelRegistry,
      manifest: opts.manifest,
      ...(opts.onnxFile !== undefined ? { onnxFile: opts.onnxFile } : {}),
      ...(opts.uri !== undefined ? { uri: opts.uri } : {}),
      ...(opts.slashWad !== undefined ? { slashWad: opts.slashWad } : {}),
      onTx: (t) => ctx.onProgress({ step: `call:${t.method}`, txHash: t.txHash, gasUsed: t.gasUsed }),
    });
    return { modelId: r.modelId, name: r.name, version: r.version, manifestHash: r.manifestHash, onnxHash: r.onnxHash, uri: r.uri };
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
