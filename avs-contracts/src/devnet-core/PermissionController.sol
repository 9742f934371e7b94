// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IPermissionController} from "../interfaces/eigenlayer/IPermissionController.sol";

/// @title PermissionController (devnet)
/// @notice Devnet implementation of EigenLayer's PermissionController with the same rules: an account without
/// admins is its own admin; once it has admins only they administer it (admins are added in two steps, and the
/// last one cannot be removed); admins appoint addresses to call one (target, selector) for the account.
/// Not upgradeable, not pausable.
contract PermissionController is IPermissionController {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    struct AccountPermissions {
        EnumerableSet.AddressSet pendingAdmins;
        EnumerableSet.AddressSet admins;
        /// appointee => packed (target, selector) keys it may call
        mapping(address => EnumerableSet.Bytes32Set) appointeePermissions;
        /// packed (target, selector) => appointees
        mapping(bytes32 => EnumerableSet.AddressSet) permissionAppointees;
    }

    mapping(address account => AccountPermissions) internal _permissions;

    modifier onlyAdmin(address account) {
        require(isAdmin(account, msg.sender), NotAdmin());
        _;
    }

    // ---- admins ----

    function addPendingAdmin(address account, address admin) external onlyAdmin(account) {
        AccountPermissions storage p = _permissions[account];
        require(!p.admins.contains(admin), AdminAlreadySet());
        require(p.pendingAdmins.add(admin), AdminAlreadyPending());
        emit PendingAdminAdded(account, admin);
    }

    function removePendingAdmin(address account, address admin) external onlyAdmin(account) {
        require(_permissions[account].pendingAdmins.remove(admin), AdminNotPending());
        emit PendingAdminRemoved(account, admin);
    }

    function acceptAdmin(address account) external {
        AccountPermissions storage p = _permissions[account];
        require(p.pendingAdmins.remove(msg.sender), AdminNotPending());
        p.admins.add(msg.sender); // a pending admin is never an admin (addPendingAdmin refuses admins)
        emit AdminSet(account, msg.sender);
    }

    function removeAdmin(address account, address admin) external onlyAdmin(account) {
        AccountPermissions storage p = _permissions[account];
        require(p.admins.length() > 1, CannotHaveZeroAdmins());
        require(p.admins.remove(admin), AdminNotSet());
        emit AdminRemoved(account, admin);
    }

    // ---- appointees ----

    function setAppointee(address account, address appointee, address target, bytes4 selector)
        external
        onlyAdmin(account)
    {
        AccountPermissions storage p = _permissions[account];
        bytes32 key = _encodeTargetSelector(target, selector);
        require(p.appointeePermissions[appointee].add(key), AppointeeAlreadySet());
        p.permissionAppointees[key].add(appointee);
        emit AppointeeSet(account, appointee, target, selector);
    }

    function removeAppointee(address account, address appointee, address target, bytes4 selector)
        external
        onlyAdmin(account)
    {
        AccountPermissions storage p = _permissions[account];
        bytes32 key = _encodeTargetSelector(target, selector);
        require(p.appointeePermissions[appointee].remove(key), AppointeeNotSet());
        p.permissionAppointees[key].remove(appointee);
        emit AppointeeRemoved(account, appointee, target, selector);
    }

    // ---- views ----

    function isAdmin(address account, address caller) public view returns (bool) {
        EnumerableSet.AddressSet storage admins = _permissions[account].admins;
        return admins.length() == 0 ? caller == account : admins.contains(caller);
    }

    function isPendingAdmin(address account, address pendingAdmin) external view returns (bool) {
        return _permissions[account].pendingAdmins.contains(pendingAdmin);
    }

    function getAdmins(address account) external view returns (address[] memory admins) {
        EnumerableSet.AddressSet storage set = _permissions[account].admins;
        if (set.length() == 0) {
            admins = new address[](1);
            admins[0] = account;
            return admins;
        }
        return set.values();
    }

    function getPendingAdmins(address account) external view returns (address[] memory) {
        return _permissions[account].pendingAdmins.values();
    }

    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool) {
        return isAdmin(account, caller)
            || _permissions[account].permissionAppointees[_encodeTargetSelector(target, selector)].contains(caller);
    }

    function getAppointeePermissions(address account, address appointee)
        external
        view
        returns (address[] memory targets, bytes4[] memory selectors)
    {
        EnumerableSet.Bytes32Set storage keys = _permissions[account].appointeePermissions[appointee];
        uint256 n = keys.length();
        targets = new address[](n);
        selectors = new bytes4[](n);
        for (uint256 i = 0; i < n; ++i) {
            (targets[i], selectors[i]) = _decodeTargetSelector(keys.at(i));
        }
    }

    function getAppointees(address account, address target, bytes4 selector) external view returns (address[] memory) {
        return _permissions[account].permissionAppointees[_encodeTargetSelector(target, selector)].values();
    }

    /// @dev target in the high 20 bytes, selector in the next 4.
    function _encodeTargetSelector(address target, bytes4 selector) internal pure returns (bytes32) {
        return bytes32(abi.encodePacked(target, selector, uint64(0)));
    }

    function _decodeTargetSelector(bytes32 key) internal pure returns (address target, bytes4 selector) {
        target = address(bytes20(key));
        selector = bytes4(key << 160);
    }
}
