// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "./Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "../../src/interfaces/eigenlayer/IStrategy.sol";
import {IDelegationManager} from "../../src/interfaces/eigenlayer/IDelegationManager.sol";
import {IAllocationManager, IAllocationManagerTypes} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {IStrategyManager} from "../../src/interfaces/eigenlayer/IStrategyManager.sol";
import {IPermissionController} from "../../src/interfaces/eigenlayer/IPermissionController.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";
import {PermissionController} from "../../src/devnet-core/PermissionController.sol";
import {DelegationManager} from "../../src/devnet-core/DelegationManager.sol";
import {AllocationManager} from "../../src/devnet-core/AllocationManager.sol";
import {StrategyManager} from "../../src/devnet-core/StrategyManager.sol";
import {StrategyBase} from "../../src/devnet-core/StrategyBase.sol";
import {DevnetToken} from "../../src/devnet-core/DevnetToken.sol";

/// @notice Deploys the devnet EigenLayer core inside a forge test and offers the usual setup steps (operators,
/// deposits, allocations). Tests of the core and of the AVS both build their world with it.
///
///     contract MyTest is DevnetCoreFixture {
///         function setUp() public {
///             _deployDevnetCore({deallocationDelay: 10, allocationConfigurationDelay: 0});
///             _registerOperator(alice, 0, 100 ether);   // delay 0: allocations apply at once
///         }
///     }
abstract contract DevnetCoreFixture is Test {
    PermissionController internal permissionController;
    DelegationManager internal delegationManager;
    AllocationManager internal allocationManager;
    StrategyManager internal strategyManager;
    /// @dev The default staking token and its strategy (whitelisted).
    DevnetToken internal token;
    StrategyBase internal strategy;

    /// @notice Deploys PermissionController, DelegationManager, AllocationManager, StrategyManager (this test
    /// contract is owner and strategy whitelister), wires them, and adds one token + strategy.
    function _deployDevnetCore(uint32 deallocationDelay, uint32 allocationConfigurationDelay) internal {
        permissionController = new PermissionController();
        delegationManager = new DelegationManager(permissionController);
        allocationManager = new AllocationManager(
            delegationManager, permissionController, deallocationDelay, allocationConfigurationDelay
        );
        strategyManager = new StrategyManager(allocationManager, delegationManager, address(this));
        delegationManager.initialize(strategyManager, allocationManager);
        (token, strategy) = _addStrategy("Devnet Stake", "dSTK");
        vm.label(address(permissionController), "PermissionController");
        vm.label(address(delegationManager), "DelegationManager");
        vm.label(address(allocationManager), "AllocationManager");
        vm.label(address(strategyManager), "StrategyManager");
    }

    /// @notice Deploys a new mintable token and a whitelisted strategy for it.
    function _addStrategy(string memory name, string memory symbol)
        internal
        returns (DevnetToken newToken, StrategyBase newStrategy)
    {
        newToken = new DevnetToken(name, symbol);
        newStrategy = new StrategyBase(strategyManager, newToken);
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = newStrategy;
        strategyManager.addStrategiesToDepositWhitelist(list);
        vm.label(address(newStrategy), string.concat("Strategy-", symbol));
    }

    /// @notice Mints `amount` of the strategy's token to `staker` and deposits it; returns the deposit shares.
    function _deposit(address staker, IStrategy strat, uint256 amount) internal returns (uint256 shares) {
        DevnetToken t = DevnetToken(address(strat.underlyingToken()));
        t.mint(staker, amount);
        vm.startPrank(staker);
        t.approve(address(strategyManager), amount);
        shares = strategyManager.depositIntoStrategy(strat, IERC20(address(t)), amount);
        vm.stopPrank();
    }

    /// @notice Registers `operator` (no delegation approver) and, when `stake` > 0, deposits that much of the
    /// default token as the operator's own stake.
    function _registerOperator(address operator, uint32 allocationDelay, uint256 stake) internal {
        vm.prank(operator);
        delegationManager.registerAsOperator(address(0), allocationDelay, "ipfs://operator");
        if (stake > 0) _deposit(operator, strategy, stake);
    }

    /// @notice Creates operator set `id` of `avs` (posting AVS metadata first) with the given strategies.
    function _createOperatorSet(address avs, uint32 id, IStrategy[] memory strategies) internal {
        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        params[0] = IAllocationManagerTypes.CreateSetParams({operatorSetId: id, strategies: strategies});
        vm.startPrank(avs);
        allocationManager.updateAVSMetadataURI(avs, "ipfs://avs");
        allocationManager.createOperatorSets(avs, params);
        vm.stopPrank();
    }

    /// @notice Sets `operator`'s allocation of `strat` to `operatorSet` to `magnitude` (WAD).
    function _allocate(address operator, OperatorSet memory operatorSet, IStrategy strat, uint64 magnitude) internal {
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        params[0].operatorSet = operatorSet;
        params[0].strategies = new IStrategy[](1);
        params[0].strategies[0] = strat;
        params[0].newMagnitudes = new uint64[](1);
        params[0].newMagnitudes[0] = magnitude;
        vm.prank(operator);
        allocationManager.modifyAllocations(operator, params);
    }

    /// @notice Registers `operator` for operator sets `ids` of `avs`, passing `data` to the AVS registrar.
    function _registerForSets(address operator, address avs, uint32[] memory ids, bytes memory data) internal {
        vm.prank(operator);
        allocationManager.registerForOperatorSets(
            operator, IAllocationManagerTypes.RegisterParams({avs: avs, operatorSetIds: ids, data: data})
        );
    }

    function _one(IStrategy s) internal pure returns (IStrategy[] memory list) {
        list = new IStrategy[](1);
        list[0] = s;
    }

    function _oneId(uint32 id) internal pure returns (uint32[] memory ids) {
        ids = new uint32[](1);
        ids[0] = id;
    }

    function _oneAddr(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }
}
