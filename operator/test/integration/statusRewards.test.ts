/**
 * `aioracle-operator status` on the devnet (real anvil, the stand-in core and the AVS with its RewardsVault): the
 * rewards block names what each figure is — the submission (operator and stakers), the operator's own share and
 * where it comes from (the stand-in credits the whole submission), and claimed as the coordinator's count for the
 * token across every AVS — in text and JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Wallet } from 'ethers';
import { deployAll, startAnvil, type AnvilInstance } from '@aioracle/deploy';
import { runCli } from '../../src/index.js';

jest.setTimeout(300_000);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {} });
  return { code, out, err };
}

describe('status: the rewards block', () => {
  let anvil: AnvilInstance;
  let dir: string;
  let cfgFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opstatus-'));
    anvil = await startAnvil();
    await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey, deploymentsDir: dir });
    cfgFile = join(dir, 'operator.yaml');
    writeFileSync(
      cfgFile,
      [`eth_rpc_url: ${anvil.rpcUrl}`, `chain_id: ${anvil.chainId}`, `operator: { address: "${Wallet.createRandom().address}" }`, `avs: { deployment_file: ${join(dir, `${anvil.chainId}.json`)} }`].join('\n'),
    );
  });
  afterAll(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('text: submitted (you and your stakers), your share (stand-in: all of it), claimed (all AVSs, this token), unclaimed', async () => {
    const r = await cli(['status', '--config', cfgFile]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('rewards'));
    expect(lines.slice(at, at + 5).map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([
      'rewards earned, not yet submitted: 0 wei',
      'submitted to EigenLayer: 0 wei (for you and your stakers)',
      'your share of it: 0 wei (devnet stand-in coordinator: it credits the whole submission to the operator)',
      'claimed (all AVSs, this token): 0 wei',
      'unclaimed: 0 wei, claimable once a distribution root covers it',
    ]);
  });

  it('JSON: the share and the split it was derived with', async () => {
    const r = await cli(['status', '--config', cfgFile, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { rewards: unknown };
    expect(j.rewards).toEqual({ pendingWei: '0', submittedWei: '0', operatorShareWei: '0', split: { source: 'stand-in', bips: 10_000, byQuorum: [] }, claimedWei: '0', unclaimedWei: '0' });
  });
});
