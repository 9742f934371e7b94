// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {DevnetCoreFixture} from "../utils/DevnetCoreFixture.sol";
import {IStrategy} from "../../src/interfaces/eigenlayer/IStrategy.sol";
import {
    IAllocationManagerErrors,
    IAllocationManagerEvents,
    IAllocationManagerTypes
} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {IDelegationManagerEvents, IDelegationManagerErrors} from "../../src/interfaces/eigenlayer/IDelegationManager.sol";
import {ISignatureUtilsMixinTypes} from "../../src/interfaces/eigenlayer/ISignatureUtilsMixin.sol";
import {IStrategyManagerEvents} from "../../src/interfaces/eigenlayer/IStrategyManager.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";
import {PermissionControllerMixin} from "../../src/devnet-core/PermissionControllerMixin.sol";
import {StrategyBase} from "../../src/devnet-core/StrategyBase.sol";
import {DevnetToken} from "../../src/devnet-core/DevnetToken.sol";
import {WAD} from "../../src/devnet-core/SlashingMath.sol";

/// @notice slashOperator in the devnet AllocationManager: magnitudes, shares, events, return values and checks.
contract SlashingTest is DevnetCoreFixture {
    uint32 internal constant DEALLOCATION_DELAY = 10;
    uint32 internal constant SET_ID = 7;
    address internal constant BURN = 0x00000000000000000000000000000000000E16E4;

    address internal avs = address(0xA5);
    address internal operator = address(0xA11CE);
    OperatorSet internal set;

    function setUp() public {
        _deployDevnetCore(DEALLOCATION_DELAY, 0);
        set = OperatorSet(avs, SET_ID);
        _createOperatorSet(avs, SET_ID, _one(strategy));
    }

    /// @dev Operator with `stake` of its own, `magnitude` allocated to the set, registered (AVS is its own registrar).
    function _slashableOperator(uint256 stake, uint64 magnitude) internal {
        _registerOperator(operator, 0, stake);
        _allocate(operator, set, strategy, magnitude);
        vm.mockCall(avs, abi.encodeWithSignature("registerOperator(address,address,uint32[],bytes)"), "");
        _registerForSets(operator, avs, _oneId(SET_ID), "");
    }

    function _params(uint256 wad) internal view returns (IAllocationManagerTypes.SlashingParams memory p) {
        p.operator = operator;
        p.operatorSetId = SET_ID;
        p.strategies = _one(strategy);
        p.wadsToSlash = new uint256[](1);
        p.wadsToSlash[0] = wad;
        p.description = "dissent on task 1";
    }

    function testFuzz_slashOperator_reducesMagnitudesAndSharesProportionally(
        uint256 stake,
        uint64 magnitude,
        uint256 wad
    ) public {
        stake = bound(stake, 1e9, 1e30);
        magnitude = uint64(bound(magnitude, 1, WAD));
        wad = bound(wad, 1, WAD);
        _slashableOperator(stake, magnitude);

        vm.prank(avs);
        (uint256 slashId, uint256[] memory shares) = allocationManager.slashOperator(avs, _params(wad));

        uint64 slashedMagnitude = uint64(Math.mulDiv(magnitude, wad, WAD, Math.Rounding.Ceil));
        uint64 newMax = WAD - slashedMagnitude;
        uint256 expectedSlashedShares = stake - Math.mulDiv(stake, newMax, WAD, Math.Rounding.Ceil);

        assertEq(slashId, 1, "first slash of the set has id 1");
        assertEq(shares.length, 1, "one entry per strategy");
        assertEq(shares[0], expectedSlashedShares, "returned shares = shares removed from the operator");
        assertEq(
            uint256(allocationManager.getAllocation(operator, set, strategy).currentMagnitude),
            magnitude - slashedMagnitude,
            "allocation loses wad x allocation (rounded up)"
        );
        assertEq(uint256(allocationManager.getMaxMagnitude(operator, strategy)), newMax, "max magnitude falls by the same");
        assertEq(
            uint256(allocationManager.getEncumberedMagnitude(operator, strategy)),
            magnitude - slashedMagnitude,
            "encumbered magnitude falls by the same"
        );
        assertEq(
            delegationManager.operatorShares(operator, strategy),
            stake - expectedSlashedShares,
            "operator shares fall by shares x slashed / max"
        );
        assertEq(
            strategyManager.getBurnOrRedistributableShares(set, slashId, strategy),
            expectedSlashedShares,
            "slashed shares are queued for burning"
        );
        // The operator (a staker of its own stake) can withdraw exactly what the operator still has, give or take
        // rounding in the operator's favour of at most a few wei.
        (uint256[] memory withdrawable,) = delegationManager.getWithdrawableShares(operator, _one(strategy));
        assertLe(withdrawable[0], stake - expectedSlashedShares, "staker cannot withdraw more than remains");
        assertApproxEqAbs(withdrawable[0], stake - expectedSlashedShares, 2, "staker's withdrawable follows the slash");
    }

    function testFuzz_slashableStakeAfterSlash_usesNewSharesAndMaxMagnitude(uint256 stake, uint256 wad) public {
        stake = bound(stake, 1e9, 1e30);
        wad = bound(wad, 1, WAD - 1);
        _slashableOperator(stake, 0.5e18);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _params(wad));

        uint256 shares = delegationManager.operatorShares(operator, strategy);
        uint64 alloc = allocationManager.getAllocation(operator, set, strategy).currentMagnitude;
        uint64 max = allocationManager.getMaxMagnitude(operator, strategy);
        uint256[][] memory got = allocationManager.getMinimumSlashableStake(
            set, _oneAddr(operator), _one(strategy), uint32(block.number)
        );
        uint256 proportion = Math.mulDiv(alloc, WAD, max);
        assertEq(got[0][0], Math.mulDiv(shares, proportion, WAD), "slashable = shares * (alloc / max) after slash");
    }

    function test_slashOperator_emitsCoreEventsInOrder() public {
        _slashableOperator(100 ether, 0.5e18);
        uint256[] memory wadSlashed = new uint256[](1);
        wadSlashed[0] = 0.1e18; // 20% of a 0.5 allocation = 0.1 of the whole stake

        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.EncumberedMagnitudeUpdated(operator, strategy, 0.4e18);
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.AllocationUpdated(operator, set, strategy, 0.4e18, uint32(block.number));
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.MaxMagnitudeUpdated(operator, strategy, 0.9e18);
        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.OperatorSharesSlashed(operator, strategy, 10 ether);
        vm.expectEmit(address(strategyManager));
        emit IStrategyManagerEvents.BurnOrRedistributableSharesIncreased(set, 1, strategy, 10 ether);
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorSlashed(operator, set, _one(strategy), wadSlashed, "dissent on task 1");

        vm.prank(avs);
        allocationManager.slashOperator(avs, _params(0.2e18));
    }

    function test_slashOperator_slashIdCountsPerSet() public {
        _slashableOperator(100 ether, 0.5e18);
        vm.startPrank(avs);
        (uint256 first,) = allocationManager.slashOperator(avs, _params(0.1e18));
        (uint256 second,) = allocationManager.slashOperator(avs, _params(0.1e18));
        vm.stopPrank();
        assertEq(first, 1, "first slash id");
        assertEq(second, 2, "second slash id");
        assertEq(allocationManager.getSlashCount(set), 2, "slash count of the set");
    }

    function test_slashOperator_fullSlashZeroesAllocationAndBlocksNewDeposits() public {
        _slashableOperator(100 ether, WAD);
        vm.prank(avs);
        (, uint256[] memory shares) = allocationManager.slashOperator(avs, _params(WAD));
        assertEq(shares[0], 100 ether, "a full slash of a full allocation takes every share");
        assertEq(uint256(allocationManager.getMaxMagnitude(operator, strategy)), 0, "max magnitude is zero");
        assertEq(delegationManager.operatorShares(operator, strategy), 0, "operator has no shares left");

        DevnetToken(address(token)).mint(operator, 1 ether);
        vm.startPrank(operator);
        token.approve(address(strategyManager), 1 ether);
        vm.expectRevert(IDelegationManagerErrors.FullySlashed.selector);
        strategyManager.depositIntoStrategy(strategy, token, 1 ether);
        vm.stopPrank();
    }

    function test_slashOperator_slashesDelegatedStakersInProportion() public {
        address staker = address(0xB0B);
        _slashableOperator(60 ether, WAD);
        _deposit(staker, strategy, 40 ether);
        vm.prank(staker);
        delegationManager.delegateTo(operator, ISignatureUtilsMixinTypes.SignatureWithExpiry("", 0), 0);
        assertEq(delegationManager.operatorShares(operator, strategy), 100 ether, "operator holds both stakes");

        vm.prank(avs);
        allocationManager.slashOperator(avs, _params(0.25e18));

        assertEq(delegationManager.operatorShares(operator, strategy), 75 ether, "operator lost 25%");
        (uint256[] memory stakerShares,) = delegationManager.getWithdrawableShares(staker, _one(strategy));
        (uint256[] memory operatorOwn,) = delegationManager.getWithdrawableShares(operator, _one(strategy));
        assertEq(stakerShares[0], 30 ether, "staker lost 25% of 40");
        assertEq(operatorOwn[0], 45 ether, "operator's own stake lost 25% of 60");

        // A deposit after the slash is worth its face value.
        _deposit(staker, strategy, 10 ether);
        (stakerShares,) = delegationManager.getWithdrawableShares(staker, _one(strategy));
        // EigenLayer's deposit-scaling-factor math rounds down twice, against the staker: allow a few dozen wei.
        assertLe(stakerShares[0], 40 ether, "rounding never favours the staker");
        assertApproxEqAbs(stakerShares[0], 40 ether, 100, "new deposit is not slashed retroactively");
    }

    function test_slashOperator_shrinksPendingDeallocation() public {
        _slashableOperator(100 ether, 0.8e18);
        _allocate(operator, set, strategy, 0.4e18); // pending -0.4, slashable until the delay passes
        vm.prank(avs);
        allocationManager.slashOperator(avs, _params(0.5e18));
        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, set, strategy);
        assertEq(uint256(a.currentMagnitude), 0.4e18, "current allocation halved");
        assertEq(int256(a.pendingDiff), -0.2e18, "pending deallocation halved");
        vm.roll(block.number + DEALLOCATION_DELAY + 1);
        assertEq(
            uint256(allocationManager.getAllocation(operator, set, strategy).currentMagnitude),
            0.2e18,
            "after the delay the allocation is the slashed target"
        );
    }

    function test_slashOperator_rejectsCallerThatIsNotTheAVSOrAppointee() public {
        _slashableOperator(100 ether, 0.5e18);
        vm.prank(address(0xBAD));
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.slashOperator(avs, _params(0.1e18));

        vm.prank(operator);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.slashOperator(avs, _params(0.1e18));
    }

    function test_slashOperator_appointeeOfTheAVSMaySlash() public {
        _slashableOperator(100 ether, 0.5e18);
        address slasher = address(0x51A5);
        vm.prank(avs);
        permissionController.setAppointee(avs, slasher, address(allocationManager), allocationManager.slashOperator.selector);
        vm.prank(slasher);
        (uint256 slashId,) = allocationManager.slashOperator(avs, _params(0.1e18));
        assertEq(slashId, 1, "appointee's slash went through");
    }

    function test_slashOperator_rejectsWadOfZeroOrAboveOne() public {
        _slashableOperator(100 ether, 0.5e18);
        vm.startPrank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidWadToSlash.selector);
        allocationManager.slashOperator(avs, _params(0));
        vm.expectRevert(IAllocationManagerErrors.InvalidWadToSlash.selector);
        allocationManager.slashOperator(avs, _params(uint256(WAD) + 1));
        vm.stopPrank();
    }

    function test_slashOperator_rejectsOperatorThatNeverJoinedTheSet() public {
        _registerOperator(operator, 0, 100 ether);
        _allocate(operator, set, strategy, 0.5e18);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.OperatorNotSlashable.selector);
        allocationManager.slashOperator(avs, _params(0.1e18));
    }

    function test_slashOperator_afterDeregistration_worksOnlyWithinDeallocationDelay() public {
        _slashableOperator(100 ether, 0.5e18);
        vm.mockCall(avs, abi.encodeWithSignature("deregisterOperator(address,address,uint32[])"), "");
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _oneId(SET_ID)));
        uint256 left = block.number;

        vm.roll(left + DEALLOCATION_DELAY);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _params(0.1e18));

        vm.roll(left + DEALLOCATION_DELAY + 1);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.OperatorNotSlashable.selector);
        allocationManager.slashOperator(avs, _params(0.1e18));
    }

    function test_slashOperator_rejectsBadStrategyLists() public {
        _slashableOperator(100 ether, 0.5e18);
        (, StrategyBase other) = _addStrategy("Other", "OTH");

        IAllocationManagerTypes.SlashingParams memory p = _params(0.1e18);
        p.strategies = _one(other);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.StrategyNotInOperatorSet.selector);
        allocationManager.slashOperator(avs, p);

        vm.prank(avs);
        allocationManager.addStrategiesToOperatorSet(avs, SET_ID, _one(other));
        (IStrategy lo, IStrategy hi) = address(strategy) < address(other)
            ? (IStrategy(strategy), IStrategy(other))
            : (IStrategy(other), IStrategy(strategy));
        p.strategies = new IStrategy[](2);
        p.strategies[0] = hi;
        p.strategies[1] = lo;
        p.wadsToSlash = new uint256[](2);
        p.wadsToSlash[0] = 0.1e18;
        p.wadsToSlash[1] = 0.1e18;
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.StrategiesMustBeInAscendingOrder.selector);
        allocationManager.slashOperator(avs, p);

        p.wadsToSlash = new uint256[](1);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InputArrayLengthMismatch.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_skipsStrategyWithoutAllocation() public {
        _slashableOperator(100 ether, 0.5e18);
        (, StrategyBase other) = _addStrategy("Other", "OTH");
        vm.prank(avs);
        allocationManager.addStrategiesToOperatorSet(avs, SET_ID, _one(other));
        IAllocationManagerTypes.SlashingParams memory p = _params(0.5e18);
        p.strategies = _one(other);
        vm.prank(avs);
        (, uint256[] memory shares) = allocationManager.slashOperator(avs, p);
        assertEq(shares[0], 0, "nothing slashed where nothing is allocated");
        assertEq(uint256(allocationManager.getMaxMagnitude(operator, other)), WAD, "max magnitude untouched");
    }

    function test_clearBurnOrRedistributableShares_sendsSlashedTokensToBurnAddress() public {
        _slashableOperator(100 ether, 0.5e18);
        vm.prank(avs);
        (uint256 slashId,) = allocationManager.slashOperator(avs, _params(0.2e18));

        uint256[] memory amounts = strategyManager.clearBurnOrRedistributableShares(set, slashId);
        assertEq(amounts.length, 1, "one strategy cleared");
        assertEq(amounts[0], 10 ether, "tokens for the slashed shares");
        assertEq(token.balanceOf(BURN), 10 ether, "tokens reached the burn address");
        assertEq(token.balanceOf(address(strategy)), 90 ether, "the rest stays staked");
        assertEq(strategyManager.getBurnOrRedistributableShares(set, slashId, strategy), 0, "queue emptied");
        assertEq(strategyManager.clearBurnOrRedistributableSharesByStrategy(set, slashId, strategy), 0, "idempotent");
    }

    function test_redistributingSet_sendsSlashedTokensToRecipient() public {
        address recipient = address(0xFEED);
        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        params[0] = IAllocationManagerTypes.CreateSetParams(8, _one(strategy));
        address[] memory recipients = _oneAddr(recipient);
        vm.prank(avs);
        allocationManager.createRedistributingOperatorSets(avs, params, recipients);
        OperatorSet memory rset = OperatorSet(avs, 8);
        assertTrue(allocationManager.isRedistributingOperatorSet(rset), "set redistributes");

        _registerOperator(operator, 0, 100 ether);
        _allocate(operator, rset, strategy, WAD);
        vm.mockCall(avs, abi.encodeWithSignature("registerOperator(address,address,uint32[],bytes)"), "");
        _registerForSets(operator, avs, _oneId(8), "");
        IAllocationManagerTypes.SlashingParams memory p = _params(0.3e18);
        p.operatorSetId = 8;
        vm.prank(avs);
        (uint256 slashId,) = allocationManager.slashOperator(avs, p);
        strategyManager.clearBurnOrRedistributableSharesByStrategy(rset, slashId, strategy);
        assertEq(token.balanceOf(recipient), 30 ether, "recipient received the slashed tokens");
    }
}
