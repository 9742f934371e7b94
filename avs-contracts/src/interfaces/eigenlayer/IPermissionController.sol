// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/IPermissionController.sol
// (the ISemVerMixin `version()` getter is omitted).
pragma solidity ^0.8.27;

interface IPermissionControllerErrors {
    error NotAdmin();
    error AdminNotSet();
    error AppointeeAlreadySet();
    error AppointeeNotSet();
    error CannotHaveZeroAdmins();
    error AdminAlreadySet();
    error AdminNotPending();
    error AdminAlreadyPending();
}

interface IPermissionControllerEvents {
    event AppointeeSet(address indexed account, address indexed appointee, address target, bytes4 selector);
    event AppointeeRemoved(address indexed account, address indexed appointee, address target, bytes4 selector);
    event PendingAdminAdded(address indexed account, address admin);
    event PendingAdminRemoved(address indexed account, address admin);
    event AdminSet(address indexed account, address admin);
    event AdminRemoved(address indexed account, address admin);
}

/// @notice Who may act for an account (an operator or an AVS) on the core contracts. An account with no admins
/// is its own admin; admins may appoint other addresses to call one (target, selector) on the account's behalf.
interface IPermissionController is IPermissionControllerErrors, IPermissionControllerEvents {
    function addPendingAdmin(address account, address admin) external;
    function removePendingAdmin(address account, address admin) external;
    function acceptAdmin(address account) external;
    function removeAdmin(address account, address admin) external;
    function setAppointee(address account, address appointee, address target, bytes4 selector) external;
    function removeAppointee(address account, address appointee, address target, bytes4 selector) external;

    function isAdmin(address account, address caller) external view returns (bool);
    function isPendingAdmin(address account, address pendingAdmin) external view returns (bool);
    function getAdmins(address account) external view returns (address[] memory);
    function getPendingAdmins(address account) external view returns (address[] memory);

    /// @notice True when `caller` is an admin of `account`, or an appointee for (`target`, `selector`).
    /// @dev `view` as in the deployed releases (v1.9.0-rc.0 on Sepolia/Hoodi, v1.12.0 on mainnet); v1.5.0 declared these
    /// three without `view` (same selectors).
    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool);

    function getAppointeePermissions(address account, address appointee)
        external
        view
        returns (address[] memory, bytes4[] memory);
    function getAppointees(address account, address target, bytes4 selector) external view returns (address[] memory);
}
