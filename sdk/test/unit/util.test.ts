import { jest } from '@jest/globals';
import { AioracleError } from '../../src/errors.js';
import { backoffDelay, retry, sleep } from '../../src/util/retry.js';
import { ShutdownRegistry } from '../../src/util/shutdown.js';
import { RefreshingValue } from '../../src/util/refreshing.js';
import { classifyTxError } from '../../src/chain/txSender.js';
import { ephemeralPortRange, freePort } from '../../src/util/net.js';
import { recordingLogger } from '../../src/observability.js';
import { createServer, type Server } from 'node:net';

describe('retry', () => {
  it('retries transient failures and returns the first success', async () => {
    let calls = 0;
    const out = await retry(async () => {
      calls++;
      if (calls < 3) throw new Error('flaky');
      return 'ok';
    }, { baseMs: 1, maxMs: 2 });
    expect(out).toBe('ok');
    expect(calls).toBe(3);
  });
  it('stops at once on a non-retryable error', async () => {
    let calls = 0;
    await expect(retry(async () => {
      calls++;
      throw new AioracleError('ERR_BAD', 'bad input');
    }, { baseMs: 1 })).rejects.toMatchObject({ code: 'ERR_BAD' });
    expect(calls).toBe(1);
  });
  it('gives up after the attempts and rethrows the last error', async () => {
    let calls = 0;
    await expect(retry(async () => {
      calls++;
      throw new Error(`fail ${calls}`);
    }, { attempts: 3, baseMs: 1, maxMs: 1 })).rejects.toThrow('fail 3');
  });
  it('caps the backoff and applies jitter', () => {
    expect(backoffDelay(1, 100, 5000, () => 0.999)).toBe(99);
    expect(backoffDelay(10, 100, 5000, () => 0.999)).toBe(4995);
    expect(backoffDelay(3, 100, 5000, () => 0)).toBe(0);
  });
  it('sleep rejects when aborted', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});

describe('ShutdownRegistry', () => {
  it('closes in reverse order, once, and reports failures', async () => {
    const order: string[] = [];
    const reg = new ShutdownRegistry();
    reg.add('redis', () => void order.push('redis'));
    reg.add('http', async () => {
      order.push('http');
      throw new Error('boom');
    });
    reg.add('worker', () => void order.push('worker'));
    const [a, b] = await Promise.all([reg.shutdown(1000), reg.shutdown(1000)]);
    expect(a).toBe(b);
    expect(order).toEqual(['worker', 'http', 'redis']);
    expect(a.failed.map((f) => f.name)).toEqual(['http']);
    expect(a.timedOut).toBe(false);
    expect(reg.signal.aborted).toBe(true);
  });
  it('times out a closer that hangs', async () => {
    const reg = new ShutdownRegistry();
    reg.add('stuck', () => new Promise(() => undefined));
    const r = await reg.shutdown(20);
    expect(r.timedOut).toBe(true);
  });
});

describe('classifyTxError', () => {
  it('maps reverts, nonce races, funds and transport errors to stable codes', () => {
    expect(classifyTxError({ code: 'CALL_EXCEPTION', revert: { name: 'TaskAlreadyResponded' } }, 'respondToTask')).toMatchObject({ code: 'ERR_TX_REVERTED', retryable: false, message: 'respondToTask reverted: TaskAlreadyResponded' });
    expect(classifyTxError({ code: 'NONCE_EXPIRED', message: 'nonce too low' }, 'f')).toMatchObject({ code: 'ERR_TX_NONCE', retryable: true });
    expect(classifyTxError({ code: 'INSUFFICIENT_FUNDS' }, 'f')).toMatchObject({ code: 'ERR_TX_FUNDS', retryable: false });
    expect(classifyTxError(new Error('ECONNREFUSED'), 'f')).toMatchObject({ code: 'ERR_RPC', retryable: true });
    // Nodes word nonce conflicts differently; ethers may keep the node's text only in the wrapped error.
    expect(classifyTxError({ code: 'UNKNOWN_ERROR', message: 'could not coalesce error', error: { code: -32003, message: 'transaction already imported' } }, 'f')).toMatchObject({ code: 'ERR_TX_NONCE' });
    expect(classifyTxError({ message: 'replacement transaction underpriced' }, 'f')).toMatchObject({ code: 'ERR_TX_NONCE' });
    expect(classifyTxError({ message: 'already known' }, 'f')).toMatchObject({ code: 'ERR_TX_NONCE' });
  });
});

describe('RefreshingValue', () => {
  it('reuses a fresh value, answers a stale one at once while one background read replaces it, and waits when it is too old', async () => {
    let now = 1_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const reads: ((v: number) => void)[] = [];
      const v = new RefreshingValue(() => new Promise<number>((r) => reads.push(r)), { freshMs: 100, maxAgeMs: 1_000 });
      // No value yet: concurrent callers share one read.
      const first = [v.get(), v.get()];
      expect(reads).toHaveLength(1);
      reads[0]!(1);
      expect(await Promise.all(first)).toEqual([1, 1]);
      now += 50;
      expect(await v.get()).toBe(1);
      expect(reads).toHaveLength(1);
      // Stale: the old value at once, one background read for several callers.
      now += 100;
      expect(await Promise.all([v.get(), v.get()])).toEqual([1, 1]);
      expect(reads).toHaveLength(2);
      reads[1]!(2);
      await new Promise((r) => setImmediate(r));
      expect(await v.get()).toBe(2);
      // Too old: the caller waits for a new read.
      now += 5_000;
      let done = false;
      const late = v.get().then((x) => ((done = true), x));
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(false);
      reads[2]!(3);
      expect(await late).toBe(3);
    } finally {
      clock.mockRestore();
    }
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const v = new RefreshingValue(async () => {
      if (fail) throw new Error('node down');
      return 7;
    }, { freshMs: 1_000, maxAgeMs: 10_000 });
    await expect(v.get()).rejects.toThrow('node down');
    fail = false;
    expect(await v.get()).toBe(7);
  });
});

describe('freePort', () => {
  it('returns a bindable port below the kernel ephemeral range, different across calls', async () => {
    const [low] = ephemeralPortRange();
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) ports.add(await freePort());
    for (const p of ports) {
      if (low > 21_000) {
        expect(p).toBeGreaterThanOrEqual(20_000);
        expect(p).toBeLessThan(low);
      }
      const srv: Server = await new Promise((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(p, '127.0.0.1', () => resolve(s));
      });
      await new Promise<void>((r) => srv.close(() => r()));
    }
    expect(ports.size).toBeGreaterThan(1);
  });
});

describe('recordingLogger', () => {
  it('keeps each line with its level, message and the bindings of child loggers', () => {
    const log = recordingLogger();
    log.info('started');
    log.child({ component: 'api' }).child({ taskId: '7' }).warn({ batch: 3 }, 'slow');
    log.error({ err: new Error('x') });
    expect(log.lines.map((l) => [l.level, l.msg, l.obj.component, l.obj.taskId, l.obj.batch])).toEqual([
      ['info', 'started', undefined, undefined, undefined],
      ['warn', 'slow', 'api', '7', 3],
      ['error', undefined, undefined, undefined, undefined],
    ]);
    expect(log.lines[2]!.obj.err).toBeInstanceOf(Error);
  });
});
