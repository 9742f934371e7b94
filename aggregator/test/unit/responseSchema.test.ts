import { responseBodySchema } from '../../src/api/responseSchema.js';
import { aggregatorConfigSchema, loadConfig } from '@aioracle/config';

const good = {
  chainId: 31337,
  oracle: '0x' + 'aB'.repeat(20),
  taskId: '42',
  taskHash: '0x' + '11'.repeat(32),
  operatorId: '0x' + '22'.repeat(32),
  output: '0x0101000000',
  signature: ['1', '2'],
};

describe('POST /v1/responses schema', () => {
  test('accepts a well-formed body and normalises it', () => {
    const r = responseBodySchema.parse(good);
    expect(r.chainId).toBe(31337n);
    expect(r.oracle).toBe('0x' + 'ab'.repeat(20));
  });

  const bad: [string, Record<string, unknown>][] = [
    ['taskId', { taskId: 'x' }],
    ['taskId', { taskId: '0' }],
    ['taskId', { taskId: '18446744073709551616' }],
    ['taskId', { taskId: 42 }],
    ['oracle', { oracle: '0x12' }],
    ['taskHash', { taskHash: '0x11' }],
    ['operatorId', { operatorId: undefined }],
    ['output', { output: '0x1' }],
    ['output', { output: '0x' }],
    ['signature', { signature: ['1'] }],
    ['signature', { signature: ['1', 'zz'] }],
    ['chainId', { chainId: -1 }],
  ];
  test.each(bad)('rejects a bad %s', (field, patch) => {
    const r = responseBodySchema.safeParse({ ...good, ...patch });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0])).toContain(field);
  });
});

describe('aggregator config', () => {
  const base = { eth_rpc_url: 'http://127.0.0.1:8545', deployment_file: 'd.json', submitter: { keystore_file: 'k.json' } };
  test('defaults', () => {
    const c = aggregatorConfigSchema.parse(base);
    expect(c.api.body_limit_bytes).toBe(65_536);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.submitter.password_env).toBe('AIORACLE_SUBMITTER_PASSWORD');
  });
  test('env overrides the file values, CLI overrides env', () => {
    const c = loadConfig({ schema: aggregatorConfigSchema, env: { AIORACLE_ETH_RPC_URL: 'http://127.0.0.1:8545', AIORACLE_DEPLOYMENT_FILE: 'd.json', AIORACLE_SUBMITTER__KEYSTORE_FILE: 'k', AIORACLE_API__PORT: '9000', AIORACLE_SUBMITTER_PASSWORD: 'secret' }, overrides: { 'api.host': '127.0.0.1' } });
    expect(c.api.port).toBe(9000);
    expect(c.api.host).toBe('127.0.0.1');
    expect(JSON.stringify(c)).not.toContain('secret');
  });
  test('missing contracts and keystore are reported together', () => {
    const r = aggregatorConfigSchema.safeParse({ eth_rpc_url: 'http://x' });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['submitter']));
  });
});
