import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOperatorConfig, readPassword } from '../../src/index.js';

const A = (n: number): string => `0x${n.toString(16).padStart(40, '0')}`;

describe('operator config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'opcfg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const yaml = `
eth_rpc_url: http://127.0.0.1:8545
chain_id: 31337
bls_private_key_store_path: keys/op.bls.key.json
avs:
  inference_oracle: "${A(1)}"
  operator_registry: "${A(2)}"
  model_registry: "${A(3)}"
aggregator_urls: [http://127.0.0.1:8090]
models: { dir: models }
`;

  it('applies defaults, resolves relative paths against the file, env overrides YAML, CLI overrides env', () => {
    const file = join(dir, 'operator.yaml');
    writeFileSync(file, yaml);
    const cfg = loadOperatorConfig(file, { 'queue.concurrency': 9 }, { AIORACLE_QUEUE__CONCURRENCY: '3', AIORACLE_WATCHER__CONFIRMATIONS: '2', AIORACLE_BLS_KEY_PASSWORD: 'not-config' });
    expect(cfg.queue.concurrency).toBe(9);
    expect(cfg.watcher.confirmations).toBe(2);
    expect(cfg.bls_private_key_store_path).toBe(join(dir, 'keys/op.bls.key.json'));
    expect(cfg.models.dir).toBe(join(dir, 'models'));
    expect(cfg.models.execution_provider).toBe('cpu');
    expect(cfg.node_api.listen).toBe('0.0.0.0:9010');
    expect(JSON.stringify(cfg)).not.toContain('not-config');
  });

  it('reports every bad field at once, naming it', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'eth_rpc_url: nope\nmodels: { execution_provider: tpu }\nqueue: { concurrency: 0 }\n');
    let msg = '';
    try {
      loadOperatorConfig(file, {}, {});
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_CONFIG_INVALID');
      msg = (e as Error).message;
    }
    for (const f of ['eth_rpc_url', 'models.execution_provider', 'queue.concurrency']) expect(msg).toContain(f);
  });

  it('requires the AVS addresses or a deployments file', () => {
    const file = join(dir, 'noavs.yaml');
    writeFileSync(file, 'eth_rpc_url: http://127.0.0.1:8545\n');
    expect(() => loadOperatorConfig(file, {}, {})).toThrow(/avs: set avs.deployment_file/);
  });

  it('reads passwords from a file first, then the env var; never from args', async () => {
    const pw = join(dir, 'pw');
    writeFileSync(pw, 'from-file\nsecond line\n');
    await expect(readPassword({ file: pw, envVar: 'X_PW', prompt: '', env: { X_PW: 'env' } })).resolves.toBe('from-file');
    await expect(readPassword({ envVar: 'X_PW', prompt: '', env: { X_PW: 'env' } })).resolves.toBe('env');
  });
});
