import { Registry } from 'prom-client';
import { AggregatorClient, getMetrics, isRetryableStatus } from '../../src/index.js';
import { startStubAggregator, type StubAggregator } from '../helpers/stubAggregator.js';

const body = { chainId: 1, oracle: '0x' + '11'.repeat(20), taskId: '1', taskHash: '0x' + '22'.repeat(32), operatorId: '0x' + '33'.repeat(32), output: '0x01', signature: ['1', '2'] as [string, string] };

describe('aggregator delivery retry policy', () => {
  let stub: StubAggregator;
  afterEach(async () => stub?.close());

  it.each([
    [[404, 429, 503], true, 4],
    [[500, 200], true, 2],
    [[400], false, 1],
    [[403], false, 1],
    [[409], false, 1],
    [[410], false, 1],
    [[413], false, 1],
    [[422], false, 1],
  ])('script %j → ok=%s after %d attempt(s)', async (script, ok, attempts) => {
    stub = await startStubAggregator(script);
    const metrics = getMetrics(new Registry());
    const client = new AggregatorClient({ urls: [stub.url], attempts: 5, baseMs: 1, maxMs: 2 }, { metrics });
    const [r] = await client.deliverAll(body);
    expect(r).toMatchObject({ ok, attempts });
    expect(stub.received).toHaveLength(attempts);
    expect(stub.received[0]).toEqual(body);
  });

  it('gives up after the attempts on a retryable status and counts the failure', async () => {
    stub = await startStubAggregator([503, 503, 503]);
    const register = new Registry();
    const metrics = getMetrics(register);
    const [r] = await new AggregatorClient({ urls: [stub.url], attempts: 3, baseMs: 1, maxMs: 2 }, { metrics }).deliverAll(body);
    expect(r).toMatchObject({ ok: false, status: 503, attempts: 3 });
    expect(await register.getSingleMetricAsString('aioracle_operator_delivery_failures_total')).toContain('reason="retries_exhausted"} 1');
  });

  it('retries network errors (nothing listening)', async () => {
    stub = await startStubAggregator();
    const url = stub.url;
    await stub.close();
    const [r] = await new AggregatorClient({ urls: [url], attempts: 2, baseMs: 1, maxMs: 2 }).deliverAll(body);
    expect(r).toMatchObject({ ok: false, status: null, outcome: 'ERR_NETWORK', attempts: 2 });
    stub = await startStubAggregator();
  });

  it('classifies statuses as the API says', () => {
    expect([404, 429, 500, 502, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 403, 409, 410, 413, 422].some(isRetryableStatus)).toBe(false);
  });
});
