// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/IDelegationManager.sol
// (registration, delegation, share accounting and views; the withdrawal queue, redelegate, initialize and the
// ISemVerMixin getter are omitted).
pragma solidity ^0.8.27;

import {IStrategy} from "./IStrategy.sol";
import {ISignatureUtilsMixin} from "./ISignatureUtilsMixin.sol";
import {OperatorSet} from "./OperatorSetLib.sol";

interface IDelegationManagerErrors {
    error OnlyStrategyManagerOrEigenPodManager();
    error OnlyEigenPodManager();
    error OnlyAllocationManager();
    error OperatorsCannotUndelegate();
    error ActivelyDelegated();
    error NotActivelyDelegated();
    error OperatorNotRegistered();
    error WithdrawalNotQueued();
    error CallerCannotUndelegate();
    error InputArrayLengthMismatch();
    error InputArrayLengthZero();
    error FullySlashed();
    error SaltSpent();
    error WithdrawalDelayNotElapsed();
    error WithdrawerNotCaller();
}

interface IDelegationManagerTypes {
    struct OperatorDetails {
        address __deprecated_earningsReceiver;
        address delegationApprover;
        uint32 __deprecated_stakerOptOutWindowBlocks;
    }

    /// @notice EIP-712 message an operator's delegation approver signs to let `staker` delegate to `operator`.
    struct DelegationApproval {
        address staker;
        address operator;
        bytes32 salt;
        uint256 expiry;
    }
}

interface IDelegationManagerEvents is IDelegationManagerTypes {
    event OperatorRegistered(address indexed operator, address delegationApprover);
    event DelegationApproverUpdated(address indexed operator, address newDelegationApprover);
    event OperatorMetadataURIUpdated(address indexed operator, string metadataURI);
    /// @notice `shares` is the change in the operator's delegated shares.
    event OperatorSharesIncreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    event OperatorSharesDecreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    event StakerDelegated(address indexed staker, address indexed operator);
    event StakerUndelegated(address indexed staker, address indexed operator);
    event StakerForceUndelegated(address indexed staker, address indexed operator);
    event DepositScalingFactorUpdated(address staker, IStrategy strategy, uint256 newDepositScalingFactor);
    event OperatorSharesSlashed(address indexed operator, IStrategy strategy, uint256 totalSlashedShares);
}

/// @notice Operators register here; stakers delegate all their shares to one operator at a time.
interface IDelegationManager is ISignatureUtilsMixin, IDelegationManagerErrors, IDelegationManagerEvents {
    /// @notice Registers the caller as an operator, delegated to itself. `allocationDelay` is forwarded to the
    /// AllocationManager; `metadataURI` is only emitted.
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external;

    function modifyOperatorDetails(address operator, address newDelegationApprover) external;
    function updateOperatorMetadataURI(address operator, string calldata metadataURI) external;

    /// @notice Delegates all of the caller's shares to `operator`. The signature and salt are checked only when the
    /// operator has a delegation approver.
    function delegateTo(address operator, SignatureWithExpiry memory approverSignatureAndExpiry, bytes32 approverSalt)
        external;

    /// @notice Called by a share manager when `staker` gains `addedShares` deposit shares in `strategy`.
    function increaseDelegatedShares(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        external;

    /// @notice Called by the AllocationManager after a slash lowered `operator`'s max magnitude for `strategy`.
    /// Returns the shares removed from the operator (to be burned or redistributed).
    function slashOperatorShares(
        address operator,
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint64 prevMaxMagnitude,
        uint64 newMaxMagnitude
    ) external returns (uint256 totalDepositSharesToSlash);

    function delegatedTo(address staker) external view returns (address);
    function delegationApproverSaltIsSpent(address delegationApprover, bytes32 salt) external view returns (bool);
    function isDelegated(address staker) external view returns (bool);
    function isOperator(address operator) external view returns (bool);
    function delegationApprover(address operator) external view returns (address);
    function getOperatorShares(address operator, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory);
    function getOperatorsShares(address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory);
    function getWithdrawableShares(address staker, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory withdrawableShares, uint256[] memory depositShares);
    function getDepositedShares(address staker) external view returns (IStrategy[] memory, uint256[] memory);
    function depositScalingFactor(address staker, IStrategy strategy) external view returns (uint256);
    function calculateDelegationApprovalDigestHash(
        address staker,
        address operator,
        address approver,
        bytes32 approverSalt,
        uint256 expiry
    ) external view returns (bytes32);
    function DELEGATION_APPROVAL_TYPEHASH() external view returns (bytes32);
}
