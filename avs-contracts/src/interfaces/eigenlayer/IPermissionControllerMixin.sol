// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0, src/contracts/interfaces/IPermissionController.sol
// (IPermissionControllerMixin): every core contract that accepts calls on behalf of an account exposes it.
pragma solidity ^0.8.27;

import {IPermissionController} from "./IPermissionController.sol";

interface IPermissionControllerMixin {
    /// @notice The PermissionController that decides who may act for an operator or AVS account.
    function permissionController() external view returns (IPermissionController);
}
