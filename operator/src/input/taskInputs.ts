/**
 * The operator's side of inputs by reference (docs/protocol.md "Inputs by reference"): reads a task's
 * carrier from its TaskCreated input before the model is loaded (a malformed one is refused at once),
 * then fetches a blob or URI input through the sdk's InputResolver (cut off at the model's cap, hash
 * checked), counting every fetch by carrier and outcome and logging each refusal. Nothing here ever
 * returns bytes that do not hash to the task's inputHash.
 */
import { AioracleError, inputCapOf, noopLogger, parseInputRef, type InputRef, type InputResolver, type Logger, type Manifest } from '@aioracle/sdk';
import { OperatorErrorCode, operatorError } from '../errors.js';
import type { Metrics } from '../metrics.js';

/** Outcomes of an input fetch (the bounded label set of aioracle_operator_input_fetches_total). */
export const INPUT_FETCH_OUTCOMES = ['ok', 'unavailable', 'too_large', 'hash_mismatch', 'invalid'] as const;
export type InputFetchOutcome = (typeof INPUT_FETCH_OUTCOMES)[number];

function outcomeOf(err: unknown): InputFetchOutcome {
  switch (err instanceof AioracleError ? err.code : '') {
    case 'ERR_INPUT_UNAVAILABLE':
      return 'unavailable';
    case 'ERR_INPUT_TOO_LARGE':
      return 'too_large';
    case 'ERR_INPUT_HASH_MISMATCH':
      return 'hash_mismatch';
    default:
      return 'invalid';
  }
}

/** Collaborators of {@link TaskInputs}. */
export interface TaskInputsDeps {
  /** null: inline inputs only (every reference is refused as unavailable). */
  resolver: InputResolver | null;
  metrics?: Metrics | null;
  logger?: Logger;
}

export class TaskInputs {
  private readonly logger: Logger;

  constructor(private readonly deps: TaskInputsDeps) {
    this.logger = deps.logger ?? noopLogger;
  }

  /** The task's carrier; throws ERR_OPERATOR_BAD_INPUT when the input is neither inline nor a valid reference. */
  carrierOf(task: { inputHash: string }, eventInput: Uint8Array): InputRef {
    try {
      return parseInputRef(task.inputHash, eventInput);
    } catch (cause) {
      this.deps.metrics?.inputFetches.inc({ carrier: 'calldata', outcome: 'invalid' });
      throw operatorError(OperatorErrorCode.BadInput, `Input bytes do not hash to the task's inputHash ${task.inputHash} and are no valid reference descriptor`, { cause });
    }
  }

  /**
   * The canonical input bytes of a task: inline as they are, a reference fetched and checked.
   * Throws ERR_INPUT_* (non-retryable: the task is refused) with details.carrier.
   */
  async bytesOf(task: { taskId: bigint; inputHash: string; referenceBlock: number }, ref: InputRef, eventInput: Uint8Array, manifest: Manifest, log: Logger = this.logger): Promise<Uint8Array> {
    if (ref.carrier === 'calldata') return ref.bytes;
    const started = performance.now();
    try {
      if (!this.deps.resolver) throw new AioracleError('ERR_INPUT_UNAVAILABLE', `${ref.carrier} input but this node reads no inputs by reference`);
      const got = await this.deps.resolver.resolve(task, eventInput, inputCapOf(manifest));
      this.deps.metrics?.inputFetches.inc({ carrier: ref.carrier, outcome: 'ok' });
      this.deps.metrics?.inputFetchDuration.observe({ carrier: ref.carrier }, got.fetchSeconds);
      log.debug({ carrier: ref.carrier, bytes: got.bytes.length, seconds: got.fetchSeconds }, 'input fetched and verified');
      return got.bytes;
    } catch (err) {
      const outcome = outcomeOf(err);
      this.deps.metrics?.inputFetches.inc({ carrier: ref.carrier, outcome });
      this.deps.metrics?.inputFetchDuration.observe({ carrier: ref.carrier }, (performance.now() - started) / 1000);
      const e = err as { code?: string; message?: string };
      log.warn({ carrier: ref.carrier, outcome, code: e.code, err: e.message }, 'input by reference refused');
      throw err;
    }
  }
}
