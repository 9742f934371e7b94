import { decodeInput } from '@aioracle/sdk';
import { loadDemoModels, percentile, runDevnetCli, variedInput } from '../../src/devnet/index.js';

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
});
