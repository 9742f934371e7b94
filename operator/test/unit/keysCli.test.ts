import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBls, operatorIdFromPublicKey, g1FromSolidity } from '@aioracle/sdk';
import { runCli } from '../../src/index.js';

const FIXTURE = '/work/shared/fixtures/eigensdk-go/test.bls.key.json';

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env });
  return { code, out, err };
}

describe('aioracle-operator keys', () => {
  let dir: string;
  beforeAll(async () => {
    await initBls();
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the eigensdk-go fixture keystore as the key its file claims', async () => {
    const pw = join(dir, 'pw');
    writeFileSync(pw, 'test\n');
    const r = await cli(['keys', 'show', '--file', FIXTURE, '--password-file', pw, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { operatorId: string; pubkeyG1: [string, string]; pubkeyG2: [[string, string], [string, string]] };
    const m = /^E\(\[([0-9]+),([0-9]+)\]\)$/.exec((JSON.parse(readFileSync(FIXTURE, 'utf8')) as { pubKey: string }).pubKey)!;
    expect(j.pubkeyG1).toEqual([m[1], m[2]]);
    expect(j.operatorId).toBe(operatorIdFromPublicKey(g1FromSolidity([m[1]!, m[2]!])));
    expect(j.pubkeyG2.flat().every((v) => /^[0-9]+$/.test(v))).toBe(true);
  });

  it('imports the fixture into a keys dir and lists it without a password; a wrong password exits 4', async () => {
    const keysDir = join(dir, 'k1');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(keysDir);
    copyFileSync(FIXTURE, join(keysDir, 'fixture.bls.key.json'));
    const list = await cli(['keys', 'list', '--keys-dir', keysDir, '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.out) as { name: string }[])[0]?.name).toBe('fixture');
    const bad = await cli(['keys', 'show', '--name', 'fixture', '--keys-dir', keysDir], { AIORACLE_BLS_KEY_PASSWORD: 'nope' });
    expect(bad.code).toBe(4);
    expect(bad.err).toMatch(/ERR_KEYSTORE_WRONG_PASSWORD/);
  });

  it('imports a private key from a file (0600 keystore) and shows the same key', async () => {
    const keysDir = join(dir, 'k2');
    const skFile = join(dir, 'sk');
    writeFileSync(skFile, '69\n');
    const env = { AIORACLE_BLS_KEY_PASSWORD: 'pw' };
    const imp = await cli(['keys', 'import', '--name', 'op', '--private-key-file', skFile, '--keys-dir', keysDir], env);
    expect(imp.err).toBe('');
    expect(imp.code).toBe(0);
    expect(statSync(join(keysDir, 'op.bls.key.json')).mode & 0o777).toBe(0o600);
    const show = await cli(['keys', 'show', '--name', 'op', '--keys-dir', keysDir, '--json'], env);
    const j = JSON.parse(show.out) as { pubkeyG2: [[string, string], [string, string]] };
    // 69·G2 X imaginary part (EigenLayer's own vector, DESIGN section 4).
    expect(j.pubkeyG2[0][0]).toBe('5334410886741819556325359147377682006012228123419628681352847439302316235957');
    const again = await cli(['keys', 'import', '--name', 'op', '--private-key-file', skFile, '--keys-dir', keysDir], env);
    expect(again.code).toBe(4);
    expect(again.err).toMatch(/ERR_OPERATOR_KEY_EXISTS/);
  });

  it('usage errors exit 2; --help shows examples and exits 0', async () => {
    expect((await cli(["keys", "show"])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Examples:');
    expect((await cli(['nope'])).code).toBe(2);
  });
});
