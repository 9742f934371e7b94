// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/IAllocationManager.sol:
// every struct, event and the functions an AVS, an operator or a devnet uses (slashOperator returns
// (slashId, shares) as from v1.5.0). Omitted: initialize, the ISemVerMixin getter, and a few rarely used views.
pragma solidity ^0.8.27;

import {OperatorSet} from "./OperatorSetLib.sol";
import {IStrategy} from "./IStrategy.sol";
import {IAVSRegistrar} from "./IAVSRegistrar.sol";

interface IAllocationManagerErrors {
    // input validation
    error InvalidWadToSlash();
    error InputArrayLengthMismatch();
    error InvalidAVSRegistrar();
    error InvalidStrategy();
    error InvalidRedistributionRecipient();
    error InputAddressZero();
    // caller
    error InvalidCaller();
    // operator status
    error InvalidOperator();
    error NonexistentAVSMetadata();
    error UninitializedAllocationDelay();
    error OperatorNotSlashable();
    error AlreadyMemberOfSet();
    error NotMemberOfSet();
    // operator set status
    error InvalidOperatorSet();
    error StrategiesMustBeInAscendingOrder();
    error StrategyAlreadyInOperatorSet();
    error StrategyNotInOperatorSet();
    // modifying allocations
    error SameMagnitude();
    error ModificationAlreadyPending();
    error InsufficientMagnitude();
}

interface IAllocationManagerTypes {
    /// @notice An operator's allocation from one strategy to one operator set: the magnitude in force now, and a
    /// change (`pendingDiff`) that takes effect at `effectBlock` (0 when none is pending).
    struct Allocation {
        uint64 currentMagnitude;
        int128 pendingDiff;
        uint32 effectBlock;
    }

    /// @notice An operator's allocation delay (blocks between allocating and the allocation counting), with a
    /// pending replacement that applies from `effectBlock`.
    struct AllocationDelayInfo {
        uint32 delay;
        bool isSet;
        uint32 pendingDelay;
        uint32 effectBlock;
    }

    /// @notice Membership of an operator in an operator set; after leaving it stays slashable until `slashableUntil`.
    struct RegistrationStatus {
        bool registered;
        uint32 slashableUntil;
    }

    /// @notice Per operator and strategy: the magnitude cap (starts at 1e18, falls when slashed) and the part of it
    /// allocated to operator sets.
    struct StrategyInfo {
        uint64 maxMagnitude;
        uint64 encumberedMagnitude;
    }

    /// @notice What an AVS slashes: for each strategy (ascending addresses) a fraction in WAD of the operator's
    /// allocation to the set.
    struct SlashingParams {
        address operator;
        uint32 operatorSetId;
        IStrategy[] strategies;
        uint256[] wadsToSlash;
        string description;
    }

    /// @notice New magnitudes for one operator set, one per strategy.
    struct AllocateParams {
        OperatorSet operatorSet;
        IStrategy[] strategies;
        uint64[] newMagnitudes;
    }

    /// @notice Operator sets of `avs` to join; `data` is handed to the AVS's registrar unchanged.
    struct RegisterParams {
        address avs;
        uint32[] operatorSetIds;
        bytes data;
    }

    /// @notice Operator sets of `avs` that `operator` leaves.
    struct DeregisterParams {
        address operator;
        address avs;
        uint32[] operatorSetIds;
    }

    /// @notice A new operator set and its initial strategies.
    struct CreateSetParams {
        uint32 operatorSetId;
        IStrategy[] strategies;
    }
}

interface IAllocationManagerEvents is IAllocationManagerTypes {
    event AllocationDelaySet(address operator, uint32 delay, uint32 effectBlock);
    event AllocationUpdated(
        address operator, OperatorSet operatorSet, IStrategy strategy, uint64 magnitude, uint32 effectBlock
    );
    event EncumberedMagnitudeUpdated(address operator, IStrategy strategy, uint64 encumberedMagnitude);
    event MaxMagnitudeUpdated(address operator, IStrategy strategy, uint64 maxMagnitude);
    /// @notice `wadSlashed[i]` is the fraction (WAD) of the operator's whole delegated stake in `strategies[i]` that
    /// was slashed.
    event OperatorSlashed(
        address operator, OperatorSet operatorSet, IStrategy[] strategies, uint256[] wadSlashed, string description
    );
    event AVSRegistrarSet(address avs, IAVSRegistrar registrar);
    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);
    event OperatorSetCreated(OperatorSet operatorSet);
    event OperatorAddedToOperatorSet(address indexed operator, OperatorSet operatorSet);
    event OperatorRemovedFromOperatorSet(address indexed operator, OperatorSet operatorSet);
    event RedistributionAddressSet(OperatorSet operatorSet, address redistributionRecipient);
    event StrategyAddedToOperatorSet(OperatorSet operatorSet, IStrategy strategy);
    event StrategyRemovedFromOperatorSet(OperatorSet operatorSet, IStrategy strategy);
}

/// @notice Operator sets, allocations of slashable stake to them, and slashing.
/// Functions taking `avs` or `operator` as first argument check that msg.sender is that account or one of its
/// admins/appointees in the PermissionController.
interface IAllocationManager is IAllocationManagerErrors, IAllocationManagerEvents {
    // ---- AVS actions ----

    /// @notice Slashes `params.operator` in operator set (`avs`, `params.operatorSetId`). Returns the set's slash
    /// counter after this slash and, per strategy, the operator shares removed.
    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256 slashId, uint256[] memory shares);

    /// @notice Emits AVSMetadataURIUpdated; an AVS must call it once before creating operator sets.
    function updateAVSMetadataURI(address avs, string calldata metadataURI) external;

    /// @notice Sets the contract that receives (de)registration callbacks; it must `supportsAVS(avs)`.
    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external;

    function createOperatorSets(address avs, CreateSetParams[] calldata params) external;
    function createRedistributingOperatorSets(
        address avs,
        CreateSetParams[] calldata params,
        address[] calldata redistributionRecipients
    ) external;
    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies) external;
    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external;

    // ---- operator actions ----

    function modifyAllocations(address operator, AllocateParams[] calldata params) external;
    function clearDeallocationQueue(address operator, IStrategy[] calldata strategies, uint16[] calldata numToClear)
        external;
    /// @notice Joins operator sets, then calls the AVS registrar's registerOperator (its revert undoes the join).
    function registerForOperatorSets(address operator, RegisterParams calldata params) external;
    /// @notice Callable by the operator or the AVS; calls the registrar's deregisterOperator.
    function deregisterFromOperatorSets(DeregisterParams calldata params) external;
    /// @notice Called by the DelegationManager on registration, or by the operator later.
    function setAllocationDelay(address operator, uint32 delay) external;

    // ---- views ----

    function getOperatorSetCount(address avs) external view returns (uint256);
    function getAllocatedSets(address operator) external view returns (OperatorSet[] memory);
    function getAllocatedStrategies(address operator, OperatorSet memory operatorSet)
        external
        view
        returns (IStrategy[] memory);
    function getAllocation(address operator, OperatorSet memory operatorSet, IStrategy strategy)
        external
        view
        returns (Allocation memory);
    function getAllocations(address[] memory operators, OperatorSet memory operatorSet, IStrategy strategy)
        external
        view
        returns (Allocation[] memory);
    function getEncumberedMagnitude(address operator, IStrategy strategy) external view returns (uint64);
    function getAllocatableMagnitude(address operator, IStrategy strategy) external view returns (uint64);
    function getMaxMagnitude(address operator, IStrategy strategy) external view returns (uint64);
    function getMaxMagnitudes(address operator, IStrategy[] calldata strategies)
        external
        view
        returns (uint64[] memory);
    function getMaxMagnitudes(address[] calldata operators, IStrategy strategy)
        external
        view
        returns (uint64[] memory);
    function getMaxMagnitudesAtBlock(address operator, IStrategy[] calldata strategies, uint32 blockNumber)
        external
        view
        returns (uint64[] memory);
    function getAllocationDelay(address operator) external view returns (bool isSet, uint32 delay);
    function getRegisteredSets(address operator) external view returns (OperatorSet[] memory operatorSets);
    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool);
    function isOperatorSet(OperatorSet memory operatorSet) external view returns (bool);
    function getMembers(OperatorSet memory operatorSet) external view returns (address[] memory operators);
    function getMemberCount(OperatorSet memory operatorSet) external view returns (uint256);
    function getAVSRegistrar(address avs) external view returns (IAVSRegistrar);
    function getStrategiesInOperatorSet(OperatorSet memory operatorSet)
        external
        view
        returns (IStrategy[] memory strategies);

    /// @notice Per operator and strategy: delegated shares × (allocated magnitude / max magnitude). A pending
    /// decrease that takes effect by `futureBlock` is subtracted; a pending increase is ignored (so the result is a
    /// lower bound until `futureBlock`). 0 for an operator that is not slashable by the set.
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake);

    /// @notice Like getMinimumSlashableStake at the current block, whether or not the operator is slashable.
    function getAllocatedStake(OperatorSet memory operatorSet, address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory slashableStake);

    /// @notice True while registered, and until `slashableUntil` after deregistering.
    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) external view returns (bool);

    function getRedistributionRecipient(OperatorSet memory operatorSet) external view returns (address);
    function isRedistributingOperatorSet(OperatorSet memory operatorSet) external view returns (bool);
    function getSlashCount(OperatorSet memory operatorSet) external view returns (uint256);
    function isOperatorRedistributable(address operator) external view returns (bool);

    function DEALLOCATION_DELAY() external view returns (uint32);
    function ALLOCATION_CONFIGURATION_DELAY() external view returns (uint32);
}
