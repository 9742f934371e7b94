// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice The models the oracle serves (docs/protocol.md "Models and profiles").
interface IModelRegistry {
    /// @notice 0 = exact-int, 1 = exact-wasm, 2 = tolerant (DESIGN §5).
    enum Profile {
        ExactInt,
        ExactWasm,
        Tolerant
    }

    struct Model {
        bytes32 manifestHash; // keccak256 of the canonical manifest JSON
        bytes32 onnxHash; // sha256 of the ONNX file
        string uri;
        Profile profile;
        uint32 tolerance; // int32 output units; used only by Tolerant
        uint96 fee; // minimum wei per request
        uint64 slashWad; // share of allocated magnitude slashed per proven dissent, 1e18 = 100%
        bool active;
    }

    /// @notice A model's slashWad from block `fromBlock` on (its slashWad history, one entry per change).
    struct SlashWadPoint {
        uint32 fromBlock;
        uint64 slashWad;
    }

    error ModelExists(bytes32 modelId);
    error UnknownModel(bytes32 modelId);
    error InvalidModel(string reason);

    event ModelRegistered(
        bytes32 indexed modelId,
        bytes32 manifestHash,
        bytes32 onnxHash,
        string uri,
        Profile profile,
        uint32 tolerance,
        uint96 fee,
        uint64 slashWad
    );
    event ModelActiveSet(bytes32 indexed modelId, bool active);
    event ModelFeeSet(bytes32 indexed modelId, uint96 fee);
    event ModelSlashWadSet(bytes32 indexed modelId, uint64 slashWad);
    event ModelUriSet(bytes32 indexed modelId, string uri);

    function registerModel(bytes32 modelId, Model calldata model) external;
    function setActive(bytes32 modelId, bool active) external;
    function setFee(bytes32 modelId, uint96 fee) external;
    function setSlashWad(bytes32 modelId, uint64 slashWad) external;
    function setUri(bytes32 modelId, string calldata uri) external;

    function getModel(bytes32 modelId) external view returns (Model memory);
    /// @notice The fields the oracle needs, in one cheap read; reverts UnknownModel.
    function modelTerms(bytes32 modelId)
        external
        view
        returns (bool active, Profile profile, uint32 tolerance, uint96 fee, uint64 slashWad);
    /// @notice The slashWad in effect at `blockNumber` (the one of tasks created in that block; 0 before the
    /// model was registered); reverts UnknownModel.
    function slashWadAt(bytes32 modelId, uint32 blockNumber) external view returns (uint64);
    /// @notice Every slashWad `modelId` has had, oldest first; reverts UnknownModel.
    function slashWadHistory(bytes32 modelId) external view returns (SlashWadPoint[] memory);
    function exists(bytes32 modelId) external view returns (bool);
    function modelIds() external view returns (bytes32[] memory);
}
