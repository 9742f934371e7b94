// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../avs/libraries/BN254.sol";
import {IStrategy} from "./eigenlayer/IStrategy.sol";

/// @notice Types shared by the OperatorRegistry, its signature checker and their callers (docs/protocol.md).
interface IOperatorRegistryTypes {
    /// @notice `data` of AllocationManager.registerForOperatorSets, abi-encoded (docs/protocol.md).
    struct PubkeyRegistrationParams {
        BN254.G1Point pubkeyRegistrationSignature;
        BN254.G1Point pubkeyG1;
        BN254.G2Point pubkeyG2;
    }

    /// @notice A strategy counted by a quorum: stake += slashable shares × multiplier / 1e18.
    struct StrategyParams {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice What a response carries besides the output: the members of the task's quorums (at the reference
    /// block) that did not sign, and the aggregate of those that did.
    /// @dev `nonSignerPubkeys` sorted strictly ascending by operatorId = keccak256(X, Y). `apkG2` is the sum of the
    /// signers' G2 keys and `sigma` the sum of their signatures, each signer counted once per task quorum it is a
    /// member of (EigenLayer's convention: with one quorum, simply once).
    struct NonSignerStakesAndSignature {
        BN254.G1Point[] nonSignerPubkeys;
        BN254.G2Point apkG2;
        BN254.G1Point sigma;
    }

    /// @notice The outcome of a successful signature check, one entry per quorum in the order given.
    struct SignatureCheckResult {
        uint96[] signedStake;
        uint96[] totalStake;
        bytes32[] nonSignerIds;
        /// @dev keccak256(abi.encodePacked(uint32 referenceBlock, bytes32[] nonSignerIds)), as EigenLayer.
        bytes32 signatoryRecordHash;
    }

    /// @notice The operators of a quorum at a block, for aggregators (only members at that block).
    struct QuorumState {
        address[] operators;
        bytes32[] operatorIds;
        BN254.G1Point[] pubkeysG1;
        uint96[] stakes;
        BN254.G1Point apk;
        uint96 totalStake;
    }
}

/// @notice The AVS registrar with BLS key, stake and index bookkeeping, and the BLS aggregate-signature check.
interface IOperatorRegistry is IOperatorRegistryTypes {
    // ---- errors ----
    error OnlyAllocationManager();
    error OnlyAvs();
    error AvsAlreadySet();
    error AvsNotSet();
    error WrongAvs(address avs);
    error QuorumExists(uint8 quorum);
    error QuorumDoesNotExist(uint8 quorum);
    error InvalidStrategies();
    error InvalidOperatorSetId(uint32 operatorSetId);
    error AlreadyMember(uint8 quorum);
    error NotMember(uint8 quorum);
    error MaxOperatorsReached(uint8 quorum);
    error InsufficientStake(uint8 quorum, uint96 stake, uint96 minimumStake);
    error MissingPubkey();
    error InvalidPubkey();
    error PubkeyMismatch();
    error PubkeyAlreadyRegistered(bytes32 operatorId);
    error InvalidProofOfPossession();
    error EmptyQuorumNumbers();
    error QuorumsNotAscending();
    error ReferenceBlockNotInPast(uint32 referenceBlock);
    error NoHistoryAt(uint8 quorum, uint32 blockNumber);
    error NonSignersNotAscending(uint256 index);
    error NonSignerNotMember(bytes32 operatorId);
    error InvalidSignature();
    error InvalidMaxOperators(uint32 maxOperators);
    error LookaheadTooShort(uint32 lookahead, uint32 required);
    error OnlyEjector();
    error NotBelowMinimumStake(address operator);

    // ---- events ----
    event AvsSet(address indexed avs);
    event QuorumCreated(uint8 indexed quorum, uint96 minimumStake, uint32 maxOperators, StrategyParams[] strategies);
    event MinimumStakeSet(uint8 indexed quorum, uint96 minimumStake);
    event MaxOperatorsSet(uint8 indexed quorum, uint32 maxOperators);
    /// @notice First registration of an operator's BLS key (never changes afterwards).
    event NewPubkeyRegistration(
        address indexed operator, bytes32 indexed operatorId, BN254.G1Point pubkeyG1, BN254.G2Point pubkeyG2
    );
    event OperatorAddedToQuorum(address indexed operator, bytes32 indexed operatorId, uint8 indexed quorum, uint96 stake);
    event OperatorRemovedFromQuorum(address indexed operator, bytes32 indexed operatorId, uint8 indexed quorum);
    event OperatorStakeUpdated(bytes32 indexed operatorId, uint8 indexed quorum, uint96 stake);
    /// @notice Stake is weighed as the minimum slashable stake at block.number + lookahead.
    event LookaheadSet(uint32 lookahead);
    event EjectorSet(address indexed ejector);
    /// @notice `operator` was deregistered from `quorum` through the AllocationManager by the registry: by the
    /// ejector, for being below the minimum stake, or (`replacedBy` != 0) to make room for `replacedBy`.
    event OperatorEjected(address indexed operator, uint8 indexed quorum, address replacedBy);

    // ---- signature check ----
    /// @notice Check an aggregate BLS signature over `msgHash` by the members of `quorumNumbers` at `referenceBlock`
    /// minus `params.nonSignerPubkeys`; reverts unless it verifies. Returns signed and total stake per quorum.
    function checkSignatures(
        bytes32 msgHash,
        bytes calldata quorumNumbers,
        uint32 referenceBlock,
        NonSignerStakesAndSignature calldata params
    ) external view returns (SignatureCheckResult memory);

    // ---- views ----
    function avs() external view returns (address);
    function operatorIdOf(address operator) external view returns (bytes32);
    function operatorOfId(bytes32 operatorId) external view returns (address);
    function getOperatorPubkeys(address operator)
        external
        view
        returns (bytes32 operatorId, BN254.G1Point memory pubkeyG1, BN254.G2Point memory pubkeyG2);
    function verifyOperatorSignature(address operator, bytes32 digest, BN254.G1Point calldata signature)
        external
        view
        returns (bytes32 operatorId, bool valid);
    function quorumExists(uint8 quorum) external view returns (bool);
    function quorumList() external view returns (uint8[] memory);
    function quorumStrategies(uint8 quorum) external view returns (StrategyParams[] memory);
    function getOperatorStakeAt(bytes32 operatorId, uint8 quorum, uint32 blockNumber)
        external
        view
        returns (bool member, uint96 stake);
    function quorumStateBlockAt(uint8 quorum, uint32 blockNumber) external view returns (uint32);

    // ---- actions ----
    function updateOperators(address[] calldata operators) external;
    function createQuorum(uint8 quorum, uint96 minimumStake, uint32 maxOperators, StrategyParams[] calldata strategies)
        external;
    function lookahead() external view returns (uint32);
    function ejector() external view returns (address);
    function ejectOperator(address operator, bytes calldata quorumNumbers) external;
    function ejectBelowMinimumStake(address operator) external returns (bytes memory ejectedFrom);
}
