// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IStrategy} from "../interfaces/eigenlayer/IStrategy.sol";
import {IDelegationManager} from "../interfaces/eigenlayer/IDelegationManager.sol";
import {IStrategyManager} from "../interfaces/eigenlayer/IStrategyManager.sol";
import {IAllocationManager} from "../interfaces/eigenlayer/IAllocationManager.sol";
import {IPermissionController} from "../interfaces/eigenlayer/IPermissionController.sol";
import {OperatorSet} from "../interfaces/eigenlayer/OperatorSetLib.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";
import {SlashingMath, WAD} from "./SlashingMath.sol";

/// @title DelegationManager (devnet)
/// @notice Operators register here (and are delegated to themselves); stakers delegate to one operator, whose
/// shares per strategy are the sum of its stakers' withdrawable shares. Slashing lowers the operator's max
/// magnitude in the AllocationManager, which calls `slashOperatorShares` here: the operator's shares fall in the
/// same proportion and every staker's withdrawable shares follow through the slashing factor, as in EigenLayer.
/// Simplifications: no withdrawal queue, undelegation or redelegation (stakers stay delegated); no EigenPods;
/// not pausable or upgradeable. The core contracts are wired once, by the deployer, with `initialize`.
contract DelegationManager is IDelegationManager, PermissionControllerMixin, EIP712 {
    using SlashingMath for uint256;

    /// @notice `initialize` was already called.
    error AlreadyInitialized();
    /// @notice Only the deployer may wire the core contracts.
    error OnlyDeployer();

    bytes32 public constant DELEGATION_APPROVAL_TYPEHASH = keccak256(
        "DelegationApproval(address delegationApprover,address staker,address operator,bytes32 salt,uint256 expiry)"
    );

    address internal immutable _deployer;
    IStrategyManager public strategyManager;
    IAllocationManager public allocationManager;

    mapping(address staker => address operator) public delegatedTo;
    mapping(address operator => address approver) internal _delegationApprover;
    mapping(address operator => mapping(IStrategy => uint256)) public operatorShares;
    mapping(address staker => mapping(IStrategy => uint256)) internal _depositScalingFactor;
    mapping(address approver => mapping(bytes32 salt => bool)) public delegationApproverSaltIsSpent;

    modifier onlyStrategyManager() {
        require(msg.sender == address(strategyManager), OnlyStrategyManagerOrEigenPodManager());
        _;
    }

    modifier onlyAllocationManager() {
        require(msg.sender == address(allocationManager), OnlyAllocationManager());
        _;
    }

    /// @dev EIP-712 domain {name: "EigenLayer", version: "v"}: the real SignatureUtilsMixin uses the first character of
    /// its "vMAJOR.MINOR.PATCH" version string, which is "v" (checked in test/avs/EigenLayerCompat.t.sol).
    constructor(IPermissionController _permissionController)
        PermissionControllerMixin(_permissionController)
        EIP712("EigenLayer", "v")
    {
        _deployer = msg.sender;
    }

    /// @notice Wires the StrategyManager and AllocationManager (they are deployed after this contract).
    function initialize(IStrategyManager _strategyManager, IAllocationManager _allocationManager) external {
        require(msg.sender == _deployer, OnlyDeployer());
        require(address(strategyManager) == address(0), AlreadyInitialized());
        strategyManager = _strategyManager;
        allocationManager = _allocationManager;
    }

    // ---- operators ----

    /// @inheritdoc IDelegationManager
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external
    {
        require(!isDelegated(msg.sender), ActivelyDelegated());
        _setDelegationApprover(msg.sender, initDelegationApprover);
        allocationManager.setAllocationDelay(msg.sender, allocationDelay);
        _delegate(msg.sender, msg.sender);
        emit OperatorRegistered(msg.sender, initDelegationApprover);
        emit OperatorMetadataURIUpdated(msg.sender, metadataURI);
    }

    function modifyOperatorDetails(address operator, address newDelegationApprover) external checkCanCall(operator) {
        require(isOperator(operator), OperatorNotRegistered());
        _setDelegationApprover(operator, newDelegationApprover);
    }

    function updateOperatorMetadataURI(address operator, string calldata metadataURI)
        external
        checkCanCall(operator)
    {
        require(isOperator(operator), OperatorNotRegistered());
        emit OperatorMetadataURIUpdated(operator, metadataURI);
    }

    // ---- stakers ----

    /// @inheritdoc IDelegationManager
    function delegateTo(address operator, SignatureWithExpiry memory approverSignatureAndExpiry, bytes32 approverSalt)
        external
    {
        require(!isDelegated(msg.sender), ActivelyDelegated());
        require(isOperator(operator), OperatorNotRegistered());
        address approver = _delegationApprover[operator];
        if (approver != address(0) && msg.sender != approver && msg.sender != operator) {
            require(approverSignatureAndExpiry.expiry >= block.timestamp, SignatureExpired());
            require(!delegationApproverSaltIsSpent[approver][approverSalt], SaltSpent());
            bytes32 digest = calculateDelegationApprovalDigestHash(
                msg.sender, operator, approver, approverSalt, approverSignatureAndExpiry.expiry
            );
            require(
                SignatureChecker.isValidSignatureNow(approver, digest, approverSignatureAndExpiry.signature),
                InvalidSignature()
            );
            delegationApproverSaltIsSpent[approver][approverSalt] = true;
        }
        _delegate(msg.sender, operator);
    }

    /// @inheritdoc IDelegationManager
    function increaseDelegatedShares(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        external
        onlyStrategyManager
    {
        _increaseDelegation(delegatedTo[staker], staker, strategy, prevDepositShares, addedShares);
    }

    /// @inheritdoc IDelegationManager
    function slashOperatorShares(
        address operator,
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint64 prevMaxMagnitude,
        uint64 newMaxMagnitude
    ) external onlyAllocationManager returns (uint256 totalDepositSharesToSlash) {
        uint256 before = operatorShares[operator][strategy];
        totalDepositSharesToSlash = SlashingMath.calcSlashedAmount(before, prevMaxMagnitude, newMaxMagnitude);
        operatorShares[operator][strategy] = before - totalDepositSharesToSlash;
        emit OperatorSharesDecreased(operator, address(0), strategy, totalDepositSharesToSlash);
        emit OperatorSharesSlashed(operator, strategy, totalDepositSharesToSlash);
        if (totalDepositSharesToSlash != 0) {
            strategyManager.increaseBurnOrRedistributableShares(
                operatorSet, slashId, strategy, totalDepositSharesToSlash
            );
        }
    }

    // ---- views ----

    function isDelegated(address staker) public view returns (bool) {
        return delegatedTo[staker] != address(0);
    }

    function isOperator(address operator) public view returns (bool) {
        return operator != address(0) && delegatedTo[operator] == operator;
    }

    function delegationApprover(address operator) external view returns (address) {
        return _delegationApprover[operator];
    }

    function getOperatorShares(address operator, IStrategy[] memory strategies)
        public
        view
        returns (uint256[] memory shares)
    {
        shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            shares[i] = operatorShares[operator][strategies[i]];
        }
    }

    function getOperatorsShares(address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory shares)
    {
        shares = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            shares[i] = getOperatorShares(operators[i], strategies);
        }
    }

    /// @notice Deposit shares scaled by the staker's deposit scaling factor and its operator's max magnitude.
    function getWithdrawableShares(address staker, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory withdrawableShares, uint256[] memory depositShares)
    {
        withdrawableShares = new uint256[](strategies.length);
        depositShares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            depositShares[i] = strategyManager.stakerDepositShares(staker, strategies[i]);
            withdrawableShares[i] = SlashingMath.calcWithdrawable(
                depositShares[i], depositScalingFactor(staker, strategies[i]), _slashingFactor(staker, strategies[i])
            );
        }
    }

    function getDepositedShares(address staker) external view returns (IStrategy[] memory, uint256[] memory) {
        return strategyManager.getDeposits(staker);
    }

    function depositScalingFactor(address staker, IStrategy strategy) public view returns (uint256) {
        uint256 dsf = _depositScalingFactor[staker][strategy];
        return dsf == 0 ? WAD : dsf;
    }

    function calculateDelegationApprovalDigestHash(
        address staker,
        address operator,
        address approver,
        bytes32 approverSalt,
        uint256 expiry
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(DELEGATION_APPROVAL_TYPEHASH, approver, staker, operator, approverSalt, expiry))
        );
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---- internals ----

    function _setDelegationApprover(address operator, address approver) internal {
        _delegationApprover[operator] = approver;
        emit DelegationApproverUpdated(operator, approver);
    }

    /// @dev Delegates `staker` and moves its existing deposits to `operator` at face value.
    function _delegate(address staker, address operator) internal {
        delegatedTo[staker] = operator;
        emit StakerDelegated(staker, operator);
        (IStrategy[] memory strategies, uint256[] memory deposits) = strategyManager.getDeposits(staker);
        for (uint256 i = 0; i < strategies.length; ++i) {
            _depositScalingFactor[staker][strategies[i]] = 0; // reset, then rescale for the new operator
            _increaseDelegation(operator, staker, strategies[i], 0, deposits[i]);
        }
    }

    function _increaseDelegation(
        address operator,
        address staker,
        IStrategy strategy,
        uint256 prevDepositShares,
        uint256 addedShares
    ) internal {
        uint256 slashingFactor = _slashingFactor(staker, strategy);
        require(slashingFactor != 0, FullySlashed());
        uint256 dsf = SlashingMath.updatedScalingFactor(
            depositScalingFactor(staker, strategy), prevDepositShares, addedShares, slashingFactor
        );
        _depositScalingFactor[staker][strategy] = dsf;
        emit DepositScalingFactorUpdated(staker, strategy, dsf);
        if (operator != address(0)) {
            operatorShares[operator][strategy] += addedShares;
            emit OperatorSharesIncreased(operator, staker, strategy, addedShares);
        }
    }

    /// @dev The operator's max magnitude for the strategy (WAD when the staker is not delegated).
    function _slashingFactor(address staker, IStrategy strategy) internal view returns (uint256) {
        address operator = delegatedTo[staker];
        if (operator == address(0)) return WAD;
        return allocationManager.getMaxMagnitude(operator, strategy);
    }
}
