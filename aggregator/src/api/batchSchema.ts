/**
 * The body of POST /v1/batches (docs/aggregator-api.md): one signature over a batch of tasks
 * (protocol.md "Batch attestation"). Checked before anything else happens. The shape rules of a
 * batch that need no chain data are here too (at most MAX_BATCH_LEAVES tasks, taskIds strictly
 * ascending); that every task has the body's reference block and one quorum configuration is
 * checked against the tasks the aggregator loaded. Output hashes, leaves, the root and the digest
 * are recomputed by the aggregator, never taken from the operator.
 */
import { MAX_BATCH_LEAVES } from '@aioracle/sdk';
import { z } from 'zod';

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex string').transform((s) => s.toLowerCase());
const coord = z.string().regex(/^([0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/, 'must be a decimal or 0x-hex string');
const taskId = z
  .string({ error: 'must be a decimal string' })
  .regex(/^[1-9][0-9]{0,19}$/, 'must be a decimal string >= 1')
  .refine((s) => BigInt(s) < 1n << 64n, 'must fit in uint64');

/** One leaf of a batch as the operator sends it: `output` null = abstain (the operator refused the task). */
const batchTaskSchema = z.object({
  taskId,
  taskHash: bytes32,
  output: z
    .string({ error: 'must be 0x-prefixed hex or null (abstain)' })
    .regex(/^0x([0-9a-fA-F]{2})+$/, 'must be 0x-prefixed hex of whole bytes, or null (abstain)')
    .max(2 + 2 * 65_536, 'must be at most 65536 bytes')
    .transform((s) => s.toLowerCase())
    .nullable(),
});

/** Schema of a signed batch. */
export const batchBodySchema = z
  .object({
    chainId: z.union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]{0,19}$/)], { error: 'must be a positive integer' }).transform((v) => BigInt(v)),
    oracle: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address').transform((s) => s.toLowerCase()),
    operatorId: bytes32,
    referenceBlock: z.number({ error: 'must be a block number' }).int('must be an integer').min(0).max(2 ** 32 - 1, 'must be a uint32'),
    tasks: z
      .array(batchTaskSchema, { error: 'must be an array of {taskId, taskHash, output}' })
      .min(1, 'must hold at least one task')
      .max(MAX_BATCH_LEAVES, `must hold at most ${MAX_BATCH_LEAVES} tasks (MAX_BATCH_LEAVES)`),
    signature: z.tuple([coord, coord], { error: 'must be [x, y] as decimal strings' }),
  })
  .superRefine((b, ctx) => {
    for (let i = 1; i < b.tasks.length; i++) {
      if (BigInt(b.tasks[i]!.taskId) <= BigInt(b.tasks[i - 1]!.taskId)) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'taskId'], message: 'must be strictly ascending (the batch in leaf order)' });
        return;
      }
    }
  });

/** A parsed signed batch. */
export type BatchBody = z.output<typeof batchBodySchema>;
