import { mkdtempSync, readFileSync, rmSync, statSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningLog } from '../../src/index.js';

const H = (n: number): string => `0x${n.toString(16).padStart(64, '0')}`;
const ORACLE = '0x00000000000000000000000000000000000000aa';

describe('SigningLog (anti-equivocation)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'siglog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records, accepts the same output again, refuses a different one', async () => {
    const log = await SigningLog.open({ path: join(dir, 'log') });
    const key = SigningLog.key(ORACLE, 7n);
    await expect(log.record(key, H(1), H(2))).resolves.toBe('recorded');
    await expect(log.record(key, H(1), H(2))).resolves.toBe('already-recorded');
    await expect(log.record(key, H(1), H(3))).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION' });
    await log.close();
    expect(statSync(join(dir, 'log')).mode & 0o777).toBe(0o600);
  });

  it('survives a restart: the record is on disk before record() resolves', async () => {
    const path = join(dir, 'log');
    const a = await SigningLog.open({ path });
    await a.record(SigningLog.key(ORACLE, 1n), H(1), H(10));
    expect(readFileSync(path, 'utf8')).toContain(H(10));
    await a.close();
    const b = await SigningLog.open({ path });
    expect(b.size).toBe(1);
    await expect(b.record(SigningLog.key(ORACLE, 1n), H(1), H(11))).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION' });
    await b.close();
  });

  it('refuses a concurrent different output for the same task (only one wins)', async () => {
    const log = await SigningLog.open({ path: join(dir, 'log') });
    const key = SigningLog.key(ORACLE, 5n);
    const results = await Promise.allSettled([log.record(key, H(1), H(20)), log.record(key, H(1), H(21))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await log.close();
  });

  it('group-commits many records and reloads them all', async () => {
    const path = join(dir, 'log');
    const log = await SigningLog.open({ path });
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.record(SigningLog.key(ORACLE, BigInt(i + 1)), H(i), H(i + 1000))));
    await log.close();
    const again = await SigningLog.open({ path });
    expect(again.size).toBe(200);
    for (let i = 0; i < 200; i++) expect(again.get(SigningLog.key(ORACLE, BigInt(i + 1)))).toBe(H(i + 1000));
    await again.close();
  });

  it('ignores a torn last line but refuses a corrupt middle line', async () => {
    const path = join(dir, 'log');
    const log = await SigningLog.open({ path });
    await log.record(SigningLog.key(ORACLE, 1n), H(1), H(2));
    await log.close();
    appendFileSync(path, '{"k":"torn');
    const ok = await SigningLog.open({ path });
    expect(ok.size).toBe(1);
    await ok.record(SigningLog.key(ORACLE, 2n), H(1), H(3));
    await ok.close();
    const reopened = await SigningLog.open({ path });
    expect(reopened.size).toBe(2);
    await reopened.close();
    const bad = join(dir, 'bad');
    appendFileSync(bad, `garbage\n${JSON.stringify({ k: 'x/1', t: H(1), o: H(2) })}\n`);
    await expect(SigningLog.open({ path: bad })).rejects.toMatchObject({ code: 'ERR_OPERATOR_SIGNING_LOG' });
  });
});
