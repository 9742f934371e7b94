/**
 * Turns a TaskCreated log into aggregation state: reads the operator state of the task's quorums at
 * its reference block (sdk ChainReader: members, ids, keys validated at the boundary, stakes,
 * totals), stores the snapshot and the task in Redis (idempotently), and schedules the expiry job.
 */
import type { ChainReader, CreatedTask, Logger } from '@aioracle/sdk';
import { taskToJson } from '@aioracle/sdk';
import type { Provider } from 'ethers';
import type { AggregatorMetrics } from '../metrics.js';
import { rememberOperatorKeys } from '../state/taskContexts.js';
import { requiredStake, type OperatorSnapshot, type StoredOperatorKeys, type TaskStore } from '../state/taskStore.js';

/** Collaborators of {@link TaskLoader}. */
export interface TaskLoaderDeps {
  reader: ChainReader;
  provider: Provider;
  store: TaskStore;
  metrics: AggregatorMetrics | null;
  logger: Logger;
  /** Called for each newly stored task (schedules its expiry). */
  onLoaded: (created: CreatedTask) => Promise<void>;
}

/** Loads tasks from their TaskCreated logs into Redis. */
export class TaskLoader {
  private readonly d: TaskLoaderDeps;
  private readonly blockTimes = new Map<number, number>();

  constructor(deps: TaskLoaderDeps) {
    this.d = deps;
  }

  /** Stores `created` unless it is already known; true when it was new. */
  async load(created: CreatedTask): Promise<boolean> {
    const { task } = created;
    const id = task.taskId.toString();
    if (await this.d.store.getStatus(id)) return false;
    const states = await this.d.reader.getQuorumStates(task.quorumNumbers, task.referenceBlock);
    const byId = new Map<string, { address: string; stakes: string[] }>();
    const keys = new Map<string, StoredOperatorKeys>();
    states.forEach((s, qi) => {
      for (const op of s.operators) {
        let e = byId.get(op.operatorId);
        if (!e) {
          e = { address: op.address, stakes: states.map(() => '') };
          byId.set(op.operatorId, e);
          keys.set(op.operatorId, { address: op.address, g1: op.pubkeyG1.toHex(), g2: op.pubkeyG2.toHex() });
          rememberOperatorKeys(op.operatorId, op.pubkeyG1, op.pubkeyG2);
        }
        e.stakes[qi] = op.stake.toString();
      }
    });
    const snapshot: OperatorSnapshot = {
      quorums: [...task.quorumNumbers],
      thresholdsBps: [...task.quorumThresholdBps],
      totals: states.map((s) => s.totalStake.toString()),
      required: states.map((s, i) => requiredStake(s.totalStake, task.quorumThresholdBps[i] ?? 10_000)),
      operators: [...byId.entries()].map(([opId, e]) => ({ id: opId, address: e.address, stakes: e.stakes })),
    };
    await this.d.store.saveOperatorKeys(keys);
    const createdAtMs = await this.blockTimeMs(created.blockNumber);
    const isNew = await this.d.store.createTask(
      { id, task: JSON.stringify(taskToJson(task)), taskHash: created.taskHash.toLowerCase(), createdAtMs, blockNumber: created.blockNumber },
      snapshot,
    );
    if (isNew) {
      this.d.metrics?.tasksLoaded.inc();
      this.d.logger.info({ taskId: id, modelId: task.modelId, quorums: task.quorumNumbers, operators: byId.size }, 'task loaded');
      await this.d.onLoaded(created);
    }
    return isNew;
  }

  private async blockTimeMs(block: number): Promise<number> {
    const hit = this.blockTimes.get(block);
    if (hit !== undefined) return hit;
    const b = await this.d.provider.getBlock(block);
    const t = b ? b.timestamp * 1000 : Date.now();
    if (this.blockTimes.size > 1024) this.blockTimes.clear();
    this.blockTimes.set(block, t);
    return t;
  }
}
