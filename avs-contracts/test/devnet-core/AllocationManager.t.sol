// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {DevnetCoreFixture} from "../utils/DevnetCoreFixture.sol";
import {MockAVSRegistrar} from "./MockAVSRegistrar.sol";
import {IStrategy} from "../../src/interfaces/eigenlayer/IStrategy.sol";
import {
    IAllocationManagerErrors,
    IAllocationManagerEvents,
    IAllocationManagerTypes
} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {IAVSRegistrar} from "../../src/interfaces/eigenlayer/IAVSRegistrar.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";
import {PermissionControllerMixin} from "../../src/devnet-core/PermissionControllerMixin.sol";
import {WAD} from "../../src/devnet-core/SlashingMath.sol";

/// @notice Operator sets, allocations, registration and slashable-stake views of the devnet AllocationManager.
contract AllocationManagerTest is DevnetCoreFixture {
    uint32 internal constant DEALLOCATION_DELAY = 10;
    uint32 internal constant SET_ID = 1;

    address internal avs = address(0xA5);
    address internal operator = address(0xA11CE);
    MockAVSRegistrar internal registrar;
    OperatorSet internal set;

    function setUp() public {
        _deployDevnetCore(DEALLOCATION_DELAY, 0);
        registrar = new MockAVSRegistrar(avs);
        set = OperatorSet(avs, SET_ID);
        // Until a test names `registrar`, the AVS address itself receives the callbacks: accept them.
        vm.mockCall(avs, abi.encodeWithSelector(IAVSRegistrar.registerOperator.selector), "");
        vm.mockCall(avs, abi.encodeWithSelector(IAVSRegistrar.deregisterOperator.selector), "");
    }

    // ---- operator sets ----

    function test_createOperatorSets_requiresAVSMetadataFirst() public {
        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        params[0] = IAllocationManagerTypes.CreateSetParams(SET_ID, _one(strategy));
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.NonexistentAVSMetadata.selector);
        allocationManager.createOperatorSets(avs, params);
    }

    function test_createOperatorSets_createsSetWithStrategies() public {
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.AVSMetadataURIUpdated(avs, "ipfs://avs");
        vm.prank(avs);
        allocationManager.updateAVSMetadataURI(avs, "ipfs://avs");

        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        params[0] = IAllocationManagerTypes.CreateSetParams(SET_ID, _one(strategy));
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorSetCreated(set);
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.StrategyAddedToOperatorSet(set, strategy);
        vm.prank(avs);
        allocationManager.createOperatorSets(avs, params);

        assertTrue(allocationManager.isOperatorSet(set), "set exists");
        assertEq(allocationManager.getOperatorSetCount(avs), 1, "one set for the AVS");
        IStrategy[] memory strategies = allocationManager.getStrategiesInOperatorSet(set);
        assertEq(strategies.length, 1, "one strategy in the set");
        assertEq(address(strategies[0]), address(strategy), "the strategy passed at creation");
        assertFalse(allocationManager.isOperatorSet(OperatorSet(avs, 2)), "other ids do not exist");
    }

    function test_createOperatorSets_revertsForDuplicateId() public {
        _createOperatorSet(avs, SET_ID, _one(strategy));
        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        params[0] = IAllocationManagerTypes.CreateSetParams(SET_ID, new IStrategy[](0));
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        allocationManager.createOperatorSets(avs, params);
    }

    function test_avsActions_revertForCallerThatIsNotTheAVS() public {
        vm.prank(operator);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.updateAVSMetadataURI(avs, "ipfs://not-mine");

        _createOperatorSet(avs, SET_ID, new IStrategy[](0));
        vm.prank(operator);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.addStrategiesToOperatorSet(avs, SET_ID, _one(strategy));
    }

    function test_appointee_mayActForTheAVS() public {
        address appointee = address(0xC0FFEE);
        vm.prank(avs);
        permissionController.setAppointee(
            avs, appointee, address(allocationManager), allocationManager.updateAVSMetadataURI.selector
        );
        vm.prank(appointee);
        allocationManager.updateAVSMetadataURI(avs, "ipfs://by-appointee");

        vm.prank(appointee);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.setAVSRegistrar(avs, registrar); // not appointed for this selector
    }

    function test_addStrategiesToOperatorSet_rejectsDuplicates() public {
        _createOperatorSet(avs, SET_ID, _one(strategy));
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.StrategyAlreadyInOperatorSet.selector);
        allocationManager.addStrategiesToOperatorSet(avs, SET_ID, _one(strategy));
    }

    function test_setAVSRegistrar_requiresRegistrarThatSupportsTheAVS() public {
        MockAVSRegistrar foreign = new MockAVSRegistrar(address(0xF00));
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidAVSRegistrar.selector);
        allocationManager.setAVSRegistrar(avs, foreign);

        assertEq(address(allocationManager.getAVSRegistrar(avs)), avs, "registrar defaults to the AVS itself");
        vm.prank(avs);
        allocationManager.setAVSRegistrar(avs, registrar);
        assertEq(address(allocationManager.getAVSRegistrar(avs)), address(registrar), "registrar is set");
    }

    // ---- allocations ----

    function test_modifyAllocations_appliesAtOnceWithZeroDelay() public {
        _registerOperator(operator, 0, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _allocate(operator, set, strategy, 0.4e18);

        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, set, strategy);
        assertEq(uint256(a.currentMagnitude), 0.4e18, "allocation in force immediately");
        assertEq(uint256(a.effectBlock), 0, "nothing pending");
        assertEq(uint256(allocationManager.getEncumberedMagnitude(operator, strategy)), 0.4e18, "encumbered");
        assertEq(uint256(allocationManager.getAllocatableMagnitude(operator, strategy)), 0.6e18, "allocatable");
        assertEq(uint256(allocationManager.getMaxMagnitude(operator, strategy)), WAD, "max magnitude starts at WAD");
    }

    function test_modifyAllocations_waitsForAllocationDelay() public {
        _registerOperator(operator, 5, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        uint32 start = uint32(block.number);

        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.AllocationUpdated(operator, set, strategy, 0.5e18, start + 5);
        _allocate(operator, set, strategy, 0.5e18);

        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, set, strategy);
        assertEq(uint256(a.currentMagnitude), 0, "not in force before the delay");
        assertEq(int256(a.pendingDiff), int256(0.5e18), "pending increase");
        assertEq(uint256(a.effectBlock), start + 5, "effect block = now + allocation delay");

        vm.roll(start + 5);
        a = allocationManager.getAllocation(operator, set, strategy);
        assertEq(uint256(a.currentMagnitude), 0.5e18, "in force at the effect block");
    }

    function test_modifyAllocations_revertsWhenExceedingMaxMagnitude() public {
        _registerOperator(operator, 0, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _createOperatorSet(avs, 2, _one(strategy));
        _allocate(operator, set, strategy, 0.7e18);

        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        params[0] = IAllocationManagerTypes.AllocateParams(OperatorSet(avs, 2), _one(strategy), new uint64[](1));
        params[0].newMagnitudes[0] = 0.3e18 + 1;
        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.InsufficientMagnitude.selector);
        allocationManager.modifyAllocations(operator, params);
    }

    function test_modifyAllocations_revertsForSameMagnitudeAndPendingChange() public {
        _registerOperator(operator, 5, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _allocate(operator, set, strategy, 0.5e18);

        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        params[0] = IAllocationManagerTypes.AllocateParams(set, _one(strategy), new uint64[](1));
        params[0].newMagnitudes[0] = 0.6e18;
        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.ModificationAlreadyPending.selector);
        allocationManager.modifyAllocations(operator, params);

        vm.roll(block.number + 5);
        params[0].newMagnitudes[0] = 0.5e18;
        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.SameMagnitude.selector);
        allocationManager.modifyAllocations(operator, params);
    }

    function test_modifyAllocations_revertsForStrangerAndUnregisteredOperator() public {
        _createOperatorSet(avs, SET_ID, _one(strategy));
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        params[0] = IAllocationManagerTypes.AllocateParams(set, _one(strategy), new uint64[](1));
        params[0].newMagnitudes[0] = 1;

        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.UninitializedAllocationDelay.selector);
        allocationManager.modifyAllocations(operator, params);

        _registerOperator(operator, 0, 1 ether);
        vm.prank(address(0xBAD));
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        allocationManager.modifyAllocations(operator, params);
    }

    function test_deallocation_ofSlashableAllocation_waitsForDeallocationDelay() public {
        _registerOperator(operator, 0, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _allocate(operator, set, strategy, 0.5e18);
        _registerForSets(operator, avs, _oneId(SET_ID), "");

        uint32 start = uint32(block.number);
        _allocate(operator, set, strategy, 0.2e18);
        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, set, strategy);
        assertEq(uint256(a.currentMagnitude), 0.5e18, "still slashable during the deallocation delay");
        assertEq(uint256(a.effectBlock), start + DEALLOCATION_DELAY + 1, "freed after DEALLOCATION_DELAY + 1");
        assertEq(uint256(allocationManager.getEncumberedMagnitude(operator, strategy)), 0.5e18, "still encumbered");

        vm.roll(start + DEALLOCATION_DELAY + 1);
        a = allocationManager.getAllocation(operator, set, strategy);
        assertEq(uint256(a.currentMagnitude), 0.2e18, "deallocation applied");
        assertEq(uint256(allocationManager.getEncumberedMagnitude(operator, strategy)), 0.2e18, "magnitude freed");
    }

    function test_deallocation_ofUnregisteredOperator_isImmediate() public {
        _registerOperator(operator, 0, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _allocate(operator, set, strategy, 0.5e18);
        _allocate(operator, set, strategy, 0.1e18);
        assertEq(
            uint256(allocationManager.getAllocation(operator, set, strategy).currentMagnitude),
            0.1e18,
            "unslashable allocation decreases at once"
        );
        assertEq(uint256(allocationManager.getEncumberedMagnitude(operator, strategy)), 0.1e18, "encumbered");
    }

    // ---- registration ----

    function test_registerForOperatorSets_callsRegistrarWithOperatorAvsIdsAndData() public {
        _setUpRegistrarAndOperator();
        bytes memory data = abi.encode(uint256(42), "bls key and proof of possession");

        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorAddedToOperatorSet(operator, set);
        vm.expectCall(
            address(registrar), abi.encodeCall(IAVSRegistrar.registerOperator, (operator, avs, _oneId(SET_ID), data))
        );
        _registerForSets(operator, avs, _oneId(SET_ID), data);

        assertEq(registrar.registerCalls(), 1, "registrar called once");
        assertEq(registrar.lastOperator(), operator, "registrar got the operator");
        assertEq(registrar.lastAvs(), avs, "registrar got the AVS");
        assertEq(registrar.lastIds().length, 1, "registrar got one id");
        assertEq(uint256(registrar.lastIds()[0]), SET_ID, "registrar got the set id");
        assertEq(registrar.lastData(), data, "registrar got the data unchanged");
        assertTrue(allocationManager.isMemberOfOperatorSet(operator, set), "operator is a member");
        assertTrue(allocationManager.isOperatorSlashable(operator, set), "member is slashable");
        assertEq(allocationManager.getMembers(set), _oneAddr(operator), "members list");
        assertEq(allocationManager.getMemberCount(set), 1, "member count");
    }

    function test_registerForOperatorSets_revertsWhenRegistrarReverts() public {
        _setUpRegistrarAndOperator();
        registrar.setRejectRegistrations(true);
        vm.prank(operator);
        vm.expectRevert(MockAVSRegistrar.RegistrationRejected.selector);
        allocationManager.registerForOperatorSets(
            operator, IAllocationManagerTypes.RegisterParams(avs, _oneId(SET_ID), "")
        );
        assertFalse(allocationManager.isMemberOfOperatorSet(operator, set), "rejected operator is not a member");
        assertEq(allocationManager.getMemberCount(set), 0, "no members after the rejected registration");
    }

    function test_registerForOperatorSets_rejectsNonOperatorDuplicateAndUnknownSet() public {
        _setUpRegistrarAndOperator();
        address nobody = address(0xBEEF);
        vm.prank(nobody);
        vm.expectRevert(IAllocationManagerErrors.InvalidOperator.selector);
        allocationManager.registerForOperatorSets(nobody, IAllocationManagerTypes.RegisterParams(avs, _oneId(SET_ID), ""));

        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _oneId(99), ""));

        _registerForSets(operator, avs, _oneId(SET_ID), "");
        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.AlreadyMemberOfSet.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _oneId(SET_ID), ""));

        vm.prank(nobody);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _oneId(SET_ID), ""));
    }

    function test_deregisterFromOperatorSets_callsRegistrarAndKeepsOperatorSlashableForDelay() public {
        _setUpRegistrarAndOperator();
        _registerForSets(operator, avs, _oneId(SET_ID), "");
        uint32 start = uint32(block.number);

        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorRemovedFromOperatorSet(operator, set);
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(
            IAllocationManagerTypes.DeregisterParams(operator, avs, _oneId(SET_ID))
        );

        assertEq(registrar.deregisterCalls(), 1, "registrar told of the deregistration");
        assertFalse(allocationManager.isMemberOfOperatorSet(operator, set), "no longer a member");
        assertTrue(allocationManager.isOperatorSlashable(operator, set), "slashable right after leaving");
        vm.roll(start + DEALLOCATION_DELAY);
        assertTrue(allocationManager.isOperatorSlashable(operator, set), "slashable through DEALLOCATION_DELAY");
        vm.roll(start + DEALLOCATION_DELAY + 1);
        assertFalse(allocationManager.isOperatorSlashable(operator, set), "not slashable after the delay");
    }

    function test_deregisterFromOperatorSets_byAVS_andRejectsStrangersAndNonMembers() public {
        _setUpRegistrarAndOperator();
        _registerForSets(operator, avs, _oneId(SET_ID), "");

        vm.prank(address(0xBAD));
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _oneId(SET_ID)));

        vm.prank(avs);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _oneId(SET_ID)));
        assertFalse(allocationManager.isMemberOfOperatorSet(operator, set), "AVS removed the operator");

        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.NotMemberOfSet.selector);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _oneId(SET_ID)));
    }

    // ---- slashable stake ----

    function testFuzz_getMinimumSlashableStake_isSharesTimesMagnitudeOverMax(uint256 stake, uint64 magnitude) public {
        stake = bound(stake, 1, 1e34);
        magnitude = uint64(bound(magnitude, 1, WAD));
        _registerOperator(operator, 0, stake);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _allocate(operator, set, strategy, magnitude);
        _registerForSets(operator, avs, _oneId(SET_ID), "");

        uint256[][] memory got = allocationManager.getMinimumSlashableStake(
            set, _oneAddr(operator), _one(strategy), uint32(block.number)
        );
        uint256 expected = stake * uint256(magnitude) / WAD; // maxMagnitude is WAD before any slash
        assertEq(got[0][0], expected, "slashable = shares * magnitude / maxMagnitude");
        assertLe(got[0][0], stake, "never more than the delegated shares");
        uint256[][] memory allocated = allocationManager.getAllocatedStake(set, _oneAddr(operator), _one(strategy));
        assertEq(allocated[0][0], expected, "allocated stake equals slashable stake for a member");
    }

    function test_getMinimumSlashableStake_isZeroForNonMemberButAllocatedStakeIsNot() public {
        _registerOperator(operator, 0, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _allocate(operator, set, strategy, 0.5e18);
        uint256[][] memory slashable = allocationManager.getMinimumSlashableStake(
            set, _oneAddr(operator), _one(strategy), uint32(block.number)
        );
        assertEq(slashable[0][0], 0, "not slashable before registering");
        uint256[][] memory allocated = allocationManager.getAllocatedStake(set, _oneAddr(operator), _one(strategy));
        assertEq(allocated[0][0], 50 ether, "allocated stake ignores membership");
    }

    function test_getMinimumSlashableStake_subtractsDeallocationDueByFutureBlockOnly() public {
        _registerOperator(operator, 0, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _allocate(operator, set, strategy, 0.5e18);
        _registerForSets(operator, avs, _oneId(SET_ID), "");
        uint32 start = uint32(block.number);
        _allocate(operator, set, strategy, 0.2e18); // due at start + DEALLOCATION_DELAY + 1

        uint256[][] memory now_ =
            allocationManager.getMinimumSlashableStake(set, _oneAddr(operator), _one(strategy), start);
        assertEq(now_[0][0], 50 ether, "before the deallocation is due the full allocation counts");
        uint256[][] memory later = allocationManager.getMinimumSlashableStake(
            set, _oneAddr(operator), _one(strategy), start + DEALLOCATION_DELAY + 1
        );
        assertEq(later[0][0], 20 ether, "by the due block the deallocation is subtracted");
    }

    function test_getMinimumSlashableStake_ignoresPendingIncrease() public {
        _registerOperator(operator, 5, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        _registerForSets(operator, avs, _oneId(SET_ID), "");
        _allocate(operator, set, strategy, 0.5e18);
        uint256[][] memory got = allocationManager.getMinimumSlashableStake(
            set, _oneAddr(operator), _one(strategy), uint32(block.number) + 100
        );
        assertEq(got[0][0], 0, "a pending increase is not counted in the minimum");
    }

    function _setUpRegistrarAndOperator() internal {
        _registerOperator(operator, 0, 100 ether);
        _createOperatorSet(avs, SET_ID, _one(strategy));
        vm.prank(avs);
        allocationManager.setAVSRegistrar(avs, registrar);
    }
}
