import { spawnSync } from 'node:child_process';
import { decodeInput } from '@aioracle/sdk';
import { clientExports, loadDemoModels, percentile, runDevnetCli, variedInput } from '../../src/devnet/index.js';

const io = () => {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s), isTTY: false } };
};

describe('devnet CLI and helpers (no chain)', () => {
  it.each([
    [['--operators', '0']],
    [['--operators', 'x']],
    [['--block-time', '0.5']],
    [['--rate', '-1']],
    [['--unknown']],
    [['--operators', '2', '--byzantine', '3']],
  ])('rejects %j with exit code 2 before starting anything', async (argv) => {
    const { out, io: cliIo } = io();
    expect(await runDevnetCli(argv, cliIo)).toBe(2);
    expect(out.stderr).toMatch(/error/i);
    expect(out.stdout).not.toMatch(/Starting the devnet/);
  });

  it('--help exits 0 and shows the options and examples', async () => {
    const { out, io: cliIo } = io();
    expect(await runDevnetCli(['--help'], cliIo)).toBe(0);
    for (const s of ['--operators', '--byzantine', '--block-time', '--duration', '--json', '--prometheus', 'Examples:']) expect(out.stdout).toContain(s);
  });

  it('varied demo inputs always decode under their manifest', () => {
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (const m of loadDemoModels()) {
      for (let i = 0; i < 200; i++) {
        const bytes = variedInput(m, random);
        expect(() => decodeInput(m.manifest, bytes)).not.toThrow();
      }
    }
  });

  it('percentile uses nearest rank', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
  });

  it.each([
    ['/repo/.devnet/8545/deployments/31337.json', 'http://127.0.0.1:8545'],
    ["/home/a user/it's here/.devnet/9/deployments/31337.json", 'http://127.0.0.1:9'],
  ])('the client export lines, pasted into a shell, set the client CLI variables (deployment %s)', (deploymentFile, rpcUrl) => {
    const clientKey = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6';
    const lines = clientExports({ deploymentFile, rpcUrl, clientKey });
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^export AIORACLE_/);
    const sh = spawnSync('sh', ['-c', `${lines.join('\n')}\nprintf '%s\\n' "$AIORACLE_DEPLOYMENT" "$AIORACLE_RPC_URL" "$AIORACLE_PRIVATE_KEY"`], { encoding: 'utf8', env: {} });
    expect(sh.status).toBe(0);
    expect(sh.stdout).toBe(`${deploymentFile}\n${rpcUrl}\n${clientKey}\n`);
  });
});
