// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../avs/libraries/BN254.sol";
import {IOperatorRegistryTypes} from "./IOperatorRegistry.sol";

/// @notice Types of the InferenceOracle (the task manager). `Task` is normative (docs/protocol.md).
interface IInferenceOracleTypes {
    struct Task {
        uint64 taskId; // sequential, from 1
        bytes32 modelId; // ModelRegistry id
        address requester;
        bytes32 inputHash; // keccak256(inputBytes)
        uint32 referenceBlock; // block.number - 1 at creation: stakes and keys are read here
        uint32 deadlineBlock; // last block at which respondToTask is accepted
        uint96 fee; // wei paid by the requester (all of msg.value), refunded by expireTask
        address callback; // address(0) = no callback
        uint32 callbackGasLimit;
        uint64 feedId; // 0 = not a feed round
        bytes quorumNumbers; // one byte per quorum, strictly ascending
        uint16[] quorumThresholdBps; // per quorum, 1..10000
    }

    enum TaskStatus {
        None,
        Pending,
        Responded,
        Expired
    }

    /// @notice Owner-set parameters (block counts, byte and gas caps).
    struct Config {
        uint32 responseWindow; // deadlineBlock = creation block + responseWindow
        uint32 challengeWindow; // dissent evidence accepted until respondedBlock + challengeWindow
        uint32 maxStaleBlocks; // > responseWindow; a task's deadlineBlock bounds its staleness (not checked on response)
        uint32 maxInputBytes; // requestInference input size cap
        uint32 maxCallbackGas; // cap on a task's callbackGasLimit
    }

    /// @notice Where a leaf sits in a batch tree (docs/protocol.md "Batch attestation"): `siblings` are the
    /// ceil(log2 leafCount) sibling hashes bottom-up; at level k the running hash is the left input when bit k of
    /// leafIndex is 0.
    struct BatchProof {
        uint32 leafCount;
        uint32 leafIndex;
        bytes32[] siblings;
    }
}

/// @notice Events and errors of the InferenceOracle.
interface IInferenceOracleEvents is IInferenceOracleTypes {
    /// @notice A new task: everything an operator needs to serve it.
    event TaskCreated(uint64 indexed taskId, bytes32 indexed taskHash, Task task, bytes input);
    /// @notice A task answered: the audit trail. The stakes are per task quorum, at the reference block.
    /// signatoryRecordHash = keccak256(abi.encodePacked(uint32 referenceBlock, bytes32[] nonSignerIds)) where
    /// nonSignerIds = keccak256(X, Y) of the non-signer keys in the transaction's calldata (sorted ascending), as
    /// EigenLayer; the non-signers are not repeated here to keep responses cheap.
    event TaskResponded(
        uint64 indexed taskId,
        bytes32 indexed taskHash,
        bytes32 outputHash,
        bytes output,
        uint96[] signedStake,
        uint96[] totalStake,
        bytes32 signatoryRecordHash
    );
    /// @notice One batch answered by respondToBatch: `answered` of its `leafCount` tasks were recorded (each with its
    /// own TaskResponded); the others abstained, were already answered or past their deadline.
    event BatchResponded(
        bytes32 indexed batchRoot,
        uint32 indexed referenceBlock,
        uint32 leafCount,
        uint32 answered,
        bytes32 signatoryRecordHash
    );
    /// @notice The requester's callback was called; `success` false if it reverted or ran out of gas.
    event CallbackResult(uint64 indexed taskId, address indexed callback, bool success);
    /// @notice A task passed its deadline unanswered and its fee went back to the requester.
    event TaskExpired(uint64 indexed taskId, bytes32 indexed taskHash, address indexed requester, uint96 refund);
    /// @notice A refund could not be sent; the requester can pull it with withdrawRefund.
    event RefundCredited(address indexed requester, uint256 amount);
    event RefundWithdrawn(address indexed requester, uint256 amount);
    /// @notice An operator was slashed for signing `dissentOutputHash` on a task finalised with another output.
    event DissenterSlashed(
        uint64 indexed taskId,
        address indexed operator,
        bytes32 indexed operatorId,
        bytes32 dissentOutputHash,
        bytes quorumNumbers,
        uint64 slashWad
    );
    event ConfigSet(Config config);
    event QuorumConfigSet(bytes quorumNumbers, uint16[] quorumThresholdBps);
    event FeesWithdrawn(address indexed to, uint256 amount);
    event FeedsSet(address indexed feeds);

    error InvalidWindows();
    error InvalidInputCap();
    error InvalidQuorumConfig();
    error RegistryNotBound();
    error QuorumsNotConfigured();
    error ModelNotActive(bytes32 modelId);
    error FeeTooLow(uint256 paid, uint256 required);
    error FeeTooHigh(uint256 paid);
    error InvalidInputSize(uint256 size, uint256 max);
    error CallbackGasTooHigh(uint32 requested, uint32 max);
    error TaskMismatch(uint64 taskId);
    error TaskNotPending(uint64 taskId, TaskStatus status);
    error ResponseWindowClosed(uint64 taskId, uint32 deadlineBlock);
    error ThresholdNotMet(uint8 quorum, uint96 signedStake, uint96 totalStake, uint16 thresholdBps);
    error InsufficientGasForCallback(uint256 gasLeft, uint256 needed);
    error DeadlineNotPassed(uint64 taskId, uint32 deadlineBlock);
    error NothingToWithdraw();
    error TransferFailed();
    error TaskNotResponded(uint64 taskId, TaskStatus status);
    error ResponseMismatch(uint64 taskId);
    error ChallengeWindowClosed(uint64 taskId, uint256 lastBlock);
    /// @notice Tolerant profile: the outputs do not differ beyond the model's tolerance (or differ in length/header).
    error NotSlashable();
    error SameOutput();
    error NoSlashableStake();
    error AlreadySlashed(uint64 taskId, address operator);
    error SlashingDisabled(bytes32 modelId);
    error UnknownOperator(address operator);
    error InvalidDissentSignature();
    error OnlyFeeds();
    /// @notice respondToBatch: no task, more than 256, or tasks.length != outputs.length.
    error BatchSize();
    /// @notice respondToBatch: the tasks do not share referenceBlock, quorumNumbers and quorumThresholdBps.
    error BatchMismatch();
    /// @notice respondToBatch: every task abstained, was already answered or is past its deadline.
    error NothingAnswered();
    /// @notice slashBatchDissenter: leafCount not in 1..256, leafIndex >= leafCount or not ceil(log2 leafCount) siblings.
    error InvalidBatchProof();
}

/// @notice The task manager of the AI Oracle AVS (DESIGN §6).
interface IInferenceOracle is IInferenceOracleEvents {
    function requestInference(bytes32 modelId, bytes calldata input, address callback, uint32 callbackGasLimit)
        external
        payable
        returns (uint64 taskId);

    function requestInferenceByRef(
        bytes32 modelId,
        bytes32 inputHash,
        bytes calldata uri,
        address callback,
        uint32 callbackGasLimit
    ) external payable returns (uint64 taskId);

    function respondToTask(
        Task calldata task,
        bytes calldata output,
        IOperatorRegistryTypes.NonSignerStakesAndSignature calldata params
    ) external;

    function respondToBatch(
        Task[] calldata tasks,
        bytes[] calldata outputs,
        IOperatorRegistryTypes.NonSignerStakesAndSignature calldata params
    ) external;

    function expireTask(Task calldata task) external;

    function slashDissenter(
        Task calldata task,
        bytes calldata acceptedOutput,
        bytes32 signatoryRecordHash,
        bytes calldata dissentOutput,
        address operator,
        BN254.G1Point calldata dissentSignature
    ) external;

    function slashBatchDissenter(
        Task calldata task,
        bytes calldata acceptedOutput,
        bytes32 signatoryRecordHash,
        bytes calldata dissentOutput,
        address operator,
        BatchProof calldata proof,
        BN254.G1Point calldata dissentSignature
    ) external;

    function requestFeedTask(address requester, bytes32 modelId, bytes calldata input, uint64 feedId)
        external
        payable
        returns (uint64 taskId);

    function responseDigest(bytes32 taskHash, bytes32 outputHash) external view returns (bytes32);
    function batchDigest(uint32 referenceBlock, bytes32 batchRoot, uint32 leafCount) external view returns (bytes32);
    function taskStatus(uint64 taskId) external view returns (TaskStatus status, uint32 respondedBlock);
    function challengeWindowOf(uint64 taskId) external view returns (uint32);
}
