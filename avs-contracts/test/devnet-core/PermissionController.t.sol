// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../utils/Test.sol";
import {PermissionController} from "../../src/devnet-core/PermissionController.sol";
import {
    IPermissionControllerErrors,
    IPermissionControllerEvents
} from "../../src/interfaces/eigenlayer/IPermissionController.sol";

/// @notice Admin and appointee rules of the devnet PermissionController.
contract PermissionControllerTest is Test {
    PermissionController internal pc;
    address internal account = address(0xACC);
    address internal admin = address(0xAD);
    address internal appointee = address(0xA9);
    address internal target = address(0x7A);
    bytes4 internal constant SELECTOR = bytes4(keccak256("slashOperator(address,(address,uint32,address[],uint256[],string))"));

    function setUp() public {
        pc = new PermissionController();
    }

    function test_accountWithoutAdmins_isItsOwnAdmin() public view {
        assertTrue(pc.isAdmin(account, account), "account administers itself");
        assertFalse(pc.isAdmin(account, admin), "nobody else does");
        assertEq(pc.getAdmins(account).length, 1, "getAdmins lists the account");
        assertEq(pc.getAdmins(account)[0], account, "getAdmins lists the account itself");
    }

    function test_addAndAcceptAdmin_replacesSelfAdministration() public {
        vm.prank(account);
        pc.addPendingAdmin(account, admin);
        assertTrue(pc.isPendingAdmin(account, admin), "pending before acceptance");
        assertFalse(pc.isAdmin(account, admin), "not admin before acceptance");

        vm.expectEmit(address(pc));
        emit IPermissionControllerEvents.AdminSet(account, admin);
        vm.prank(admin);
        pc.acceptAdmin(account);
        assertTrue(pc.isAdmin(account, admin), "admin after acceptance");
        assertFalse(pc.isAdmin(account, account), "the account is no longer implicitly admin");

        vm.prank(admin);
        vm.expectRevert(IPermissionControllerErrors.CannotHaveZeroAdmins.selector);
        pc.removeAdmin(account, admin);
    }

    function test_acceptAdmin_revertsWhenNotPending() public {
        vm.prank(admin);
        vm.expectRevert(IPermissionControllerErrors.AdminNotPending.selector);
        pc.acceptAdmin(account);
    }

    function test_setAppointee_grantsOneTargetAndSelector() public {
        vm.prank(admin);
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        pc.setAppointee(account, appointee, target, SELECTOR);

        vm.prank(account);
        pc.setAppointee(account, appointee, target, SELECTOR);
        assertTrue(pc.canCall(account, appointee, target, SELECTOR), "appointee may call the selector");
        assertFalse(pc.canCall(account, appointee, target, bytes4(0x12345678)), "but no other selector");
        assertFalse(pc.canCall(account, appointee, address(0x7B), SELECTOR), "nor another target");
        (address[] memory targets, bytes4[] memory selectors) = pc.getAppointeePermissions(account, appointee);
        assertEq(targets.length, 1, "one permission");
        assertEq(targets[0], target, "permission target");
        assertEq(bytes32(selectors[0]), bytes32(SELECTOR), "permission selector");
        assertEq(pc.getAppointees(account, target, SELECTOR)[0], appointee, "appointee listed");

        vm.prank(account);
        vm.expectRevert(IPermissionControllerErrors.AppointeeAlreadySet.selector);
        pc.setAppointee(account, appointee, target, SELECTOR);

        vm.prank(account);
        pc.removeAppointee(account, appointee, target, SELECTOR);
        assertFalse(pc.canCall(account, appointee, target, SELECTOR), "removed appointee may not call");
    }
}
