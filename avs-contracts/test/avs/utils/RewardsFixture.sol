// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./AvsFixture.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardsVault, IFeePool} from "../../../src/avs/RewardsVault.sol";
import {RewardsCoordinator} from "../../../src/devnet-core/RewardsCoordinator.sol";
import {DevnetWETH} from "../../../src/devnet-core/DevnetWETH.sol";
import {IRewardsCoordinator, IRewardsCoordinatorTypes} from "../../../src/interfaces/eigenlayer/IRewardsCoordinator.sol";

/// @notice AvsFixture plus the rewards path: the stand-in RewardsCoordinator (1-day calculation interval, as on
/// mainnet), DevnetWETH and a RewardsVault wired to the oracle and the registry, and the vault appointed for the
/// coordinator's operator-directed operator-set submission.
abstract contract RewardsFixture is AvsFixture {
    uint32 internal constant INTERVAL = 1 days;
    RewardsCoordinator internal rc;
    DevnetWETH internal weth;
    RewardsVault internal vault;

    function _deployRewards() internal {
        vm.warp(100 days);
        rc = new RewardsCoordinator(
            allocationManager, strategyManager, permissionController, address(this), INTERVAL, 70 days, 90 days, 0
        );
        weth = new DevnetWETH();
        vault = new RewardsVault(IFeePool(address(oracle)), registry, rc, IERC20(address(weth)), address(this));
        registry.setRewardsVault(address(vault));
        oracle.setRewardsVault(address(vault));
        _appointOnAvs(
            address(vault), address(rc), IRewardsCoordinator.createOperatorDirectedOperatorSetRewardsSubmission.selector
        );
        vm.label(address(vault), "RewardsVault");
        vm.label(address(rc), "RewardsCoordinator");
    }

    /// @dev Appoints `appointee` for `target.selector` on the AVS account in the PermissionController, as an admin of
    /// it would (deploy: the deployer). The oracle is the admin here, so that the owner stays only pending, as setupAvs
    /// left it.
    function _appointOnAvs(address appointee, address target, bytes4 selector) internal {
        vm.prank(address(oracle));
        permissionController.setAppointee(address(oracle), appointee, target, selector);
    }

    /// @dev Answers `task` with `signs`, submitted by `submitter` at `gasPrice`; returns the gas refund credited.
    function _answer(Task memory task, bool[] memory signs, address submitter, uint256 gasPrice)
        internal
        returns (uint256 refund)
    {
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), signs);
        uint256 before = vault.gasRefunds(submitter);
        vm.txGasPrice(gasPrice);
        vm.prank(submitter, submitter);
        oracle.respondToTask(task, out, p);
        vm.txGasPrice(0);
        refund = vault.gasRefunds(submitter) - before;
    }

    /// @dev Moves past the current calculation interval, submits, publishes a ledger root and claims for every
    /// operator in `ops`; returns what each received.
    function _submitAndClaimAll() internal returns (uint256[] memory got) {
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        vault.submitRewards();
        vm.warp(block.timestamp + 1);
        uint32 rootIndex = rc.publishLedgerRoot();
        got = new uint256[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            if (rc.ledgerEarnings(ops[i], IERC20(address(weth))) <= rc.cumulativeClaimed(ops[i], IERC20(address(weth)))) {
                continue;
            }
            IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = rc.getLedgerClaim(ops[i], rootIndex);
            uint256 before = weth.balanceOf(ops[i]);
            vm.prank(ops[i]);
            rc.processClaim(claim, ops[i]);
            got[i] = weth.balanceOf(ops[i]) - before;
        }
    }
}
