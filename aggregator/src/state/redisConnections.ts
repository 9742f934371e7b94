/**
 * The two Redis connections each aggregator thread opens: a plain one (BullMQ, health, settings)
 * and an auto-pipelined one for the aggregation state, so the commands of many concurrent
 * responses go out in one write. Both close with `shutdown`.
 */
import type { ShutdownRegistry } from '@aioracle/sdk';
import { Redis } from 'ioredis';

export function openRedisConnections(url: string, shutdown: ShutdownRegistry): { redis: Redis; stateRedis: Redis } {
  const open = (name: string, pipelined: boolean): Redis => {
    const r = new Redis(url, { maxRetriesPerRequest: null, enableAutoPipelining: pipelined });
    shutdown.add(name, async () => {
      await r.quit().catch(() => r.disconnect());
    });
    return r;
  };
  return { redis: open('redis', false), stateRedis: open('redis (state)', true) };
}
