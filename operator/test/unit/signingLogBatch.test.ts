/**
 * SigningLog batch records: one append for every task of a batch and its root; refusal (writing
 * nothing) of any conflict with an earlier record, in a batch or alone, also after a reopen; a torn
 * batch write is cut off on reopen and only binds the tasks already on disk.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningLog } from '../../src/index.js';

const O = '0x00000000000000000000000000000000000000aa';
const h = (b: string): string => `0x${b.repeat(32)}`;
const ZERO = h('00');
const key = (id: number): string => SigningLog.key(O, BigInt(id));

describe('SigningLog.recordBatch', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slb-'));
    path = join(dir, 'signing.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records every task (abstention as bytes32(0)) and the root in one append; a reopened log refuses conflicts', async () => {
    let log = await SigningLog.open({ path });
    const entries = [
      { key: key(1), taskHash: h('01'), outputHash: h('a1') },
      { key: key(2), taskHash: h('02'), outputHash: null },
    ];
    expect(await log.recordBatch(SigningLog.batchKey(O, '9-1-2'), h('cc'), entries)).toBe('recorded');
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { k: key(1), t: h('01'), o: h('a1') },
      { k: key(2), t: h('02'), o: ZERO },
      { b: SigningLog.batchKey(O, '9-1-2'), r: h('cc'), n: 2 },
    ]);
    expect(await log.recordBatch(SigningLog.batchKey(O, '9-1-2'), h('cc'), entries)).toBe('already-recorded');
    await log.close();

    log = await SigningLog.open({ path }); // as after a crash and restart
    expect(log.get(key(2))).toBe(ZERO);
    expect(log.getBatch(SigningLog.batchKey(O, '9-1-2'))).toBe(h('cc'));
    const size = statSync(path).size;
    const cases: [string, () => Promise<unknown>][] = [
      ['same batch, another root', () => log.recordBatch(SigningLog.batchKey(O, '9-1-2'), h('dd'), entries)],
      ['another batch, another output for task 1', () => log.recordBatch(SigningLog.batchKey(O, 'x'), h('ee'), [{ key: key(1), taskHash: h('01'), outputHash: h('a2') }])],
      ['another batch, an output for the abstained task 2', () => log.recordBatch(SigningLog.batchKey(O, 'y'), h('ee'), [{ key: key(2), taskHash: h('02'), outputHash: h('a2') }])],
      ['another batch, an abstention on the answered task 1', () => log.recordBatch(SigningLog.batchKey(O, 'z'), h('ee'), [{ key: key(1), taskHash: h('01'), outputHash: null }])],
      ['task 1 alone, another output', () => log.record(key(1), h('01'), h('a2'))],
      ['task 2 alone after abstaining', () => log.record(key(2), h('02'), h('a1'))],
    ];
    for (const [name, attempt] of cases) {
      await expect(attempt().catch((e: unknown) => Promise.reject(Object.assign(e as object, { case: name })))).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION', case: name });
    }
    expect(statSync(path).size).toBe(size);
    // The same output alone is fine (the per-task fallback of a batch task).
    expect(await log.record(key(1), h('01'), h('a1'))).toBe('already-recorded');
    await log.close();
  });

  it('refuses a whole batch, writing none of it, when one task conflicts with a per-task record', async () => {
    const log = await SigningLog.open({ path });
    await log.record(key(5), h('05'), h('b5'));
    const size = statSync(path).size;
    await expect(
      log.recordBatch(SigningLog.batchKey(O, '9-4-2'), h('cc'), [
        { key: key(4), taskHash: h('04'), outputHash: h('b4') },
        { key: key(5), taskHash: h('05'), outputHash: h('b6') },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION' });
    expect(log.get(key(4))).toBeUndefined();
    expect(log.getBatch(SigningLog.batchKey(O, '9-4-2'))).toBeUndefined();
    expect(statSync(path).size).toBe(size);
    await log.close();
  });

  it('concurrent batches holding one task with different outputs: exactly one is recorded', async () => {
    const log = await SigningLog.open({ path });
    const r = await Promise.allSettled([
      log.recordBatch(SigningLog.batchKey(O, 'a'), h('c1'), [{ key: key(7), taskHash: h('07'), outputHash: h('d1') }]),
      log.recordBatch(SigningLog.batchKey(O, 'b'), h('c2'), [{ key: key(7), taskHash: h('07'), outputHash: h('d2') }]),
    ]);
    expect(r.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    await log.close();
  });

  it('a torn batch write is cut at the last complete line; the complete task lines still bind', async () => {
    let log = await SigningLog.open({ path });
    await log.close();
    appendFileSync(path, `${JSON.stringify({ k: key(8), t: h('08'), o: h('e8') })}\n{"k":"${key(9)}","t":"0x09`);
    log = await SigningLog.open({ path });
    expect(log.get(key(8))).toBe(h('e8'));
    expect(log.get(key(9))).toBeUndefined();
    await expect(log.recordBatch(SigningLog.batchKey(O, '9-8-2'), h('cc'), [{ key: key(8), taskHash: h('08'), outputHash: h('e9') }])).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION' });
    expect(await log.recordBatch(SigningLog.batchKey(O, '9-8-2'), h('cc'), [{ key: key(8), taskHash: h('08'), outputHash: h('e8') }, { key: key(9), taskHash: h('09'), outputHash: h('e9') }])).toBe('recorded');
    await log.close();
  });

  it('a log with two roots for one batch is corrupt and refuses to open', async () => {
    appendFileSync(path, `${JSON.stringify({ b: SigningLog.batchKey(O, 'q'), r: h('01'), n: 1 })}\n${JSON.stringify({ b: SigningLog.batchKey(O, 'q'), r: h('02'), n: 1 })}\n`);
    await expect(SigningLog.open({ path })).rejects.toMatchObject({ code: 'ERR_OPERATOR_SIGNING_LOG' });
  });
});
