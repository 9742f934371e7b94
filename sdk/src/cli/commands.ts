/**
 * The `aioracle` commands: request, task show, audit, feed latest, model register, model list.
 * Each returns its exit code and writes either human-readable lines or, with --json, one JSON
 * object on stdout. Everything a command can check locally (model, input, key) is checked before
 * it connects or sends anything.
 */
import { dirname, join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ZeroAddress, formatEther, formatUnits, hexlify, keccak256, type Log } from 'ethers';
import { AioracleError } from '../errors.js';
import { TxSender } from '../chain/txSender.js';
import { auditTask, compareRerun, readAttestation, type Attestation, type AuditCheck } from '../contracts/attestation.js';
import { writeDeploymentFile } from '../contracts/deployment.js';
import { checkOnnxFile, registerModelFromManifest } from '../contracts/models.js';
import { FeedAdapter__factory, InferenceFeeds__factory, InferenceOracle__factory } from '../contracts/generated/index.js';
import { manifestHash, parseManifest } from '../manifest/manifest.js';
import type { Manifest } from '../manifest/schema.js';
import { runInference } from '../runtime/inference.js';
import { inputCapOf } from '../codec/input.js';
import { BeaconBlobSource, INPUT_CARRIERS, InputErrorCode, InputResolver, chooseCarrier, fetchUriBytes, sendInferenceRequest, type InputCarrier } from '../input/index.js';
import { MAX_REF_INPUT_BYTES } from '../protocol/constants.js';
import { loadModel, type LocalModel } from '../runtime/modelFolder.js';
import { loadSigner, type CliContext, type GlobalOptions } from './context.js';
import { CliErrorCode, EXIT, cliError, errorLine, toJson, type CliIo } from './io.js';
import { decodedOutputJson, findLocalModel, localModels, readInputFile } from './modelInput.js';

/** Per-signature signed stake in the JSON output. */
interface StakeJson {
  quorum: number;
  signed: bigint;
  total: bigint;
  thresholdBps: number;
}

const hex = (b: Uint8Array): string => hexlify(b);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Parses a task id argument (decimal uint64); ERR_USAGE otherwise. */
export function parseTaskId(v: string): bigint {
  if (!/^[0-9]{1,20}$/.test(v) || BigInt(v) === 0n || BigInt(v) >= 1n << 64n) throw cliError(CliErrorCode.Usage, `Task id "${v}" must be a decimal integer from 1 to 2^64-1`);
  return BigInt(v);
}

/** The local manifest of `modelId` if the models directory has it (for decoding), else null. */
function manifestFor(ctx: CliContext, modelId: string): Manifest | null {
  try {
    return localModels(ctx.modelsDir).find((m) => m.modelId === modelId.toLowerCase())?.manifest ?? null;
  } catch {
    return null;
  }
}

function decodeSafe(manifest: Manifest | null, output: Uint8Array): unknown {
  if (!manifest) return null;
  try {
    return decodedOutputJson(manifest, output);
  } catch {
    return null;
  }
}

/** The JSON form of a task's attestation (request --wait, task show). */
export function attestationJson(att: Attestation, manifest: Manifest | null): Record<string, unknown> {
  const t = att.created?.task;
  const r = att.result;
  const signedStake: StakeJson[] | null =
    r && t ? t.quorumNumbers.map((q, i) => ({ quorum: q, signed: r.signedStake[i] ?? 0n, total: r.totalStake[i] ?? 0n, thresholdBps: t.quorumThresholdBps[i] ?? 0 })) : null;
  return {
    taskId: att.taskId,
    modelId: t?.modelId ?? null,
    status: att.status === 'none' ? 'unknown' : att.status,
    requester: t?.requester ?? null,
    referenceBlock: t?.referenceBlock ?? null,
    deadlineBlock: t?.deadlineBlock ?? null,
    fee: t?.fee ?? null,
    feedId: t?.feedId ?? null,
    input: att.created ? hex(att.created.input) : null,
    createdTxHash: att.created?.transactionHash ?? null,
    responseTxHash: r?.transactionHash ?? null,
    respondedBlock: r?.blockNumber ?? null,
    output: r ? hex(r.output) : null,
    outputHash: r?.outputHash ?? null,
    decoded: r ? decodeSafe(manifest, r.output) : null,
    signers: att.signerIds ?? [],
    nonSigners: att.nonSignerIds ?? [],
    signedStake: signedStake ?? [],
  };
}

function printAttestation(io: CliIo, j: Record<string, unknown>): void {
  io.stdout(`status:      ${String(j.status)}\n`);
  if (j.output !== null) {
    io.stdout(`output:      ${String(j.output)}\n`);
    if (j.decoded !== null) io.stdout(`decoded:     ${toJson(j.decoded)}\n`);
    io.stdout(`signers:     ${(j.signers as string[]).length}${(j.signers as string[]).map((s) => `\n  ${s}`).join('')}\n`);
    io.stdout(`non-signers: ${(j.nonSigners as string[]).length}${(j.nonSigners as string[]).map((s) => `\n  ${s}`).join('')}\n`);
    for (const s of j.signedStake as StakeJson[]) {
      const pct = s.total === 0n ? 0 : Number((s.signed * 10_000n) / s.total) / 100;
      io.stdout(`quorum ${s.quorum}:    signed ${formatEther(s.signed)} of ${formatEther(s.total)} (${pct}%, threshold ${s.thresholdBps / 100}%)\n`);
    }
    io.stdout(`response tx: ${String(j.responseTxHash)}\n`);
  }
}

/** `request --model ID --input FILE [--wait] [--timeout S] [--json]`. */
export async function requestCommand(
  ctx: CliContext,
  io: CliIo,
  g: GlobalOptions,
  o: { model: string; input: string; carrier?: string; uri?: string; saveInput?: string; wait?: boolean; timeout: number; json?: boolean; pollMs?: number },
): Promise<number> {
  // Local checks first: the model's manifest, the input, the carrier, the key. Nothing is sent when one fails.
  const local = findLocalModel(ctx.modelsDir, o.model);
  const input = readInputFile(o.input, local.manifest);
  if (o.saveInput) writeFileSync(o.saveInput, input);
  if (o.carrier !== undefined && !(INPUT_CARRIERS as readonly string[]).includes(o.carrier)) {
    throw cliError(CliErrorCode.Usage, `--carrier must be one of ${INPUT_CARRIERS.join(', ')} (got "${o.carrier}")`);
  }
  const carrier = chooseCarrier(input.length, { requested: o.carrier as InputCarrier | undefined, uri: o.uri });
  if (carrier === 'uri') {
    // The URI must serve exactly these bytes now, or every operator would refuse the task.
    const served = await fetchUriBytes(o.uri!, { maxBytes: inputCapOf(local.manifest), ipfsGateway: io.env.AIORACLE_IPFS_GATEWAY });
    if (keccak256(served) !== keccak256(input)) {
      throw cliError(InputErrorCode.HashMismatch, `${o.uri} serves ${served.length} bytes that are not the encoded input (${input.length} bytes): upload the file written by --save-input`);
    }
  }
  const wallet = loadSigner(io.env, g);
  const { reader, deployment, provider } = await ctx.chainContext();
  const info = await reader.getModel(local.modelId);
  const mh = manifestHash(local.manifest).toLowerCase();
  if (mh !== info.manifestHash) {
    throw cliError(CliErrorCode.ModelMismatch, `The local manifest of ${local.manifest.name}@${local.manifest.version} hashes to ${mh} but the ModelRegistry has ${info.manifestHash}: update ${local.dir}`);
  }
  if (!info.active) throw cliError('ERR_MODEL_INACTIVE', `Model ${local.modelId} is not active in the ModelRegistry`);
  const sender = new TxSender(wallet.connect(provider));
  const oracle = InferenceOracle__factory.connect(deployment.avs.inferenceOracle, sender.signer);
  if (!o.json && carrier === 'blob') io.stderr('computing the blob KZG commitments and proofs…\n');
  const receipt = await sendInferenceRequest(sender, oracle, { modelId: local.modelId, input, fee: info.fee, carrier, uri: o.uri });
  const log = receipt.logs.find((l) => l.address.toLowerCase() === deployment.avs.inferenceOracle.toLowerCase() && l.topics[0] === oracle.interface.getEvent('TaskCreated').topicHash);
  if (!log) throw cliError('ERR_CHAIN_BAD_DATA', `requestInference ${receipt.hash} emitted no TaskCreated`);
  const created = reader.parseTaskCreated(log as unknown as Log);
  const taskId = created.task.taskId;
  if (!o.json) io.stdout(`task ${taskId} requested: model ${local.manifest.name}@${local.manifest.version} (${local.modelId}), input ${input.length} bytes by ${carrier}, fee ${formatEther(info.fee)} ETH, tx ${receipt.hash}\n`);
  if (!o.wait) {
    if (o.json) io.stdout(`${toJson({ taskId, modelId: local.modelId, carrier, status: 'pending', txHash: receipt.hash, output: null, decoded: null, signers: [], nonSigners: [], signedStake: [] })}\n`);
    return EXIT.ok;
  }
  if (!o.json) io.stderr(`waiting for the quorum's answer (deadline block ${created.task.deadlineBlock}, timeout ${o.timeout}s)…\n`);
  const until = Date.now() + o.timeout * 1000;
  let status = 'pending';
  for (;;) {
    status = (await reader.getTaskStatus(taskId)).status;
    if (status === 'responded' || status === 'expired' || Date.now() >= until) break;
    await sleep(o.pollMs ?? 250);
  }
  const att = await readAttestation(reader, taskId, created.blockNumber);
  const j = { ...attestationJson(att, local.manifest), carrier, txHash: receipt.hash };
  if (o.json) io.stdout(`${toJson(j)}\n`);
  else printAttestation(io, j);
  if (att.status === 'responded') return EXIT.ok;
  const err =
    att.status === 'expired'
      ? cliError(CliErrorCode.TaskExpired, `Task ${taskId} expired unanswered (the fee is refunded to the requester)`)
      : cliError(CliErrorCode.Timeout, `Task ${taskId} is still ${att.status} after ${o.timeout}s (deadline block ${created.task.deadlineBlock}); check later with \`aioracle task show ${taskId}\``);
  io.stderr(errorLine(err));
  return EXIT.failure;
}

/** `task show ID [--json]`. */
export async function taskShowCommand(ctx: CliContext, io: CliIo, id: string, o: { json?: boolean }): Promise<number> {
  const taskId = parseTaskId(id);
  const { reader, deployment } = await ctx.chainContext();
  const att = await readAttestation(reader, taskId, deployment.startBlock);
  if (!att.created) throw cliError(CliErrorCode.TaskNotFound, `Task ${taskId} was not created by the oracle at ${deployment.avs.inferenceOracle}`);
  const j = attestationJson(att, manifestFor(ctx, att.created.task.modelId));
  if (o.json) {
    io.stdout(`${toJson(j)}\n`);
    return EXIT.ok;
  }
  const t = att.created.task;
  io.stdout(`task:        ${t.taskId}\nmodel:       ${t.modelId}\nrequester:   ${t.requester}\nfee:         ${formatEther(t.fee)} ETH\n`);
  io.stdout(`blocks:      reference ${t.referenceBlock}, deadline ${t.deadlineBlock}\nquorums:     ${t.quorumNumbers.map((q, i) => `${q} (${(t.quorumThresholdBps[i] ?? 0) / 100}%)`).join(', ')}\n`);
  if (t.feedId !== 0n) io.stdout(`feed:        ${t.feedId}\n`);
  io.stdout(`input:       ${hex(att.created.input)}\ncreated tx:  ${att.created.transactionHash}\n`);
  printAttestation(io, j);
  return EXIT.ok;
}

/**
 * The auditor's reader of inputs by reference: URIs directly (ipfs:// through AIORACLE_IPFS_GATEWAY),
 * blobs from the beacon API at AIORACLE_BEACON_URL (block_id = slot), else from anvil's beacon endpoint
 * on the RPC URL (block_id = execution block number).
 */
function cliInputResolver(ctx: CliContext, io: CliIo): InputResolver {
  const beacon = io.env.AIORACLE_BEACON_URL;
  const blobs = beacon
    ? new BeaconBlobSource({ url: beacon, blockId: 'slot', blockTimestamp: async (n) => (await (await ctx.chainContext()).provider.getBlock(n))?.timestamp ?? 0 })
    : new BeaconBlobSource({ url: ctx.rpcUrl, blockId: 'execution_number' });
  return new InputResolver({ maxBytes: MAX_REF_INPUT_BYTES, ipfsGateway: io.env.AIORACLE_IPFS_GATEWAY }, { blobs });
}

/** `audit ID [--rerun] [--json]`. */
export async function auditCommand(ctx: CliContext, io: CliIo, id: string, o: { rerun?: boolean; json?: boolean }): Promise<number> {
  const taskId = parseTaskId(id);
  const { reader, deployment, chainId } = await ctx.chainContext();
  const report = await auditTask(reader, { chainId, taskId, fromBlock: deployment.startBlock, resolver: cliInputResolver(ctx, io) });
  let rerun: { ok: boolean; localOutput: string | null; attestedOutput: string | null; detail: string } | null = null;
  if (o.rerun) {
    const created = report.attestation.created;
    const result = report.attestation.result;
    if (!created || !result) {
      rerun = { ok: false, localOutput: null, attestedOutput: null, detail: 'nothing to re-run: the task has no accepted output' };
    } else {
      const attestedOutput = hex(result.output);
      try {
        const local: LocalModel = findLocalModel(ctx.modelsDir, created.task.modelId);
        const info = await reader.getModel(created.task.modelId);
        const model = await loadModel(local, info);
        try {
          const out = await runInference(model, report.input ?? created.input);
          const cmp = compareRerun(info.profile, info.tolerance, result.output, out);
          rerun = { ok: cmp.ok, localOutput: hex(out), attestedOutput, detail: `${local.manifest.name}@${local.manifest.version} (${info.profile}) re-run with ${local.manifest.runtime.engine}: ${cmp.detail}` };
        } finally {
          await model.session.release?.();
        }
      } catch (err) {
        rerun = { ok: false, localOutput: null, attestedOutput, detail: `cannot re-run the model: ${err instanceof AioracleError ? `${err.code}: ` : ''}${(err as Error).message}` };
      }
    }
  }
  const ok = report.ok && (rerun === null || rerun.ok);
  if (o.json) {
    io.stdout(`${toJson({ taskId, ok, checks: report.checks, rerun })}\n`);
  } else {
    const line = (c: AuditCheck): string => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(15)} ${c.detail}\n`;
    io.stdout(`audit of task ${taskId}\n`);
    for (const c of report.checks) io.stdout(line(c));
    if (rerun) io.stdout(line({ name: 'rerun', ok: rerun.ok, detail: rerun.detail }));
    io.stdout(ok ? 'every check passed\n' : 'the attestation does NOT hold\n');
  }
  if (!ok) {
    const failed = [...report.checks.filter((c) => !c.ok).map((c) => c.name), ...(rerun && !rerun.ok ? ['rerun'] : [])];
    io.stderr(errorLine(cliError(CliErrorCode.AuditFailed, `Task ${taskId}: failed check(s): ${failed.join(', ')}`)));
  }
  return ok ? EXIT.ok : EXIT.failure;
}

/** `feed latest FEED [--json]`: FEED is a feed id or its description in the deployments file. */
export async function feedLatestCommand(ctx: CliContext, io: CliIo, ref: string, o: { json?: boolean }): Promise<number> {
  const d = ctx.deployment();
  let feedId: bigint;
  if (/^[0-9]+$/.test(ref)) feedId = BigInt(ref);
  else {
    const hits = d.feeds.filter((f) => f.description.toLowerCase() === ref.toLowerCase());
    if (hits.length !== 1) {
      throw cliError(CliErrorCode.Usage, `Feed "${ref}" is ${hits.length ? 'ambiguous' : 'not'} in ${ctx.deploymentPath}: give the feed id (feeds: ${d.feeds.map((f) => `${f.feedId} "${f.description}"`).join(', ') || 'none'})`);
    }
    feedId = BigInt(hits[0]!.feedId);
  }
  const { provider } = await ctx.chainContext();
  const feeds = InferenceFeeds__factory.connect(d.avs.inferenceFeeds, provider);
  let feed;
  try {
    feed = await feeds.getFeed(feedId);
  } catch (cause) {
    throw cliError(CliErrorCode.Feed, `Feed ${feedId} does not exist on InferenceFeeds ${d.avs.inferenceFeeds}`, { cause });
  }
  if (feed.latestRound === 0n) throw cliError(CliErrorCode.Feed, `Feed ${feedId} ("${feed.description}") has no answered round yet`);
  const [roundId, answer, startedAt, updatedAt] = await feeds.latestFeedRound(feedId);
  const taskId = await feeds.feedRoundTask(feedId, roundId);
  let adapterAgrees: boolean | null = null;
  if (feed.adapter !== ZeroAddress) {
    const a = await FeedAdapter__factory.connect(feed.adapter, provider).latestRoundData();
    adapterAgrees = a.roundId === roundId && a.answer === answer && a.updatedAt === updatedAt;
  }
  const head = await provider.getBlock('latest');
  const age = head ? Math.max(0, head.timestamp - Number(updatedAt)) : null;
  const decimals = Number(feed.decimals);
  const j = {
    feedId,
    description: feed.description,
    modelId: feed.modelId.toLowerCase(),
    value: formatUnits(answer, decimals),
    answer,
    decimals,
    roundId,
    startedAt: Number(startedAt),
    updatedAt: Number(updatedAt),
    age,
    taskId,
    adapter: feed.adapter === ZeroAddress ? null : feed.adapter,
    adapterAgrees,
  };
  if (o.json) io.stdout(`${toJson(j)}\n`);
  else {
    io.stdout(`feed ${feedId} "${feed.description}": ${j.value} (answer ${answer}, ${decimals} decimals)\n`);
    io.stdout(`round ${roundId}, task ${taskId}, updated ${new Date(Number(updatedAt) * 1000).toISOString()} (${age ?? '?'}s ago)\n`);
    if (j.adapter) io.stdout(`AggregatorV3 adapter ${j.adapter}${adapterAgrees ? '' : ' (DISAGREES with the feed)'}\n`);
  }
  return EXIT.ok;
}

/** `model register --manifest F [--onnx F] [--uri U] [--json]` (owner key). */
export async function modelRegisterCommand(ctx: CliContext, io: CliIo, g: GlobalOptions, o: { manifest: string; onnx?: string; uri?: string; json?: boolean }): Promise<number> {
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(readFileSync(o.manifest, 'utf8')) as unknown);
  } catch (err) {
    if (err instanceof AioracleError) throw err;
    throw cliError(CliErrorCode.Input, `Cannot read the manifest ${o.manifest} as JSON`, { cause: err });
  }
  const onnx = o.onnx ?? join(dirname(o.manifest), manifest.onnx.file);
  if (!existsSync(onnx)) throw cliError(CliErrorCode.Input, `ONNX file ${onnx} does not exist: pass --onnx FILE`);
  checkOnnxFile(manifest, onnx);
  const wallet = loadSigner(io.env, g);
  const { provider, deployment } = await ctx.chainContext();
  const entry = await registerModelFromManifest({ signer: wallet.connect(provider), modelRegistry: deployment.avs.modelRegistry, manifest, onnxFile: onnx, ...(o.uri !== undefined ? { uri: o.uri } : {}) });
  const { created, txHash, ...fileEntry } = entry;
  const listed = deployment.models.find((m) => m.modelId.toLowerCase() === entry.modelId);
  if (!listed || listed.manifestHash.toLowerCase() !== entry.manifestHash) {
    writeDeploymentFile(ctx.deploymentPath, { ...deployment, models: [...deployment.models.filter((m) => m.modelId.toLowerCase() !== entry.modelId), fileEntry] });
  }
  if (o.json) io.stdout(`${toJson(entry)}\n`);
  else io.stdout(`model ${entry.name}@${entry.version} ${created ? `registered as ${entry.modelId} (tx ${txHash})` : `already registered as ${entry.modelId}`}\n`);
  return EXIT.ok;
}

/** `model list [--json]`: every model of the ModelRegistry, with its local manifest when present. */
export async function modelListCommand(ctx: CliContext, io: CliIo, o: { json?: boolean }): Promise<number> {
  const { reader, deployment } = await ctx.chainContext();
  let locals: LocalModel[] = [];
  try {
    locals = localModels(ctx.modelsDir);
  } catch {
    locals = [];
  }
  const ids = await reader.getModelIds();
  const models = [];
  for (const id of ids) {
    const m = await reader.getModel(id);
    const local = locals.find((l) => l.modelId === id);
    const listed = deployment.models.find((x) => x.modelId.toLowerCase() === id);
    models.push({
      modelId: id,
      name: local?.manifest.name ?? listed?.name ?? null,
      version: local?.manifest.version ?? listed?.version ?? null,
      profile: m.profile,
      tolerance: m.tolerance,
      fee: m.fee,
      slashWad: m.slashWad,
      active: m.active,
      manifestHash: m.manifestHash,
      onnxHash: m.onnxHash,
      uri: m.uri,
      local: local ? { dir: local.dir, matches: manifestHash(local.manifest).toLowerCase() === m.manifestHash } : null,
    });
  }
  if (o.json) io.stdout(`${toJson({ models })}\n`);
  else if (models.length === 0) io.stdout('no models registered\n');
  else {
    for (const m of models) {
      const name = m.name ? `${m.name}@${m.version}` : '(unknown name)';
      io.stdout(`${m.modelId}  ${name.padEnd(28)} ${m.profile.padEnd(10)} fee ${formatEther(m.fee)} ETH${m.active ? '' : '  INACTIVE'}${m.local ? (m.local.matches ? '  local' : '  local manifest DIFFERS') : ''}\n`);
    }
  }
  return EXIT.ok;
}

/** `devnet [args...]`: the devnet of @aioracle/deploy, loaded at run time (the sdk cannot depend on deploy). */
export async function devnetCommand(io: CliIo, argv: string[]): Promise<number> {
  const specifier = ['@aioracle', 'deploy', 'devnet'].join('/');
  let mod: { runDevnetCli?: (argv: string[]) => Promise<number> };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' && code !== 'MODULE_NOT_FOUND') throw cause;
    io.stderr(errorLine(cliError(CliErrorCode.DevnetMissing, 'The devnet lives in @aioracle/deploy, which is not installed (or not built): in the monorepo run `npm install && npm run build`, elsewhere `npm install @aioracle/deploy`')));
    return EXIT.failure;
  }
  if (typeof mod.runDevnetCli !== 'function') {
    io.stderr(errorLine(cliError(CliErrorCode.DevnetMissing, '@aioracle/deploy/devnet does not export runDevnetCli(argv): update @aioracle/deploy')));
    return EXIT.failure;
  }
  return mod.runDevnetCli(argv);
}
