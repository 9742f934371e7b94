/**
 * `aioracle-devnet --core <devnet|eigenlayer>` (no chain): option parsing, where `eigenlayer` looks for the real
 * core's artifacts, and the typed error it stops with at once (before starting anything) while the artifacts are
 * missing, or present but not deployable yet.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  EIGENLAYER_ARTIFACTS_ENV,
  EIGENLAYER_CORE_CONTRACTS,
  ERR_DEVNET_CORE_ARTIFACTS,
  ERR_DEVNET_CORE_UNSUPPORTED,
  buildDevnetCommand,
  checkDevnetCore,
  eigenLayerArtifactsDir,
  runDevnetCli,
} from '../../src/devnet/cli.js';
import { repoRoot } from '../../src/devnet/demoModels.js';

const io = () => {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s), isTTY: false } };
};

const tmp = mkdtempSync(join(tmpdir(), 'aioracle-core-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Parses argv with the real command and returns the options the action would get (nothing runs). */
async function parsed(argv: string[]): Promise<Record<string, unknown>> {
  const { io: cliIo } = io();
  let got: Record<string, unknown> = {};
  await buildDevnetCommand(cliIo, async (o) => {
    got = o as unknown as Record<string, unknown>;
    return 0;
  }).parseAsync(argv, { from: 'user' });
  return got;
}

describe('--core option', () => {
  it('defaults to devnet (the stand-in core) and accepts devnet and eigenlayer', async () => {
    expect((await parsed([])).core).toBe('devnet');
    expect((await parsed(['--core', 'devnet'])).core).toBe('devnet');
    expect((await parsed(['--core', 'eigenlayer'])).core).toBe('eigenlayer');
  });

  it('rejects another value as bad usage (exit 2), naming the choices, before starting anything', async () => {
    const { out, io: cliIo } = io();
    expect(await runDevnetCli(['--core', 'mainnet'], cliIo, {})).toBe(2);
    expect(out.stderr).toMatch(/--core/);
    expect(out.stderr).toMatch(/devnet, eigenlayer/);
    expect(out.stdout).not.toMatch(/Starting the devnet/);
  });

  it('--help lists --core', async () => {
    const { out, io: cliIo } = io();
    expect(await runDevnetCli(['--help'], cliIo, {})).toBe(0);
    expect(out.stdout).toContain('--core <core>');
    expect(out.stdout).toContain(EIGENLAYER_ARTIFACTS_ENV);
  });
});

describe('--core eigenlayer artifacts', () => {
  it('are looked up in ../shared/fixtures/eigenlayer-contracts beside the repository, or in $AIORACLE_EIGENLAYER_ARTIFACTS', () => {
    expect(eigenLayerArtifactsDir({})).toBe(join(dirname(repoRoot()), 'shared', 'fixtures', 'eigenlayer-contracts'));
    expect(eigenLayerArtifactsDir({ [EIGENLAYER_ARTIFACTS_ENV]: tmp })).toBe(tmp);
  });

  it('missing: exit 1 at once with ERR_DEVNET_CORE_ARTIFACTS saying what is missing, where it looked, and that the stand-in runs today', async () => {
    const dir = join(tmp, 'absent');
    const { out, io: cliIo } = io();
    expect(await runDevnetCli(['--core', 'eigenlayer', '--json'], cliIo, { [EIGENLAYER_ARTIFACTS_ENV]: dir })).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^error: ${ERR_DEVNET_CORE_ARTIFACTS}: `));
    expect(out.stderr).toContain(dir);
    expect(out.stderr).toContain('that folder does not exist');
    expect(out.stderr).toContain(EIGENLAYER_ARTIFACTS_ENV);
    expect(out.stderr).toMatch(/stand-in EigenLayer core \(avs-contracts\/src\/devnet-core\) today/);
    expect(out.stdout + out.stderr).not.toMatch(/Starting the devnet/);
  });

  it('partly there: the error lists each missing artifact (typed, with details)', () => {
    const dir = join(tmp, 'partial');
    for (const c of EIGENLAYER_CORE_CONTRACTS.slice(0, 3)) {
      mkdirSync(join(dir, `${c}.sol`), { recursive: true });
      writeFileSync(join(dir, `${c}.sol`, `${c}.json`), '{}');
    }
    let err: unknown;
    try {
      checkDevnetCore('eigenlayer', { [EIGENLAYER_ARTIFACTS_ENV]: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: ERR_DEVNET_CORE_ARTIFACTS, details: { dir } });
    const missing = (err as { details: { missing: string[] } }).details.missing;
    expect(missing).toEqual(EIGENLAYER_CORE_CONTRACTS.slice(3).map((c) => join(dir, `${c}.sol`, `${c}.json`)));
    for (const c of EIGENLAYER_CORE_CONTRACTS.slice(3)) expect((err as Error).message).toContain(`${c}.sol/${c}.json`);
    for (const c of EIGENLAYER_CORE_CONTRACTS.slice(0, 3)) expect((err as Error).message).not.toContain(`${c}.sol/${c}.json`);
  });

  it('all there: still exit 1 (ERR_DEVNET_CORE_UNSUPPORTED): the devnet does not deploy the real core yet, and says so', async () => {
    const dir = join(tmp, 'complete');
    for (const c of EIGENLAYER_CORE_CONTRACTS) {
      mkdirSync(join(dir, `${c}.sol`), { recursive: true });
      writeFileSync(join(dir, `${c}.sol`, `${c}.json`), '{}');
    }
    const { out, io: cliIo } = io();
    expect(await runDevnetCli(['--core', 'eigenlayer'], cliIo, { [EIGENLAYER_ARTIFACTS_ENV]: dir })).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^error: ${ERR_DEVNET_CORE_UNSUPPORTED}: .*${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(out.stderr).toMatch(/does not deploy the real core yet/);
    expect(out.stdout).not.toMatch(/Starting the devnet/);
  });

  it('--core devnet needs no artifacts', () => {
    expect(() => checkDevnetCore('devnet', { [EIGENLAYER_ARTIFACTS_ENV]: join(tmp, 'absent') })).not.toThrow();
  });
});
