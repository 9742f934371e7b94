/** Pure parts of deploy: quorum validation, strategy order, keys, quorums file, CLI usage errors, artifacts. */
import { describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork } from '@aioracle/config';
import { EXIT, anvilBinaryPath, buildCli, defaultArtifactsDir, defaultOracleConfig, loadArtifact, loadDeployerKey, readQuorumsFile, sortStrategies, validateQuorums } from '../../src/index.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const tmp = () => mkdtempSync(join(tmpdir(), 'deploy-unit-'));

describe('quorums', () => {
  test('strategies are sorted ascending by address; duplicates are refused', () => {
    const s = sortStrategies([{ strategy: '0x00000000000000000000000000000000000000ff', multiplier: 1n }, { strategy: '0x0000000000000000000000000000000000000010', multiplier: 2n }]);
    expect(s.map((x) => x.multiplier)).toEqual([2n, 1n]);
    expect(() => sortStrategies([{ strategy: '0x0000000000000000000000000000000000000010', multiplier: 1n }, { strategy: '0x0000000000000000000000000000000000000010', multiplier: 2n }])).toThrow(/listed twice/);
  });
  test.each([
    [[], /at least one quorum/],
    [[{ quorumNumber: 0 }, { quorumNumber: 0 }], /listed twice/],
    [[{ quorumNumber: 256 }], /0\.\.255/],
    [[{ quorumNumber: 0, thresholdBps: 0 }], /thresholdBps/],
    [[{ quorumNumber: 0, thresholdBps: 6666 }], /thresholdBps must be 6667\.\.10000/],
    [[{ quorumNumber: 0, strategies: [{ strategy: '0x0000000000000000000000000000000000000010', multiplier: 0n }] }], /multiplier/],
  ])('invalid quorums %# are ERR_DEPLOY_CONFIG', (quorums, msg) => {
    expect(() => validateQuorums(quorums)).toThrow(msg);
  });
  test('default oracle config keeps maxStaleBlocks above the response window', () => {
    for (const w of [1, 20, 500]) expect(defaultOracleConfig(w).maxStaleBlocks).toBeGreaterThan(w);
  });
  test('a quorums file resolves strategy names through the network file', () => {
    const dir = tmp();
    const f = join(dir, 'q.json');
    writeFileSync(f, JSON.stringify([{ quorumNumber: 0, strategies: [{ strategy: 'WETH', multiplier: '2000000000000000000' }], thresholdBps: 6667 }]));
    const holesky = loadNetwork('holesky');
    const [q] = readQuorumsFile(f, holesky);
    expect(q!.strategies![0]).toEqual({ strategy: holesky.strategies.WETH!, multiplier: 2n * 10n ** 18n });
    writeFileSync(f, JSON.stringify([{ quorumNumber: 0, strategies: [{ strategy: 'NOPE' }] }]));
    expect(() => readQuorumsFile(f, holesky)).toThrow(/"NOPE" is neither an address nor a strategy of holesky/);
  });
});

describe('deployer key', () => {
  test('from the environment, a key file, or a JSON keystore; never echoed in errors', async () => {
    expect(await loadDeployerKey({ env: { AIORACLE_DEPLOYER_KEY: KEY } })).toBe(KEY);
    const dir = tmp();
    const f = join(dir, 'key');
    writeFileSync(f, `${KEY}\n`);
    chmodSync(f, 0o600);
    expect(await loadDeployerKey({ keyFile: f, env: {} })).toBe(KEY);
    const bad = join(dir, 'bad');
    writeFileSync(bad, '0x1234');
    chmodSync(bad, 0o600);
    await expect(loadDeployerKey({ keyFile: bad, env: {} })).rejects.toMatchObject({ code: 'ERR_DEPLOY_KEY_INVALID' });
    await expect(loadDeployerKey({ env: {} })).rejects.toMatchObject({ code: 'ERR_DEPLOY_KEY_MISSING' });
    const err = await loadDeployerKey({ env: { AIORACLE_DEPLOYER_KEY: `${KEY}00` } }).catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain(KEY.slice(2));
    const ks = join(dir, 'ks.json');
    writeFileSync(ks, '{"version":3}');
    chmodSync(ks, 0o600);
    await expect(loadDeployerKey({ keyFile: ks, env: {} })).rejects.toThrow(/AIORACLE_DEPLOYER_PASSWORD/);
  });
});

describe('CLI', () => {
  const run = async (argv: string[], env: Record<string, string> = {}) => {
    let out = '';
    let err = '';
    const { run } = buildCli({ stdout: (s) => (out += s), stderr: (s) => (err += s), env });
    const code = await run(argv);
    return { code, out, err };
  };
  test('--help lists the commands with examples and exits 0', async () => {
    const { program } = buildCli({ stdout: () => undefined, stderr: () => undefined, env: {} });
    const help = program.helpInformation();
    for (const c of ['deploy', 'register-model', 'create-feed']) expect(help).toContain(c);
  });
  test('an unknown command exits 2', async () => {
    const { code } = await run(['frobnicate']);
    expect(code).toBe(EXIT.usage);
  });
  test('deploy without a key exits 2 with ERR_DEPLOY_KEY_MISSING as JSON', async () => {
    const { code, out } = await run(['--json', 'deploy']);
    expect(code).toBe(EXIT.usage);
    expect(JSON.parse(out).error.code).toBe('ERR_DEPLOY_KEY_MISSING');
  });
  test('an unreachable RPC endpoint exits 1 (ERR_RPC)', async () => {
    const { code, out } = await run(['--json', '--rpc-url', 'http://127.0.0.1:1', 'deploy'], { AIORACLE_DEPLOYER_KEY: KEY });
    expect(code).toBe(EXIT.failure);
    expect(JSON.parse(out).error.code).toBe('ERR_RPC');
  }, 20_000);
});

describe('artifacts and binaries', () => {
  test('the avs-contracts artifacts are found through the package resolver and carry bytecode', () => {
    expect(defaultArtifactsDir()).toMatch(/avs-contracts[\\/]out$/);
    const a = loadArtifact('InferenceOracle');
    expect(a.bytecode.startsWith('0x60')).toBe(true);
    expect(a.runtimeSize).toBeGreaterThan(1000);
    expect(() => loadArtifact('NoSuchContract')).toThrow(expect.objectContaining({ code: 'ERR_DEPLOY_ARTIFACTS' }));
  });
  test('the npm anvil binary is found', () => {
    expect(existsSync(anvilBinaryPath())).toBe(true);
  });
});
