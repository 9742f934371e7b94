/**
 * The two Redis connections each aggregator thread opens: a plain one (BullMQ, health, settings)
 * and an auto-pipelined one for the aggregation state, so the commands of many concurrent
 * responses go out in one write. Both close with `shutdown`.
 *
 * While Redis is down the client reconnects on its own and keeps commands queued
 * (maxRetriesPerRequest null, as BullMQ needs). Connection errors are logged, at most one line per
 * connection every 10 s, and the return is logged once.
 */
import type { Logger, ShutdownRegistry } from '@aioracle/sdk';
import { Redis } from 'ioredis';

const ERROR_LOG_EVERY_MS = 10_000;

export function openRedisConnections(url: string, shutdown: ShutdownRegistry, logger: Logger): { redis: Redis; stateRedis: Redis } {
  const open = (name: string, pipelined: boolean): Redis => {
    const r = new Redis(url, { maxRetriesPerRequest: null, enableAutoPipelining: pipelined });
    let lastErrorLogAt = 0;
    let failing = false;
    r.on('error', (err: Error) => {
      failing = true;
      const now = Date.now();
      if (now - lastErrorLogAt < ERROR_LOG_EVERY_MS) return;
      lastErrorLogAt = now;
      logger.error({ connection: name, err }, 'redis connection failing; reconnecting');
    });
    r.on('ready', () => {
      if (!failing) return;
      failing = false;
      lastErrorLogAt = 0;
      logger.info({ connection: name }, 'redis connection restored');
    });
    shutdown.add(name, async () => {
      await r.quit().catch(() => r.disconnect());
    });
    return r;
  };
  return { redis: open('redis', false), stateRedis: open('redis (state)', true) };
}
