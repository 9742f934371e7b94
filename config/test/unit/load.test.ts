import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../src/load.js';
import { loadNetwork, networkForChainId, NETWORK_NAMES } from '../../src/networks.js';

const schema = z.object({
  eth_rpc_url: z.url().default('http://127.0.0.1:8545'),
  chain_id: z.number().int().positive(),
  redis: z.object({ url: z.string().default('redis://127.0.0.1:6379'), prefix: z.string().default('aio') }).default({ url: 'redis://127.0.0.1:6379', prefix: 'aio' }),
  concurrency: z.number().int().min(1).default(2),
});

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const f = join(dir, 'c.yaml');
  writeFileSync(f, text);
  return f;
}

describe('loadConfig', () => {
  it('applies defaults < file < env < cli', () => {
    const file = yamlFile('chain_id: 5\nconcurrency: 3\nredis:\n  prefix: fromfile\n');
    const cfg = loadConfig({
      schema,
      file,
      env: { AIORACLE_CONCURRENCY: '4', AIORACLE_REDIS__URL: 'redis://env:6379' },
      overrides: { concurrency: 7, 'redis.prefix': undefined },
    });
    expect(cfg).toEqual({ eth_rpc_url: 'http://127.0.0.1:8545', chain_id: 5, concurrency: 7, redis: { url: 'redis://env:6379', prefix: 'fromfile' } });
  });

  it('ignores env variables that name no field (secrets never enter the config)', () => {
    const cfg = loadConfig({ schema, env: { AIORACLE_CHAIN_ID: '1', AIORACLE_KEYSTORE_PASSWORD: 'hunter2' } });
    expect(JSON.stringify(cfg)).not.toContain('hunter2');
    expect(cfg.chain_id).toBe(1);
  });

  it('reports every invalid field at once with its path', () => {
    let err: unknown;
    try {
      loadConfig({ schema, env: { AIORACLE_ETH_RPC_URL: 'not a url', AIORACLE_CONCURRENCY: '0' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/^Validation failed:/);
    expect(e.message).toContain('eth_rpc_url');
    expect(e.message).toContain('chain_id');
    expect(e.message).toContain('concurrency');
  });

  it('gives clear errors for a missing or malformed file', () => {
    expect(() => loadConfig({ schema, file: '/nonexistent/x.yaml' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_UNREADABLE' }));
    expect(() => loadConfig({ schema, file: yamlFile('a: [1, 2\n') })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => loadConfig({ schema, file: yamlFile('- 1\n- 2\n') })).toThrow(/mapping/);
  });
});

describe('network files', () => {
  it.each(NETWORK_NAMES)('%s loads and validates', (name) => {
    const n = loadNetwork(name);
    expect(n.name).toBe(name);
    if (name !== 'devnet') expect(n.eigenlayer?.allocationManager).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });
  it('finds a network by chain id and rejects unknown names', () => {
    expect(networkForChainId(17000)?.name).toBe('holesky');
    expect(networkForChainId(999999)).toBeUndefined();
    expect(() => loadNetwork('nowhere')).toThrow(/unknown network/);
  });
});
