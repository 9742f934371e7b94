/**
 * Operator registration with the AVS, as EigenLayer's slashing release defines it, one idempotent
 * step at a time (each step reads the chain first and is skipped when already done, so a run that
 * failed half-way can simply be repeated):
 *   1. DelegationManager.registerAsOperator            (EigenLayer operator, self-delegated)
 *   2. devnet only: mint the test token, deposit it into its strategy (operator = its own staker)
 *   3. AllocationManager.modifyAllocations             (magnitude to each quorum's strategies)
 *   4. AllocationManager.registerForOperatorSets       (data = abi.encode(PubkeyRegistrationParams),
 *      with the BLS proof of possession signed over the registry's EIP-712 digest)
 * and the reverse, deregistration from the AVS's operator sets.
 */
import { AbiCoder, ZeroAddress, ZeroHash, getAddress, type Provider, type Signer, type TransactionReceipt } from 'ethers';
import { ensureBls } from '../bls/init.js';
import { BlsSecretKey, blsKeyPairFromSecretKey, operatorIdFromPublicKey, type BlsKeyPair } from '../bls/keys.js';
import { signPubkeyRegistration } from '../bls/pubkeyRegistration.js';
import { TxSender } from '../chain/txSender.js';
import type { AvsAddresses, EigenLayerCoreAddresses } from './deployment.js';
import { ChainErrorCode, chainError, wrapReadError } from './errors.js';
import {
  DevnetToken__factory,
  IAllocationManager__factory,
  IDelegationManager__factory,
  IStrategyManager__factory,
  OperatorRegistry__factory,
} from './generated/index.js';

/** 1e18: full magnitude (100% of an operator's stake in a strategy). */
export const WAD = 10n ** 18n;

/** The ABI type of `PubkeyRegistrationParams` (docs/protocol.md "Proof of possession"). */
export const PUBKEY_REGISTRATION_PARAMS_ABI =
  'tuple(tuple(uint256 X, uint256 Y) pubkeyRegistrationSignature, tuple(uint256 X, uint256 Y) pubkeyG1, tuple(uint256[2] X, uint256[2] Y) pubkeyG2)';

/** A step of {@link registerOperator} / {@link deregisterOperator}. */
export type RegistrationStep = 'registerAsOperator' | 'mint' | 'deposit' | 'allocate' | 'registerForOperatorSets' | 'deregisterFromOperatorSets';

/** Progress of one step: `skipped` when the chain already had it. */
export interface RegistrationProgress {
  step: RegistrationStep;
  status: 'started' | 'done' | 'skipped';
  txHash?: string;
  gasUsed?: bigint;
  /** Short human-readable detail (amounts, quorums). Never contains keys. */
  detail?: string;
}

/** A BLS key for registration: the key pair, a secret key, or the scalar as bigint/hex. */
export type BlsKeyInput = BlsKeyPair | BlsSecretKey | bigint | string;

/** Parameters of {@link registerOperator}. */
export interface RegisterOperatorParams {
  /** The operator's ECDSA signer (connected to a provider), or a TxSender around it. */
  signer: Signer | TxSender;
  /** The operator's BLS key. */
  blsKey: BlsKeyInput;
  core: EigenLayerCoreAddresses;
  avs: Pick<AvsAddresses, 'inferenceOracle' | 'operatorRegistry'>;
  /** Quorums (operator set ids) to join; at least one. */
  quorums: number[];
  /** Metadata URI emitted by registerAsOperator (default ""). */
  metadataUri?: string;
  /** Allocation delay in blocks set by registerAsOperator (default 0). */
  allocationDelay?: number;
  /**
   * Devnet only: make the operator's own deposit in `strategy` at least `stake` by minting the
   * DevnetToken at `token` (anyone may mint it) and depositing the difference.
   */
  devnet?: { token: string; strategy: string; stake: bigint };
  /**
   * Magnitude (WAD) allocated to each quorum for each of its strategies when nothing is allocated
   * yet (default: 1e18 / number of quorums, so the allocations fit the operator's 1e18). `false`
   * skips allocation (the operator manages it itself).
   */
  allocateMagnitude?: bigint | false;
  onProgress?: (p: RegistrationProgress) => void;
}

/** What {@link registerOperator} found or did. */
export interface RegistrationResult {
  operator: string;
  operatorId: string;
  /** Quorums joined by this call (empty when the operator was already a member of all). */
  joined: number[];
  receipts: Partial<Record<RegistrationStep, TransactionReceipt>>;
}

/** Normalises a {@link BlsKeyInput} to a key pair (the BLS module must be initialised). */
export function toBlsKeyPair(key: BlsKeyInput): BlsKeyPair {
  if (key instanceof BlsSecretKey) return blsKeyPairFromSecretKey(key);
  if (typeof key === 'bigint') return blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(key));
  if (typeof key === 'string') return blsKeyPairFromSecretKey(BlsSecretKey.fromBytes(key));
  return key;
}

/**
 * abi.encode(PubkeyRegistrationParams) for `operator` registering at `registry` on `chainId`:
 * the proof of possession sk·hashToG1(EIP-712 digest) plus pkG1 and pkG2 (Solidity order).
 */
export function encodePubkeyRegistrationData(keyPair: BlsKeyPair, operator: string, registry: string, chainId: bigint | number): string {
  const sig = signPubkeyRegistration(keyPair.secretKey, { operator, chainId, verifyingContract: registry });
  const [sx, sy] = sig.toSolidity();
  const [px, py] = keyPair.publicKeyG1.toSolidity();
  const [qx, qy] = keyPair.publicKeyG2.toSolidity();
  return AbiCoder.defaultAbiCoder().encode([PUBKEY_REGISTRATION_PARAMS_ABI], [
    { pubkeyRegistrationSignature: { X: sx, Y: sy }, pubkeyG1: { X: px, Y: py }, pubkeyG2: { X: qx, Y: qy } },
  ]);
}

function senderOf(signer: Signer | TxSender): TxSender {
  return signer instanceof TxSender ? signer : new TxSender(signer);
}

function providerOf(sender: TxSender): Provider {
  const p = sender.signer.provider;
  if (!p) throw chainError(ChainErrorCode.RegistrationInvalid, 'The operator signer has no provider: connect it to one (new Wallet(key, provider))');
  return p;
}

function checkQuorums(quorums: readonly number[]): void {
  if (quorums.length === 0) throw chainError(ChainErrorCode.RegistrationInvalid, 'Validation failed: quorums must list at least one quorum');
  for (const q of quorums) {
    if (!Number.isInteger(q) || q < 0 || q > 255) throw chainError(ChainErrorCode.RegistrationInvalid, `Validation failed: quorum ${q} must be an integer 0..255`);
  }
}

async function read<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw wrapReadError(err, what);
  }
}

/**
 * Registers `signer` as an operator of the AVS in `quorums` (steps in the module header). Safe to
 * repeat: done steps are skipped. Errors: ERR_TX_* from sending (a revert names the custom error),
 * ERR_CHAIN_KEY_MISMATCH when the address already registered another BLS key,
 * ERR_CHAIN_ALLOCATION_DELAY_PENDING when EigenLayer does not yet accept allocations from it.
 * @example
 * await registerOperator({ signer: wallet, blsKey: keyPair, core: d.core, avs: d.avs, quorums: [0],
 *   devnet: { token: d.devnet.token, strategy: d.devnet.strategy, stake: 10n ** 21n } });
 */
export async function registerOperator(params: RegisterOperatorParams): Promise<RegistrationResult> {
  checkQuorums(params.quorums);
  await ensureBls();
  const sender = senderOf(params.signer);
  const provider = providerOf(sender);
  const runner = sender.signer;
  const operator = getAddress(await sender.getAddress());
  const keyPair = toBlsKeyPair(params.blsKey);
  const operatorId = operatorIdFromPublicKey(keyPair.publicKeyG1);
  const avs = getAddress(params.avs.inferenceOracle);
  const progress = params.onProgress ?? (() => undefined);
  const receipts: RegistrationResult['receipts'] = {};

  const dm = IDelegationManager__factory.connect(params.core.delegationManager, runner);
  const am = IAllocationManager__factory.connect(params.core.allocationManager, runner);
  const registry = OperatorRegistry__factory.connect(params.avs.operatorRegistry, runner);

  const send = async (step: RegistrationStep, contract: Parameters<TxSender['send']>[0], method: string, args: unknown[], detail?: string): Promise<void> => {
    progress({ step, status: 'started', ...(detail ? { detail } : {}) });
    const r = await sender.send(contract, method, args);
    receipts[step] = r;
    progress({ step, status: 'done', txHash: r.hash, gasUsed: r.gasUsed, ...(detail ? { detail } : {}) });
  };

  // The address may already hold a key in the registry; it is fixed forever, so it must be ours.
  const registeredId = await read('OperatorRegistry.operatorIdOf', () => registry.operatorIdOf(operator));
  if (registeredId !== ZeroHash && registeredId.toLowerCase() !== operatorId.toLowerCase()) {
    throw chainError(ChainErrorCode.KeyMismatch, `Operator ${operator} already registered BLS key ${registeredId}; this key is ${operatorId}. Use the registered key`, {
      details: { operator, registeredId, operatorId },
    });
  }
  for (const q of params.quorums) {
    if (!(await read('OperatorRegistry.quorumExists', () => registry.quorumExists(q)))) {
      throw chainError(ChainErrorCode.RegistrationInvalid, `Quorum ${q} does not exist in the OperatorRegistry`, { details: { quorum: q } });
    }
  }

  // 1. EigenLayer operator.
  if (await read('DelegationManager.isOperator', () => dm.isOperator(operator))) progress({ step: 'registerAsOperator', status: 'skipped' });
  else await send('registerAsOperator', dm, 'registerAsOperator', [ZeroAddress, params.allocationDelay ?? 0, params.metadataUri ?? '']);

  // 2. Devnet stake: top the operator's own deposit up to the target.
  if (params.devnet) {
    const { token, strategy, stake } = params.devnet;
    const sm = IStrategyManager__factory.connect(params.core.strategyManager, runner);
    const have = await read('StrategyManager.stakerDepositShares', () => sm.stakerDepositShares(operator, strategy));
    if (have >= stake) {
      progress({ step: 'mint', status: 'skipped' });
      progress({ step: 'deposit', status: 'skipped' });
    } else {
      const amount = stake - have;
      const tok = DevnetToken__factory.connect(token, runner);
      const balance = await read('DevnetToken.balanceOf', () => tok.balanceOf(operator));
      if (balance < amount) await send('mint', tok, 'mint', [operator, amount - balance], `${amount - balance} wei`);
      else progress({ step: 'mint', status: 'skipped' });
      const allowance = await read('DevnetToken.allowance', () => tok.allowance(operator, params.core.strategyManager));
      if (allowance < amount) await sender.send(tok, 'approve', [params.core.strategyManager, amount]);
      await send('deposit', sm, 'depositIntoStrategy', [strategy, token, amount], `${amount} wei`);
    }
  }

  // 3. Allocations: for each quorum and each of its strategies with nothing allocated (or pending).
  if (params.allocateMagnitude !== false) {
    const magnitude = params.allocateMagnitude ?? WAD / BigInt(params.quorums.length);
    const allocations: { operatorSet: { avs: string; id: number }; strategies: string[]; newMagnitudes: bigint[] }[] = [];
    for (const q of params.quorums) {
      const strategies = (await read('OperatorRegistry.quorumStrategies', () => registry.quorumStrategies(q))).map((s) => s.strategy);
      const todo: string[] = [];
      for (const s of strategies) {
        const a = await read('AllocationManager.getAllocation', () => am.getAllocation(operator, { avs, id: q }, s));
        if (a.currentMagnitude === 0n && a.pendingDiff === 0n) todo.push(s);
      }
      if (todo.length > 0) allocations.push({ operatorSet: { avs, id: q }, strategies: todo, newMagnitudes: todo.map(() => magnitude) });
    }
    if (allocations.length === 0) progress({ step: 'allocate', status: 'skipped' });
    else {
      const [isSet] = await read('AllocationManager.getAllocationDelay', () => am.getAllocationDelay(operator));
      if (!isSet) {
        throw chainError(ChainErrorCode.AllocationDelayPending, `EigenLayer does not yet accept allocations from ${operator}: its allocation delay is not in effect (ALLOCATION_CONFIGURATION_DELAY after registerAsOperator). Run registration again later`, {
          retryable: true,
          details: { operator },
        });
      }
      await send('allocate', am, 'modifyAllocations', [operator, allocations], `${magnitude} WAD to quorum(s) ${allocations.map((a) => a.operatorSet.id).join(',')}`);
    }
  }

  // 4. Join the operator sets (the registry's callback checks the proof of possession).
  const joined: number[] = [];
  for (const q of params.quorums) {
    if (!(await read('AllocationManager.isMemberOfOperatorSet', () => am.isMemberOfOperatorSet(operator, { avs, id: q })))) joined.push(q);
  }
  if (joined.length === 0) progress({ step: 'registerForOperatorSets', status: 'skipped' });
  else {
    const { chainId } = await read('eth_chainId', () => provider.getNetwork());
    const data = encodePubkeyRegistrationData(keyPair, operator, params.avs.operatorRegistry, chainId);
    await send('registerForOperatorSets', am, 'registerForOperatorSets', [operator, { avs, operatorSetIds: joined, data }], `quorum(s) ${joined.join(',')}`);
  }
  return { operator, operatorId, joined, receipts };
}

/** Parameters of {@link deregisterOperator}. */
export interface DeregisterOperatorParams {
  signer: Signer | TxSender;
  core: Pick<EigenLayerCoreAddresses, 'allocationManager'>;
  avs: Pick<AvsAddresses, 'inferenceOracle'>;
  /** Quorums to leave (default: every operator set of the AVS the operator is in). */
  quorums?: number[];
  onProgress?: (p: RegistrationProgress) => void;
}

/**
 * Leaves the AVS's operator sets (AllocationManager.deregisterFromOperatorSets). Idempotent:
 * quorums the operator is not in are ignored. Returns the quorums left.
 */
export async function deregisterOperator(params: DeregisterOperatorParams): Promise<number[]> {
  const sender = senderOf(params.signer);
  const operator = getAddress(await sender.getAddress());
  const avs = getAddress(params.avs.inferenceOracle);
  const am = IAllocationManager__factory.connect(params.core.allocationManager, sender.signer);
  const progress = params.onProgress ?? (() => undefined);
  const registered = (await read('AllocationManager.getRegisteredSets', () => am.getRegisteredSets(operator)))
    .filter((s) => getAddress(s.avs) === avs)
    .map((s) => Number(s.id));
  const leave = params.quorums === undefined ? registered : params.quorums.filter((q) => registered.includes(q));
  if (leave.length === 0) {
    progress({ step: 'deregisterFromOperatorSets', status: 'skipped' });
    return [];
  }
  progress({ step: 'deregisterFromOperatorSets', status: 'started', detail: `quorum(s) ${leave.join(',')}` });
  const r = await sender.send(am, 'deregisterFromOperatorSets', [{ operator, avs, operatorSetIds: leave }]);
  progress({ step: 'deregisterFromOperatorSets', status: 'done', txHash: r.hash, gasUsed: r.gasUsed });
  return leave;
}

