// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {BN254} from "./libraries/BN254.sol";
import {IInferenceOracle} from "../interfaces/IInferenceOracle.sol";
import {IInferenceCallback} from "../interfaces/IInferenceCallback.sol";
import {IInferenceFeeds} from "../interfaces/IInferenceFeeds.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IOperatorRegistry, IOperatorRegistryTypes} from "../interfaces/IOperatorRegistry.sol";
import {IRewardsVault} from "../interfaces/IRewardsVault.sol";
import {IAllocationManager, IAllocationManagerTypes} from "../interfaces/eigenlayer/IAllocationManager.sol";
import {IStrategy} from "../interfaces/eigenlayer/IStrategy.sol";
import {IAVSRegistrar} from "../interfaces/eigenlayer/IAVSRegistrar.sol";
import {IPermissionControllerMixin} from "../interfaces/eigenlayer/IPermissionControllerMixin.sol";
import {IPermissionController} from "../interfaces/eigenlayer/IPermissionController.sol";
import {OperatorSet} from "../interfaces/eigenlayer/OperatorSetLib.sol";

/// @title InferenceOracle
/// @notice The AVS's task manager, and the AVS identity EigenLayer knows (it creates the operator sets, names the
/// OperatorRegistry as registrar, and slashes).
///
/// Life of a task: `requestInference` (or InferenceFeeds.requestFeedRound) stores one slot per task and emits the full task;
/// `respondToTask` (permissionless: the aggregate BLS signature is the authority) checks the signature against
/// the registry at the task's reference block and the per-quorum thresholds, records the result, updates the
/// feed, calls the requester back and emits the audit trail; or `expireTask` refunds after the deadline.
/// After a response, `slashDissenter` accepts evidence of an operator signing a different output during the
/// challenge window.
///
/// Batches (docs/protocol.md "Batch attestation"): `respondToBatch` answers up to 256 tasks of one reference block
/// and quorum configuration with one aggregate signature over a batch digest (a positional Merkle root of
/// (taskHash, outputHash) leaves); each answered task is recorded exactly as by respondToTask. `slashBatchDissenter`
/// takes an operator's batch signature plus the Merkle path of its leaf as dissent evidence.
///
/// Per-task storage is one slot, rewritten in place (this keeps respondToTask within its gas budget):
///   bits 224..255: tag — 0 pending, 1..2^32-2 the block it was responded in, 2^32-1 expired;
///   bits 0..223:   pending/expired: the low 224 bits of taskHash;
///                  responded: the low 224 bits of keccak256(abi.encode(taskHash, outputHash, signatoryRecordHash)).
///
/// Fees: the whole msg.value of a request is the task's fee (it must be at least the model's fee). It is held in
/// escrow until the task is answered (then it is earned: the RewardsVault, when one is set, accrues it to the signers
/// and draws it with withdrawFees; without a vault the owner withdraws it) or expires (then it goes back to the
/// requester, pushed with a gas cap, or credited for `withdrawRefund` if the push fails).
contract InferenceOracle is IInferenceOracle, Ownable2Step, Pausable, ReentrancyGuardTransient {

    /// @notice keccak256("AIOracleResponse(uint256 chainId,address oracle,bytes32 taskHash,bytes32 outputHash)").
    bytes32 public constant RESPONSE_TYPEHASH =
        keccak256("AIOracleResponse(uint256 chainId,address oracle,bytes32 taskHash,bytes32 outputHash)");
    /// @notice keccak256("AIOracleBatch(uint256 chainId,address oracle,uint32 referenceBlock,bytes32 batchRoot,uint32 leafCount)").
    bytes32 public constant BATCH_TYPEHASH =
        keccak256("AIOracleBatch(uint256 chainId,address oracle,uint32 referenceBlock,bytes32 batchRoot,uint32 leafCount)");
    /// @dev Most leaves (tasks) in one batch.
    uint256 internal constant MAX_BATCH_LEAVES = 256;
    uint256 internal constant OUTPUT_HEADER_BYTES = 5;
    uint256 internal constant HASH_MASK = (uint256(1) << 224) - 1;
    uint256 internal constant EXPIRED_TAG = type(uint32).max;
    /// @dev Gas kept back beyond callbackGasLimit·64/63 so that the rest of respondToTask always completes.
    uint256 internal constant CALLBACK_RESERVE = 20_000;
    /// @dev Gas for pushing a refund; a requester needing more gets it credited instead.
    uint256 internal constant REFUND_GAS = 30_000;
    string internal constant SLASH_DESCRIPTION = "aioracle:dissent";
    /// @dev Least quorum threshold: a certificate needs more than two thirds of the stake (docs/protocol.md).
    uint256 internal constant MIN_THRESHOLD_BPS = 6667;

    IAllocationManager public immutable allocationManager;
    IOperatorRegistry public immutable registry;
    IModelRegistry public immutable models;

    /// @dev One slot, read once by respondToTask: fees held for pending tasks and credited refunds, the pause flag
    /// (OpenZeppelin Pausable's own flag is not used: a separate cold slot would cost 2,100 gas per response), and
    /// the configuration.
    struct State {
        uint88 escrowedFees;
        bool paused;
        uint32 responseWindow;
        uint32 challengeWindow;
        uint32 maxStaleBlocks;
        uint32 maxInputBytes;
        uint32 maxCallbackGas;
    }

    State internal _state;
    /// @notice Number of tasks created (the last taskId).
    uint64 public taskCount;
    /// @notice The InferenceFeeds contract (address(0) until set).
    address public feeds;
    bytes internal _quorumNumbers;
    uint16[] internal _quorumThresholdBps;

    mapping(uint64 taskId => bytes32) internal _taskState;
    mapping(bytes32 taskOperatorKey => bool) internal _slashed;
    /// @notice Refunds that could not be pushed, claimable with withdrawRefund.
    mapping(address requester => uint256) public pendingRefunds;

    /// @dev challengeWindow history: entry i applies to tasks with id >= firstTaskId (until entry i + 1's).
    struct WindowPoint {
        uint64 firstTaskId;
        uint32 challengeWindow;
    }

    WindowPoint[] internal _challengeWindows;

    /// @notice The RewardsVault (docs/protocol.md "Rewards"): told of every accepted response, and the only collector
    /// of earned fees while set (address(0): none; the owner collects).
    address public rewardsVault;

    event RewardsVaultSet(address indexed vault);

    /// @param allocationManager_ EigenLayer's AllocationManager.
    /// @param registry_ The OperatorRegistry; its owner must call registry.setAvs(this) before setupAvs.
    /// @param models_ The ModelRegistry.
    /// @param initialOwner Owner (configuration, quorums, feeds, fee withdrawal, pause).
    /// @param initialConfig Initial configuration (see Config).
    constructor(
        IAllocationManager allocationManager_,
        IOperatorRegistry registry_,
        IModelRegistry models_,
        address initialOwner,
        Config memory initialConfig
    ) Ownable(initialOwner) {
        allocationManager = allocationManager_;
        registry = registry_;
        models = models_;
        _setConfig(initialConfig);
    }

    // =========================================================================================================
    // AVS administration (this contract is the AVS address in EigenLayer)
    // =========================================================================================================

    /// @notice Publish the AVS metadata, name the OperatorRegistry as this AVS's registrar, make this contract and
    /// the owner PermissionController admins of the AVS account (the owner pending: it calls
    /// permissionController.acceptAdmin(oracle) itself, then manages admins and appointees there) and appoint the
    /// registry to deregister operators from this AVS's sets (ejection, churn). Call again to update the metadata URI,
    /// or after an ownership transfer to make the new owner a pending admin.
    /// @dev The registry must already be bound to this AVS (registry.setAvs), as setAVSRegistrar checks supportsAVS.
    /// This contract must stay an admin: once the account has admins, it is no longer implicitly its own.
    function setupAvs(string calldata metadataURI) external onlyOwner {
        if (registry.avs() != address(this)) revert RegistryNotBound();
        allocationManager.updateAVSMetadataURI(address(this), metadataURI);
        allocationManager.setAVSRegistrar(address(this), IAVSRegistrar(address(registry)));
        // These fail only when already done (setupAvs again), which is fine.
        _permit(uint32(IPermissionController.addPendingAdmin.selector), address(this), address(0), 0);
        _permit(uint32(IPermissionController.acceptAdmin.selector), address(0), address(0), 0);
        _permit(uint32(IPermissionController.addPendingAdmin.selector), owner(), address(0), 0);
        _permit(
            uint32(IPermissionController.setAppointee.selector),
            address(registry),
            address(allocationManager),
            IAllocationManager.deregisterFromOperatorSets.selector
        );
    }

    /// @dev permissionController().fn(this, a, b, c), hand-encoded to keep this contract under the size limit
    /// (addPendingAdmin and acceptAdmin read only their first words; the rest of the calldata is ignored);
    /// a revert of that call is ignored (setupAvs: the step was already done).
    function _permit(uint32 fn, address a, address b, bytes4 c) internal {
        bytes4 getController = IPermissionControllerMixin.permissionController.selector;
        address am = address(allocationManager);
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, getController)
            if iszero(staticcall(gas(), am, p, 4, p, 0x20)) { revert(0, 0) }
            let controller := mload(p)
            mstore(p, shl(224, fn))
            mstore(add(p, 0x04), address())
            mstore(add(p, 0x24), a)
            mstore(add(p, 0x44), b)
            mstore(add(p, 0x64), c)
            pop(call(gas(), controller, 0, p, 0x84, 0, 0))
        }
    }

    /// @notice Create quorum `quorum`: the EigenLayer operator set with the same id and strategies, and its stake
    /// bookkeeping in the registry.
    /// @param strategies Strictly ascending by address; stake = Σ slashable shares × multiplier / 1e18.
    function createQuorum(
        uint8 quorum,
        uint96 minimumStake,
        uint32 maxOperators,
        IOperatorRegistryTypes.StrategyParams[] calldata strategies
    ) external onlyOwner {
        IStrategy[] memory list = new IStrategy[](strategies.length);
        for (uint256 i; i < strategies.length; ++i) {
            list[i] = strategies[i].strategy;
        }
        IAllocationManagerTypes.CreateSetParams[] memory sets = new IAllocationManagerTypes.CreateSetParams[](1);
        sets[0] = IAllocationManagerTypes.CreateSetParams({operatorSetId: quorum, strategies: list});
        allocationManager.createOperatorSets(address(this), sets);
        registry.createQuorum(quorum, minimumStake, maxOperators, strategies);
    }

    /// @notice Set the quorums and thresholds (basis points, 6667..10000) that new tasks require.
    function setQuorumConfig(bytes calldata quorumNumbers, uint16[] calldata quorumThresholdBps) external onlyOwner {
        uint256 n = quorumNumbers.length;
        if (n == 0 || n != quorumThresholdBps.length) revert InvalidQuorumConfig();
        for (uint256 i; i < n; ++i) {
            uint8 q = uint8(quorumNumbers[i]);
            if (i > 0 && q <= uint8(quorumNumbers[i - 1])) revert InvalidQuorumConfig();
            if (!registry.quorumExists(q)) revert InvalidQuorumConfig();
            if (quorumThresholdBps[i] < MIN_THRESHOLD_BPS || quorumThresholdBps[i] > 10_000) revert InvalidQuorumConfig();
        }
        _quorumNumbers = quorumNumbers;
        _quorumThresholdBps = quorumThresholdBps;
        emit QuorumConfigSet(quorumNumbers, quorumThresholdBps);
    }

    /// @notice Set the configuration. Applies to tasks created afterwards: a pending task keeps its deadline, its
    /// challenge window (challengeWindowOf) and the slashWad of its creation block (docs/protocol.md).
    function setConfig(Config calldata newConfig) external onlyOwner {
        _setConfig(newConfig);
    }

    /// @notice Whether requests and responses are paused.
    function paused() public view override returns (bool) {
        return _state.paused;
    }

    /// @notice Stop new requests and responses (expiry, slashing and reads continue).
    function pause() external onlyOwner {
        _pause();
    }

    /// @notice Resume requests and responses.
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Name the RewardsVault (address(0): none). Earned fees collected before stay with the owner only if
    /// withdrawn first.
    function setRewardsVault(address vault) external onlyOwner {
        rewardsVault = vault;
        emit RewardsVaultSet(vault);
    }

    /// @notice Withdraw earned fees (the balance not held for pending tasks or credited refunds): the rewards vault
    /// when one is set, else the owner.
    function withdrawFees(address payable to, uint256 amount) external nonReentrant {
        address vault = rewardsVault;
        if (msg.sender != (vault == address(0) ? owner() : vault)) revert OwnableUnauthorizedAccount(msg.sender);
        if (amount == 0 || amount > address(this).balance - _state.escrowedFees) revert NothingToWithdraw();
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
        emit FeesWithdrawn(to, amount);
    }

    // =========================================================================================================
    // Tasks
    // =========================================================================================================

    /// @notice Ask for an inference of `modelId` on `input` (canonical bytes, docs/encoding.md).
    /// @dev msg.value is the task's fee in full (>= the model's fee; nothing is refunded unless the task expires).
    /// @param callback Contract to call with the result (IInferenceCallback), or address(0).
    /// @param callbackGasLimit Gas given to the callback (<= config maxCallbackGas).
    /// @return taskId The new task's id; the TaskCreated event carries the full task.
    function requestInference(bytes32 modelId, bytes calldata input, address callback, uint32 callbackGasLimit)
        external
        payable
        whenNotPaused
        returns (uint64 taskId)
    {
        return _createTask(msg.sender, modelId, keccak256(input), input, callback, callbackGasLimit, 0);
    }

    /// @notice requestInference with the input by reference (docs/protocol.md "Inputs by reference"): the task
    /// commits to `inputHash` and the bytes travel outside calldata. `uri` empty: in this transaction's blobs
    /// (EIP-4844; TaskCreated's input is 0x0001 followed by their versioned hashes); otherwise at `uri` (input is
    /// 0x0002 followed by the uri). Operators fetch the bytes, check the hash and refuse what does not match.
    function requestInferenceByRef(
        bytes32 modelId,
        bytes32 inputHash,
        bytes calldata uri,
        address callback,
        uint32 callbackGasLimit
    ) external payable whenNotPaused returns (uint64 taskId) {
        bytes memory ref = bytes.concat(hex"0002", uri);
        if (uri.length == 0) {
            // 0x0001 ‖ blobhash(0) ‖ … ‖ blobhash(n-1), built in place (ref is the last allocation)
            assembly ("memory-safe") {
                mstore8(add(ref, 0x21), 1)
                let p := add(ref, 0x22)
                for { let h := blobhash(0) } h { h := blobhash(shr(5, sub(p, add(ref, 0x22)))) } {
                    mstore(p, h)
                    p := add(p, 0x20)
                }
                mstore(ref, sub(p, add(ref, 0x20)))
                mstore(0x40, and(add(p, 31), not(31)))
            }
            if (ref.length == 2) revert InvalidInputSize(0, 0);
        }
        return _createTask(msg.sender, modelId, inputHash, ref, callback, callbackGasLimit, 0);
    }

    /// @notice Submit the quorum's answer to `task`: `output` and the aggregate signature over
    /// responseDigest(taskHash, keccak256(output)). Permissionless; accepted once, until task.deadlineBlock.
    function respondToTask(
        Task calldata task,
        bytes calldata output,
        IOperatorRegistryTypes.NonSignerStakesAndSignature calldata params
    ) external whenNotPaused nonReentrant {
        uint256 gasStart = gasleft();
        bytes32 taskHash = _hashTask(task);
        _requirePending(task.taskId, taskHash);
        if (block.number > task.deadlineBlock) revert ResponseWindowClosed(task.taskId, task.deadlineBlock);
        State memory st = _state;

        bytes32 outputHash = keccak256(output);
        IOperatorRegistryTypes.SignatureCheckResult memory r =
            _checkQuorum(task, _responseDigest(taskHash, outputHash), params);
        if (task.fee != 0) _state.escrowedFees = st.escrowedFees - uint88(task.fee); // fee <= uint88 max at creation
        _record(task, taskHash, output, outputHash, r.signatoryRecordHash, _stakes(r));
        _accrue(gasStart, task, task.fee, r);
    }

    /// @notice Answer a batch: `tasks` (1..256, one referenceBlock and quorum configuration) with `outputs[i]` for
    /// tasks[i] (empty = abstain), and the aggregate signature over batchDigest(referenceBlock, root, tasks.length)
    /// where root is the positional Merkle root of leaf(taskHash, outputHash) (docs/protocol.md). Every non-abstain
    /// task still pending and within its deadline is recorded as respondToTask would; the others are skipped.
    /// Reverts NothingAnswered when none is recorded.
    function respondToBatch(
        Task[] calldata tasks,
        bytes[] calldata outputs,
        IOperatorRegistryTypes.NonSignerStakesAndSignature calldata params
    ) external whenNotPaused nonReentrant {
        uint256 gasStart = gasleft();
        uint256 n = tasks.length;
        if (n == 0 || n > MAX_BATCH_LEAVES || n != outputs.length) revert BatchSize();
        Task calldata first = tasks[0];
        uint32 referenceBlock = first.referenceBlock;
        (bytes32 root, bytes32[] memory hashes) = _batchRoot(tasks, outputs);
        IOperatorRegistryTypes.SignatureCheckResult memory r =
            _checkQuorum(first, _batchDigest(referenceBlock, root, uint32(n)), params);
        (uint256 answered, uint256 fees) = _recordBatch(tasks, outputs, hashes, r.signatoryRecordHash, _stakes(r));
        if (answered == 0) revert NothingAnswered();
        // re-read: a callback may have created (and escrowed) a task meanwhile
        if (fees != 0) _state.escrowedFees -= uint88(fees);
        emit BatchResponded(root, referenceBlock, uint32(n), uint32(answered), r.signatoryRecordHash);
        _accrue(gasStart, first, fees, r);
    }

    /// @notice Close a task that passed its deadline unanswered and refund its fee to the requester (once).
    function expireTask(Task calldata task) external nonReentrant {
        bytes32 taskHash = _hashTask(task);
        _requirePending(task.taskId, taskHash);
        if (block.number <= task.deadlineBlock) revert DeadlineNotPassed(task.taskId, task.deadlineBlock);
        _taskState[task.taskId] = bytes32((EXPIRED_TAG << 224) | (uint256(taskHash) & HASH_MASK));
        emit TaskExpired(task.taskId, taskHash, task.requester, task.fee);
        if (task.fee != 0) {
            bool ok;
            address to = task.requester;
            uint256 amount = task.fee;
            assembly ("memory-safe") {
                ok := call(REFUND_GAS, to, amount, 0, 0, 0, 0)
            }
            if (ok) {
                _state.escrowedFees -= uint88(amount);
            } else {
                pendingRefunds[to] += amount;
                emit RefundCredited(to, amount);
            }
        }
    }

    /// @notice Pull a refund that could not be pushed by expireTask.
    function withdrawRefund() external nonReentrant {
        uint256 amount = pendingRefunds[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        pendingRefunds[msg.sender] = 0;
        _state.escrowedFees -= uint88(amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
        emit RefundWithdrawn(msg.sender, amount);
    }

    // =========================================================================================================
    // Slashing
    // =========================================================================================================

    /// @notice Slash `operator` for signing `dissentOutput` on `task`, which was finalised with `acceptedOutput`.
    /// Accepted until respondedBlock + challengeWindow. For exact profiles any different output is slashable; for
    /// the tolerant profile both outputs must have the same length and 5-byte header and some int32 element
    /// must differ by more than the model's tolerance. The operator must have been a member with stake > 0 of a
    /// task quorum at the reference block; it is slashed model.slashWad in each such quorum where it is still
    /// slashable, once per task, and its stake is refreshed in the registry.
    /// @param signatoryRecordHash From the task's TaskResponded event.
    /// @param dissentSignature The operator's BLS signature over responseDigest(taskHash, keccak256(dissentOutput)).
    function slashDissenter(
        Task calldata task,
        bytes calldata acceptedOutput,
        bytes32 signatoryRecordHash,
        bytes calldata dissentOutput,
        address operator,
        BN254.G1Point calldata dissentSignature
    ) external nonReentrant {
        bytes32 taskHash = _hashTask(task);
        _slashDissent(
            task,
            taskHash,
            acceptedOutput,
            signatoryRecordHash,
            dissentOutput,
            operator,
            _responseDigest(taskHash, keccak256(dissentOutput)),
            dissentSignature
        );
    }

    /// @notice slashDissenter with batch evidence: `operator` signed batchDigest(task.referenceBlock, root,
    /// proof.leafCount) where `proof` connects leaf(taskHash, keccak256(dissentOutput)) to root. Same rules as
    /// slashDissenter; works against a task answered by respondToTask or respondToBatch.
    function slashBatchDissenter(
        Task calldata task,
        bytes calldata acceptedOutput,
        bytes32 signatoryRecordHash,
        bytes calldata dissentOutput,
        address operator,
        BatchProof calldata proof,
        BN254.G1Point calldata dissentSignature
    ) external nonReentrant {
        bytes32 taskHash = _hashTask(task);
        bytes32 digest = _proofDigest(task.referenceBlock, _leaf(taskHash, keccak256(dissentOutput)), proof);
        _slashDissent(
            task, taskHash, acceptedOutput, signatoryRecordHash, dissentOutput, operator, digest, dissentSignature
        );
    }

    /// @notice Whether `operator` was already slashed for `taskId`.
    function isSlashed(uint64 taskId, address operator) external view returns (bool) {
        return _slashed[keccak256(abi.encode(taskId, operator))];
    }

    // =========================================================================================================
    // Feeds (kept by the InferenceFeeds contract; a feed round is a task with feedId set)
    // =========================================================================================================

    /// @notice Name the InferenceFeeds contract (the only one that may create feed tasks; told of their answers).
    function setFeeds(address feeds_) external onlyOwner {
        feeds = feeds_;
        emit FeedsSet(feeds_);
    }

    /// @notice Create the task of a feed round; only the feeds contract. msg.value is the fee as in
    /// requestInference, refunded to `requester` if the task expires.
    function requestFeedTask(address requester, bytes32 modelId, bytes calldata input, uint64 feedId)
        external
        payable
        whenNotPaused
        returns (uint64 taskId)
    {
        if (msg.sender != feeds || feedId == 0) revert OnlyFeeds();
        return _createTask(requester, modelId, keccak256(input), input, address(0), 0, feedId);
    }

    // =========================================================================================================
    // Views
    // =========================================================================================================

    /// @notice The digest operators sign for `outputHash` on the task with `taskHash` (docs/protocol.md).
    function responseDigest(bytes32 taskHash, bytes32 outputHash) external view returns (bytes32) {
        return _responseDigest(taskHash, outputHash);
    }

    /// @notice The digest operators sign for a batch (docs/protocol.md "Batch attestation").
    function batchDigest(uint32 referenceBlock, bytes32 batchRoot, uint32 leafCount) external view returns (bytes32) {
        return _batchDigest(referenceBlock, batchRoot, leafCount);
    }

    /// @notice Status of `taskId`, and the block it was responded in (0 unless Responded).
    function taskStatus(uint64 taskId) public view returns (TaskStatus status, uint32 respondedBlock) {
        uint256 s = uint256(_taskState[taskId]);
        if (s == 0) return (TaskStatus.None, 0);
        uint256 tag = s >> 224;
        if (tag == 0) return (TaskStatus.Pending, 0);
        if (tag == EXPIRED_TAG) return (TaskStatus.Expired, 0);
        return (TaskStatus.Responded, uint32(tag));
    }

    /// @notice Whether task `taskId` (with hash `taskHash`) was answered with `outputHash` and
    /// `signatoryRecordHash` (both in its TaskResponded event).
    function isResponse(uint64 taskId, bytes32 taskHash, bytes32 outputHash, bytes32 signatoryRecordHash)
        external
        view
        returns (bool)
    {
        uint256 s = uint256(_taskState[taskId]);
        uint256 tag = s >> 224;
        if (tag == 0 || tag == EXPIRED_TAG) return false;
        return (s & HASH_MASK) == (uint256(keccak256(abi.encode(taskHash, outputHash, signatoryRecordHash))) & HASH_MASK);
    }

    /// @notice Current configuration.
    function config() external view returns (Config memory) {
        State memory st = _state;
        return Config(st.responseWindow, st.challengeWindow, st.maxStaleBlocks, st.maxInputBytes, st.maxCallbackGas);
    }

    /// @notice The challenge window of task `taskId`: the one configured when it was created.
    function challengeWindowOf(uint64 taskId) public view returns (uint32) {
        uint256 i = _challengeWindows.length;
        while (--i > 0) {
            WindowPoint memory w = _challengeWindows[i];
            if (w.firstTaskId <= taskId) return w.challengeWindow;
        }
        return _challengeWindows[0].challengeWindow;
    }

    /// @notice Fees held for pending tasks and credited refunds.
    function escrowedFees() external view returns (uint256) {
        return _state.escrowedFees;
    }

    /// @notice Quorums and thresholds applied to new tasks.
    function quorumConfig() external view returns (bytes memory quorumNumbers, uint16[] memory quorumThresholdBps) {
        return (_quorumNumbers, _quorumThresholdBps);
    }

    // =========================================================================================================
    // Internals
    // =========================================================================================================

    function _pause() internal override whenNotPaused {
        _state.paused = true;
        emit Paused(msg.sender);
    }

    function _unpause() internal override whenPaused {
        _state.paused = false;
        emit Unpaused(msg.sender);
    }

    function _setConfig(Config memory c) internal {
        // a task must stay respondable until its deadline: block.number - referenceBlock <= responseWindow + 1
        if (c.responseWindow == 0 || c.challengeWindow == 0 || c.maxStaleBlocks <= c.responseWindow) {
            revert InvalidWindows();
        }
        if (c.maxInputBytes == 0) revert InvalidInputCap();
        State storage st = _state;
        st.responseWindow = c.responseWindow;
        st.challengeWindow = c.challengeWindow;
        uint256 n = _challengeWindows.length;
        if (n == 0 || _challengeWindows[n - 1].challengeWindow != c.challengeWindow) {
            uint64 firstTaskId = taskCount + 1;
            if (n != 0 && _challengeWindows[n - 1].firstTaskId == firstTaskId) {
                _challengeWindows[n - 1].challengeWindow = c.challengeWindow; // no task created in between
            } else {
                _challengeWindows.push(WindowPoint(firstTaskId, c.challengeWindow));
            }
        }
        st.maxStaleBlocks = c.maxStaleBlocks;
        st.maxInputBytes = c.maxInputBytes;
        st.maxCallbackGas = c.maxCallbackGas;
        emit ConfigSet(c);
    }

    function _createTask(
        address requester,
        bytes32 modelId,
        bytes32 inputHash,
        bytes memory input,
        address callback,
        uint32 callbackGasLimit,
        uint64 feedId
    ) internal returns (uint64 taskId) {
        (bool active,,, uint96 minFee,) = models.modelTerms(modelId);
        if (!active) revert ModelNotActive(modelId);
        if (msg.value < minFee) revert FeeTooLow(msg.value, minFee);
        if (msg.value > type(uint88).max) revert FeeTooHigh(msg.value);
        State memory st = _state;
        if (input.length == 0 || input.length > st.maxInputBytes) {
            revert InvalidInputSize(input.length, st.maxInputBytes);
        }
        if (callbackGasLimit > st.maxCallbackGas) revert CallbackGasTooHigh(callbackGasLimit, st.maxCallbackGas);
        if (_quorumNumbers.length == 0) revert QuorumsNotConfigured();

        taskId = ++taskCount;
        Task memory task = Task({
            taskId: taskId,
            modelId: modelId,
            requester: requester,
            inputHash: inputHash,
            referenceBlock: uint32(block.number - 1),
            deadlineBlock: uint32(block.number + st.responseWindow),
            fee: uint96(msg.value),
            callback: callback,
            callbackGasLimit: callback == address(0) ? 0 : callbackGasLimit,
            feedId: feedId,
            quorumNumbers: _quorumNumbers,
            quorumThresholdBps: _quorumThresholdBps
        });
        bytes32 taskHash = keccak256(abi.encode(task));
        _taskState[taskId] = bytes32(uint256(taskHash) & HASH_MASK);
        if (msg.value != 0) _state.escrowedFees = st.escrowedFees + uint88(msg.value);
        emit TaskCreated(taskId, taskHash, task, input);
    }

    /// @dev keccak256(abi.encode(task)), hashed straight from calldata: the task's tuple must be canonically
    /// encoded (dynamic fields right after the head, in order), so the bytes hashed are the bytes decoded.
    function _hashTask(Task calldata task) internal pure returns (bytes32 h) {
        (uint256 m, uint256 len) = _copyTask(task);
        assembly ("memory-safe") {
            h := keccak256(m, add(len, 0x20))
        }
    }

    /// @dev Writes abi.encode(task) at the free memory pointer (not allocated) from the tuple in calldata, which must
    /// be canonical (else TaskMismatch); returns where and the tuple's length (the encoding is 0x20 + len bytes).
    function _copyTask(Task calldata task) internal pure returns (uint256 m, uint256 len) {
        bytes4 mismatch = TaskMismatch.selector;
        assembly ("memory-safe") {
            let qlen := calldataload(add(task, 0x180))
            let bOff := add(0x1a0, and(add(qlen, 31), not(31)))
            if or(iszero(eq(calldataload(add(task, 0x140)), 0x180)), iszero(eq(calldataload(add(task, 0x160)), bOff))) {
                mstore(0, mismatch)
                mstore(4, calldataload(task))
                revert(0, 0x24)
            }
            len := add(add(bOff, 0x20), shl(5, calldataload(add(task, bOff))))
            if or(gt(len, calldatasize()), gt(add(task, len), calldatasize())) {
                mstore(0, mismatch)
                mstore(4, calldataload(task))
                revert(0, 0x24)
            }
            m := mload(0x40)
            mstore(m, 0x20)
            calldatacopy(add(m, 0x20), task, len)
        }
    }

    /// @dev tasks[i] without the ABI decoder's checks (the task hash binds every byte that is used).
    function _taskAt(Task[] calldata tasks, uint256 i) internal pure returns (Task calldata task) {
        assembly ("memory-safe") {
            task := add(tasks.offset, calldataload(add(tasks.offset, shl(5, i))))
        }
    }

    /// @dev outputs[i] with one bounds check instead of the ABI decoder's.
    function _outputAt(bytes[] calldata outputs, uint256 i) internal pure returns (bytes calldata output) {
        assembly ("memory-safe") {
            let p := add(outputs.offset, calldataload(add(outputs.offset, shl(5, i))))
            output.length := calldataload(p)
            output.offset := add(p, 0x20)
            if or(gt(output.length, calldatasize()), gt(add(output.offset, output.length), calldatasize())) {
                revert(0, 0)
            }
        }
    }

    /// @dev The batch tree's root over leaf(taskHash, outputHash) of each task (an empty output = outputHash 0),
    /// padded with zero leaves to a power of two; hashes[2i] / hashes[2i+1] = taskHash / outputHash of task i.
    /// Reverts BatchMismatch unless every task has the first one's referenceBlock and quorum configuration.
    function _batchRoot(Task[] calldata tasks, bytes[] calldata outputs)
        internal
        pure
        returns (bytes32 root, bytes32[] memory hashes)
    {
        uint256 n = tasks.length;
        uint256 width = 1;
        while (width < n) width <<= 1;
        bytes32[] memory tree = new bytes32[](width);
        hashes = new bytes32[](2 * n);
        uint256 referenceBlock = tasks[0].referenceBlock;
        bytes32 cfg;
        for (uint256 i; i < n; ++i) {
            bytes32 c = _hashLeaf(_taskAt(tasks, i), _outputAt(outputs, i), referenceBlock, hashes, tree, i);
            if (i == 0) cfg = c;
            else if (c != cfg) revert BatchMismatch();
        }
        assembly ("memory-safe") {
            let p := add(tree, 0x20)
            for { let w := width } gt(w, 1) { w := shr(1, w) } {
                // node j/2 of the next level = keccak(node j, node j+1), in place
                for { let j := 0 } lt(j, w) { j := add(j, 2) } {
                    mstore(add(p, shl(4, j)), keccak256(add(p, shl(5, j)), 0x40))
                }
            }
            root := mload(p)
        }
    }

    /// @dev Task i of a batch: checks its referenceBlock, writes its taskHash and outputHash to hashes[2i..2i+1]
    /// and its leaf to tree[i]; returns the hash of its quorumNumbers and quorumThresholdBps (the tuple's tail
    /// after its 12-word head).
    function _hashLeaf(
        Task calldata task,
        bytes calldata output,
        uint256 referenceBlock,
        bytes32[] memory hashes,
        bytes32[] memory tree,
        uint256 i
    ) internal pure returns (bytes32 cfg) {
        (uint256 m, uint256 len) = _copyTask(task); // canonical: the raw head words are the decoded fields
        bool sameBlock;
        assembly ("memory-safe") {
            sameBlock := eq(calldataload(add(task, 0x80)), referenceBlock)
            let taskHash := keccak256(m, add(len, 0x20))
            cfg := keccak256(add(m, 0x1a0), sub(len, 0x180))
            let outputHash := 0
            if output.length {
                calldatacopy(m, output.offset, output.length)
                outputHash := keccak256(m, output.length)
            }
            let h := add(hashes, shl(6, i))
            mstore(add(h, 0x20), taskHash)
            mstore(add(h, 0x40), outputHash)
            mstore(m, 0)
            mstore(add(m, 1), taskHash)
            mstore(add(m, 0x21), outputHash)
            mstore(add(add(tree, 0x20), shl(5, i)), keccak256(m, 0x41))
        }
        if (!sameBlock) revert BatchMismatch();
    }

    /// @dev Records every non-abstain task of a verified batch that is still pending and within its deadline.
    function _recordBatch(
        Task[] calldata tasks,
        bytes[] calldata outputs,
        bytes32[] memory hashes,
        bytes32 signatoryRecordHash,
        bytes memory stakes
    ) internal returns (uint256 answered, uint256 fees) {
        uint256 n = tasks.length;
        for (uint256 i; i < n; ++i) {
            bytes32 taskHash;
            bytes32 outputHash;
            assembly ("memory-safe") {
                let h := add(hashes, shl(6, i))
                taskHash := mload(add(h, 0x20))
                outputHash := mload(add(h, 0x40))
            }
            if (outputHash == 0) continue; // abstain: stays pending
            Task calldata task = _taskAt(tasks, i);
            if (uint256(_taskState[task.taskId]) != uint256(taskHash) & HASH_MASK) continue; // not pending
            if (block.number > task.deadlineBlock) continue;
            _record(task, taskHash, _outputAt(outputs, i), outputHash, signatoryRecordHash, stakes);
            fees += task.fee;
            ++answered;
        }
    }

    /// @dev Tells the rewards vault (if any) of an accepted response worth `fees` (after everything else).
    function _accrue(
        uint256 gasStart,
        Task calldata task,
        uint256 fees,
        IOperatorRegistryTypes.SignatureCheckResult memory r
    ) internal {
        address vault = rewardsVault;
        if (vault == address(0) || fees == 0) return;
        IRewardsVault(vault).accrue(
            msg.sender, gasStart - gasleft(), msg.data.length, fees, task.quorumNumbers, task.referenceBlock, r.signedStake,
            r.nonSignerIds
        );
    }

    /// @dev abi.encode(signedStake, totalStake): the tail of every TaskResponded of one signature check.
    function _stakes(IOperatorRegistryTypes.SignatureCheckResult memory r) internal pure returns (bytes memory) {
        return abi.encode(r.signedStake, r.totalStake);
    }

    /// @dev The effects of an accepted answer (after every check; the caller releases the escrowed fee): the slot
    /// commitment, the feed, the audit event and the callback. `stakes` is _stakes of the signature check.
    function _record(
        Task calldata task,
        bytes32 taskHash,
        bytes calldata output,
        bytes32 outputHash,
        bytes32 signatoryRecordHash,
        bytes memory stakes
    ) internal {
        uint64 taskId = task.taskId;
        uint256 commitment;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, taskHash)
            mstore(add(m, 0x20), outputHash)
            mstore(add(m, 0x40), signatoryRecordHash)
            commitment := keccak256(m, 0x60)
        }
        _taskState[taskId] = bytes32((block.number << 224) | (commitment & HASH_MASK));
        if (task.feedId != 0) IInferenceFeeds(feeds).recordAnswer(task.feedId, taskId, output);
        // emit TaskResponded(taskId, taskHash, outputHash, output, signedStake, totalStake, signatoryRecordHash),
        // encoded by hand: the stakes' encoding is copied from `stakes` instead of re-encoded for every task
        bytes32 topic = TaskResponded.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            let outLen := output.length
            let padded := and(add(outLen, 31), not(31))
            let offSigned := add(0xc0, padded)
            let stakesLen := sub(mload(stakes), 0x40) // without abi.encode's two offsets
            mstore(m, outputHash)
            mstore(add(m, 0x20), 0xa0)
            mstore(add(m, 0x40), offSigned)
            mstore(add(m, 0x60), add(offSigned, sub(mload(add(stakes, 0x40)), 0x40)))
            mstore(add(m, 0x80), signatoryRecordHash)
            mstore(add(m, add(0xa0, padded)), 0) // zero padding of the output's last word
            mstore(add(m, 0xa0), outLen)
            calldatacopy(add(m, 0xc0), output.offset, outLen)
            mcopy(add(m, offSigned), add(stakes, 0x60), stakesLen)
            log3(m, add(offSigned, stakesLen), topic, taskId, taskHash)
        }
        if (task.callback != address(0)) _callBack(task, output);
    }

    function _leaf(bytes32 taskHash, bytes32 outputHash) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0)
            mstore(add(m, 1), taskHash)
            mstore(add(m, 0x21), outputHash)
            h := keccak256(m, 0x41)
        }
    }

    /// @dev The root `proof` leads to from `leaf`; InvalidBatchProof unless the proof has the shape of leafCount.
    function _rootFromProof(bytes32 leaf, BatchProof calldata proof) internal pure returns (bytes32 h) {
        uint256 count = proof.leafCount;
        uint256 index = proof.leafIndex;
        uint256 depth;
        while ((uint256(1) << depth) < count) ++depth;
        if (count == 0 || count > MAX_BATCH_LEAVES || index >= count || proof.siblings.length != depth) {
            revert InvalidBatchProof();
        }
        h = leaf;
        for (uint256 k; k < depth; ++k) {
            bytes32 s = proof.siblings[k];
            bool right = (index >> k) & 1 == 1;
            assembly ("memory-safe") {
                mstore(xor(0x00, shl(5, right)), h)
                mstore(xor(0x20, shl(5, right)), s)
                h := keccak256(0x00, 0x40)
            }
        }
    }

    /// @dev The batch digest whose root `proof` connects to `leaf`.
    function _proofDigest(uint32 referenceBlock, bytes32 leaf, BatchProof calldata proof)
        internal
        view
        returns (bytes32)
    {
        return _batchDigest(referenceBlock, _rootFromProof(leaf, proof), proof.leafCount);
    }

    function _batchDigest(uint32 referenceBlock, bytes32 batchRoot, uint32 leafCount) internal view returns (bytes32) {
        return keccak256(
            abi.encode(BATCH_TYPEHASH, block.chainid, address(this), referenceBlock, batchRoot, leafCount)
        );
    }

    /// @dev The aggregate signature over `digest` at the task's reference block, and the task's thresholds.
    function _checkQuorum(
        Task calldata task,
        bytes32 digest,
        IOperatorRegistryTypes.NonSignerStakesAndSignature calldata params
    ) internal view returns (IOperatorRegistryTypes.SignatureCheckResult memory r) {
        r = registry.checkSignatures(digest, task.quorumNumbers, task.referenceBlock, params);
        _checkThresholds(task, r);
    }

    function _requirePending(uint64 taskId, bytes32 taskHash) internal view {
        uint256 s = uint256(_taskState[taskId]);
        if (s == uint256(taskHash) & HASH_MASK) return;
        if (s >> 224 == 0) revert TaskMismatch(taskId); // unknown task, or pending with another hash
        (TaskStatus status,) = taskStatus(taskId);
        revert TaskNotPending(taskId, status);
    }

    function _responseDigest(bytes32 taskHash, bytes32 outputHash) internal view returns (bytes32) {
        return keccak256(abi.encode(RESPONSE_TYPEHASH, block.chainid, address(this), taskHash, outputHash));
    }

    function _checkThresholds(Task calldata task, IOperatorRegistryTypes.SignatureCheckResult memory r)
        internal
        pure
    {
        uint256 n = task.quorumNumbers.length;
        for (uint256 i; i < n; ++i) {
            uint96 signed = r.signedStake[i];
            uint96 total = r.totalStake[i];
            uint16 bps = task.quorumThresholdBps[i];
            if (signed == 0 || uint256(signed) * 10_000 < uint256(total) * bps) {
                revert ThresholdNotMet(uint8(task.quorumNumbers[i]), signed, total, bps);
            }
        }
    }

    /// @dev Calls the requester with exactly callbackGasLimit gas (reverting if the 63/64 rule could cut it) and
    /// copies no return data, so neither a revert, an out-of-gas nor a return-data bomb can block the response.
    function _callBack(Task calldata task, bytes calldata output) internal {
        uint256 gasLimit = task.callbackGasLimit;
        uint256 needed = gasLimit + gasLimit / 63 + CALLBACK_RESERVE;
        if (gasleft() < needed) revert InsufficientGasForCallback(gasleft(), needed);
        uint64 taskId = task.taskId;
        address target = task.callback;
        bytes4 selector = IInferenceCallback.onInferenceResult.selector;
        bool ok;
        assembly ("memory-safe") {
            // abi.encodeCall(onInferenceResult, (taskId, output)) at the free memory pointer, not allocated
            let m := mload(0x40)
            let padded := and(add(output.length, 31), not(31))
            mstore(m, selector)
            mstore(add(m, 0x04), taskId)
            mstore(add(m, 0x24), 0x40)
            mstore(add(m, add(0x44, padded)), 0) // zero padding of the output's last word
            mstore(add(m, 0x44), output.length)
            calldatacopy(add(m, 0x64), output.offset, output.length)
            ok := call(gasLimit, target, 0, m, add(0x64, padded), 0, 0)
        }
        emit CallbackResult(taskId, target, ok);
    }

    /// @dev slashDissenter and slashBatchDissenter once the evidence digest (what `operator` signed) is known: the
    /// accepted response and window, the profile, the operator's signature, then the slash.
    function _slashDissent(
        Task calldata task,
        bytes32 taskHash,
        bytes calldata acceptedOutput,
        bytes32 signatoryRecordHash,
        bytes calldata dissentOutput,
        address operator,
        bytes32 digest,
        BN254.G1Point calldata dissentSignature
    ) internal {
        bytes32 dissentHash = keccak256(dissentOutput);
        _checkEvidenceTarget(task.taskId, taskHash, keccak256(acceptedOutput), signatoryRecordHash, dissentHash);
        uint64 slashWad = _slashWadFor(task.modelId, task.referenceBlock + 1, acceptedOutput, dissentOutput);
        bytes32 operatorId = _checkDissentSignature(task.taskId, operator, digest, dissentSignature);
        _slash(task, operator, operatorId, slashWad, dissentHash);
    }

    /// @dev Checks that the task was responded with acceptedHash/signatoryRecordHash, that the challenge window is
    /// open and that the dissent is a different output.
    function _checkEvidenceTarget(
        uint64 taskId,
        bytes32 taskHash,
        bytes32 acceptedHash,
        bytes32 signatoryRecordHash,
        bytes32 dissentHash
    ) internal view {
        (TaskStatus status, uint32 respondedBlock) = taskStatus(taskId);
        if (status != TaskStatus.Responded) revert TaskNotResponded(taskId, status);
        uint256 commitment = uint256(keccak256(abi.encode(taskHash, acceptedHash, signatoryRecordHash))) & HASH_MASK;
        if (uint256(_taskState[taskId]) & HASH_MASK != commitment) revert ResponseMismatch(taskId);
        uint256 lastBlock = uint256(respondedBlock) + challengeWindowOf(taskId);
        if (block.number > lastBlock) revert ChallengeWindowClosed(taskId, lastBlock);
        if (dissentHash == acceptedHash) revert SameOutput();
    }

    /// @dev The model's slashWad at the task's creation block, if this pair of outputs is slashable under the
    /// model's profile.
    function _slashWadFor(
        bytes32 modelId,
        uint32 createdBlock,
        bytes calldata acceptedOutput,
        bytes calldata dissentOutput
    ) internal view returns (uint64) {
        (, IModelRegistry.Profile profile, uint32 tolerance,,) = models.modelTerms(modelId);
        uint64 slashWad = models.slashWadAt(modelId, createdBlock);
        if (slashWad == 0) revert SlashingDisabled(modelId);
        if (profile == IModelRegistry.Profile.Tolerant && !_beyondTolerance(acceptedOutput, dissentOutput, tolerance))
        {
            revert NotSlashable();
        }
        return slashWad;
    }

    /// @dev Verifies the operator's single signature over `digest` with its registered pkG2 and marks the
    /// (task, operator) pair as slashed.
    function _checkDissentSignature(
        uint64 taskId,
        address operator,
        bytes32 digest,
        BN254.G1Point calldata signature
    ) internal returns (bytes32 operatorId) {
        bytes32 key = keccak256(abi.encode(taskId, operator));
        if (_slashed[key]) revert AlreadySlashed(taskId, operator);
        bool valid;
        (operatorId, valid) = registry.verifyOperatorSignature(operator, digest, signature);
        if (operatorId == bytes32(0)) revert UnknownOperator(operator);
        if (!valid) revert InvalidDissentSignature();
        _slashed[key] = true;
    }

    function _slash(Task calldata task, address operator, bytes32 operatorId, uint64 slashWad, bytes32 dissentHash)
        internal
    {
        bytes memory slashedIn = _slashInQuorums(task, operator, operatorId, slashWad);
        if (slashedIn.length == 0) revert NoSlashableStake();
        address[] memory ops = new address[](1);
        ops[0] = operator;
        registry.updateOperators(ops);
        emit DissenterSlashed(task.taskId, operator, operatorId, dissentHash, slashedIn, slashWad);
    }

    function _slashInQuorums(Task calldata task, address operator, bytes32 operatorId, uint64 slashWad)
        internal
        returns (bytes memory slashedIn)
    {
        for (uint256 i; i < task.quorumNumbers.length; ++i) {
            uint8 quorum = uint8(task.quorumNumbers[i]);
            (bool member, uint96 stake) = registry.getOperatorStakeAt(operatorId, quorum, task.referenceBlock);
            if (!member || stake == 0) continue;
            if (!allocationManager.isOperatorSlashable(operator, OperatorSet(address(this), quorum))) continue;
            // a slash counts only where shares were taken (a completed deallocation leaves nothing to take)
            if (_slashOne(operator, quorum, slashWad)) slashedIn = bytes.concat(slashedIn, bytes1(quorum));
        }
    }

    /// @dev slashOperator in one quorum; true when some strategy's shares were taken.
    function _slashOne(address operator, uint8 quorum, uint64 slashWad) internal returns (bool took) {
        IOperatorRegistryTypes.StrategyParams[] memory sp = registry.quorumStrategies(quorum);
        IStrategy[] memory strategies = new IStrategy[](sp.length);
        uint256[] memory wads = new uint256[](sp.length);
        for (uint256 j; j < sp.length; ++j) {
            strategies[j] = sp[j].strategy;
            wads[j] = slashWad;
        }
        (, uint256[] memory shares) = allocationManager.slashOperator(
            address(this),
            IAllocationManagerTypes.SlashingParams({
                operator: operator,
                operatorSetId: quorum,
                strategies: strategies,
                wadsToSlash: wads,
                description: SLASH_DESCRIPTION
            })
        );
        for (uint256 j; j < shares.length; ++j) {
            if (shares[j] != 0) return true;
        }
    }

    /// @dev Tolerant profile: a different length, a different header, a body that is not whole int32s, or some
    /// int32 LE element that differs by more than tolerance (an honest output always has the accepted shape).
    function _beyondTolerance(bytes calldata a, bytes calldata b, uint32 tolerance) internal pure returns (bool) {
        uint256 len = a.length;
        if (len != b.length || len < OUTPUT_HEADER_BYTES || (len - OUTPUT_HEADER_BYTES) % 4 != 0) return true;
        if (bytes5(a[:OUTPUT_HEADER_BYTES]) != bytes5(b[:OUTPUT_HEADER_BYTES])) return true;
        for (uint256 o = OUTPUT_HEADER_BYTES; o + 4 <= len; o += 4) {
            int256 x = _int32At(a, o);
            int256 y = _int32At(b, o);
            uint256 d = x > y ? uint256(x - y) : uint256(y - x);
            if (d > tolerance) return true;
        }
        return false;
    }

    /// @dev The little-endian int32 at data[offset .. offset+4]; the caller keeps offset + 4 <= data.length.
    function _int32At(bytes calldata data, uint256 offset) internal pure returns (int256 v) {
        uint256 w;
        assembly ("memory-safe") {
            w := shr(224, calldataload(add(data.offset, offset)))
        }
        // w holds the 4 bytes big-endian; swap to little-endian and sign-extend
        w = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >> 8) & 0xff00) | (w >> 24);
        v = int256(int32(uint32(w)));
    }
}
