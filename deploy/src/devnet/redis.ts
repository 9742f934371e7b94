/**
 * Redis for the devnet: use the one on 127.0.0.1:6379 when something listens there, else start
 * `redis-server` from PATH on that port (no persistence, data in a temporary folder), else fail with
 * a message that says how to get one. Every devnet run uses its own key prefix; `deleteKeys`
 * removes them at the end so a shared Redis is left as it was found.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AioracleError } from '@aioracle/sdk';
import { Redis } from 'ioredis';
import { isListening, startProcess, waitFor, type ManagedProcess } from './processes.js';

/** The Redis the devnet uses. */
export interface DevnetRedis {
  url: string;
  /** The redis-server this devnet started, or null when one was already there. */
  process: ManagedProcess | null;
  /** Stops the redis-server it started (no-op otherwise). */
  stop: () => Promise<void>;
}

/** Path of an executable on PATH, or null. */
export function findExecutable(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** Makes sure Redis answers on 127.0.0.1:`port` (default 6379). Throws ERR_DEVNET_REDIS when it cannot. */
export async function ensureRedis(opts: { port?: number; logFile: string }): Promise<DevnetRedis> {
  const port = opts.port ?? 6379;
  const url = `redis://127.0.0.1:${port}`;
  if (await isListening(port)) return { url, process: null, stop: async () => undefined };
  const bin = findExecutable('redis-server');
  if (bin === null) {
    throw new AioracleError(
      'ERR_DEVNET_REDIS',
      `Nothing listens on 127.0.0.1:${port} and redis-server is not on PATH. Install Redis 7 (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or start one (docker run -d -p ${port}:6379 redis:7), then run again.`,
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'aioracle-devnet-redis-'));
  const proc = startProcess({ name: 'redis-server', command: bin, args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir], logFile: opts.logFile });
  try {
    await waitFor(() => isListening(port), 10_000, () => new AioracleError('ERR_DEVNET_REDIS', `redis-server did not start on port ${port} (see ${opts.logFile})`), 100, () => !proc.hasExited());
  } catch (err) {
    await proc.stop(1_000);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    process: proc,
    stop: async () => {
      await proc.stop(3_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every key starting with `prefix` (SCAN + UNLINK); returns how many. */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_.:-]+$/.test(prefix) || prefix.length < 8) throw new AioracleError('ERR_DEVNET_CONFIG', `Refusing to delete keys for the prefix "${prefix}"`);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) n += await redis.unlink(...keys);
    } while (cursor !== '0');
    return n;
  } finally {
    redis.disconnect();
  }
}

/** The process id of the redis-server at `url` (INFO server), or null when it does not say or is not on this machine. */
export async function redisServerPid(url: string): Promise<number | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    const m = /^process_id:(\d+)/m.exec(info);
    const pid = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}
