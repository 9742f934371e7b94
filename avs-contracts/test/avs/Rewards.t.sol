// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RewardsFixture} from "./utils/RewardsFixture.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardsVault, IFeePool} from "../../src/avs/RewardsVault.sol";
import {IRewardsCoordinator, IRewardsCoordinatorErrors, IRewardsCoordinatorTypes} from "../../src/interfaces/eigenlayer/IRewardsCoordinator.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";
import {IAllocationManagerTypes} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";

/// @notice Fees of answered tasks reach the operators that signed them, by stake, through the RewardsCoordinator,
/// after the submitter's gas refund; expired tasks refund the requester; no wei is lost or created
/// (docs/protocol.md "Rewards").
contract RewardsTest is RewardsFixture {
    bytes internal constant INPUT = hex"0102030405";
    address internal constant AGG = address(0xA66);

    /// @dev Expected earnings per operator, computed here independently of the vault: Σ net · stake / signedStake,
    /// kept with 18 extra decimals (expected() floors it).
    mapping(address => uint256) internal expectedE18;
    uint256 internal paidByRequesters;
    uint256 internal refundsToRequesters;
    uint256 internal gasRefundsTotal;
    uint256 internal answered;

    function setUp() public {
        _deployAvs();
        _deployRewards();
        _useQuorums(hex"00", _bps1(6667));
        // stakes 5, 20, 30, 45 (ether): operator 0 alone may stay out of any task (5% < 1/3)
        _addOperator(0, 5 ether, _ids(0), 1e18);
        _addOperator(1, 20 ether, _ids(0), 1e18);
        _addOperator(2, 30 ether, _ids(0), 1e18);
        _addOperator(3, 45 ether, _ids(0), 1e18);
        vm.roll(block.number + 1);
    }

    function _stake(address op) internal view returns (uint256 s) {
        (, s) = registry.getOperatorStakeAt(registry.operatorIdOf(op), 0, uint32(block.number));
    }

    /// @dev Requests a task, answers it with `signs` at `gasPrice`, and books the expectation.
    function _requestAndAnswer(bool[] memory signs, uint256 gasPrice) internal {
        Task memory task = _request(MODEL_EXACT, abi.encodePacked(INPUT, uint8(answered)), address(0), 0);
        paidByRequesters += task.fee;
        vm.roll(block.number + 1);
        uint256 refund = _answer(task, signs, AGG, gasPrice);
        gasRefundsTotal += refund;
        uint256 net = task.fee - refund;
        uint256 signed;
        for (uint256 i; i < ops.length; ++i) {
            if (signs[i]) signed += _stake(ops[i]);
        }
        for (uint256 i; i < ops.length; ++i) {
            if (signs[i]) expectedE18[ops[i]] += net * _stake(ops[i]) * 1e18 / signed;
        }
        ++answered;
    }

    function expected(address op) internal view returns (uint256) {
        return expectedE18[op] / 1e18;
    }

    function _allBut(uint256 skip) internal view returns (bool[] memory s) {
        s = _all(true);
        if (skip < s.length) s[skip] = false;
    }

    /// @dev The oracle's fee pool not reserved for pending tasks: what the vault can still draw.
    function _pool() internal view returns (uint256) {
        return address(oracle).balance - oracle.escrowedFees();
    }

    function test_signersShareFeesLessGas_nonSignerGetsNothing() public {
        for (uint256 t; t < 6; ++t) {
            _requestAndAnswer(_allBut(0), 1 gwei);
        }
        assertEq(vault.earned(ops[0]), 0, "non-signer earned nothing");
        for (uint256 i = 1; i < 4; ++i) {
            assertApproxEqAbs(vault.earned(ops[i]), expected(ops[i]), 6, "earned before submission");
        }
        uint256[] memory got = _submitAndClaimAll();
        assertEq(got[0], 0, "non-signer claims nothing");
        uint256 claimed;
        for (uint256 i = 1; i < 4; ++i) {
            // at most 1 wei per task of rounding, always in the operators' disfavour
            assertApproxEqAbs(got[i], expected(ops[i]), 6, "claimed = share of fees less gas");
            assertLe(got[i], expected(ops[i]), "never more than the share");
            assertEq(vault.submitted(ops[i]), got[i], "submitted = claimed");
            claimed += got[i];
        }
        assertGt(gasRefundsTotal, 0, "gas was refunded");
        // the gas refund goes to the submitter, in ETH
        uint256 before = AGG.balance;
        vm.prank(AGG);
        vault.withdrawGasRefund();
        assertEq(AGG.balance - before, gasRefundsTotal, "refund withdrawn");
        // no wei lost or created: what is left in the pool is rounding dust, at most a wei per operator per settlement
        assertEq(vault.unassigned(0), 0, "everything attributed");
        assertEq(claimed + gasRefundsTotal + _pool(), paidByRequesters, "conservation");
        assertLe(_pool(), 4 * 6, "dust");
    }

    function test_gasRefund_measuresTheTransaction_cappedTip() public {
        _requestAndAnswer(_all(true), 1 gwei); // first accrual: the vault's slots go from zero (not refunded in full)
        uint256 warm = vault.gasRefunds(AGG);
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(block.number + 1);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        vm.txGasPrice(1 gwei);
        vm.prank(AGG, AGG);
        uint256 g = gasleft();
        oracle.respondToTask(task, out, p);
        uint256 used = g - gasleft();
        uint256 refund = vault.gasRefunds(AGG) - warm;
        // execution gas plus base, calldata and the vault's overhead allowance, at 1 gwei
        assertGe(refund, used * 1 gwei, "covers execution");
        assertLe(refund, (used + 21_000 + 16 * 2_000 + 25_000) * 1 gwei, "not much more");

        // an inflated gas price is refunded at basefee + 2 gwei at most
        Task memory t2 = _request(MODEL_EXACT, abi.encodePacked(INPUT, uint8(9)), address(0), 0);
        vm.roll(block.number + 1);
        p = _sign(t2, _digest(t2, out), _all(true));
        vm.txGasPrice(1000 gwei);
        vm.prank(AGG, AGG);
        oracle.respondToTask(t2, out, p);
        uint256 refund2 = vault.gasRefunds(AGG) - warm - refund;
        assertLe(refund2, refund * 3, "tip capped (2 gwei vs 1 gwei, similar gas)");
        // and never more than the fee
        Task memory t3 = _request(MODEL_EXACT, abi.encodePacked(INPUT, uint8(10)), address(0), 0);
        vm.roll(block.number + 1);
        p = _sign(t3, _digest(t3, out), _all(true));
        vm.fee(1_000_000 gwei);
        vm.txGasPrice(1_000_000 gwei);
        vm.prank(AGG, AGG);
        oracle.respondToTask(t3, out, p);
        assertEq(vault.gasRefunds(AGG) - warm - refund - refund2, FEE, "refund capped at the fee");
        assertEq(vault.earned(ops[3]), vault.earnedIn(ops[3], 0), "one quorum");
    }

    function test_expiredTask_refundsRequester_vaultUntouched() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(task.deadlineBlock + 1);
        uint256 before = requester.balance;
        oracle.expireTask(task);
        assertEq(requester.balance - before, FEE, "refunded");
        assertEq(vault.earned(ops[1]), 0, "nothing accrued");
        assertEq(_pool(), 0, "nothing left");
    }

    function test_batch_accruesOnce_sharesByStake() public {
        Task[] memory tasks = new Task[](3);
        for (uint256 i; i < 3; ++i) {
            tasks[i] = _request(MODEL_EXACT, abi.encodePacked(INPUT, uint8(i)), address(0), 0);
        }
        vm.roll(block.number + 1);
        bytes[] memory outs = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            outs[i] = _output(_vals(int32(int256(i)), 2, 3));
        }
        outs[2] = ""; // abstain: stays pending, its fee is not accrued
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _allBut(0));
        vm.txGasPrice(1 gwei);
        vm.prank(AGG, AGG);
        oracle.respondToBatch(tasks, outs, p);
        uint256 refund = vault.gasRefunds(AGG);
        uint256 net = 2 * FEE - refund;
        assertEq(vault.earned(ops[0]), 0, "non-signer");
        for (uint256 i = 1; i < 4; ++i) {
            assertApproxEqAbs(vault.earned(ops[i]), net * _stake(ops[i]) / 95 ether, 1, "share of the two answered fees");
        }
    }

    /// @dev Requests a task now (reference block: the previous block) without answering it.
    function _pending(uint8 salt) internal returns (Task memory task) {
        task = _request(MODEL_EXACT, abi.encodePacked(INPUT, "p", salt), address(0), 0);
        paidByRequesters += task.fee;
    }

    /// @dev Answers `task` (created earlier) with `signs`; books the expectation with the stakes at its reference
    /// block (not today's).
    function _answerPending(Task memory task, bool[] memory signs) internal returns (uint256 net) {
        uint256 refund = _answer(task, signs, AGG, 1 gwei);
        gasRefundsTotal += refund;
        net = task.fee - refund;
        uint256 signed;
        for (uint256 i; i < ops.length; ++i) {
            if (signs[i]) signed += _stakeAt(ops[i], task.referenceBlock);
        }
        for (uint256 i; i < ops.length; ++i) {
            if (signs[i]) expectedE18[ops[i]] += net * _stakeAt(ops[i], task.referenceBlock) * 1e18 / signed;
        }
        ++answered;
    }

    function _stakeAt(address op, uint32 blockNumber) internal view returns (uint256) {
        (bool member, uint96 s) = registry.getOperatorStakeAt(registry.operatorIdOf(op), 0, blockNumber);
        return member ? s : 0;
    }

    /// @dev Submits, claims and checks every operator against the expectation and exact conservation.
    function _checkAllClaimed() internal {
        uint256[] memory got = _submitAndClaimAll();
        uint256 claimed;
        for (uint256 i; i < ops.length; ++i) {
            assertLe(got[i], expected(ops[i]), "never more than the share");
            assertApproxEqAbs(got[i], expected(ops[i]), 2 * answered + 2, "the share at the reference block");
            claimed += got[i];
        }
        assertEq(vault.unassigned(0), 0, "nothing unassigned");
        assertEq(vault.gasRefunds(AGG), gasRefundsTotal, "gas refunds owed");
        assertEq(claimed + _pool(), paidByRequesters, "conservation");
        assertLe(_pool() - gasRefundsTotal, ops.length * (2 * answered + 2), "dust");
    }

    /// @dev A task in flight across a stake change is credited by the stakes at its reference block: the operator
    /// whose stake grew gets its old share for it, the new stake from the next task on; nothing is left over.
    function test_stakeChangeWhileInFlight_creditedAtReferenceBlock() public {
        Task memory task = _pending(0);
        // operator 3 gains stake after the task's reference block (45 -> 55)
        _deposit(ops[3], strategy, 10 ether);
        registry.updateOperators(_oneAddr(ops[3]));
        vm.roll(block.number + 1);
        uint256 net = _answerPending(task, _all(true));
        assertApproxEqAbs(vault.earned(ops[3]), net * 45 / 100, 1, "old stake counts for the task in flight");
        assertApproxEqAbs(vault.earned(ops[1]), net * 20 / 100, 1, "others: their stake at the reference block");
        assertEq(vault.unassigned(0), 0, "nothing unassigned");
        // the next task (reference block after the change) is shared at the new stake
        uint256 e3 = vault.earned(ops[3]);
        uint256 refunds = gasRefundsTotal;
        _requestAndAnswer(_all(true), 1 gwei);
        uint256 net2 = FEE - (gasRefundsTotal - refunds);
        assertApproxEqAbs(vault.earned(ops[3]) - e3, net2 * 55 / 110, 1, "new stake counts");
        _checkAllClaimed();
    }

    /// @dev The permissionless refresh cannot divert fees: with anyone moving stakes and refreshing every block, each
    /// task in flight across a refresh still pays its signers by reference-block stake, and nothing is left over
    /// for anyone else (the owner has no withdrawal).
    function test_refreshEveryBlock_cannotDivertFees() public {
        address griefer = address(0xBAD);
        Task[] memory inFlight = new Task[](5);
        for (uint256 t; t < 5; ++t) {
            inFlight[t] = _pending(uint8(t));
            // the griefer tops up operator 0 (the non-signer below) or operator 2 (a signer), and refreshes
            _deposit(ops[t % 2 == 0 ? 2 : 0], strategy, 1 ether + t);
            vm.prank(griefer);
            registry.updateOperators(ops);
            vm.roll(block.number + 1);
            if (t > 0) _answerPending(inFlight[t - 1], _allBut(0));
        }
        _answerPending(inFlight[4], _allBut(0));
        assertEq(vault.earned(ops[0]), 0, "non-signer nothing, however its stake moved");
        for (uint256 i = 1; i < 4; ++i) {
            assertApproxEqAbs(vault.earned(ops[i]), expected(ops[i]), 5, "signers: reference-block shares");
        }
        _checkAllClaimed();
    }

    /// @dev Registration and deregistration while a task is in flight: the newcomer (not a member at the reference
    /// block) gets nothing for it; the leaver (a signer then) gets its share; a non-signer whose stake moved, none.
    function test_joinLeaveWhileInFlight() public {
        Task memory task = _pending(0);
        _addOperator(4, 40 ether, _ids(0), 1e18);
        vm.prank(ops[1]);
        allocationManager.deregisterFromOperatorSets(_dereg(ops[1]));
        _deposit(ops[0], strategy, 3 ether);
        registry.updateOperators(_oneAddr(ops[0]));
        vm.roll(block.number + 1);
        uint256 net = _answerPending(task, _allBut(0));
        assertEq(vault.earned(ops[4]), 0, "newcomer: not a member at the reference block");
        assertEq(vault.earned(ops[0]), 0, "non-signer");
        assertApproxEqAbs(vault.earned(ops[1]), net * 20 / 95, 1, "leaver: its share at the reference block");
        assertApproxEqAbs(vault.earned(ops[3]), net * 45 / 95, 1, "signer");
        _checkAllClaimed();
    }

    /// @dev A refresh that leaves every stake as it is is not a stake change (no settlement, no late path).
    function test_noopRefresh_isNotAChange() public {
        (, uint32 changedAt,) = vault.quorumBook(0);
        uint256 logLength = vault.changeLogLength(0);
        vm.roll(block.number + 5);
        registry.updateOperators(ops);
        vault.sync(ops);
        bytes32 id = registry.operatorIdOf(ops[2]);
        vm.prank(address(registry));
        vault.onStakeChange(id, ops[2], 0, true, 30 ether); // the same stake reported again
        (, uint32 after_,) = vault.quorumBook(0);
        assertEq(after_, changedAt, "same stakes: not a change");
        assertEq(vault.changeLogLength(0), logLength, "nothing logged");
        // a task answered now takes the O(1) path and pays as usual
        _requestAndAnswer(_allBut(0), 1 gwei);
        assertEq(vault.earned(ops[0]), 0, "non-signer");
        assertApproxEqAbs(vault.earned(ops[2]), expected(ops[2]), 1, "signer");
    }

    /// @dev A vault that knows more stake than was signed credits nobody for that task (and leaves non-signers
    /// untouched); the share is held for the quorum and goes to its members at the start of the next round.
    function test_vaultOutOfSync_holdsShare_releasedAtNextRound() public {
        bytes32 id3 = registry.operatorIdOf(ops[3]);
        vm.prank(address(registry));
        vault.onStakeChange(id3, ops[3], 0, true, 90 ether); // inflated
        vm.roll(block.number + 1);
        _requestAndAnswer(_allBut(0), 0);
        for (uint256 i; i < 4; ++i) {
            assertEq(vault.earned(ops[i]), 0, "nobody credited");
        }
        uint256 held = FEE - gasRefundsTotal;
        assertEq(vault.unassigned(0), held, "fee (after the refund) held for the quorum");
        uint256[] memory got = _submitAndClaimAll();
        uint256 claimed;
        for (uint256 i; i < 4; ++i) {
            claimed += got[i];
        }
        // released by the vault's recorded stakes (5 + 20 + 30 + 90)
        assertApproxEqAbs(got[3], held * 90 / 145, 1, "by recorded stake");
        assertLe(vault.unassigned(0), 1, "released");
        assertEq(claimed + _pool(), paidByRequesters, "conservation");
    }

    /// @dev A vault attached after operators registered credits only what it knows until `sync` copies the stakes (the
    /// rest is held unassigned, never the owner's).
    function test_lateVault_partialUntilSync() public {
        RewardsVault late = new RewardsVault(IFeePool(address(oracle)), registry, rc, IERC20(address(weth)), address(this));
        registry.setRewardsVault(address(late));
        oracle.setRewardsVault(address(late));
        _appointOnAvs(address(late), address(rc), IRewardsCoordinator.createOperatorDirectedOperatorSetRewardsSubmission.selector);
        address[] memory one = new address[](1);
        one[0] = ops[3];
        late.sync(one); // only operator 3 known (45 of 100)
        vm.roll(block.number + 1);
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(block.number + 1);
        bytes memory out = _output(_vals(1, 2, 3));
        oracle.respondToTask(task, out, _sign(task, _digest(task, out), _all(true)));
        uint256 net = FEE - late.gasRefunds(address(this));
        assertApproxEqAbs(late.earned(ops[3]), net * 45 / 100, 1, "known signer credited its share");
        assertEq(late.earned(ops[1]), 0, "unknown signer not credited yet");
        assertApproxEqAbs(late.unassigned(0), net * 55 / 100, 1, "the rest held for the quorum");
        late.sync(ops);
        vm.roll(block.number + 1);
        task = _request(MODEL_EXACT, abi.encodePacked(INPUT, "2"), address(0), 0);
        vm.roll(block.number + 1);
        uint256 refunded = late.gasRefunds(address(this));
        oracle.respondToTask(task, out, _sign(task, _digest(task, out), _all(true)));
        net = FEE - (late.gasRefunds(address(this)) - refunded);
        assertApproxEqAbs(late.earned(ops[1]), net * 20 / 100, 1, "after sync: credited");
    }

    function test_deregisteredOperator_keepsWhatItEarned() public {
        _requestAndAnswer(_all(true), 0);
        uint256 e = vault.earned(ops[1]);
        assertGt(e, 0, "earned");
        vm.prank(ops[1]);
        allocationManager.deregisterFromOperatorSets(_dereg(ops[1]));
        assertEq(vault.earned(ops[1]), e, "kept after leaving");
        (bool member, uint96 s) = vault.positionOf(ops[1], 0);
        assertFalse(member, "not a member");
        assertEq(s, 0, "no stake");
        uint256[] memory got = _submitAndClaimAll();
        assertEq(got[1], e, "paid after leaving");
    }

    function _dereg(address op) internal view returns (IAllocationManagerTypes.DeregisterParams memory d) {
        d = IAllocationManagerTypes.DeregisterParams({operator: op, avs: address(oracle), operatorSetIds: _ids(0)});
    }

    function test_submit_windowAndAccess() public {
        vm.expectRevert(RewardsVault.NothingToSubmit.selector);
        vault.submitRewards();
        _requestAndAnswer(_all(true), 0);
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        (uint32 start, uint32 duration) = vault.submissionWindow();
        assertEq(start % INTERVAL, 0, "aligned start");
        assertEq(duration, INTERVAL, "one interval");
        vault.submitRewards();
        uint256 end = vault.lastSubmittedEnd();
        assertEq(end, start + duration, "advanced");
        (, duration) = vault.submissionWindow();
        assertEq(duration, 0, "nothing until the next interval ends");
        vm.expectRevert(abi.encodeWithSelector(RewardsVault.TooEarly.selector, end + INTERVAL + 1));
        vault.submitRewards();
        // only the oracle accrues; only the registry reports stakes
        vm.expectRevert(RewardsVault.OnlyOracle.selector);
        vault.accrue(address(this), 0, 0, 1, hex"00", 0, new uint96[](1), new bytes32[](0));
        vm.expectRevert(RewardsVault.OnlyRegistry.selector);
        vault.onStakeChange(bytes32(uint256(1)), address(1), 0, true, 1);
        // while a vault is set, the owner cannot withdraw earned fees from the oracle
        vm.expectRevert();
        oracle.withdrawFees(payable(address(this)), 1);
    }

    function test_coordinator_rejectsNonAppointee_andBadSubmissions() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory subs =
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        subs[0].strategiesAndMultipliers = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](1);
        subs[0].strategiesAndMultipliers[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(strategy, 1e18);
        subs[0].token = IERC20(address(weth));
        subs[0].operatorRewards = new IRewardsCoordinatorTypes.OperatorReward[](1);
        subs[0].operatorRewards[0] = IRewardsCoordinatorTypes.OperatorReward(ops[0], 1);
        subs[0].startTimestamp = uint32(block.timestamp / INTERVAL * INTERVAL - INTERVAL);
        subs[0].duration = INTERVAL;
        vm.expectRevert(); // not the AVS nor its appointee
        rc.createOperatorDirectedOperatorSetRewardsSubmission(OperatorSet(address(oracle), 0), subs);
        subs[0].startTimestamp += 1;
        vm.prank(address(vault));
        vm.expectRevert(IRewardsCoordinatorErrors.InvalidStartTimestampRemainder.selector);
        rc.createOperatorDirectedOperatorSetRewardsSubmission(OperatorSet(address(oracle), 0), subs);
        subs[0].startTimestamp = uint32(block.timestamp / INTERVAL * INTERVAL);
        vm.prank(address(vault));
        vm.expectRevert(IRewardsCoordinatorErrors.SubmissionNotRetroactive.selector);
        rc.createOperatorDirectedOperatorSetRewardsSubmission(OperatorSet(address(oracle), 0), subs);
    }

    function test_claim_wrongProofOrCaller_reverts() public {
        _requestAndAnswer(_all(true), 0);
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        vault.submitRewards();
        vm.warp(block.timestamp + 1);
        uint32 rootIndex = rc.publishLedgerRoot();
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = rc.getLedgerClaim(ops[1], rootIndex);
        vm.expectRevert(IRewardsCoordinatorErrors.UnauthorizedCaller.selector);
        rc.processClaim(claim, address(this));
        claim.tokenLeaves[0].cumulativeEarnings += 1;
        vm.prank(ops[1]);
        vm.expectRevert(IRewardsCoordinatorErrors.InvalidClaimProof.selector);
        rc.processClaim(claim, ops[1]);
        claim.tokenLeaves[0].cumulativeEarnings -= 1;
        // a claimer set by the earner may claim to any recipient
        vm.prank(ops[1]);
        rc.setClaimerFor(address(this));
        rc.processClaim(claim, address(0xCAFE));
        assertEq(weth.balanceOf(address(0xCAFE)), claim.tokenLeaves[0].cumulativeEarnings, "claimed to recipient");
        vm.expectRevert(IRewardsCoordinatorErrors.EarningsNotGreaterThanClaimed.selector);
        rc.processClaim(claim, address(0xCAFE));
    }

    /// @dev A round in pages: each page submits its operators (sorted by address, as the coordinator requires,
    /// whatever the order the vault saw them in) for the round's window; the window stays until the last page; then
    /// the next window opens an interval later. Everything earned is paid once.
    function test_submitRewardsPage_roundInPages() public {
        _addOperatorAt(address(0xF000), 4, 10 ether, _ids(0), 1e18); // below the others
        _addOperatorAt(address(0xFFFFFF), 5, 10 ether, _ids(0), 1e18); // above
        _addOperatorAt(address(0xF001), 6, 10 ether, _ids(0), 1e18);
        vm.roll(block.number + 1);
        _requestAndAnswer(_all(true), 1 gwei);
        _requestAndAnswer(_allBut(2), 1 gwei);
        uint256[] memory owed = new uint256[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            owed[i] = vault.earned(ops[i]);
        }
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        (uint32 start, uint32 duration) = vault.submissionWindow();
        vault.submitRewardsPage(5); // ops 0..3 and 0xF000: not in address order
        (bool inRound, uint256 next, uint256 count) = vault.submissionProgress();
        assertTrue(inRound, "round in progress");
        assertEq(next, 5, "cursor");
        assertEq(count, 7, "operators");
        assertEq(vault.lastSubmittedEnd(), 0, "window not closed yet");
        for (uint256 i; i < 5; ++i) {
            assertEq(vault.submitted(ops[i]), owed[i], "page 1 paid");
        }
        assertEq(vault.submitted(ops[5]), 0, "page 2 not yet");
        // more work meanwhile: the next page of the same round pays it for the later operators
        _requestAndAnswer(_all(true), 1 gwei);
        (uint32 s2, uint32 d2) = vault.submissionWindow();
        assertEq(s2, start, "same window");
        assertEq(d2, duration, "same duration");
        vault.submitRewardsPage(5);
        (inRound, next,) = vault.submissionProgress();
        assertFalse(inRound, "round complete");
        assertEq(next, 0, "cursor reset");
        uint256 closedAt = uint256(start) + duration;
        assertEq(vault.lastSubmittedEnd(), closedAt, "window closed");
        (, duration) = vault.submissionWindow();
        assertEq(duration, 0, "next window after the next interval");
        vm.expectRevert(abi.encodeWithSelector(RewardsVault.TooEarly.selector, closedAt + INTERVAL + 1));
        vault.submitRewards();
        // the first operators' part of the last task goes in the next round
        assertGt(vault.earned(ops[0]), 0, "earned after its page");
        uint256[] memory got = _submitAndClaimAll();
        uint256 claimed;
        for (uint256 i; i < ops.length; ++i) {
            assertLe(got[i], expected(ops[i]), "never more");
            assertApproxEqAbs(got[i], expected(ops[i]), 6, "everything once");
            claimed += got[i];
        }
        assertEq(claimed + _pool(), paidByRequesters, "conservation");
        vm.expectRevert(RewardsVault.ZeroPage.selector);
        vault.submitRewardsPage(0);
    }

    /// @dev A round left unfinished until its window is too old for the coordinator restarts with a fresh window;
    /// the operators already paid keep their payment, nobody is paid twice.
    function test_submitRewardsPage_staleRoundRestarts() public {
        _requestAndAnswer(_all(true), 0);
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        (uint32 start,) = vault.submissionWindow();
        vault.submitRewardsPage(2);
        uint256 paid0 = vault.submitted(ops[0]);
        assertGt(paid0, 0, "page 1 paid");
        vm.warp(block.timestamp + 91 days); // past MAX_RETROACTIVE_LENGTH (90 days)
        (uint32 fresh, uint32 duration) = vault.submissionWindow();
        assertGt(fresh, start, "a fresh window");
        assertGt(duration, 0, "open");
        vault.submitRewardsPage(10);
        (bool inRound,,) = vault.submissionProgress();
        assertFalse(inRound, "complete");
        assertEq(vault.submitted(ops[0]), paid0, "not paid twice");
        for (uint256 i; i < 4; ++i) {
            assertApproxEqAbs(vault.submitted(ops[i]), expected(ops[i]), 1, "everyone paid once");
        }
    }
}
