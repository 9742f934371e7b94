// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RewardsFixture} from "./utils/RewardsFixture.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardsVault} from "../../src/avs/RewardsVault.sol";
import {IRewardsCoordinatorTypes} from "../../src/interfaces/eigenlayer/IRewardsCoordinator.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";
import {IAllocationManagerTypes} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";

/// @notice The rewards invariants under a random history (docs/protocol.md "Rewards"): two quorums (operators in one
/// or both), tasks over quorum 0, 1 or both, answered one by one or in batches (with abstentions), by random
/// admissible signer sets and two submitters at random gas prices, or left to expire; stakes moved and refreshed
/// by anyone, operators joining and leaving, between a task's creation and its answer; submission pages of random
/// size and gas refund withdrawals in between. Checked: at every answer each signer is credited its stake share (at
/// the reference block) of its quorum's part of the fee less gas, and every other operator nothing; at the end each
/// operator's claim equals the sum of those shares within the rounding dust and never exceeds it, and what
/// requesters paid = claims + gas refunds + expiry refunds + dust, to the wei.
contract RewardsFuzzTest is RewardsFixture {
    address internal constant AGG = address(0xA66);
    address internal constant AGG2 = address(0xA67);
    uint256 internal constant INITIAL_OPS = 5;
    uint256 internal constant MAX_OPS = 7;

    /// @dev Open tasks in creation order (a group = the tasks of one block); live = neither answered nor expired;
    /// abandoned = never answered (left to expire).
    Task[] internal open;
    bool[] internal live;
    bool[] internal abandoned;
    uint256 internal head;

    /// @dev Expected credit per operator: Σ share_q · stakeAtRef / signedStake_q, with 36 extra decimals.
    mapping(address => uint256) internal expectedE36;
    uint256 internal paid;
    uint256 internal requesterRefunds;
    uint256 internal gasWithdrawn;
    uint256 internal accruals;
    uint256 internal changes;
    uint256 internal pages;
    bool internal deregistered;
    uint256 internal nonce;

    function setUp() public {
        _deployAvs();
        _deployRewards();
        oracle.createQuorum(1, MIN_STAKE, 64, _strategyParams(1e18));
        _useQuorums(hex"0001", _bps2(6667, 6667));
        // 0-2 in both quorums (half their magnitude each), 3 only in quorum 0, 4 only in quorum 1; addresses random,
        // so submissions must sort them
        for (uint256 i; i < INITIAL_OPS; ++i) {
            _join(i, 10 ether);
        }
        vm.roll(block.number + 1);
    }

    function _opAddress(uint256 i) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("rewards-fuzz-operator", i)))));
    }

    function _sets(uint256 i) internal pure returns (uint32[] memory ids, uint64 magnitude) {
        uint256 kind = i < 3 ? 2 : i == 3 ? 0 : i == 4 ? 1 : i % 3;
        if (kind == 2) return (_ids2(0, 1), 0.5e18);
        return (_ids(uint32(kind)), 1e18);
    }

    /// @dev Registers operator i (at a random address) in its quorums with `stake`.
    function _join(uint256 i, uint256 stake) internal {
        (uint32[] memory ids, uint64 magnitude) = _sets(i);
        _addOperatorAt(_opAddress(i), i, stake, ids, magnitude);
    }

    function _rand(uint256 seed, string memory what, uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, what, i)));
    }

    function _stakeAt(address op, uint8 q, uint32 blockNumber) internal view returns (uint256) {
        (bool member, uint96 s) = registry.getOperatorStakeAt(registry.operatorIdOf(op), q, blockNumber);
        return member ? s : 0;
    }

    // ---- actions ----

    function _create(uint256 r) internal {
        uint256 kind = r % 3;
        if (kind == 0) _useQuorums(hex"00", _bps1(6667));
        else if (kind == 1) _useQuorums(hex"01", _bps1(6667));
        else _useQuorums(hex"0001", _bps2(6667, 6667));
        uint256 n = 1 + (r >> 8) % 3;
        bool abandon = (r >> 16) % 6 == 0;
        for (uint256 t; t < n; ++t) {
            Task memory task = _request(MODEL_EXACT, abi.encodePacked(hex"0102", ++nonce), address(0), 0);
            paid += task.fee;
            open.push(task);
            live.push(true);
            abandoned.push(abandon);
        }
    }

    function _moveStake(uint256 r) internal {
        address op = ops[r % ops.length];
        if ((r >> 8) % 4 != 0) _deposit(op, strategy, bound(r >> 16, 1, 20 ether)); // else: a refresh that changes nothing
        vm.prank(address(uint160(r >> 96))); // anyone may refresh
        registry.updateOperators(ops);
        ++changes;
    }

    function _joinOrLeave(uint256 r) internal {
        if (r % 2 == 0 && ops.length < MAX_OPS) {
            _join(ops.length, bound(r >> 8, 4 ether, 40 ether)); // at least the minimum stake with half the magnitude
        } else if (!deregistered) {
            // one of the operators in both quorums leaves (every quorum keeps members)
            address op = ops[(r >> 8) % 3];
            (uint32[] memory ids,) = _sets(0);
            vm.prank(op);
            allocationManager.deregisterFromOperatorSets(
                IAllocationManagerTypes.DeregisterParams({operator: op, avs: address(oracle), operatorSetIds: ids})
            );
            deregistered = true;
        }
        ++changes;
    }

    /// @dev A random signer set for `task` that meets every quorum's threshold at its reference block.
    function _signers(Task memory task, uint256 r) internal view returns (bool[] memory signs) {
        uint256 n = ops.length;
        signs = new bool[](n);
        for (uint256 i; i < n; ++i) {
            signs[i] = (r >> i) & 1 == 1;
        }
        for (uint256 k; k <= n; ++k) {
            if (_admissible(task, signs)) return signs;
            if (k < n) signs[((r >> 16) + k) % n] = true; // add signers in a random rotation
        }
        revert("no admissible signer set");
    }

    function _admissible(Task memory task, bool[] memory signs) internal view returns (bool) {
        for (uint256 k; k < task.quorumNumbers.length; ++k) {
            uint8 q = uint8(task.quorumNumbers[k]);
            uint256 total;
            uint256 signed;
            for (uint256 i; i < ops.length; ++i) {
                uint256 s = _stakeAt(ops[i], q, task.referenceBlock);
                total += s;
                if (signs[i]) signed += s;
            }
            if (signed == 0 || signed * 10_000 < total * 6667) return false;
        }
        return true;
    }

    /// @dev The first live task not abandoned (open.length if none).
    function _oldest() internal view returns (uint256 i) {
        for (i = head; i < open.length; ++i) {
            if (live[i] && !abandoned[i]) return i;
        }
    }

    /// @dev Answers the oldest group of live tasks (one block's), in one batch or one by one; a group past its
    /// deadline is left to expire.
    function _answerOldest(uint256 r) internal {
        while (head < open.length && !live[head]) ++head;
        uint256 first = _oldest();
        if (first == open.length) return;
        uint32 ref = open[first].referenceBlock;
        uint256 end = first;
        while (end < open.length && open[end].referenceBlock == ref) ++end;
        if (block.number > open[first].deadlineBlock) return; // left to expire
        uint256 count;
        for (uint256 i = first; i < end; ++i) {
            if (live[i]) ++count;
        }
        address submitter = r % 2 == 0 ? AGG : AGG2;
        uint256 gasPrice = bound(r >> 8, 0, 3 gwei);
        if (count >= 2 && (r >> 80) % 2 == 0) {
            _answerBatch(first, end, count, submitter, gasPrice, r);
        } else {
            for (uint256 i = first; i < end; ++i) {
                if (live[i]) _answerOne(i, submitter, gasPrice, uint256(keccak256(abi.encode(r, i))));
            }
        }
    }

    function _earnedAll() internal view returns (uint256[] memory e) {
        e = new uint256[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            e[i] = vault.earned(ops[i]);
        }
    }

    function _answerOne(uint256 idx, address submitter, uint256 gasPrice, uint256 r) internal {
        Task memory task = open[idx];
        bool[] memory signs = _signers(task, r);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), signs);
        uint256[] memory before = _earnedAll();
        uint256 refunded = vault.gasRefunds(submitter);
        vm.txGasPrice(gasPrice);
        vm.prank(submitter, submitter);
        oracle.respondToTask(task, out, p);
        vm.txGasPrice(0);
        live[idx] = false;
        _book(task, signs, task.fee, vault.gasRefunds(submitter) - refunded, before);
    }

    function _answerBatch(uint256 from, uint256 to, uint256 count, address submitter, uint256 gasPrice, uint256 r)
        internal
    {
        (Task[] memory tasks, uint256[] memory at) = _gather(from, to, count);
        (bytes[] memory outs, uint256 fees, uint256 abstain) = _batchOutputs(tasks, r);
        bool[] memory signs = _signers(tasks[0], r);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, signs);
        uint256[] memory before = _earnedAll();
        uint256 refunded = vault.gasRefunds(submitter);
        vm.txGasPrice(gasPrice);
        vm.prank(submitter, submitter);
        oracle.respondToBatch(tasks, outs, p);
        vm.txGasPrice(0);
        for (uint256 i; i < count; ++i) {
            if (i != abstain) live[at[i]] = false; // an abstained task stays pending
        }
        refunded = vault.gasRefunds(submitter) - refunded;
        _book(tasks[0], signs, fees, refunded, before);
    }

    function _gather(uint256 from, uint256 to, uint256 count)
        internal
        view
        returns (Task[] memory tasks, uint256[] memory at)
    {
        tasks = new Task[](count);
        at = new uint256[](count);
        uint256 k;
        for (uint256 i = from; i < to; ++i) {
            if (!live[i]) continue;
            at[k] = i;
            tasks[k++] = open[i];
        }
    }

    /// @dev Outputs for a batch, sometimes with one abstention; the fees of the answered ones.
    function _batchOutputs(Task[] memory tasks, uint256 r)
        internal
        pure
        returns (bytes[] memory outs, uint256 fees, uint256 abstain)
    {
        uint256 count = tasks.length;
        outs = new bytes[](count);
        abstain = (r >> 96) % 4 == 0 ? (r >> 100) % count : type(uint256).max;
        for (uint256 i; i < count; ++i) {
            if (i == abstain) continue;
            outs[i] = _output(_vals(int32(int256(i)), 2, 3));
            fees += tasks[i].fee;
        }
    }

    /// @dev The expectation of one accrual (the vault's split: net evenly over the task's quorums, the remainder to
    /// the last), checked against what each operator's earnings moved.
    function _book(Task memory task, bool[] memory signs, uint256 fees, uint256 refund, uint256[] memory before)
        internal
    {
        ++accruals;
        uint256 net = fees - refund;
        uint256 nq = task.quorumNumbers.length;
        uint256[] memory delta = new uint256[](ops.length);
        for (uint256 k; k < nq; ++k) {
            uint256 share = k + 1 == nq ? net - net / nq * (nq - 1) : net / nq;
            _expectShare(uint8(task.quorumNumbers[k]), task.referenceBlock, share, signs, delta);
        }
        for (uint256 i; i < ops.length; ++i) {
            uint256 got = vault.earned(ops[i]) - before[i];
            if (delta[i] == 0) assertEq(got, 0, "a non-signer (or non-member) is never credited");
            else assertApproxEqAbs(got, delta[i] / 1e36, 2 * nq, "a signer is credited its stake share");
        }
    }

    /// @dev Books `share` of quorum `q` over the signers by their stake at `ref`.
    function _expectShare(uint8 q, uint32 ref, uint256 share, bool[] memory signs, uint256[] memory delta) internal {
        uint256 n = ops.length;
        uint256[] memory stakes = new uint256[](n);
        uint256 signed;
        for (uint256 i; i < n; ++i) {
            if (!signs[i]) continue;
            stakes[i] = _stakeAt(ops[i], q, ref);
            signed += stakes[i];
        }
        for (uint256 i; i < n; ++i) {
            uint256 d = share * stakes[i] * 1e36 / signed;
            delta[i] += d;
            expectedE36[ops[i]] += d;
        }
    }

    function _expireDue() internal {
        for (uint256 i = head; i < open.length; ++i) {
            if (!live[i] || block.number <= open[i].deadlineBlock) continue;
            uint256 before = requester.balance;
            oracle.expireTask(open[i]);
            requesterRefunds += requester.balance - before;
            assertEq(requester.balance - before, open[i].fee, "expired: the fee back in full");
            live[i] = false;
        }
    }

    /// @dev One submission page of `size` operators after the current calculation interval ended.
    function _submitPage(uint256 size) internal {
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        try vault.submitRewardsPage(size) {
            ++pages;
        } catch (bytes memory err) {
            assertEq(bytes4(err), RewardsVault.NothingToSubmit.selector, "only NothingToSubmit");
        }
    }

    function _withdrawGas(address submitter) internal {
        if (vault.gasRefunds(submitter) == 0) return;
        uint256 before = submitter.balance;
        vm.prank(submitter);
        vault.withdrawGasRefund();
        gasWithdrawn += submitter.balance - before;
    }

    // ---- the fuzz ----

    function testFuzz_conservation(uint256 seed) public {
        for (uint256 i; i < ops.length; ++i) {
            _deposit(ops[i], strategy, bound(_rand(seed, "stake", i), 0, 40 ether));
        }
        registry.updateOperators(ops);
        vm.roll(block.number + 1);
        uint256 steps = bound(_rand(seed, "steps", 0), 8, 20);
        for (uint256 s; s < steps; ++s) {
            uint256 r = _rand(seed, "step", s);
            uint256 action = r % 10;
            r >>= 8;
            if (action < 3) _create(r);
            else if (action < 5) _moveStake(r);
            else if (action == 5) _joinOrLeave(r);
            else if (action < 8) _answerOldest(r);
            else if (action == 8) _submitPage(1 + r % 3);
            else if (r % 3 == 0) vm.roll(block.number + RESPONSE_WINDOW); // a quiet stretch: open tasks expire
            else _withdrawGas(r % 2 == 0 ? AGG : AGG2);
            vm.roll(block.number + 1);
            _expireDue();
        }
        // answer what is left, and let the abandoned tasks expire
        for (uint256 s; _oldest() < open.length && s < 64; ++s) {
            _answerOldest(_rand(seed, "final", s));
            vm.roll(block.number + 1);
            _expireDue();
        }
        vm.roll(block.number + RESPONSE_WINDOW + 1);
        _expireDue();
        assertEq(oracle.escrowedFees(), 0, "nothing pending");
        // finish the round in progress, then one whole round: everything earned is submitted
        for (uint256 round; round < 2; ++round) {
            _submitPage(2);
            (bool inRound,,) = vault.submissionProgress();
            while (inRound) {
                vault.submitRewardsPage(2);
                ++pages;
                (inRound,,) = vault.submissionProgress();
            }
        }
        _settleAndCheck();
    }

    function _settleAndCheck() internal {
        assertEq(vault.unassigned(0) + vault.unassigned(1), 0, "everything attributed to signers");
        vm.warp(block.timestamp + 1);
        uint256 submittedTotal;
        for (uint256 i; i < ops.length; ++i) {
            submittedTotal += vault.submitted(ops[i]);
        }
        uint32 rootIndex = submittedTotal == 0 ? 0 : rc.publishLedgerRoot(); // (no task answered: nothing to publish)
        uint256 claimed;
        uint256 dust = 2 * (2 * accruals + changes + pages) + 4;
        for (uint256 i; i < ops.length; ++i) {
            address op = ops[i];
            assertEq(vault.earned(op), 0, "all submitted");
            uint256 got;
            if (rc.ledgerEarnings(op, IERC20(address(weth))) > 0) {
                IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = rc.getLedgerClaim(op, rootIndex);
                vm.prank(op);
                rc.processClaim(claim, op);
                got = weth.balanceOf(op);
            }
            assertEq(got, vault.submitted(op), "claimed = submitted");
            uint256 exp = expectedE36[op] / 1e36;
            assertLe(got, (expectedE36[op] + 2 * accruals) / 1e36, "never more than the share");
            assertApproxEqAbs(got, exp, dust, "the share of fees less gas, within the dust");
            claimed += got;
        }
        uint256 gasOwed = vault.gasRefunds(AGG) + vault.gasRefunds(AGG2);
        uint256 pool = address(oracle).balance - oracle.escrowedFees();
        // no wei lost or created: the pool holds exactly the unwithdrawn gas refunds and the rounding dust
        assertEq(claimed + gasWithdrawn + requesterRefunds + pool, paid, "conservation");
        assertGe(pool, gasOwed, "pool covers the gas refunds");
        assertLe(pool - gasOwed, ops.length * dust, "dust");
        _withdrawGas(AGG);
        _withdrawGas(AGG2);
        assertEq(claimed + gasWithdrawn + requesterRefunds + address(oracle).balance, paid, "conservation, withdrawn");
    }
}
