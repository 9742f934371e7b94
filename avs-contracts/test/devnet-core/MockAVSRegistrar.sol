// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAVSRegistrar} from "../../src/interfaces/eigenlayer/IAVSRegistrar.sol";

/// @notice Records the registrar callbacks it receives; can be told to reject registrations.
contract MockAVSRegistrar is IAVSRegistrar {
    error RegistrationRejected();

    address public immutable avs;
    bool public rejectRegistrations;

    uint256 public registerCalls;
    uint256 public deregisterCalls;
    address public lastOperator;
    address public lastAvs;
    uint32[] internal _lastIds;
    bytes public lastData;

    constructor(address _avs) {
        avs = _avs;
    }

    function setRejectRegistrations(bool reject) external {
        rejectRegistrations = reject;
    }

    function registerOperator(address operator, address _avs, uint32[] calldata operatorSetIds, bytes calldata data)
        external
    {
        if (rejectRegistrations) revert RegistrationRejected();
        ++registerCalls;
        lastOperator = operator;
        lastAvs = _avs;
        _lastIds = operatorSetIds;
        lastData = data;
    }

    function deregisterOperator(address operator, address _avs, uint32[] calldata operatorSetIds) external {
        ++deregisterCalls;
        lastOperator = operator;
        lastAvs = _avs;
        _lastIds = operatorSetIds;
    }

    function supportsAVS(address _avs) external view returns (bool) {
        return _avs == avs;
    }

    function lastIds() external view returns (uint32[] memory) {
        return _lastIds;
    }
}
