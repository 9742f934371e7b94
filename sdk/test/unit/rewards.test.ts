/**
 * readOperatorRewards / readOperatorRewardsSplit against a scripted chain (no node): the devnet's stand-in
 * coordinator (whole submission to the operator), EigenLayer's real one (the operator's operator-set split,
 * claimed counting every AVS), one without getOperatorSetSplit (default split), one without either view, no
 * coordinator address, splits that differ between quorums, and an RPC failure that must not be mistaken for a
 * missing view.
 */
import { describe, expect, test } from '@jest/globals';
import { makeError, type ContractRunner, type Interface, type Provider, type TransactionRequest } from 'ethers';
import { bindings, operatorShareOf, readOperatorRewards, readOperatorRewardsSplit, type RewardsAddresses } from '../../src/index.js';

const VAULT = '0x1000000000000000000000000000000000000001';
const COORDINATOR = '0x2000000000000000000000000000000000000002';
const TOKEN = '0x3000000000000000000000000000000000000003';
const ORACLE = '0x4000000000000000000000000000000000000004';
const REGISTRY = '0x5000000000000000000000000000000000000005';
const OPERATOR = '0x6000000000000000000000000000000000000006';
const ADDRS: RewardsAddresses = { vault: VAULT, coordinator: COORDINATOR, token: TOKEN };

type Fn = (args: readonly unknown[]) => readonly unknown[];
interface FakeContract {
  iface: Interface;
  fns: Record<string, Fn>;
}
interface Call {
  to: string;
  fn: string;
  args: unknown[];
}

/** A ContractRunner answering eth_call from per-address handlers; a function without a handler reverts (as a missing selector does). */
function fakeChain(contracts: Record<string, FakeContract>, opts: { failWith?: Error } = {}) {
  const calls: Call[] = [];
  const runner: ContractRunner = {
    provider: null,
    call: async (tx: TransactionRequest): Promise<string> => {
      const to = String(tx.to).toLowerCase();
      const c = Object.entries(contracts).find(([a]) => a.toLowerCase() === to)?.[1];
      if (!c) return '0x'; // no code at the address
      const parsed = c.iface.parseTransaction({ data: String(tx.data) });
      if (!parsed) throw makeError('execution reverted', 'CALL_EXCEPTION', { action: 'call', data: '0x', reason: null, transaction: { to, data: String(tx.data) }, invocation: null, revert: null });
      calls.push({ to, fn: parsed.name, args: [...parsed.args] });
      if (opts.failWith && to === COORDINATOR.toLowerCase()) throw opts.failWith;
      const fn = c.fns[parsed.name];
      if (!fn) throw makeError('execution reverted', 'CALL_EXCEPTION', { action: 'call', data: '0x', reason: null, transaction: { to, data: String(tx.data) }, invocation: null, revert: null });
      return c.iface.encodeFunctionResult(parsed.fragment, fn(parsed.args));
    },
  };
  return { calls, provider: runner as unknown as Provider };
}

const vault = (earned: bigint, submitted: bigint): FakeContract => ({
  iface: bindings.RewardsVault__factory.createInterface() as unknown as Interface,
  fns: { earned: () => [earned], submitted: () => [submitted], oracle: () => [ORACLE], registry: () => [REGISTRY] },
});
const registry = (quorums: number[]): FakeContract => ({
  iface: bindings.IOperatorRegistry__factory.createInterface() as unknown as Interface,
  fns: { quorumList: () => [quorums] },
});
/** The stand-in's ABI is a superset of the real one's; `fns` says which views this coordinator answers. */
const coordinator = (fns: Record<string, Fn>): FakeContract => ({ iface: bindings.RewardsCoordinator__factory.createInterface() as unknown as Interface, fns });

const E18 = 10n ** 18n;

describe('readOperatorRewards', () => {
  test("the devnet's stand-in (ledgerEarnings answers): the whole submission is the operator's; unclaimed = submitted − claimed", async () => {
    const chain = fakeChain({
      [VAULT]: vault(5n, 3n * E18),
      [REGISTRY]: registry([0, 1]),
      [COORDINATOR]: coordinator({ ledgerEarnings: () => [3n * E18], getOperatorSetSplit: () => [1000], defaultOperatorSplitBips: () => [1000], cumulativeClaimed: () => [E18] }),
    });
    const r = await readOperatorRewards(chain.provider, ADDRS, OPERATOR);
    expect(r).toEqual({
      pendingWei: 5n,
      submittedWei: 3n * E18,
      split: { source: 'stand-in', bips: 10_000, byQuorum: [] },
      operatorShareWei: 3n * E18,
      claimedWei: E18,
      unclaimedWei: 2n * E18,
    });
    // the recorded 10% split is not applied: the stand-in's ledger pays the operator in full
    expect(chain.calls.some((c) => c.fn === 'getOperatorSetSplit')).toBe(false);
  });

  test("EigenLayer's RewardsCoordinator: the operator's share is its operator-set split of the submission, read per quorum of the AVS", async () => {
    const chain = fakeChain({
      [VAULT]: vault(0n, 1000n * E18 + 7n),
      [REGISTRY]: registry([0, 1]),
      [COORDINATOR]: coordinator({ getOperatorSetSplit: () => [2500], defaultOperatorSplitBips: () => [1000], cumulativeClaimed: () => [100n * E18] }),
    });
    const r = await readOperatorRewards(chain.provider, ADDRS, OPERATOR);
    expect(r.split).toEqual({ source: 'operator-set', bips: 2500, byQuorum: [{ quorum: 0, bips: 2500 }, { quorum: 1, bips: 2500 }] });
    expect(r.operatorShareWei).toBe(250n * E18 + 1n); // rounded down
    expect(r.claimedWei).toBe(100n * E18);
    expect(r.unclaimedWei).toBe(150n * E18 + 1n);
    const splitCalls = chain.calls.filter((c) => c.fn === 'getOperatorSetSplit');
    expect(splitCalls.map((c) => [String(c.args[0]).toLowerCase(), (c.args[1] as unknown[]).map(String)])).toEqual([
      [OPERATOR, [ORACLE, '0']],
      [OPERATOR, [ORACLE, '1']],
    ]);
    expect(chain.calls.find((c) => c.fn === 'cumulativeClaimed')?.args.map((a) => String(a).toLowerCase())).toEqual([OPERATOR, TOKEN]);
  });

  test('claimed counts this token from every AVS: more claimed than this AVS paid gives unclaimed 0, not a negative', async () => {
    const chain = fakeChain({
      [VAULT]: vault(0n, 10n * E18),
      [REGISTRY]: registry([0]),
      [COORDINATOR]: coordinator({ getOperatorSetSplit: () => [1000], cumulativeClaimed: () => [50n * E18] }),
    });
    const r = await readOperatorRewards(chain.provider, ADDRS, OPERATOR);
    expect({ share: r.operatorShareWei, claimed: r.claimedWei, unclaimed: r.unclaimedWei }).toEqual({ share: E18, claimed: 50n * E18, unclaimed: 0n });
  });

  test('splits that differ between quorums: no single share (null), each quorum listed', async () => {
    const chain = fakeChain({
      [VAULT]: vault(0n, 10n * E18),
      [REGISTRY]: registry([0, 1]),
      [COORDINATOR]: coordinator({ getOperatorSetSplit: (a) => [(a[1] as { id: bigint }).id === 0n ? 1000 : 5000], cumulativeClaimed: () => [0n] }),
    });
    const r = await readOperatorRewards(chain.provider, ADDRS, OPERATOR);
    expect(r.split).toEqual({ source: 'operator-set', bips: null, byQuorum: [{ quorum: 0, bips: 1000 }, { quorum: 1, bips: 5000 }] });
    expect({ share: r.operatorShareWei, claimed: r.claimedWei, unclaimed: r.unclaimedWei }).toEqual({ share: null, claimed: 0n, unclaimed: null });
  });

  test('a coordinator without getOperatorSetSplit falls back to defaultOperatorSplitBips', async () => {
    const chain = fakeChain({
      [VAULT]: vault(0n, 10n * E18),
      [REGISTRY]: registry([0]),
      [COORDINATOR]: coordinator({ defaultOperatorSplitBips: () => [1000], cumulativeClaimed: () => [0n] }),
    });
    const r = await readOperatorRewards(chain.provider, ADDRS, OPERATOR);
    expect(r.split).toEqual({ source: 'default', bips: 1000, byQuorum: [] });
    expect(r.operatorShareWei).toBe(E18);
    expect(r.unclaimedWei).toBe(E18);
  });

  test('a coordinator with neither split view: share and unclaimed unknown, claimed still read', async () => {
    const chain = fakeChain({
      [VAULT]: vault(1n, 10n * E18),
      [REGISTRY]: registry([0]),
      [COORDINATOR]: coordinator({ cumulativeClaimed: () => [3n] }),
    });
    const r = await readOperatorRewards(chain.provider, ADDRS, OPERATOR);
    expect(r).toEqual({ pendingWei: 1n, submittedWei: 10n * E18, split: { source: 'unknown', bips: null, byQuorum: [] }, operatorShareWei: null, claimedWei: 3n, unclaimedWei: null });
  });

  test('no coordinator address: nothing read from a coordinator', async () => {
    const chain = fakeChain({ [VAULT]: vault(2n, 4n), [REGISTRY]: registry([0]) });
    const r = await readOperatorRewards(chain.provider, { vault: VAULT, coordinator: null, token: null }, OPERATOR);
    expect(r).toEqual({ pendingWei: 2n, submittedWei: 4n, split: { source: 'unknown', bips: null, byQuorum: [] }, operatorShareWei: null, claimedWei: null, unclaimedWei: null });
    expect(chain.calls.every((c) => c.to !== COORDINATOR.toLowerCase())).toBe(true);
  });

  test('an RPC failure is an error, not a missing view (no silent fallback to another split)', async () => {
    const chain = fakeChain(
      { [VAULT]: vault(0n, 1n), [REGISTRY]: registry([0]), [COORDINATOR]: coordinator({ getOperatorSetSplit: () => [1000] }) },
      { failWith: makeError('request timeout', 'TIMEOUT', { operation: 'call', reason: 'timeout' }) },
    );
    await expect(readOperatorRewardsSplit(chain.provider, ADDRS, OPERATOR)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('operatorShareOf', () => {
  test('scales by bips and rounds down; rejects a split outside 0..10000', () => {
    expect(operatorShareOf(999n, 1000)).toBe(99n);
    expect(operatorShareOf(10n ** 18n, 10_000)).toBe(10n ** 18n);
    expect(operatorShareOf(10n ** 18n, 0)).toBe(0n);
    expect(() => operatorShareOf(1n, 10_001)).toThrow(RangeError);
    expect(() => operatorShareOf(1n, 1.5)).toThrow(RangeError);
  });
});
