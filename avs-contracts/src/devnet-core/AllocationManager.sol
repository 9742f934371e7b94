// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {DoubleEndedQueue} from "@openzeppelin/contracts/utils/structs/DoubleEndedQueue.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IAllocationManager} from "../interfaces/eigenlayer/IAllocationManager.sol";
import {IAVSRegistrar} from "../interfaces/eigenlayer/IAVSRegistrar.sol";
import {IDelegationManager} from "../interfaces/eigenlayer/IDelegationManager.sol";
import {IPermissionController} from "../interfaces/eigenlayer/IPermissionController.sol";
import {IStrategy} from "../interfaces/eigenlayer/IStrategy.sol";
import {OperatorSet, OperatorSetLib} from "../interfaces/eigenlayer/OperatorSetLib.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";
import {SlashingMath, WAD} from "./SlashingMath.sol";

/// @title AllocationManager (devnet)
/// @notice Operator sets, allocations and slashing with EigenLayer v1.5's rules:
/// - An AVS posts metadata (`updateAVSMetadataURI`) before it may create operator sets; it may name a registrar
///   (which must `supportsAVS`), else the AVS itself receives the (de)registration callbacks.
/// - An operator allocates magnitude (WAD; at most its max magnitude, 1e18 until slashed) per strategy to operator
///   sets. An increase counts from `block.number + allocationDelay`; a decrease of a slashable allocation frees
///   magnitude after `DEALLOCATION_DELAY + 1` blocks and stays slashable until then, otherwise it is immediate.
/// - Registration calls the registrar's `registerOperator` (its revert undoes the registration); after
///   deregistration the operator stays slashable for `DEALLOCATION_DELAY` blocks.
/// - `slashOperator` removes `wadsToSlash` of the operator's allocation (rounded up) from the allocation, the
///   encumbered and the max magnitude, shrinks a pending deallocation in proportion, and has the DelegationManager
///   remove the same fraction of the operator's shares (queued for burning).
/// Devnet differences: both delays are constructor parameters (0 is allowed: allocations and deallocations then
/// apply at once or in the next block); with ALLOCATION_CONFIGURATION_DELAY = 0 an allocation-delay change applies
/// in the same block (EigenLayer: after ALLOCATION_CONFIGURATION_DELAY + 1 blocks). Not pausable or upgradeable;
/// no EIGEN / beacon-chain special cases.
contract AllocationManager is IAllocationManager, PermissionControllerMixin, ReentrancyGuard {
    using EnumerableSet for EnumerableSet.UintSet;
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using DoubleEndedQueue for DoubleEndedQueue.Bytes32Deque;
    using OperatorSetLib for OperatorSet;
    using SlashingMath for uint256;
    using SafeCast for uint256;

    /// @notice Where slashed funds of a non-redistributing operator set go (EigenLayer's burn address).
    address public constant DEFAULT_BURN_ADDRESS = 0x00000000000000000000000000000000000E16E4;

    IDelegationManager public immutable delegation;
    uint32 public immutable DEALLOCATION_DELAY;
    uint32 public immutable ALLOCATION_CONFIGURATION_DELAY;

    struct MagnitudeCheckpoint {
        uint32 blockNumber;
        uint64 value;
    }

    mapping(address avs => EnumerableSet.UintSet) internal _operatorSets;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) internal _operatorSetStrategies;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) internal _operatorSetMembers;
    mapping(bytes32 setKey => address) internal _redistributionRecipients;
    mapping(bytes32 setKey => uint256) internal _slashIds;
    mapping(address avs => IAVSRegistrar) internal _avsRegistrar;
    mapping(address avs => bool) internal _avsRegisteredMetadata;

    mapping(address operator => EnumerableSet.Bytes32Set) internal _registeredSets;
    mapping(address operator => mapping(bytes32 setKey => RegistrationStatus)) public registrationStatus;
    mapping(address operator => AllocationDelayInfo) internal _allocationDelayInfo;

    mapping(address operator => mapping(bytes32 setKey => mapping(IStrategy => Allocation))) internal _allocations;
    mapping(address operator => mapping(IStrategy => uint64)) internal _encumberedMagnitude;
    mapping(address operator => mapping(IStrategy => MagnitudeCheckpoint[])) internal _maxMagnitudeHistory;
    mapping(address operator => mapping(IStrategy => DoubleEndedQueue.Bytes32Deque)) internal _deallocationQueue;
    mapping(address operator => EnumerableSet.Bytes32Set) internal _allocatedSets;
    mapping(address operator => mapping(bytes32 setKey => EnumerableSet.AddressSet)) internal _allocatedStrategies;

    constructor(
        IDelegationManager _delegation,
        IPermissionController _permissionController,
        uint32 _deallocationDelay,
        uint32 _allocationConfigurationDelay
    ) PermissionControllerMixin(_permissionController) {
        delegation = _delegation;
        DEALLOCATION_DELAY = _deallocationDelay;
        ALLOCATION_CONFIGURATION_DELAY = _allocationConfigurationDelay;
    }

    // =========================================================================================================
    // AVS actions
    // =========================================================================================================

    /// @inheritdoc IAllocationManager
    function slashOperator(address avs, SlashingParams calldata params)
        external
        nonReentrant
        checkCanCall(avs)
        returns (uint256 slashId, uint256[] memory shares)
    {
        OperatorSet memory operatorSet = OperatorSet(avs, params.operatorSetId);
        require(params.strategies.length == params.wadsToSlash.length, InputArrayLengthMismatch());
        require(_operatorSets[avs].contains(operatorSet.id), InvalidOperatorSet());
        require(isOperatorSlashable(params.operator, operatorSet), OperatorNotSlashable());

        bytes32 setKey = operatorSet.key();
        uint256[] memory wadSlashed = new uint256[](params.strategies.length);
        shares = new uint256[](params.strategies.length);
        slashId = ++_slashIds[setKey];

        for (uint256 i = 0; i < params.strategies.length; ++i) {
            IStrategy strategy = params.strategies[i];
            require(
                i == 0 || uint160(address(strategy)) > uint160(address(params.strategies[i - 1])),
                StrategiesMustBeInAscendingOrder()
            );
            require(params.wadsToSlash[i] != 0 && params.wadsToSlash[i] <= WAD, InvalidWadToSlash());
            require(_operatorSetStrategies[setKey].contains(address(strategy)), StrategyNotInOperatorSet());

            (StrategyInfo memory info, Allocation memory allocation) =
                _getUpdatedAllocation(params.operator, setKey, strategy);
            if (allocation.currentMagnitude == 0) continue; // nothing slashable from this strategy

            uint64 slashedMagnitude = uint256(allocation.currentMagnitude).mulWadRoundUp(params.wadsToSlash[i]).toUint64();
            uint64 prevMaxMagnitude = info.maxMagnitude;
            wadSlashed[i] = uint256(slashedMagnitude).divWad(prevMaxMagnitude);

            allocation.currentMagnitude -= slashedMagnitude;
            info.maxMagnitude -= slashedMagnitude;
            info.encumberedMagnitude -= slashedMagnitude;

            // A pending deallocation is still slashable: shrink it by the same fraction.
            if (allocation.pendingDiff < 0) {
                uint64 slashedPending =
                    uint256(uint128(-allocation.pendingDiff)).mulWadRoundUp(params.wadsToSlash[i]).toUint64();
                allocation.pendingDiff += int128(uint128(slashedPending));
                emit AllocationUpdated(
                    params.operator,
                    operatorSet,
                    strategy,
                    _addInt128(allocation.currentMagnitude, allocation.pendingDiff),
                    allocation.effectBlock
                );
            }

            _updateAllocationInfo(params.operator, setKey, strategy, info, allocation);
            emit AllocationUpdated(
                params.operator, operatorSet, strategy, allocation.currentMagnitude, uint32(block.number)
            );
            _updateMaxMagnitude(params.operator, strategy, info.maxMagnitude);

            shares[i] = delegation.slashOperatorShares(
                params.operator, operatorSet, slashId, strategy, prevMaxMagnitude, info.maxMagnitude
            );
        }

        emit OperatorSlashed(params.operator, operatorSet, params.strategies, wadSlashed, params.description);
    }

    /// @inheritdoc IAllocationManager
    function updateAVSMetadataURI(address avs, string calldata metadataURI) external checkCanCall(avs) {
        _avsRegisteredMetadata[avs] = true;
        emit AVSMetadataURIUpdated(avs, metadataURI);
    }

    /// @inheritdoc IAllocationManager
    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external checkCanCall(avs) {
        require(registrar.supportsAVS(avs), InvalidAVSRegistrar());
        _avsRegistrar[avs] = registrar;
        emit AVSRegistrarSet(avs, getAVSRegistrar(avs));
    }

    function createOperatorSets(address avs, CreateSetParams[] calldata params) external checkCanCall(avs) {
        require(_avsRegisteredMetadata[avs], NonexistentAVSMetadata());
        for (uint256 i = 0; i < params.length; ++i) {
            _createOperatorSet(avs, params[i], DEFAULT_BURN_ADDRESS);
        }
    }

    function createRedistributingOperatorSets(
        address avs,
        CreateSetParams[] calldata params,
        address[] calldata redistributionRecipients
    ) external checkCanCall(avs) {
        require(params.length == redistributionRecipients.length, InputArrayLengthMismatch());
        require(_avsRegisteredMetadata[avs], NonexistentAVSMetadata());
        for (uint256 i = 0; i < params.length; ++i) {
            address recipient = redistributionRecipients[i];
            require(recipient != address(0), InputAddressZero());
            require(recipient != DEFAULT_BURN_ADDRESS, InvalidRedistributionRecipient());
            _createOperatorSet(avs, params[i], recipient);
        }
    }

    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external
        checkCanCall(avs)
    {
        OperatorSet memory operatorSet = OperatorSet(avs, operatorSetId);
        require(_operatorSets[avs].contains(operatorSetId), InvalidOperatorSet());
        for (uint256 i = 0; i < strategies.length; ++i) {
            _addStrategyToOperatorSet(operatorSet, strategies[i]);
        }
    }

    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external
        checkCanCall(avs)
    {
        OperatorSet memory operatorSet = OperatorSet(avs, operatorSetId);
        require(_operatorSets[avs].contains(operatorSetId), InvalidOperatorSet());
        bytes32 setKey = operatorSet.key();
        for (uint256 i = 0; i < strategies.length; ++i) {
            require(_operatorSetStrategies[setKey].remove(address(strategies[i])), StrategyNotInOperatorSet());
            emit StrategyRemovedFromOperatorSet(operatorSet, strategies[i]);
        }
    }

    // =========================================================================================================
    // Operator actions
    // =========================================================================================================

    /// @inheritdoc IAllocationManager
    function modifyAllocations(address operator, AllocateParams[] calldata params) external nonReentrant {
        require(_checkCanCall(operator), InvalidCaller());
        (bool isSet, uint32 allocationDelay) = getAllocationDelay(operator);
        require(isSet, UninitializedAllocationDelay());

        for (uint256 i = 0; i < params.length; ++i) {
            require(params[i].strategies.length == params[i].newMagnitudes.length, InputArrayLengthMismatch());
            OperatorSet memory operatorSet = params[i].operatorSet;
            require(_operatorSets[operatorSet.avs].contains(operatorSet.id), InvalidOperatorSet());
            bool operatorSlashable = isOperatorSlashable(operator, operatorSet);

            for (uint256 j = 0; j < params[i].strategies.length; ++j) {
                _modifyAllocation(
                    operator, operatorSet, params[i].strategies[j], params[i].newMagnitudes[j], allocationDelay, operatorSlashable
                );
            }
        }
    }

    /// @inheritdoc IAllocationManager
    function clearDeallocationQueue(address operator, IStrategy[] calldata strategies, uint16[] calldata numToClear)
        external
        nonReentrant
    {
        require(strategies.length == numToClear.length, InputArrayLengthMismatch());
        for (uint256 i = 0; i < strategies.length; ++i) {
            _clearDeallocationQueue(operator, strategies[i], numToClear[i]);
        }
    }

    /// @inheritdoc IAllocationManager
    /// @dev Not nonReentrant, as in EigenLayer: a registrar may deregister another operator from inside its
    /// registerOperator callback (churn).
    function registerForOperatorSets(address operator, RegisterParams calldata params)
        external
        checkCanCall(operator)
    {
        require(delegation.isOperator(operator), InvalidOperator());
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            OperatorSet memory operatorSet = OperatorSet(params.avs, params.operatorSetIds[i]);
            require(_operatorSets[params.avs].contains(operatorSet.id), InvalidOperatorSet());
            require(!isOperatorSlashable(operator, operatorSet), AlreadyMemberOfSet());
            bytes32 setKey = operatorSet.key();
            _registeredSets[operator].add(setKey);
            _operatorSetMembers[setKey].add(operator);
            registrationStatus[operator][setKey].registered = true;
            emit OperatorAddedToOperatorSet(operator, operatorSet);
        }
        getAVSRegistrar(params.avs).registerOperator(operator, params.avs, params.operatorSetIds, params.data);
    }

    /// @inheritdoc IAllocationManager
    /// @dev Not nonReentrant, as in EigenLayer (see registerForOperatorSets).
    function deregisterFromOperatorSets(DeregisterParams calldata params) external {
        require(_checkCanCall(params.operator) || _checkCanCall(params.avs), InvalidCaller());
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            OperatorSet memory operatorSet = OperatorSet(params.avs, params.operatorSetIds[i]);
            require(_operatorSets[params.avs].contains(operatorSet.id), InvalidOperatorSet());
            bytes32 setKey = operatorSet.key();
            require(registrationStatus[params.operator][setKey].registered, NotMemberOfSet());
            _registeredSets[params.operator].remove(setKey);
            _operatorSetMembers[setKey].remove(params.operator);
            registrationStatus[params.operator][setKey] =
                RegistrationStatus({registered: false, slashableUntil: uint32(block.number) + DEALLOCATION_DELAY});
            emit OperatorRemovedFromOperatorSet(params.operator, operatorSet);
        }
        getAVSRegistrar(params.avs).deregisterOperator(params.operator, params.avs, params.operatorSetIds);
    }

    /// @inheritdoc IAllocationManager
    function setAllocationDelay(address operator, uint32 delay) external {
        if (msg.sender != address(delegation)) {
            require(_checkCanCall(operator), InvalidCaller());
            require(delegation.isOperator(operator), InvalidOperator());
        }
        AllocationDelayInfo memory info = _allocationDelayInfo[operator];
        if (info.effectBlock != 0 && block.number >= info.effectBlock) {
            info.delay = info.pendingDelay;
            info.isSet = true;
        }
        info.pendingDelay = delay;
        info.effectBlock = ALLOCATION_CONFIGURATION_DELAY == 0
            ? uint32(block.number)
            : uint32(block.number) + ALLOCATION_CONFIGURATION_DELAY + 1;
        _allocationDelayInfo[operator] = info;
        emit AllocationDelaySet(operator, delay, info.effectBlock);
    }

    // =========================================================================================================
    // Views
    // =========================================================================================================

    function getOperatorSetCount(address avs) external view returns (uint256) {
        return _operatorSets[avs].length();
    }

    function getAllocatedSets(address operator) external view returns (OperatorSet[] memory sets) {
        return _decodeKeys(_allocatedSets[operator].values());
    }

    function getAllocatedStrategies(address operator, OperatorSet memory operatorSet)
        external
        view
        returns (IStrategy[] memory)
    {
        return _toStrategies(_allocatedStrategies[operator][operatorSet.key()].values());
    }

    function getAllocation(address operator, OperatorSet memory operatorSet, IStrategy strategy)
        public
        view
        returns (Allocation memory allocation)
    {
        (, allocation) = _getUpdatedAllocation(operator, operatorSet.key(), strategy);
    }

    function getAllocations(address[] memory operators, OperatorSet memory operatorSet, IStrategy strategy)
        external
        view
        returns (Allocation[] memory allocations)
    {
        allocations = new Allocation[](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            allocations[i] = getAllocation(operators[i], operatorSet, strategy);
        }
    }

    /// @notice Magnitude reserved by allocations, counting deallocations that are due as already freed.
    function getEncumberedMagnitude(address operator, IStrategy strategy) public view returns (uint64 encumbered) {
        encumbered = _encumberedMagnitude[operator][strategy];
        DoubleEndedQueue.Bytes32Deque storage queue = _deallocationQueue[operator][strategy];
        uint256 n = queue.length();
        for (uint256 i = 0; i < n; ++i) {
            Allocation memory a = _allocations[operator][queue.at(i)][strategy];
            if (block.number < a.effectBlock) break;
            if (a.pendingDiff < 0) encumbered = _addInt128(encumbered, a.pendingDiff);
        }
    }

    function getAllocatableMagnitude(address operator, IStrategy strategy) external view returns (uint64) {
        return getMaxMagnitude(operator, strategy) - getEncumberedMagnitude(operator, strategy);
    }

    function getMaxMagnitude(address operator, IStrategy strategy) public view returns (uint64) {
        MagnitudeCheckpoint[] storage history = _maxMagnitudeHistory[operator][strategy];
        return history.length == 0 ? WAD : history[history.length - 1].value;
    }

    function getMaxMagnitudes(address operator, IStrategy[] calldata strategies)
        external
        view
        returns (uint64[] memory mags)
    {
        mags = new uint64[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            mags[i] = getMaxMagnitude(operator, strategies[i]);
        }
    }

    function getMaxMagnitudes(address[] calldata operators, IStrategy strategy)
        external
        view
        returns (uint64[] memory mags)
    {
        mags = new uint64[](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            mags[i] = getMaxMagnitude(operators[i], strategy);
        }
    }

    function getMaxMagnitudesAtBlock(address operator, IStrategy[] calldata strategies, uint32 blockNumber)
        external
        view
        returns (uint64[] memory mags)
    {
        mags = new uint64[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            MagnitudeCheckpoint[] storage history = _maxMagnitudeHistory[operator][strategies[i]];
            uint64 value = WAD;
            for (uint256 k = history.length; k > 0; --k) {
                if (history[k - 1].blockNumber <= blockNumber) {
                    value = history[k - 1].value;
                    break;
                }
            }
            mags[i] = value;
        }
    }

    function getAllocationDelay(address operator) public view returns (bool isSet, uint32 delay) {
        AllocationDelayInfo memory info = _allocationDelayInfo[operator];
        if (info.effectBlock != 0 && block.number >= info.effectBlock) {
            return (true, info.pendingDelay);
        }
        return (info.isSet, info.delay);
    }

    function getRegisteredSets(address operator) external view returns (OperatorSet[] memory) {
        return _decodeKeys(_registeredSets[operator].values());
    }

    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool) {
        return _operatorSetMembers[operatorSet.key()].contains(operator);
    }

    function isOperatorSet(OperatorSet memory operatorSet) external view returns (bool) {
        return _operatorSets[operatorSet.avs].contains(operatorSet.id);
    }

    function getMembers(OperatorSet memory operatorSet) external view returns (address[] memory) {
        return _operatorSetMembers[operatorSet.key()].values();
    }

    function getMemberCount(OperatorSet memory operatorSet) external view returns (uint256) {
        return _operatorSetMembers[operatorSet.key()].length();
    }

    function getAVSRegistrar(address avs) public view returns (IAVSRegistrar) {
        IAVSRegistrar registrar = _avsRegistrar[avs];
        return address(registrar) == address(0) ? IAVSRegistrar(avs) : registrar;
    }

    function getStrategiesInOperatorSet(OperatorSet memory operatorSet) external view returns (IStrategy[] memory) {
        return _toStrategies(_operatorSetStrategies[operatorSet.key()].values());
    }

    /// @inheritdoc IAllocationManager
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake) {
        uint256[][] memory delegated = delegation.getOperatorsShares(operators, strategies);
        slashableStake = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            slashableStake[i] = new uint256[](strategies.length);
            if (!isOperatorSlashable(operators[i], operatorSet)) continue;
            for (uint256 j = 0; j < strategies.length; ++j) {
                Allocation memory a = getAllocation(operators[i], operatorSet, strategies[j]);
                // Only a decrease due by `futureBlock` lowers the minimum; pending increases are ignored.
                if (a.effectBlock <= futureBlock && a.pendingDiff < 0) {
                    a.currentMagnitude = _addInt128(a.currentMagnitude, a.pendingDiff);
                }
                slashableStake[i][j] =
                    _stakeFor(delegated[i][j], a.currentMagnitude, getMaxMagnitude(operators[i], strategies[j]));
            }
        }
    }

    /// @inheritdoc IAllocationManager
    function getAllocatedStake(OperatorSet memory operatorSet, address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory slashableStake)
    {
        uint256[][] memory delegated = delegation.getOperatorsShares(operators, strategies);
        slashableStake = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            slashableStake[i] = new uint256[](strategies.length);
            for (uint256 j = 0; j < strategies.length; ++j) {
                Allocation memory a = getAllocation(operators[i], operatorSet, strategies[j]);
                slashableStake[i][j] =
                    _stakeFor(delegated[i][j], a.currentMagnitude, getMaxMagnitude(operators[i], strategies[j]));
            }
        }
    }

    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) public view returns (bool) {
        RegistrationStatus memory status = registrationStatus[operator][operatorSet.key()];
        return status.registered || block.number <= status.slashableUntil;
    }

    function getRedistributionRecipient(OperatorSet memory operatorSet) public view returns (address) {
        address recipient = _redistributionRecipients[operatorSet.key()];
        return recipient == address(0) ? DEFAULT_BURN_ADDRESS : recipient;
    }

    function isRedistributingOperatorSet(OperatorSet memory operatorSet) public view returns (bool) {
        return getRedistributionRecipient(operatorSet) != DEFAULT_BURN_ADDRESS;
    }

    function getSlashCount(OperatorSet memory operatorSet) external view returns (uint256) {
        return _slashIds[operatorSet.key()];
    }

    /// @notice Whether any operator set that can currently slash `operator` redistributes slashed funds.
    function isOperatorRedistributable(address operator) external view returns (bool) {
        bytes32[] memory keys = _registeredSets[operator].values();
        for (uint256 i = 0; i < keys.length; ++i) {
            if (isRedistributingOperatorSet(OperatorSetLib.decode(keys[i]))) return true;
        }
        return false;
    }

    // =========================================================================================================
    // Internals
    // =========================================================================================================

    function _createOperatorSet(address avs, CreateSetParams calldata params, address redistributionRecipient)
        internal
    {
        OperatorSet memory operatorSet = OperatorSet(avs, params.operatorSetId);
        require(_operatorSets[avs].add(operatorSet.id), InvalidOperatorSet());
        emit OperatorSetCreated(operatorSet);
        if (redistributionRecipient != DEFAULT_BURN_ADDRESS) {
            _redistributionRecipients[operatorSet.key()] = redistributionRecipient;
            emit RedistributionAddressSet(operatorSet, redistributionRecipient);
        }
        for (uint256 j = 0; j < params.strategies.length; ++j) {
            _addStrategyToOperatorSet(operatorSet, params.strategies[j]);
        }
    }

    function _addStrategyToOperatorSet(OperatorSet memory operatorSet, IStrategy strategy) internal {
        require(_operatorSetStrategies[operatorSet.key()].add(address(strategy)), StrategyAlreadyInOperatorSet());
        emit StrategyAddedToOperatorSet(operatorSet, strategy);
    }

    /// @dev One (operator set, strategy) step of modifyAllocations.
    function _modifyAllocation(
        address operator,
        OperatorSet memory operatorSet,
        IStrategy strategy,
        uint64 newMagnitude,
        uint32 allocationDelay,
        bool operatorSlashable
    ) internal {
        bytes32 setKey = operatorSet.key();
        _clearDeallocationQueue(operator, strategy, type(uint16).max);

        (StrategyInfo memory info, Allocation memory allocation) = _getUpdatedAllocation(operator, setKey, strategy);
        require(allocation.effectBlock == 0, ModificationAlreadyPending());

        bool slashable = operatorSlashable && allocation.currentMagnitude != 0
            && _operatorSetStrategies[setKey].contains(address(strategy));

        allocation.pendingDiff = int128(uint128(newMagnitude)) - int128(uint128(allocation.currentMagnitude));
        require(allocation.pendingDiff != 0, SameMagnitude());

        if (allocation.pendingDiff < 0) {
            if (slashable) {
                // Stays slashable through block.number + DEALLOCATION_DELAY; freed the block after.
                _deallocationQueue[operator][strategy].pushBack(setKey);
                allocation.effectBlock = uint32(block.number) + DEALLOCATION_DELAY + 1;
            } else {
                info.encumberedMagnitude = _addInt128(info.encumberedMagnitude, allocation.pendingDiff);
                allocation.currentMagnitude = newMagnitude;
                allocation.pendingDiff = 0;
                allocation.effectBlock = uint32(block.number);
            }
        } else {
            // Magnitude is reserved now; it becomes slashable after the allocation delay.
            info.encumberedMagnitude = _addInt128(info.encumberedMagnitude, allocation.pendingDiff);
            require(info.encumberedMagnitude <= info.maxMagnitude, InsufficientMagnitude());
            allocation.effectBlock = uint32(block.number) + allocationDelay;
        }

        _updateAllocationInfo(operator, setKey, strategy, info, allocation);
        emit AllocationUpdated(
            operator,
            operatorSet,
            strategy,
            _addInt128(allocation.currentMagnitude, allocation.pendingDiff),
            allocation.effectBlock
        );
    }

    /// @dev Completes up to `numToClear` due deallocations of `strategy`, oldest first.
    function _clearDeallocationQueue(address operator, IStrategy strategy, uint16 numToClear) internal {
        DoubleEndedQueue.Bytes32Deque storage queue = _deallocationQueue[operator][strategy];
        uint256 cleared;
        while (queue.length() > 0 && cleared < numToClear) {
            bytes32 setKey = queue.front();
            (StrategyInfo memory info, Allocation memory allocation) = _getUpdatedAllocation(operator, setKey, strategy);
            if (block.number < _allocations[operator][setKey][strategy].effectBlock) break;
            _updateAllocationInfo(operator, setKey, strategy, info, allocation);
            queue.popFront();
            ++cleared;
        }
    }

    /// @dev The allocation and strategy info as they stand at this block: a due pending change is applied (and a
    /// due deallocation releases its encumbered magnitude). Nothing is written.
    function _getUpdatedAllocation(address operator, bytes32 setKey, IStrategy strategy)
        internal
        view
        returns (StrategyInfo memory info, Allocation memory allocation)
    {
        info = StrategyInfo({
            maxMagnitude: getMaxMagnitude(operator, strategy),
            encumberedMagnitude: _encumberedMagnitude[operator][strategy]
        });
        allocation = _allocations[operator][setKey][strategy];
        if (block.number < allocation.effectBlock) return (info, allocation);
        allocation.currentMagnitude = _addInt128(allocation.currentMagnitude, allocation.pendingDiff);
        if (allocation.pendingDiff < 0) {
            info.encumberedMagnitude = _addInt128(info.encumberedMagnitude, allocation.pendingDiff);
        }
        allocation.effectBlock = 0;
        allocation.pendingDiff = 0;
    }

    function _updateAllocationInfo(
        address operator,
        bytes32 setKey,
        IStrategy strategy,
        StrategyInfo memory info,
        Allocation memory allocation
    ) internal {
        if (_encumberedMagnitude[operator][strategy] != info.encumberedMagnitude) {
            _encumberedMagnitude[operator][strategy] = info.encumberedMagnitude;
            emit EncumberedMagnitudeUpdated(operator, strategy, info.encumberedMagnitude);
        }
        _allocations[operator][setKey][strategy] = allocation;
        if (allocation.pendingDiff != 0) {
            _allocatedStrategies[operator][setKey].add(address(strategy));
            _allocatedSets[operator].add(setKey);
        } else if (allocation.currentMagnitude == 0) {
            _allocatedStrategies[operator][setKey].remove(address(strategy));
            if (_allocatedStrategies[operator][setKey].length() == 0) _allocatedSets[operator].remove(setKey);
        }
    }

    function _updateMaxMagnitude(address operator, IStrategy strategy, uint64 newMaxMagnitude) internal {
        MagnitudeCheckpoint[] storage history = _maxMagnitudeHistory[operator][strategy];
        uint32 blockNumber = uint32(block.number);
        if (history.length != 0 && history[history.length - 1].blockNumber == blockNumber) {
            history[history.length - 1].value = newMaxMagnitude;
        } else {
            history.push(MagnitudeCheckpoint({blockNumber: blockNumber, value: newMaxMagnitude}));
        }
        emit MaxMagnitudeUpdated(operator, strategy, newMaxMagnitude);
    }

    /// @dev shares × (magnitude / maxMagnitude), with EigenLayer's rounding (both steps round down).
    function _stakeFor(uint256 shares, uint64 magnitude, uint64 maxMagnitude) internal pure returns (uint256) {
        if (maxMagnitude == 0) return 0;
        return shares.mulWad(uint256(magnitude).divWad(maxMagnitude));
    }

    function _addInt128(uint64 a, int128 b) internal pure returns (uint64) {
        return uint256(int256(int128(uint128(a)) + b)).toUint64();
    }

    function _decodeKeys(bytes32[] memory keys) internal pure returns (OperatorSet[] memory sets) {
        sets = new OperatorSet[](keys.length);
        for (uint256 i = 0; i < keys.length; ++i) {
            sets[i] = OperatorSetLib.decode(keys[i]);
        }
    }

    function _toStrategies(address[] memory addrs) internal pure returns (IStrategy[] memory strategies) {
        strategies = new IStrategy[](addrs.length);
        for (uint256 i = 0; i < addrs.length; ++i) {
            strategies[i] = IStrategy(addrs[i]);
        }
    }
}
