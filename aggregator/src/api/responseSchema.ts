/**
 * The body of POST /v1/responses (docs/aggregator-api.md), checked before anything else happens.
 * Hashes the operator might send are ignored: the aggregator recomputes outputHash and the digest.
 */
import { z } from 'zod';

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex string').transform((s) => s.toLowerCase());
const coord = z.string().regex(/^([0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/, 'must be a decimal or 0x-hex string');

/** Schema of a signed response. */
export const responseBodySchema = z.object({
  chainId: z.union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]{0,19}$/)], { error: 'must be a positive integer' }).transform((v) => BigInt(v)),
  oracle: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address').transform((s) => s.toLowerCase()),
  taskId: z
    .string({ error: 'must be a decimal string' })
    .regex(/^[1-9][0-9]{0,19}$/, 'must be a decimal string >= 1')
    .refine((s) => /^[0-9]+$/.test(s) && BigInt(s) < 1n << 64n, 'must fit in uint64'),
  taskHash: bytes32,
  operatorId: bytes32,
  output: z
    .string({ error: 'must be 0x-prefixed hex' })
    .regex(/^0x([0-9a-fA-F]{2})+$/, 'must be 0x-prefixed hex of whole bytes')
    .max(2 + 2 * 65_536, 'must be at most 65536 bytes')
    .transform((s) => s.toLowerCase()),
  signature: z.tuple([coord, coord], { error: 'must be [x, y] as decimal strings' }),
});

/** A parsed signed response. */
export type ResponseBody = z.output<typeof responseBodySchema>;
