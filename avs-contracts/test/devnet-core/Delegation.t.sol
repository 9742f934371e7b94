// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DevnetCoreFixture} from "../utils/DevnetCoreFixture.sol";
import {IStrategy, IStrategyErrors} from "../../src/interfaces/eigenlayer/IStrategy.sol";
import {IDelegationManager, IDelegationManagerErrors} from "../../src/interfaces/eigenlayer/IDelegationManager.sol";
import {IDelegationManagerEvents} from "../../src/interfaces/eigenlayer/IDelegationManager.sol";
import {ISignatureUtilsMixinTypes, ISignatureUtilsMixinErrors} from "../../src/interfaces/eigenlayer/ISignatureUtilsMixin.sol";
import {IStrategyManagerErrors} from "../../src/interfaces/eigenlayer/IStrategyManager.sol";
import {IAllocationManagerEvents} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {StrategyBase} from "../../src/devnet-core/StrategyBase.sol";
import {DevnetToken} from "../../src/devnet-core/DevnetToken.sol";

/// @notice Operator registration, deposits and delegation in the devnet DelegationManager / StrategyManager.
contract DelegationTest is DevnetCoreFixture {
    address internal operator = address(0xA11CE);
    address internal staker = address(0xB0B);

    function setUp() public {
        _deployDevnetCore(10, 0);
    }

    function test_registerAsOperator_selfDelegatesAndSetsAllocationDelay() public {
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.AllocationDelaySet(operator, 7, uint32(block.number));
        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.StakerDelegated(operator, operator);
        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.OperatorRegistered(operator, address(0));
        vm.prank(operator);
        delegationManager.registerAsOperator(address(0), 7, "ipfs://op");

        assertTrue(delegationManager.isOperator(operator), "registered operator is an operator");
        assertEq(delegationManager.delegatedTo(operator), operator, "operator is delegated to itself");
        (bool isSet, uint32 delay) = allocationManager.getAllocationDelay(operator);
        assertTrue(isSet, "allocation delay applies at once with configuration delay 0");
        assertEq(uint256(delay), 7, "allocation delay is the one passed at registration");
        assertFalse(delegationManager.isOperator(staker), "an unregistered address is not an operator");
    }

    function test_registerAsOperator_revertsWhenAlreadyDelegated() public {
        _registerOperator(operator, 0, 0);
        vm.prank(operator);
        vm.expectRevert(IDelegationManagerErrors.ActivelyDelegated.selector);
        delegationManager.registerAsOperator(address(0), 0, "again");
    }

    function test_allocationDelay_waitsForConfigurationDelayWhenNonZero() public {
        _deployDevnetCore(10, 5);
        _registerOperator(operator, 3, 0);
        (bool isSet,) = allocationManager.getAllocationDelay(operator);
        assertFalse(isSet, "delay is not set before ALLOCATION_CONFIGURATION_DELAY + 1 blocks");
        vm.roll(block.number + 6);
        (bool isSetLater, uint32 delay) = allocationManager.getAllocationDelay(operator);
        assertTrue(isSetLater, "delay is set after ALLOCATION_CONFIGURATION_DELAY + 1 blocks");
        assertEq(uint256(delay), 3, "delay value");
    }

    function testFuzz_operatorDeposit_creditsOperatorShares(uint256 amount) public {
        amount = bound(amount, 1, 1e30);
        _registerOperator(operator, 0, 0);
        uint256 shares = _deposit(operator, strategy, amount);
        assertEq(shares, amount, "devnet strategy issues one share per token");
        assertEq(strategyManager.stakerDepositShares(operator, strategy), amount, "operator deposit shares");
        assertEq(delegationManager.operatorShares(operator, strategy), amount, "operator delegated shares");
        assertEq(token.balanceOf(address(strategy)), amount, "tokens sit in the strategy");
        assertEq(strategy.totalShares(), amount, "strategy total shares");
    }

    function testFuzz_stakerDepositThenDelegate_movesSharesToOperator(uint256 before, uint256 afterwards) public {
        before = bound(before, 1, 1e30);
        afterwards = bound(afterwards, 1, 1e30);
        _registerOperator(operator, 0, 0);
        _deposit(staker, strategy, before);
        assertEq(delegationManager.operatorShares(operator, strategy), 0, "undelegated deposit is not delegated");

        vm.expectEmit(address(delegationManager));
        emit IDelegationManagerEvents.OperatorSharesIncreased(operator, staker, strategy, before);
        vm.prank(staker);
        delegationManager.delegateTo(operator, ISignatureUtilsMixinTypes.SignatureWithExpiry("", 0), bytes32(0));
        assertEq(delegationManager.operatorShares(operator, strategy), before, "existing deposit moves on delegation");

        _deposit(staker, strategy, afterwards);
        assertEq(
            delegationManager.operatorShares(operator, strategy), before + afterwards, "later deposit is delegated"
        );
        (uint256[] memory withdrawable, uint256[] memory deposits) =
            delegationManager.getWithdrawableShares(staker, _one(strategy));
        assertEq(deposits[0], before + afterwards, "deposit shares");
        assertEq(withdrawable[0], before + afterwards, "withdrawable equals deposits before any slashing");
    }

    function test_delegateTo_revertsForNonOperator() public {
        vm.prank(staker);
        vm.expectRevert(IDelegationManagerErrors.OperatorNotRegistered.selector);
        delegationManager.delegateTo(address(0xDEAD), ISignatureUtilsMixinTypes.SignatureWithExpiry("", 0), 0);
    }

    function test_delegateTo_revertsWhenAlreadyDelegated() public {
        _registerOperator(operator, 0, 0);
        vm.startPrank(staker);
        delegationManager.delegateTo(operator, ISignatureUtilsMixinTypes.SignatureWithExpiry("", 0), 0);
        vm.expectRevert(IDelegationManagerErrors.ActivelyDelegated.selector);
        delegationManager.delegateTo(operator, ISignatureUtilsMixinTypes.SignatureWithExpiry("", 0), 0);
        vm.stopPrank();
    }

    function test_delegateTo_withApprover_checksSignatureExpiryAndSalt() public {
        uint256 approverKey = 0xA99;
        address approver = vm.addr(approverKey);
        vm.prank(operator);
        delegationManager.registerAsOperator(approver, 0, "");

        uint256 expiry = block.timestamp + 100;
        bytes32 salt = keccak256("salt");
        bytes32 digest =
            delegationManager.calculateDelegationApprovalDigestHash(staker, operator, approver, salt, expiry);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(approverKey, digest);
        bytes memory sig = abi.encodePacked(r, s, v);

        // wrong signer
        (uint8 v2, bytes32 r2, bytes32 s2) = vm.sign(0xBAD, digest);
        vm.prank(staker);
        vm.expectRevert(ISignatureUtilsMixinErrors.InvalidSignature.selector);
        delegationManager.delegateTo(
            operator, ISignatureUtilsMixinTypes.SignatureWithExpiry(abi.encodePacked(r2, s2, v2), expiry), salt
        );

        // expired
        vm.warp(expiry + 1);
        vm.prank(staker);
        vm.expectRevert(ISignatureUtilsMixinErrors.SignatureExpired.selector);
        delegationManager.delegateTo(operator, ISignatureUtilsMixinTypes.SignatureWithExpiry(sig, expiry), salt);
        vm.warp(expiry - 50);

        vm.prank(staker);
        delegationManager.delegateTo(operator, ISignatureUtilsMixinTypes.SignatureWithExpiry(sig, expiry), salt);
        assertEq(delegationManager.delegatedTo(staker), operator, "approved staker is delegated");
        assertTrue(delegationManager.delegationApproverSaltIsSpent(approver, salt), "salt is spent");
    }

    function test_deposit_revertsForStrategyNotWhitelisted() public {
        DevnetToken other = new DevnetToken("Other", "OTH");
        StrategyBase unlisted = new StrategyBase(strategyManager, other);
        other.mint(staker, 1 ether);
        vm.startPrank(staker);
        other.approve(address(strategyManager), 1 ether);
        vm.expectRevert(IStrategyManagerErrors.StrategyNotWhitelisted.selector);
        strategyManager.depositIntoStrategy(unlisted, IERC20(address(other)), 1 ether);
        vm.stopPrank();
    }

    function test_deposit_revertsForWrongToken() public {
        DevnetToken other = new DevnetToken("Other", "OTH");
        other.mint(staker, 1 ether);
        vm.startPrank(staker);
        other.approve(address(strategyManager), 1 ether);
        vm.expectRevert(IStrategyErrors.OnlyUnderlyingToken.selector);
        strategyManager.depositIntoStrategy(strategy, IERC20(address(other)), 1 ether);
        vm.stopPrank();
    }

    function test_increaseDelegatedShares_onlyStrategyManager() public {
        vm.expectRevert(IDelegationManagerErrors.OnlyStrategyManagerOrEigenPodManager.selector);
        delegationManager.increaseDelegatedShares(staker, strategy, 0, 1);
    }

    function test_initialize_cannotRunTwice() public {
        vm.expectRevert(bytes4(keccak256("AlreadyInitialized()")));
        delegationManager.initialize(strategyManager, allocationManager);
    }
}
