// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Owner-managed list of the models the oracle serves. A model's identity (manifest hash, ONNX hash,
/// determinism profile, tolerance) is fixed at registration: a new model version is a new `modelId`. Its
/// commercial terms (fee, slashing size, URI, active flag) can change. A slashWad change applies to tasks created
/// from its block on: the oracle slashes a task by slashWadAt(modelId, creation block).
contract ModelRegistry is IModelRegistry, Ownable2Step {
    uint256 internal constant WAD = 1e18;

    mapping(bytes32 modelId => Model) internal _models;
    bytes32[] internal _modelIds;
    mapping(bytes32 modelId => SlashWadPoint[]) internal _slashWads;

    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @notice Register `modelId`. Reverts ModelExists if taken, InvalidModel on a zero hash or slashWad > 1e18.
    function registerModel(bytes32 modelId, Model calldata model) external onlyOwner {
        if (modelId == bytes32(0)) revert InvalidModel("modelId is zero");
        if (_models[modelId].manifestHash != bytes32(0)) revert ModelExists(modelId);
        if (model.manifestHash == bytes32(0)) revert InvalidModel("manifestHash is zero");
        if (model.onnxHash == bytes32(0)) revert InvalidModel("onnxHash is zero");
        if (model.slashWad > WAD) revert InvalidModel("slashWad above 1e18");
        if (model.profile != Profile.Tolerant && model.tolerance != 0) {
            revert InvalidModel("tolerance is only for the tolerant profile");
        }
        _models[modelId] = model;
        _modelIds.push(modelId);
        _pushSlashWad(modelId, model.slashWad);
        emit ModelRegistered(
            modelId,
            model.manifestHash,
            model.onnxHash,
            model.uri,
            model.profile,
            model.tolerance,
            model.fee,
            model.slashWad
        );
        emit ModelActiveSet(modelId, model.active);
    }

    /// @notice Enable or disable new requests for `modelId` (responses and slashing for existing tasks continue).
    function setActive(bytes32 modelId, bool active) external onlyOwner {
        _get(modelId).active = active;
        emit ModelActiveSet(modelId, active);
    }

    /// @notice Set the minimum fee in wei for new requests.
    function setFee(bytes32 modelId, uint96 fee) external onlyOwner {
        _get(modelId).fee = fee;
        emit ModelFeeSet(modelId, fee);
    }

    /// @notice Set the share of allocated magnitude slashed per proven dissent (0 disables slashing) for tasks
    /// created from this block on; tasks created before keep the slashWad of their creation block.
    function setSlashWad(bytes32 modelId, uint64 slashWad) external onlyOwner {
        if (slashWad > WAD) revert InvalidModel("slashWad above 1e18");
        _get(modelId).slashWad = slashWad;
        _pushSlashWad(modelId, slashWad);
        emit ModelSlashWadSet(modelId, slashWad);
    }

    /// @notice Set where the manifest and model file can be fetched (their hashes stay fixed).
    function setUri(bytes32 modelId, string calldata uri) external onlyOwner {
        _get(modelId).uri = uri;
        emit ModelUriSet(modelId, uri);
    }

    /// @notice The full record of `modelId`; reverts UnknownModel.
    function getModel(bytes32 modelId) external view returns (Model memory) {
        Model storage m = _models[modelId];
        if (m.manifestHash == bytes32(0)) revert UnknownModel(modelId);
        return m;
    }

    /// @notice The fields the oracle needs (one storage slot); reverts UnknownModel.
    function modelTerms(bytes32 modelId)
        external
        view
        returns (bool active, Profile profile, uint32 tolerance, uint96 fee, uint64 slashWad)
    {
        Model storage m = _models[modelId];
        if (m.manifestHash == bytes32(0)) revert UnknownModel(modelId);
        return (m.active, m.profile, m.tolerance, m.fee, m.slashWad);
    }

    /// @notice The slashWad in effect at `blockNumber` (the one of tasks created in that block; 0 before the
    /// model was registered); reverts UnknownModel.
    function slashWadAt(bytes32 modelId, uint32 blockNumber) external view returns (uint64) {
        _get(modelId);
        SlashWadPoint[] storage h = _slashWads[modelId];
        for (uint256 i = h.length; i > 0; --i) {
            SlashWadPoint memory p = h[i - 1];
            if (p.fromBlock <= blockNumber) return p.slashWad;
        }
        return 0;
    }

    /// @notice Every slashWad `modelId` has had, oldest first; reverts UnknownModel.
    function slashWadHistory(bytes32 modelId) external view returns (SlashWadPoint[] memory) {
        _get(modelId);
        return _slashWads[modelId];
    }

    /// @notice Whether `modelId` is registered (active or not).
    function exists(bytes32 modelId) external view returns (bool) {
        return _models[modelId].manifestHash != bytes32(0);
    }

    /// @notice Every registered model id, in registration order.
    function modelIds() external view returns (bytes32[] memory) {
        return _modelIds;
    }

    /// @dev Appends (block.number, slashWad) to the history; a second change in one block replaces the first.
    function _pushSlashWad(bytes32 modelId, uint64 slashWad) internal {
        SlashWadPoint[] storage h = _slashWads[modelId];
        uint256 n = h.length;
        if (n != 0 && h[n - 1].fromBlock == block.number) h[n - 1].slashWad = slashWad;
        else h.push(SlashWadPoint(uint32(block.number), slashWad));
    }

    function _get(bytes32 modelId) internal view returns (Model storage m) {
        m = _models[modelId];
        if (m.manifestHash == bytes32(0)) revert UnknownModel(modelId);
    }
}
