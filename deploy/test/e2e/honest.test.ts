/**
 * End to end, honest devnet: 4 operators (real `aioracle-operator` processes registered through
 * `register`), one aggregator process, anvil at 1 s blocks, Redis. One devnet for the file; each
 * test sends its own requests.
 */
import { jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindings, createProvider, destroyProvider } from '@aioracle/sdk';
import { Wallet, type JsonRpcProvider } from 'ethers';
import type { DevnetHandle } from '../../src/devnet/index.js';
import { eventually, runClient, signedOutputs, startTestDevnet, stopTestDevnet } from './helpers.js';

jest.setTimeout(120_000);

describe('e2e: 4 honest operators', () => {
  let d: DevnetHandle;
  let provider: JsonRpcProvider;

  beforeAll(async () => {
    d = await startTestDevnet({ operators: 4 });
    provider = createProvider(d.rpcUrl) as JsonRpcProvider;
  }, 180_000);
  afterAll(async () => {
    if (provider) await destroyProvider(provider);
    await stopTestDevnet(d);
  }, 60_000);

  it('finalises requests for both demo models, every operator signing the accepted output', async () => {
    expect(d.models.map((m) => m.manifest.profile).sort()).toEqual(['exact-int', 'exact-wasm']);
    const reqs = [];
    for (const m of d.models) {
      reqs.push({ model: m, sample: true, r: await d.request(m.name, m.sampleInput) });
      reqs.push({ model: m, sample: false, r: await d.request(m.name) });
    }
    for (const { model, sample, r } of reqs) {
      const t = await d.waitForTask(r.taskId);
      const what = `${model.name} task ${r.taskId}${sample ? ' (sample input)' : ''}`;
      expect({ what, status: t.status }).toEqual({ what, status: 'finalised' });
      expect(t.modelId).toBe(model.modelId);
      if (sample && model.sampleOutput) expect({ what, output: t.output }).toEqual({ what, output: model.sampleOutput });
      // Signed stake meets the threshold (stake is equal, so at least 3 of 4 signed).
      const share = Number(((t.signedStake![0] ?? 0n) * 10_000n) / (t.totalStake![0] ?? 1n));
      expect(share).toBeGreaterThanOrEqual(d.deployment.thresholdBps);
      // Every operator signed exactly the accepted output (its signing log records it before signing).
      for (const op of d.operators) {
        const signed = await eventually(`${op.name} to sign ${what}`, () => signedOutputs(d, op.name).get(r.taskId.toString()), 20_000);
        expect({ what, op: op.name, signed }).toEqual({ what, op: op.name, signed: t.outputHash });
      }
    }
  });

  it('publishes a feed round readable through the AggregatorV3Interface adapter', async () => {
    const adapter = bindings.AggregatorV3Interface__factory.connect(d.feed.adapter, provider);
    const round = await eventually(
      'a feed round',
      async () => {
        try {
          const r = await adapter.latestRoundData();
          return r.roundId > 0n ? r : undefined;
        } catch {
          return undefined; // no round yet
        }
      },
      90_000,
      500,
    );
    // The feed input is the sample's last (high-risk) position: class 2.
    expect(round.answer).toBe(2n);
    expect(round.answeredInRound).toBe(round.roundId);
    expect(Number(await adapter.decimals())).toBe(0);
    expect(await adapter.description()).toBe(d.feed.description);
  });

  it('aioracle audit --rerun --json confirms a finalised task', async () => {
    const m = d.models.find((x) => x.manifest.profile === 'exact-int')!;
    const r = await d.request(m.name);
    expect((await d.waitForTask(r.taskId)).status).toBe('finalised');
    const res = await runClient(d, ['audit', r.taskId.toString(), '--rerun', '--json']);
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const report = JSON.parse(res.stdout.trim().split('\n').pop()!) as { taskId: string; ok: boolean; checks: unknown[]; rerun?: { ok: boolean } };
    expect(report).toMatchObject({ taskId: r.taskId.toString(), ok: true, rerun: { ok: true } });
    expect(report.checks.length).toBeGreaterThan(0);
  });

  it('aioracle request with malformed input is refused by the client: exit 2, an ERR_ line, no task', async () => {
    const m = d.models.find((x) => x.manifest.profile === 'exact-int')!;
    const bad = join(d.dir, 'bad-input.json');
    // 21 features instead of 22, one of them outside int8.
    writeFileSync(bad, JSON.stringify({ inputs: { [m.manifest.inputs[0]!.name]: [[...Array.from({ length: 20 }, () => 1), 300]] } }));
    const client = new Wallet(d.clientKey).address;
    const nonceBefore = await provider.getTransactionCount(client, 'latest');
    const res = await runClient(d, ['request', '--model', m.modelId, '--input', bad, '--json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/error:? ERR_[A-Z0-9_]+/);
    // Nothing was sent: the client's nonce did not move and no new task appeared over two blocks.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await provider.getTransactionCount(client, 'latest')).toBe(nonceBefore);
    expect([...d.tracker.tasks.values()].filter((t) => t.requester === client)).toEqual([]);
  });
});
