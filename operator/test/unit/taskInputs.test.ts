/**
 * TaskInputs (the operator's side of inputs by reference) with the sdk's real InputResolver against a
 * local HTTP server: every refused input is counted in aioracle_operator_input_fetches_total under its
 * carrier and outcome and logged once as "input by reference refused" (warn, with the outcome and code),
 * and no log line carries the URI's query (a token) or the input's bytes.
 */
import { EXAMPLE_MANIFEST_EXACT_INT, InputResolver, inputCapOf, blobRefBytes, recordingLogger, serveHttp, uriRefBytes, type LocalHttpServer, type RecordedLine } from '@aioracle/sdk';
import { hexlify, keccak256 } from 'ethers';
import { Registry } from 'prom-client';
import { getMetrics } from '../../src/index.js';
import { TaskInputs } from '../../src/input/taskInputs.js';

const TOKEN = 's3cr3t-access-token';
/** The input a requester sent: recognisable, so that a log line carrying it (as text or hex) is caught. */
const INPUT = new TextEncoder().encode('PRIVATE-INPUT-PAYLOAD '.repeat(40));
const TAMPERED = new TextEncoder().encode('PRIVATE-INPUT-PAYLOAD '.repeat(39) + 'PRIVATE-INPUT-PAYLOAX ');

describe('TaskInputs: refused inputs by reference are counted and logged, without secrets or bytes', () => {
  let server: LocalHttpServer;
  let base: string;
  beforeAll(async () => {
    server = await serveHttp((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/input.bin') return res.end(Buffer.from(INPUT));
      if (path === '/tampered.bin') return res.end(Buffer.from(TAMPERED));
      if (path === '/huge.bin') return res.end(Buffer.alloc(inputCapOf(EXAMPLE_MANIFEST_EXACT_INT) + 1, 0x41)); // over the model's cap
      res.statusCode = 404;
      res.end();
    });
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
  });

  function world(resolver: InputResolver | null = new InputResolver({ maxBytes: 1 << 20, attempts: 1 })) {
    const register = new Registry();
    const metrics = getMetrics(register);
    const logger = recordingLogger();
    const inputs = new TaskInputs({ resolver, metrics, logger });
    const fetches = async (carrier: string, outcome: string): Promise<number> =>
      (await register.getSingleMetric('aioracle_operator_input_fetches_total')!.get()).values.find((v) => v.labels.carrier === carrier && v.labels.outcome === outcome)?.value ?? 0;
    const all = async (): Promise<number> => (await register.getSingleMetric('aioracle_operator_input_fetches_total')!.get()).values.reduce((a, v) => a + v.value, 0);
    return { inputs, logger, fetches, all };
  }
  const task = { taskId: 7n, inputHash: keccak256(INPUT), referenceBlock: 100 };

  /** Fails when any recorded line carries the token, the input (text or hex) or the tampered bytes. */
  function expectNoSecrets(lines: RecordedLine[]): void {
    const text = JSON.stringify(lines);
    const hex = (b: Uint8Array) => hexlify(b).slice(2, 66); // any 32-byte run of the bytes, hex
    expect({ token: text.includes(TOKEN), input: text.includes('PRIVATE-INPUT'), inputHex: text.includes(hex(INPUT)), tamperedHex: text.includes(hex(TAMPERED)) }).toEqual({ token: false, input: false, inputHex: false, tamperedHex: false });
  }

  it.each([
    ['bytes that do not hash to inputHash', '/tampered.bin', 'hash_mismatch', 'ERR_INPUT_HASH_MISMATCH', `hashes to ${keccak256(TAMPERED)}, not the task's inputHash ${keccak256(INPUT)}`],
    ['a body over the model cap', '/huge.bin', 'too_large', 'ERR_INPUT_TOO_LARGE', '?…'],
    ['a URI answering 404', '/missing.bin', 'unavailable', 'ERR_INPUT_UNAVAILABLE', 'answered HTTP 404'],
  ])('refuses %s (GET %s): one warn line, counted once as uri/%s', async (_what, path, outcome, code, inMessage) => {
    const w = world();
    const eventInput = uriRefBytes(`${base}${path}?token=${TOKEN}`);
    const ref = w.inputs.carrierOf(task, eventInput);
    expect(ref.carrier).toBe('uri');
    const log = w.logger.child({ taskId: task.taskId.toString() });
    await expect(w.inputs.bytesOf(task, ref, eventInput, EXAMPLE_MANIFEST_EXACT_INT, log)).rejects.toMatchObject({ code });

    const refused = w.logger.lines.filter((l) => l.msg === 'input by reference refused');
    expect(refused.map((l) => ({ level: l.level, taskId: l.obj.taskId, carrier: l.obj.carrier, outcome: l.obj.outcome, code: l.obj.code }))).toEqual([{ level: 'warn', taskId: '7', carrier: 'uri', outcome, code }]);
    expect(refused[0]!.obj.err).toEqual(expect.stringContaining(inMessage));
    expect(Object.keys(refused[0]!.obj).sort()).toEqual(['carrier', 'code', 'err', 'outcome', 'taskId']); // no error object, no bytes field
    expect({ counted: await w.fetches('uri', outcome), all: await w.all() }).toEqual({ counted: 1, all: 1 });
    expectNoSecrets(w.logger.lines);
  });

  it('a node that reads no inputs by reference refuses a blob input as unavailable (counted, logged)', async () => {
    const w = world(null);
    const eventInput = blobRefBytes([`0x01${'ab'.repeat(31)}`]);
    const ref = w.inputs.carrierOf(task, eventInput);
    await expect(w.inputs.bytesOf(task, ref, eventInput, EXAMPLE_MANIFEST_EXACT_INT)).rejects.toMatchObject({ code: 'ERR_INPUT_UNAVAILABLE' });
    expect(w.logger.lines.filter((l) => l.msg === 'input by reference refused').map((l) => [l.level, l.obj.carrier, l.obj.outcome])).toEqual([['warn', 'blob', 'unavailable']]);
    expect(await w.fetches('blob', 'unavailable')).toBe(1);
  });

  it('an input that fetches and verifies: counted ok, no warn line, and the debug line has sizes only', async () => {
    const w = world();
    const eventInput = uriRefBytes(`${base}/input.bin?token=${TOKEN}`);
    const got = await w.inputs.bytesOf(task, w.inputs.carrierOf(task, eventInput), eventInput, EXAMPLE_MANIFEST_EXACT_INT);
    expect(keccak256(got)).toBe(task.inputHash);
    expect({ ok: await w.fetches('uri', 'ok'), all: await w.all() }).toEqual({ ok: 1, all: 1 });
    expect(w.logger.lines.map((l) => [l.level, l.msg, l.obj.bytes])).toEqual([['debug', 'input fetched and verified', INPUT.length]]);
    expectNoSecrets(w.logger.lines);
  });
});
