// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IPermissionController} from "../interfaces/eigenlayer/IPermissionController.sol";

/// @notice Lets a core contract accept a call "on behalf of" an operator or AVS account: the caller must be the
/// account itself, one of its admins, or an appointee for (this contract, msg.sig), as EigenLayer's
/// PermissionControllerMixin does.
abstract contract PermissionControllerMixin {
    /// @notice The caller may not act for the account named in the call.
    error InvalidPermissions();

    IPermissionController public immutable permissionController;

    constructor(IPermissionController _permissionController) {
        permissionController = _permissionController;
    }

    modifier checkCanCall(address account) {
        require(_checkCanCall(account), InvalidPermissions());
        _;
    }

    function _checkCanCall(address account) internal view returns (bool) {
        return permissionController.canCall(account, msg.sender, address(this), msg.sig);
    }
}
