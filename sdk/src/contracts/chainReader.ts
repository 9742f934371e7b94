/**
 * Read side of the AVS contracts for aggregators, operators and auditors: the operator state of a
 * quorum at a block (members, operatorIds, G1 and G2 keys, stakes, aggregate key, total stake),
 * tasks from TaskCreated logs, results from TaskResponded logs, task status, and models.
 *
 * Every point read from the chain is validated at this boundary (G1 on curve, G2 in the subgroup);
 * BLS keys never change once registered, so they are cached per operator address. Transport
 * failures are ERR_CHAIN_RPC (retryable); a quorum with no history at the block is
 * ERR_CHAIN_QUORUM_UNKNOWN.
 */
import { getAddress, getBytes, type Provider } from 'ethers';
import type { G1Point as G1, G2Point as G2 } from '../bls/points.js';
import { ensureBls } from '../bls/init.js';
import { g1FromSolidity, g2FromSolidity, type G1Point, type G2Point } from '../bls/points.js';
import { aggregatePublicKeysG1 } from '../bls/signature.js';
import { profileFromId, type Profile } from '../protocol/profile.js';
import { decodeTaskTuple, parseTask, taskHashOfTuple, wordNumber, type Task } from '../protocol/task.js';
import { hexToBytes, keccak256Hex } from '../util/keccak.js';
import type { AvsAddresses } from './deployment.js';
import { ChainErrorCode, chainError, wrapReadError } from './errors.js';
import { InferenceOracle__factory, ModelRegistry__factory, OperatorRegistry__factory } from './generated/index.js';
import type { QuorumOperator, QuorumOperatorState } from './nonSigners.js';

/** A task as created on chain, from its TaskCreated log. */
export interface CreatedTask {
  task: Task;
  /** keccak256(abi.encode(task)) as emitted (checked against the recomputed hash). */
  taskHash: string;
  /** The canonical input bytes. */
  input: Uint8Array;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/** A task's accepted result, from its TaskResponded log. */
export interface TaskResult {
  taskId: bigint;
  taskHash: string;
  outputHash: string;
  output: Uint8Array;
  /** Per task quorum, at the reference block. */
  signedStake: bigint[];
  totalStake: bigint[];
  signatoryRecordHash: string;
  blockNumber: number;
  transactionHash: string;
}

/** The whole batch of a `respondToBatch` call (protocol.md "Batch attestation"). */
export interface RespondBatch {
  /** Every task of the batch, in leaf order. */
  tasks: Task[];
  /** Their outputs; an empty one is an abstain leaf. */
  outputs: Uint8Array[];
  /** Position of the audited task in the batch. */
  index: number;
}

/** A direct `respondToTask` or `respondToBatch` call, decoded from the transaction that emitted TaskResponded. */
export interface RespondCall {
  /** The transaction's sender (the submitting aggregator). */
  from: string;
  task: Task;
  output: Uint8Array;
  /** Set when the task was answered by `respondToBatch`: the batch its signature covers. */
  batch?: RespondBatch;
  /** NonSignerStakesAndSignature, validated points. */
  nonSignerPubkeys: G1[];
  apkG2: G2;
  sigma: G1;
}

/** Status of a task id in the oracle. */
export type TaskStatusName = 'none' | 'pending' | 'responded' | 'expired';

/** A model as the ModelRegistry stores it. */
export interface ModelInfo {
  modelId: string;
  manifestHash: string;
  onnxHash: string;
  uri: string;
  profile: Profile;
  tolerance: number;
  fee: bigint;
  slashWad: bigint;
  active: boolean;
}

/** Options of {@link ChainReader}. */
export interface ChainReaderOptions {
  /** Parallel eth_calls when fetching G2 keys of new operators (default 8). */
  concurrency?: number;
  /** Recompute Σ pkG1 and compare it with the registry's apk (default true; cheap). */
  checkApk?: boolean;
  /**
   * Quorum states kept (default 64; 0 = none), keyed by the block that wrote them (the registry's
   * quorumStateBlockAt): a past block's state never changes, and it changes only in the blocks where
   * an operator joins, leaves or has its stake updated, so tasks of many blocks share one read.
   */
  stateCacheSize?: number;
}

const STATUS: readonly TaskStatusName[] = ['none', 'pending', 'responded', 'expired'];

function isZeroG1(p: { X: bigint; Y: bigint }): boolean {
  return p.X === 0n && p.Y === 0n;
}

/**
 * Reads the AVS contracts at `addresses` through `provider`.
 * @example
 * const reader = new ChainReader(provider, deployment.avs);
 * const state = await reader.getQuorumState(0, task.referenceBlock);
 */
export class ChainReader {
  readonly addresses: AvsAddresses;
  private readonly provider: Provider;
  private readonly registry;
  private readonly oracle;
  private readonly models;
  private readonly keys = new Map<string, { operatorId: string; g1: G1Point; g2: G2Point }>();
  private readonly opts: Required<ChainReaderOptions>;
  private readonly states = new Map<string, Promise<QuorumOperatorState>>();

  constructor(provider: Provider, addresses: AvsAddresses, opts: ChainReaderOptions = {}) {
    this.provider = provider;
    this.addresses = addresses;
    this.registry = OperatorRegistry__factory.connect(addresses.operatorRegistry, provider);
    this.oracle = InferenceOracle__factory.connect(addresses.inferenceOracle, provider);
    this.models = ModelRegistry__factory.connect(addresses.modelRegistry, provider);
    this.opts = { concurrency: opts.concurrency ?? 8, checkApk: opts.checkApk ?? true, stateCacheSize: opts.stateCacheSize ?? 64 };
  }

  /**
   * The members of `quorum` at `blockNumber` with their keys and stakes, the aggregate G1 key and
   * the total stake. The registry's state "at block B" includes every change made in block B.
   */
  getQuorumState(quorum: number, blockNumber: number): Promise<QuorumOperatorState> {
    if (this.opts.stateCacheSize <= 0) return this.head(blockNumber).then((head) => this.readQuorumState(quorum, blockNumber, head));
    return this.cached(`${quorum}@${blockNumber}`, async () => {
      const head = await this.head(blockNumber);
      // The block that wrote the state in force: tasks of many blocks share one state read. A registry
      // without the view (or any error here) falls back to reading at the block itself.
      const written = await this.registry.quorumStateBlockAt(quorum, blockNumber, { blockTag: head }).then(Number, () => null);
      if (written === null || written > blockNumber) return this.readQuorumState(quorum, blockNumber, head);
      const st = await this.cached(`${quorum}#${written}`, () => this.readQuorumState(quorum, written, head));
      return st.blockNumber === blockNumber ? st : { ...st, blockNumber };
    });
  }

  /** Shares one promise per key (failures are not kept); least recently added entries go first. */
  private cached(key: string, read: () => Promise<QuorumOperatorState>): Promise<QuorumOperatorState> {
    const hit = this.states.get(key);
    if (hit) return hit;
    const p = read();
    this.states.set(key, p);
    p.catch(() => this.states.delete(key));
    while (this.states.size > this.opts.stateCacheSize) {
      const oldest = this.states.keys().next().value;
      if (oldest === undefined) break;
      this.states.delete(oldest);
    }
    return p;
  }

  /** The node's head, checked to have reached `blockNumber` (a future block's state is not final). */
  private async head(blockNumber: number): Promise<number> {
    const head = await this.call('eth_blockNumber', () => this.provider.getBlockNumber());
    if (blockNumber > head) throw chainError(ChainErrorCode.BlockNotReached, `Block ${blockNumber} is ahead of the node's head ${head}`, { details: { blockNumber, head } });
    return head;
  }

  private async readQuorumState(quorum: number, blockNumber: number, head: number): Promise<QuorumOperatorState> {
    await ensureBls();
    const s = await this.call(`OperatorRegistry.getQuorumState(${quorum}, ${blockNumber})`, () => this.registry.getQuorumState(quorum, blockNumber, { blockTag: head }));
    const n = s.operators.length;
    if (s.operatorIds.length !== n || s.pubkeysG1.length !== n || s.stakes.length !== n) {
      throw chainError(ChainErrorCode.BadData, `getQuorumState(${quorum}) returned arrays of different lengths`);
    }
    const addresses = s.operators.map((a) => getAddress(a));
    await this.loadKeys(addresses.filter((a) => !this.keys.has(a)), head);
    const operators: QuorumOperator[] = addresses.map((address, i) => {
      const k = this.keys.get(address)!;
      const id = (s.operatorIds[i] as string).toLowerCase();
      if (k.operatorId !== id) throw chainError(ChainErrorCode.BadData, `Operator ${address}: state lists operatorId ${id}, its keys say ${k.operatorId}`);
      return { address, operatorId: id, pubkeyG1: k.g1, pubkeyG2: k.g2, stake: s.stakes[i] as bigint };
    });
    let apk: G1Point | null = null;
    if (!isZeroG1(s.apk)) apk = this.point(() => g1FromSolidity({ X: s.apk.X, Y: s.apk.Y }), 'quorum apk');
    if (this.opts.checkApk) {
      const sum = operators.length === 0 ? null : aggregatePublicKeysG1(operators.map((o) => o.pubkeyG1));
      const same = sum === null || sum.isInfinity() ? apk === null : apk !== null && sum.equals(apk);
      if (!same) throw chainError(ChainErrorCode.BadData, `Quorum ${quorum} at block ${blockNumber}: the registry's apk is not the sum of its members' keys`);
    }
    const stakeSum = operators.reduce((a, o) => a + o.stake, 0n);
    if (stakeSum !== s.totalStake) throw chainError(ChainErrorCode.BadData, `Quorum ${quorum} at block ${blockNumber}: total stake ${s.totalStake} is not the sum of member stakes ${stakeSum}`);
    return { quorumNumber: quorum, blockNumber, operators, apk, totalStake: s.totalStake };
  }

  /** {@link getQuorumState} for each of `quorums` (a task's quorumNumbers) at one block. */
  async getQuorumStates(quorums: readonly number[], blockNumber: number): Promise<QuorumOperatorState[]> {
    const out: QuorumOperatorState[] = [];
    for (const q of quorums) out.push(await this.getQuorumState(q, blockNumber));
    return out;
  }

  /** The registered keys of `operator` (cached), or null when it never registered one. */
  async getOperatorKeys(operator: string): Promise<{ operatorId: string; pubkeyG1: G1Point; pubkeyG2: G2Point } | null> {
    await ensureBls();
    const address = getAddress(operator);
    if (!this.keys.has(address)) {
      const [id] = await this.call('OperatorRegistry.getOperatorPubkeys', () => this.registry.getOperatorPubkeys(address));
      if (/^0x0+$/.test(id)) return null;
      await this.loadKeys([address], 'latest');
    }
    const k = this.keys.get(address)!;
    return { operatorId: k.operatorId, pubkeyG1: k.g1, pubkeyG2: k.g2 };
  }

  /** Status of task `taskId` and the block it was responded in (0 if not responded). */
  async getTaskStatus(taskId: bigint | number): Promise<{ status: TaskStatusName; respondedBlock: number }> {
    const [status, respondedBlock] = await this.call('InferenceOracle.taskStatus', () => this.oracle.taskStatus(taskId));
    return { status: STATUS[Number(status)] ?? 'none', respondedBlock: Number(respondedBlock) };
  }

  /**
   * The accepted result of `taskId` from its TaskResponded log, or null when it has none yet.
   * `fromBlock` narrows the log search (default: the block the oracle reports it responded in).
   */
  async getTaskResult(taskId: bigint | number, fromBlock?: number): Promise<TaskResult | null> {
    const { status, respondedBlock } = await this.getTaskStatus(taskId);
    if (status !== 'responded') return null;
    const from = fromBlock ?? respondedBlock;
    const to = fromBlock === undefined ? respondedBlock : 'latest';
    const topics = [TASK_RESPONDED_TOPIC, `0x${BigInt(taskId).toString(16).padStart(64, '0')}`];
    const logs = await this.call('eth_getLogs TaskResponded', () => getLogsRaw(this.provider, { address: this.addresses.inferenceOracle, topics, fromBlock: from, toBlock: to }));
    const log = logs[0];
    if (!log) throw chainError(ChainErrorCode.BadData, `Task ${taskId} is responded at block ${respondedBlock} but no TaskResponded log was found there`);
    return this.parseTaskResponded(log);
  }

  /**
   * The TaskCreated log of `taskId` (indexed topic), parsed and hash-checked, or null when the
   * oracle never created it. `fromBlock`: where to start looking (the deployment's startBlock).
   */
  async getCreatedTask(taskId: bigint | number, fromBlock = 0, toBlock: number | 'latest' = 'latest'): Promise<CreatedTask | null> {
    const topics = [TASK_CREATED_TOPIC, `0x${BigInt(taskId).toString(16).padStart(64, '0')}`];
    const logs = await this.call('eth_getLogs TaskCreated', () => getLogsRaw(this.provider, { address: this.addresses.inferenceOracle, topics, fromBlock, toBlock }));
    const log = logs[0];
    return log ? this.parseTaskCreated(log) : null;
  }

  /**
   * Decodes the respondToTask or respondToBatch call of transaction `txHash` (the one that emitted
   * a TaskResponded): the task (for a batch, the one with `taskId`, and the whole batch), the output
   * and the non-signer keys, aggregate G2 key and signature. Null when the
   * transaction is not a direct call to the oracle (e.g. sent through another contract); the
   * non-signer data then cannot be read from calldata alone.
   */
  async getRespondCall(txHash: string, taskId?: bigint): Promise<RespondCall | null> {
    const tx = await this.call('eth_getTransactionByHash', () => this.provider.getTransaction(txHash));
    if (!tx) throw chainError(ChainErrorCode.BadData, `Transaction ${txHash} is not known to the node`);
    if (!tx.to || getAddress(tx.to) !== getAddress(this.addresses.inferenceOracle)) return null;
    let parsed;
    try {
      parsed = oracleInterface.parseTransaction({ data: tx.data, value: tx.value });
    } catch {
      return null;
    }
    if (!parsed || (parsed.name !== 'respondToTask' && parsed.name !== 'respondToBatch')) return null;
    let task: Task;
    let output: Uint8Array;
    let batch: RespondBatch | undefined;
    try {
      if (parsed.name === 'respondToTask') {
        task = parseTask(parsed.args.getValue('task'));
        output = getBytes(parsed.args.getValue('output') as string);
      } else {
        const tasks = (parsed.args.getValue('tasks') as unknown[]).map((t) => parseTask(t));
        const outputs = (parsed.args.getValue('outputs') as string[]).map((o) => getBytes(o));
        const index = taskId === undefined ? -1 : tasks.findIndex((t) => t.taskId === taskId);
        if (index < 0 || tasks.length !== outputs.length) return null;
        task = tasks[index]!;
        output = outputs[index]!;
        batch = { tasks, outputs, index };
      }
    } catch (cause) {
      throw chainError(ChainErrorCode.BadData, `${parsed.name} in ${txHash} carries an invalid task`, { cause });
    }
    const p = parsed.args.getValue('params') as { nonSignerPubkeys: { X: bigint; Y: bigint }[]; apkG2: { X: [bigint, bigint]; Y: [bigint, bigint] }; sigma: { X: bigint; Y: bigint } };
    await ensureBls();
    return {
      from: getAddress(tx.from),
      task,
      output,
      ...(batch ? { batch } : {}),
      nonSignerPubkeys: p.nonSignerPubkeys.map((k, i) => this.point(() => g1FromSolidity({ X: k.X, Y: k.Y }), `non-signer key ${i} in ${txHash}`)),
      apkG2: this.point(() => g2FromSolidity({ X: [p.apkG2.X[0], p.apkG2.X[1]], Y: [p.apkG2.Y[0], p.apkG2.Y[1]] }), `apkG2 in ${txHash}`),
      sigma: this.point(() => g1FromSolidity({ X: p.sigma.X, Y: p.sigma.Y }), `sigma in ${txHash}`),
    };
  }

  /** All model ids of the ModelRegistry, in registration order. */
  async getModelIds(): Promise<string[]> {
    const ids = await this.call('ModelRegistry.modelIds', () => this.models.modelIds());
    return ids.map((id) => id.toLowerCase());
  }

  /** TaskCreated logs of the oracle in [fromBlock, toBlock], parsed and hash-checked, in chain order. */
  async getCreatedTasks(fromBlock: number, toBlock: number | 'latest' = 'latest'): Promise<CreatedTask[]> {
    const logs = await this.call('eth_getLogs TaskCreated', () => getLogsRaw(this.provider, { address: this.addresses.inferenceOracle, topics: [TASK_CREATED_TOPIC], fromBlock, toBlock }));
    return logs.map((l) => this.parseTaskCreated(l));
  }

  /** Parses a TaskCreated log of this oracle; ERR_CHAIN_LOG_INVALID for anything else. */
  parseTaskCreated(log: LogLike): CreatedTask {
    return parseTaskCreatedLog(log, this.addresses.inferenceOracle);
  }

  /** Parses a TaskResponded log of this oracle; ERR_CHAIN_LOG_INVALID for anything else. */
  parseTaskResponded(log: LogLike): TaskResult {
    return parseTaskRespondedLog(log, this.addresses.inferenceOracle);
  }

  /** The model `modelId` from the ModelRegistry; ERR_CHAIN_MODEL_UNKNOWN when not registered. */
  async getModel(modelId: string): Promise<ModelInfo> {
    const exists = await this.call('ModelRegistry.exists', () => this.models.exists(modelId));
    if (!exists) throw chainError(ChainErrorCode.ModelUnknown, `Model ${modelId} is not registered in the ModelRegistry at ${this.addresses.modelRegistry}`, { details: { modelId } });
    const m = await this.call('ModelRegistry.getModel', () => this.models.getModel(modelId));
    return {
      modelId: modelId.toLowerCase(),
      manifestHash: m.manifestHash.toLowerCase(),
      onnxHash: m.onnxHash.toLowerCase(),
      uri: m.uri,
      profile: profileFromId(m.profile),
      tolerance: Number(m.tolerance),
      fee: m.fee,
      slashWad: m.slashWad,
      active: m.active,
    };
  }

  private async loadKeys(addresses: readonly string[], blockTag: number | 'latest'): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= addresses.length) return;
        const address = addresses[i]!;
        const [id, g1, g2] = await this.call('OperatorRegistry.getOperatorPubkeys', () => this.registry.getOperatorPubkeys(address, { blockTag }));
        const pk1 = this.point(() => g1FromSolidity({ X: g1.X, Y: g1.Y }), `pkG1 of ${address}`);
        const pk2 = this.point(() => g2FromSolidity({ X: [g2.X[0], g2.X[1]], Y: [g2.Y[0], g2.Y[1]] }), `pkG2 of ${address}`);
        this.keys.set(address, { operatorId: id.toLowerCase(), g1: pk1, g2: pk2 });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, addresses.length) }, worker));
  }

  private point<T>(fn: () => T, what: string): T {
    try {
      return fn();
    } catch (cause) {
      throw chainError(ChainErrorCode.BadData, `The chain holds an invalid ${what}`, { cause });
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw wrapReadError(err, what);
    }
  }
}

const oracleInterface = InferenceOracle__factory.createInterface();

/** topic0 of TaskCreated. */
export const TASK_CREATED_TOPIC: string = oracleInterface.getEvent('TaskCreated')!.topicHash;

/** The fields of a log that parseTaskCreatedLog reads (an ethers Log, or a raw eth_getLogs entry via {@link logFromRpc}). */
export interface LogLike {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: number;
  transactionHash: string;
  index: number;
}

/** What {@link getLogsRaw} asks for. */
export interface RawLogFilter {
  address: string;
  /** topic0 alternatives (or one topic0), then optional further topics (null = any). */
  topics: (string | string[] | null)[];
  fromBlock: number;
  toBlock: number | 'latest';
}

/**
 * eth_getLogs without ethers' per-log formatting (checksumming every address, building Log objects):
 * the raw JSON-RPC entries as LogLike, in chain order. Uses the provider's `send` (any ethers
 * JSON-RPC provider); a provider without one goes through getLogs. Hot path: every operator polls it
 * every block.
 */
export async function getLogsRaw(provider: Provider, filter: RawLogFilter): Promise<LogLike[]> {
  const send = (provider as { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
  const toTag = (b: number | 'latest'): string => (b === 'latest' ? b : `0x${b.toString(16)}`);
  if (typeof send !== 'function') {
    const logs = await provider.getLogs({ address: filter.address, topics: filter.topics, fromBlock: filter.fromBlock, toBlock: filter.toBlock });
    return logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data, blockNumber: l.blockNumber, transactionHash: l.transactionHash, index: l.index }));
  }
  const raw = await send.call(provider, 'eth_getLogs', [{ address: filter.address, topics: filter.topics, fromBlock: toTag(filter.fromBlock), toBlock: toTag(filter.toBlock) }]);
  if (!Array.isArray(raw)) throw chainError(ChainErrorCode.BadData, 'eth_getLogs did not return an array');
  return raw.map((r) => logFromRpc(r));
}

/** A raw eth_getLogs entry (hex quantities) as a LogLike; ERR_CHAIN_LOG_INVALID when it lacks a field. */
export function logFromRpc(raw: unknown): LogLike {
  const r = raw as { address?: unknown; topics?: unknown; data?: unknown; blockNumber?: unknown; transactionHash?: unknown; logIndex?: unknown };
  if (
    typeof r?.address !== 'string' || !Array.isArray(r.topics) || typeof r.data !== 'string' || typeof r.blockNumber !== 'string' ||
    typeof r.transactionHash !== 'string' || typeof r.logIndex !== 'string'
  ) {
    throw chainError(ChainErrorCode.LogInvalid, 'eth_getLogs returned an entry without address, topics, data, blockNumber, transactionHash or logIndex');
  }
  return { address: r.address, topics: r.topics as string[], data: r.data, blockNumber: Number(r.blockNumber), transactionHash: r.transactionHash, index: Number(r.logIndex) };
}

/**
 * Parses a TaskCreated log of `oracle` into a validated Task and its input; checks the task hash.
 * Decodes by hand (the event's layout is fixed: abi.encode(Task, bytes input) with the two taskId and
 * taskHash topics), strictly: a log whose data is not exactly what the contract's encoder writes is
 * ERR_CHAIN_LOG_INVALID, as is a task the schema refuses or an emitted taskHash that is not
 * keccak256(abi.encode(task)) over the log's own task bytes.
 */
export function parseTaskCreatedLog(log: LogLike, oracle: string): CreatedTask {
  const where = `Log ${log.transactionHash}#${log.index}`;
  if (log.address.toLowerCase() !== oracle.toLowerCase()) throw chainError(ChainErrorCode.LogInvalid, `Log at ${log.address} is not from the oracle ${oracle}`);
  if (log.topics.length !== 3 || log.topics[0]?.toLowerCase() !== TASK_CREATED_TOPIC) throw chainError(ChainErrorCode.LogInvalid, `${where} is not TaskCreated`);
  let data: Uint8Array;
  try {
    data = hexToBytes(log.data);
  } catch (cause) {
    throw chainError(ChainErrorCode.LogInvalid, `${where} does not decode as TaskCreated: data is not hex`, { cause });
  }
  const word = (off: number): number => wordNumber(data, off);
  const bad = (why: string, cause?: unknown): never => {
    throw chainError(ChainErrorCode.LogInvalid, `${where} does not decode as TaskCreated: ${why}`, cause === undefined ? undefined : { cause });
  };
  if (word(0) !== 64) bad('the task is not where abi.encode puts it');
  let task: Task;
  let end: number;
  try {
    ({ task, end } = decodeTaskTuple(data, 64));
  } catch (cause) {
    throw chainError(ChainErrorCode.LogInvalid, `TaskCreated in ${log.transactionHash} carries an invalid task`, { cause });
  }
  if (word(32) !== end) bad('the input is not where abi.encode puts it');
  const inputLen = word(end);
  const padded = Math.ceil(inputLen / 32) * 32;
  if (inputLen < 0 || end + 32 + padded !== data.length) bad('the input length does not match the data');
  for (let i = end + 32 + inputLen; i < data.length; i++) if (data[i] !== 0) bad('the input padding is not zero');
  const emitted = log.topics[2]!.toLowerCase();
  if (BigInt(log.topics[1]!) !== task.taskId) bad(`the taskId topic is not the task's id ${task.taskId}`);
  if (taskHashOfTuple(data.subarray(64, end)) !== emitted) throw chainError(ChainErrorCode.LogInvalid, `TaskCreated for task ${task.taskId}: emitted taskHash does not match keccak256(abi.encode(task))`);
  return {
    task,
    taskHash: emitted,
    input: data.slice(end + 32, end + 32 + inputLen),
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
    logIndex: log.index,
  };
}

/** topic0 of TaskResponded. */
export const TASK_RESPONDED_TOPIC: string = oracleInterface.getEvent('TaskResponded')!.topicHash;

/**
 * Parses a TaskResponded log of `oracle` (hand-decoded and strict as parseTaskCreatedLog: the data
 * must be exactly abi.encode(outputHash, output, signedStake, totalStake, signatoryRecordHash), and
 * outputHash must be keccak256(output)); ERR_CHAIN_LOG_INVALID otherwise.
 */
export function parseTaskRespondedLog(log: LogLike, oracle: string): TaskResult {
  const where = `Log ${log.transactionHash}#${log.index}`;
  if (log.address.toLowerCase() !== oracle.toLowerCase()) throw chainError(ChainErrorCode.LogInvalid, `Log at ${log.address} is not from the oracle ${oracle}`);
  if (log.topics.length !== 3 || log.topics[0]?.toLowerCase() !== TASK_RESPONDED_TOPIC) throw chainError(ChainErrorCode.LogInvalid, `${where} is not TaskResponded`);
  const bad = (why: string): never => {
    throw chainError(ChainErrorCode.LogInvalid, `${where} does not decode as TaskResponded: ${why}`);
  };
  let d: Uint8Array;
  try {
    d = hexToBytes(log.data);
  } catch {
    return bad('data is not hex');
  }
  const word = (off: number): number => wordNumber(d, off);
  const hexAt = (off: number): string => `0x${Buffer.from(d.buffer, d.byteOffset + off, 32).toString('hex')}`;
  // Head: outputHash, offset(output), offset(signedStake), offset(totalStake), signatoryRecordHash.
  let at = 5 * 32;
  if (word(32) !== at) bad('the output is not where abi.encode puts it');
  const outLen = word(at);
  if (outLen < 0 || at + 32 + outLen > d.length) bad('the output length does not fit the data');
  const output = d.slice(at + 32, at + 32 + outLen);
  for (let i = at + 32 + outLen; i < at + 32 + Math.ceil(outLen / 32) * 32; i++) if (d[i] !== 0) bad('the output padding is not zero');
  at += 32 + Math.ceil(outLen / 32) * 32;
  const stakes = (headOff: number, name: string): bigint[] => {
    if (word(headOff) !== at) bad(`${name} is not where abi.encode puts it`);
    const n = word(at);
    if (n < 0 || n > 256 || at + 32 + n * 32 > d.length) bad(`${name} has a bad length`);
    const out: bigint[] = [];
    for (let i = 0; i < n; i++) {
      const off = at + 32 + 32 * i;
      for (let k = off; k < off + 20; k++) if (d[k] !== 0) bad(`${name}[${i}] does not fit uint96`);
      out.push(BigInt(`0x${Buffer.from(d.buffer, d.byteOffset + off + 20, 12).toString('hex')}`));
    }
    at += 32 + n * 32;
    return out;
  };
  const signedStake = stakes(64, 'signedStake');
  const totalStake = stakes(96, 'totalStake');
  if (at !== d.length) bad('trailing bytes');
  const outputHash = hexAt(0);
  if (keccak256Hex(output) !== outputHash) bad('outputHash is not keccak256(output)');
  return {
    taskId: BigInt(log.topics[1]!),
    taskHash: log.topics[2]!.toLowerCase(),
    outputHash,
    output,
    signedStake,
    totalStake,
    signatoryRecordHash: hexAt(128),
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
}
