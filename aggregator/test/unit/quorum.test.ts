import { meetsThresholdBps, quorumReached, stakeShare } from '../../src/quorum.js';
import { requiredStake } from '../../src/state/taskStore.js';

describe('quorum math', () => {
  test('exact threshold meets, one wei below does not', () => {
    expect(meetsThresholdBps(5n, 10n, 5000)).toBe(true);
    expect(meetsThresholdBps(4n, 10n, 5000)).toBe(false);
    const total = 3n * 10n ** 21n;
    const req = BigInt(requiredStake(total, 6667));
    expect(meetsThresholdBps(req, total, 6667)).toBe(true);
    expect(meetsThresholdBps(req - 1n, total, 6667)).toBe(false);
  });

  test('requiredStake equals the smallest signed stake meeting the rule', () => {
    const cases: [bigint, number][] = [[9n, 5000], [10n, 5000], [1n, 1], [1n, 10000], [12345678901234567890123n, 6667], [7n, 3333]];
    for (const [total, bps] of cases) {
      const req = BigInt(requiredStake(total, bps));
      expect([total, bps, meetsThresholdBps(req, total, bps)]).toEqual([total, bps, true]);
      expect([total, bps, req === 0n || !meetsThresholdBps(req - 1n, total, bps)]).toEqual([total, bps, true]);
    }
  });

  test('every quorum must meet its own threshold', () => {
    expect(quorumReached([5n, 5n], [9n, 10n], [5000, 5000])).toBe(true);
    expect(quorumReached([4n, 5n], [9n, 10n], [5000, 5000])).toBe(false);
    expect(quorumReached([5n, 4n], [9n, 10n], [5000, 5000])).toBe(false);
    expect(quorumReached([0n], [0n], [1])).toBe(false);
    expect(quorumReached([1n], [1n, 1n], [1, 1])).toBe(false);
    expect(quorumReached([], [], [])).toBe(false);
  });

  test('empty quorum is unreachable', () => {
    expect(requiredStake(0n, 5000).length).toBeGreaterThan(60);
  });

  test('stake share', () => {
    expect(stakeShare(1n, 2n)).toBe(0.5);
    expect(stakeShare(0n, 0n)).toBe(0);
  });
});
