/**
 * End to end, inputs by reference (docs/protocol.md "Inputs by reference"): a devnet of 3 real
 * operator processes, the aggregator, anvil (cancun, 1 s blocks, blobs served on its beacon endpoint)
 * and Redis; the client CLI as a process; a local HTTP server the test controls as the URI host.
 *   - a blob input and a URI input are answered under quorum, and `aioracle audit --rerun` fetches,
 *     verifies and re-runs them;
 *   - a URI serving other bytes, an unreachable URI, and a URI whose body never ends are refused by every
 *     operator (counted by carrier and outcome), the tasks expire and the fee comes back;
 *   - the endless body is cut off at the model's cap;
 *   - a refused input does not spoil its batch: with a good task in the same block, every operator signs the
 *     good output and the refused task's abstain leaf, one respondToBatch answers the good task (audit --rerun
 *     checks it through the batch: Merkle path, aggregate over the batch digest), the other expires.
 */
import { jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindings, createProvider, destroyProvider, sendInferenceRequest, serveHttp, TxSender, type LocalHttpServer } from '@aioracle/sdk';
import { Wallet, ZeroHash, keccak256, parseEther, type JsonRpcProvider } from 'ethers';
import type { DevnetHandle } from '../../src/devnet/index.js';
import { eventually, runClient, signedOutputs, startTestDevnet, stopTestDevnet } from './helpers.js';

jest.setTimeout(180_000);

/** The exact-int demo model's input cap (no maxInputBytes: the calldata cap), where the endless body must be cut. */
const CAP = 65_536;
/** /endless writes one chunk of this size every ENDLESS_PACE_MS. */
const ENDLESS_CHUNK = 16 * 1024;
const ENDLESS_PACE_MS = 50;
/**
 * Chunks /endless may write after the reader cut off and before the server sees the connection close
 * (reader lag: an operator busy or starved of CPU for up to 8 x 50 ms = 400 ms).
 */
const ENDLESS_LAG_CHUNKS = 8;

/** Sum of a counter's samples on an operator's /metrics whose labels include all of `labels`. */
async function counter(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

describe('e2e: inputs by reference (blob, URI)', () => {
  let d: DevnetHandle;
  let provider: JsonRpcProvider;
  let server: LocalHttpServer;
  let base: string;
  const files = new Map<string, Uint8Array>();
  /** Bytes written per /endless request. */
  const endlessServed: number[] = [];

  beforeAll(async () => {
    server = await serveHttp((req, res) => {
      const path = req.url ?? '/';
      if (path === '/endless') {
        // Up to 64 MiB, chunked (no Content-Length): the reader must cut it off at the cap. Paced, one
        // 16 KiB chunk every 50 ms, so that what this server wrote tracks what the reader read: written as
        // fast as the socket takes it, some 4 MB sit in the loopback socket buffers before the first read
        // (measured), and the count would say nothing about where the reader stopped.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(ENDLESS_CHUNK, 1);
        const slot = endlessServed.push(0) - 1;
        let n = 0;
        let closed = false;
        let timer: NodeJS.Timeout | undefined;
        res.on('close', () => {
          closed = true;
          clearTimeout(timer);
        });
        const pump = (): void => {
          if (closed) return;
          if (n >= 4096) return void res.end();
          n++;
          endlessServed[slot]! += chunk.length;
          res.write(chunk);
          timer = setTimeout(pump, ENDLESS_PACE_MS);
        };
        return pump();
      }
      const body = files.get(path);
      if (!body) {
        res.statusCode = 404;
        return res.end();
      }
      res.end(Buffer.from(body));
    });
    base = server.url;
    d = await startTestDevnet({ operators: 3 });
    provider = createProvider(d.rpcUrl) as JsonRpcProvider;
  }, 240_000);
  afterAll(async () => {
    if (provider) await destroyProvider(provider);
    await stopTestDevnet(d);
    await server?.close();
  }, 60_000);

  const exactInt = () => d.models.find((m) => m.manifest.profile === 'exact-int')!;

  async function expectAnsweredAndAudited(carrier: 'blob' | 'uri', extra: string[]): Promise<void> {
    const m = exactInt();
    const inputFile = join(d.dir, `sample-${carrier}.json`);
    writeFileSync(inputFile, JSON.stringify({ inputBytes: `0x${Buffer.from(m.sampleInput).toString('hex')}` }));
    const res = await runClient(d, ['request', '--model', m.modelId, '--input', inputFile, ...extra, '--wait', '--timeout', '90', '--json']);
    expect({ carrier, code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ carrier, code: 0, stderr: '' });
    const j = JSON.parse(res.stdout.trim().split('\n').pop()!) as { taskId: string; status: string; carrier: string; output: string };
    expect({ carrier, status: j.status, sent: j.carrier }).toEqual({ carrier, status: 'responded', sent: carrier });
    if (m.sampleOutput) expect(j.output).toBe(m.sampleOutput);
    // every operator signed the accepted output: it fetched and verified the input
    const t = await d.waitForTask(BigInt(j.taskId));
    for (const op of d.operators) {
      const signed = await eventually(`${op.name} to sign ${carrier} task ${j.taskId}`, () => signedOutputs(d, op.name).get(j.taskId), 20_000);
      expect({ carrier, op: op.name, signed }).toEqual({ carrier, op: op.name, signed: t.outputHash });
      expect(await counter(op.metricsUrl, 'aioracle_operator_input_fetches_total', { carrier, outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    }
    const audit = await runClient(d, ['audit', j.taskId, '--rerun', '--json']);
    const report = JSON.parse(audit.stdout.trim().split('\n').pop()!) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[]; rerun: { ok: boolean } };
    const inputCheck = report.checks.find((c) => c.name === 'input');
    expect({ carrier, code: audit.code, ok: report.ok, rerun: report.rerun?.ok, input: inputCheck?.ok }).toEqual({ carrier, code: 0, ok: true, rerun: true, input: true });
    expect(inputCheck?.detail).toContain(`input by ${carrier}`);
  }

  it('answers a request whose input is in a blob, and audit --rerun fetches and verifies it', async () => {
    await expectAnsweredAndAudited('blob', ['--carrier', 'blob']);
  });

  it('answers a request whose input is at a URI, and audit --rerun fetches and verifies it', async () => {
    const m = exactInt();
    files.set('/sample.bin', m.sampleInput);
    await expectAnsweredAndAudited('uri', ['--uri', `${base}/sample.bin`]);
  });

  it('text-direction (a third-party vision model, 221 KB sample): the client picks blobs, the pulled model answers, audit --rerun passes', async () => {
    const m = d.refModels.find((x) => x.name === 'text-direction')!;
    expect(m.sampleInput.length).toBeGreaterThan(65_536);
    const sampleFile = join(d.modelsDir, 'text-direction', 'sample-input.json');
    const res = await runClient(d, ['request', '--model', 'text-direction', '--input', sampleFile, '--wait', '--timeout', '120', '--json'], 150_000);
    expect({ code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ code: 0, stderr: '' });
    const j = JSON.parse(res.stdout.trim().split('\n').pop()!) as { taskId: string; status: string; carrier: string; output: string; decoded: unknown };
    expect({ status: j.status, carrier: j.carrier, output: j.output }).toEqual({ status: 'responded', carrier: 'blob', output: m.sampleOutput });
    const audit = await runClient(d, ['audit', j.taskId, '--rerun', '--json'], 150_000);
    const report = JSON.parse(audit.stdout.trim().split('\n').pop()!) as { ok: boolean; rerun: { ok: boolean } };
    expect({ code: audit.code, ok: report.ok, rerun: report.rerun?.ok }).toEqual({ code: 0, ok: true, rerun: true });
  });

  it('the client refuses to send a URI that does not serve the encoded input (exit 2, nothing sent)', async () => {
    const m = exactInt();
    files.set('/other.bin', new Uint8Array([1, 2, 3]));
    const inputFile = join(d.dir, 'sample-check.json');
    writeFileSync(inputFile, JSON.stringify({ inputBytes: `0x${Buffer.from(m.sampleInput).toString('hex')}` }));
    const client = new Wallet(d.clientKey).address;
    const nonce = await provider.getTransactionCount(client, 'latest');
    const res = await runClient(d, ['request', '--model', m.modelId, '--input', inputFile, '--uri', `${base}/other.bin`, '--json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('ERR_INPUT_HASH_MISMATCH');
    expect(await provider.getTransactionCount(client, 'latest')).toBe(nonce);
  });

  it('a refused task does not spoil its batch: the good task of the same block is answered by respondToBatch, the refused one abstains and expires', async () => {
    const m = exactInt();
    const fee = BigInt(m.manifest.fee);
    files.set('/batch-good.bin', m.sampleInput);
    files.set('/batch-bad.bin', Uint8Array.from(m.sampleInput, (b, i) => (i === 3 ? b ^ 1 : b)));
    const sender = new TxSender(new Wallet(d.clientKey, provider));
    const oracle = bindings.InferenceOracle__factory.connect(d.deployment.avs.inferenceOracle, sender.signer);
    // Both requests in one block: mining paused while they reach the pool, then one block mined.
    await provider.send('evm_setIntervalMining', [0]);
    let receipts: Awaited<ReturnType<typeof sendInferenceRequest>>[];
    try {
      const sent = Promise.all(['good', 'bad'].map((k) => sendInferenceRequest(sender, oracle, { modelId: m.modelId, input: m.sampleInput, fee, carrier: 'uri', uri: `${base}/batch-${k}.bin` })));
      await eventually('both requests in the pool', async () => (Number((await provider.send('txpool_status', [])).pending) >= 2 ? true : undefined), 20_000, 50);
      await provider.send('evm_mine', []);
      receipts = await sent;
    } finally {
      await provider.send('evm_setIntervalMining', [1]);
    }
    expect(receipts[0]!.blockNumber).toBe(receipts[1]!.blockNumber);
    const [goodId, badId] = receipts.map((r) => r.logs.map((l) => oracle.interface.parseLog(l)).find((e) => e?.name === 'TaskCreated')!.args.getValue('taskId') as bigint);

    const good = await d.waitForTask(goodId!, 120_000);
    expect(good.status).toBe('finalised');
    const responded = await oracle.queryFilter(oracle.filters.TaskResponded(goodId), d.deployment.startBlock);
    expect(responded).toHaveLength(1);
    const tx = await provider.getTransaction(responded[0]!.transactionHash);
    expect(oracle.interface.parseTransaction({ data: tx!.data })?.name).toBe('respondToBatch');
    for (const op of d.operators) {
      // every operator signed the good task and the bad one's abstain leaf (outputHash 0) in the same batch
      const signed = await eventually(`${op.name} to sign the batch`, () => {
        const s = signedOutputs(d, op.name);
        return s.has(goodId!.toString()) && s.has(badId!.toString()) ? s : undefined;
      }, 20_000);
      expect({ op: op.name, good: signed.get(goodId!.toString()), bad: signed.get(badId!.toString()) }).toEqual({ op: op.name, good: good.outputHash, bad: ZeroHash });
    }
    // the auditor rebuilds the batch from the respondToBatch calldata: Merkle path, aggregate signature, re-run
    const audit = await runClient(d, ['audit', goodId!.toString(), '--rerun', '--json']);
    const report = JSON.parse(audit.stdout.trim().split('\n').pop()!) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[]; rerun: { ok: boolean } };
    expect({ code: audit.code, ok: report.ok, rerun: report.rerun?.ok }).toEqual({ code: 0, ok: true, rerun: true });
    expect(report.checks.map((c) => c.detail).join(' ')).toMatch(/over batch digest 0x[0-9a-f]{64} verifies/);
    const bad = await d.waitForTask(badId!, 120_000);
    expect(bad.status).toBe('expired');
  });

  it('refuses a URI input that does not hash to inputHash, an unreachable one and an endless one: nothing signed, expired, refunded', async () => {
    const m = exactInt();
    // A requester of its own, so that its balance shows the refunds exactly.
    const funder = new TxSender(new Wallet(d.clientKey, provider));
    const requester = Wallet.createRandom().connect(provider);
    const fund = await funder.signer.sendTransaction({ to: requester.address, value: parseEther('1') });
    await fund.wait();
    const sender = new TxSender(requester);
    const oracle = bindings.InferenceOracle__factory.connect(d.deployment.avs.inferenceOracle, sender.signer);
    const fee = BigInt(m.manifest.fee);
    files.set('/tampered.bin', Uint8Array.from(m.sampleInput, (b, i) => (i === 7 ? b ^ 1 : b)));
    const cases = [
      { what: 'bytes not matching inputHash', uri: `${base}/tampered.bin`, outcome: 'hash_mismatch' },
      { what: 'unreachable URI', uri: 'http://127.0.0.1:9/nothing-listens-here.bin', outcome: 'unavailable' },
      { what: `endless body (over the ${CAP}-byte cap)`, uri: `${base}/endless`, outcome: 'too_large' },
    ];
    const before = await Promise.all(d.operators.map(async (op) => Promise.all(cases.map((c) => counter(op.metricsUrl, 'aioracle_operator_input_fetches_total', { carrier: 'uri', outcome: c.outcome })))));
    let gas = 0n;
    const ids: { what: string; taskId: bigint }[] = [];
    for (const c of cases) {
      // sent through the sdk directly: the client CLI would refuse these before sending
      const receipt = await sendInferenceRequest(sender, oracle, { modelId: m.modelId, input: m.sampleInput, fee, carrier: 'uri', uri: c.uri });
      gas += receipt.gasUsed * receipt.gasPrice;
      const created = receipt.logs.map((l) => oracle.interface.parseLog(l)).find((e) => e?.name === 'TaskCreated');
      expect({ what: c.what, created: created !== undefined }).toEqual({ what: c.what, created: true });
      ids.push({ what: c.what, taskId: created!.args.getValue('taskId') as bigint });
    }
    for (const { what, taskId } of ids) {
      const t = await d.waitForTask(taskId, 120_000);
      expect({ what, status: t.status }).toEqual({ what, status: 'expired' });
      // No output signed: no record, or the batch's abstain leaf (outputHash 0, never evidence).
      for (const op of d.operators) {
        const signed = signedOutputs(d, op.name).get(taskId.toString());
        expect({ what, op: op.name, abstained: signed === undefined || signed === ZeroHash }).toEqual({ what, op: op.name, abstained: true });
      }
    }
    // Every operator fetched each input once and counted its refusal once, under its outcome: a refusal is
    // final (the resolver's own retries of an unreachable URI are one fetch), nothing is fetched again.
    for (const [i, op] of d.operators.entries()) {
      for (const [k, c] of cases.entries()) {
        const after = await counter(op.metricsUrl, 'aioracle_operator_input_fetches_total', { carrier: 'uri', outcome: c.outcome });
        expect({ op: op.name, what: c.what, counted: after - before[i]![k]! }).toEqual({ op: op.name, what: c.what, counted: 1 });
      }
    }
    // All three fees are back: the requester paid only gas.
    expect(await provider.getBalance(requester.address)).toBe(parseEther('1') - gas);
    // The endless body was cut off at the cap: one GET per operator (too_large is not retried), each
    // served at most
    //   CAP                                   what the reader may keep (sdk fetchUriBytes),
    // + ENDLESS_CHUNK                         the one read that takes its total past the cap: fetchUriBytes
    //                                         checks after each reader.read() and cancels on the first over
    //                                         it; a paced chunk arrives as one read when the reader keeps up,
    // + ENDLESS_LAG_CHUNKS x ENDLESS_CHUNK    written before the server saw the close, or unread in the
    //                                         socket when the reader cut off (its lag, 50 ms a chunk),
    // = 208 KiB. A reader that did not stop at the cap would be served a chunk every 50 ms until its
    // 10 s fetch timeout (about 3.2 MB a try), and counted unavailable, not too_large.
    const bound = CAP + ENDLESS_CHUNK + ENDLESS_LAG_CHUNKS * ENDLESS_CHUNK;
    expect(endlessServed.length).toBe(d.operators.length);
    for (const [i, n] of endlessServed.entries()) expect({ request: i, served: n, overCap: n > CAP, withinBound: n <= bound }).toEqual({ request: i, served: n, overCap: true, withinBound: true });
    expect(keccak256(m.sampleInput)).not.toBe(keccak256(files.get('/tampered.bin')!));
  });
});
