// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {DevnetCoreFixture} from "../../utils/DevnetCoreFixture.sol";
import {Vm} from "../../utils/Vm.sol";
import {BN254} from "../../../src/avs/libraries/BN254.sol";
import {BN254G2} from "./BN254G2.sol";
import {ModelRegistry} from "../../../src/avs/ModelRegistry.sol";
import {OperatorRegistry} from "../../../src/avs/OperatorRegistry.sol";
import {InferenceOracle} from "../../../src/avs/InferenceOracle.sol";
import {InferenceFeeds} from "../../../src/avs/InferenceFeeds.sol";
import {IModelRegistry} from "../../../src/interfaces/IModelRegistry.sol";
import {IOperatorRegistryTypes} from "../../../src/interfaces/IOperatorRegistry.sol";
import {IInferenceOracleTypes} from "../../../src/interfaces/IInferenceOracle.sol";
import {IStrategy} from "../../../src/interfaces/eigenlayer/IStrategy.sol";
import {OperatorSet} from "../../../src/interfaces/eigenlayer/OperatorSetLib.sol";

/// @notice A whole AVS on the devnet core for tests: ModelRegistry, OperatorRegistry, InferenceOracle and
/// InferenceFeeds wired as in a deployment, quorum 0 (and optionally quorum 1) over the default strategy, and
/// operators with real BLS keys (secret keys derived from their index, pkG2 computed by BN254G2) registered
/// through AllocationManager.registerForOperatorSets with a proof of possession.
abstract contract AvsFixture is DevnetCoreFixture, IInferenceOracleTypes, IOperatorRegistryTypes {
    uint32 internal constant DEALLOCATION_DELAY = 5;
    uint32 internal constant RESPONSE_WINDOW = 20;
    uint32 internal constant CHALLENGE_WINDOW = 50;
    uint32 internal constant MAX_STALE = 30;
    uint96 internal constant MIN_STAKE = 1 ether;
    uint96 internal constant FEE = 0.01 ether;
    uint64 internal constant SLASH_WAD = 0.1e18;
    uint32 internal constant TOLERANCE = 3;
    bytes32 internal constant MODEL_EXACT = keccak256("exact-model@1.0.0");
    bytes32 internal constant MODEL_TOLERANT = keccak256("tolerant-model@1.0.0");

    ModelRegistry internal models;
    OperatorRegistry internal registry;
    InferenceOracle internal oracle;
    InferenceFeeds internal feeds;
    address internal requester = address(0xBEEF);

    /// @dev Operator i: address, secret key, keys.
    address[] internal ops;
    uint256[] internal sks;
    mapping(address => uint256) internal skOf;
    mapping(address => BN254.G1Point) internal pkOf;
    mapping(address => BN254.G2Point) internal pk2Of;

    function _deployAvs() internal {
        _deployAvsWithDelay(DEALLOCATION_DELAY);
    }

    /// @dev The same AVS on a core with another DEALLOCATION_DELAY.
    function _deployAvsWithDelay(uint32 deallocationDelay) internal {
        _deployDevnetCore(deallocationDelay, 0);
        models = new ModelRegistry(address(this));
        registry = new OperatorRegistry(allocationManager, address(this));
        oracle = new InferenceOracle(
            allocationManager,
            registry,
            models,
            address(this),
            Config({
                responseWindow: RESPONSE_WINDOW,
                challengeWindow: CHALLENGE_WINDOW,
                maxStaleBlocks: MAX_STALE,
                maxInputBytes: 4096,
                maxCallbackGas: 1_000_000
            })
        );
        registry.setAvs(address(oracle));
        oracle.setupAvs("ipfs://aioracle-avs");
        feeds = new InferenceFeeds(oracle, models, address(this));
        oracle.setFeeds(address(feeds));
        oracle.createQuorum(0, MIN_STAKE, 64, _strategyParams(1e18));
        _registerModel(MODEL_EXACT, IModelRegistry.Profile.ExactInt, 0);
        _registerModel(MODEL_TOLERANT, IModelRegistry.Profile.Tolerant, TOLERANCE);
        vm.deal(requester, 100 ether);
        vm.label(address(oracle), "InferenceOracle");
        vm.label(address(registry), "OperatorRegistry");
    }

    function _registerModel(bytes32 id, IModelRegistry.Profile profile, uint32 tolerance) internal {
        models.registerModel(
            id,
            IModelRegistry.Model({
                manifestHash: keccak256(abi.encode("manifest", id)),
                onnxHash: sha256(abi.encode("onnx", id)),
                uri: "ipfs://model",
                profile: profile,
                tolerance: tolerance,
                fee: FEE,
                slashWad: SLASH_WAD,
                active: true
            })
        );
    }

    function _strategyParams(uint96 multiplier) internal view returns (StrategyParams[] memory sp) {
        sp = new StrategyParams[](1);
        sp[0] = StrategyParams(IStrategy(address(strategy)), multiplier);
    }

    function _useQuorums(bytes memory quorumNumbers, uint16[] memory bps) internal {
        oracle.setQuorumConfig(quorumNumbers, bps);
    }

    function _bps1(uint16 a) internal pure returns (uint16[] memory b) {
        b = new uint16[](1);
        b[0] = a;
    }

    function _bps2(uint16 a, uint16 c) internal pure returns (uint16[] memory b) {
        b = new uint16[](2);
        b[0] = a;
        b[1] = c;
    }

    // ---- keys ----

    function _sk(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("aioracle-test-operator", i))) % BN254.FR_MODULUS;
    }

    function _pkG1(uint256 sk) internal view returns (BN254.G1Point memory) {
        return BN254.scalarMul(BN254.generatorG1(), sk);
    }

    /// @dev Registration data with a valid proof of possession for `operator`.
    function _registrationData(address operator, uint256 sk) internal view returns (bytes memory) {
        BN254.G1Point memory sig = BN254.scalarMul(registry.pubkeyRegistrationMessageHash(operator), sk);
        return abi.encode(PubkeyRegistrationParams(sig, _pkG1(sk), BN254G2.mulGenerator(sk)));
    }

    /// @dev Creates operator i with `stake` deposited, allocates `magnitude` to each of `quorums` and registers.
    function _addOperator(uint256 i, uint256 stake, uint32[] memory quorums, uint64 magnitude)
        internal
        returns (address op)
    {
        op = address(uint160(0x10000 + i));
        _addOperatorAt(op, i, stake, quorums, magnitude);
    }

    /// @dev Operator i's keys at address `op` (any address; _addOperator's are ascending): `stake` deposited,
    /// `magnitude` allocated to each of `quorums`, registered with a valid proof of possession.
    function _addOperatorAt(address op, uint256 i, uint256 stake, uint32[] memory quorums, uint64 magnitude) internal {
        uint256 sk = _sk(i);
        _registerOperator(op, 0, stake);
        for (uint256 q; q < quorums.length; ++q) {
            _allocate(op, OperatorSet(address(oracle), quorums[q]), strategy, magnitude);
        }
        _registerForSets(op, address(oracle), quorums, _registrationData(op, sk));
        ops.push(op);
        sks.push(sk);
        skOf[op] = sk;
        pkOf[op] = _pkG1(sk);
        (,, BN254.G2Point memory p2) = registry.getOperatorPubkeys(op);
        pk2Of[op] = p2;
    }

    function _ids(uint32 a) internal pure returns (uint32[] memory r) {
        r = new uint32[](1);
        r[0] = a;
    }

    function _ids2(uint32 a, uint32 b) internal pure returns (uint32[] memory r) {
        r = new uint32[](2);
        r[0] = a;
        r[1] = b;
    }

    // ---- tasks ----

    /// @dev Requests an inference as `requester` and returns the task decoded from TaskCreated.
    function _request(bytes32 modelId, bytes memory input, address callback, uint32 gasLimit)
        internal
        returns (Task memory task)
    {
        vm.recordLogs();
        vm.prank(requester);
        oracle.requestInference{value: FEE}(modelId, input, callback, gasLimit);
        task = _lastTask();
    }

    function _lastTask() internal returns (Task memory task) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 sig = keccak256(
            "TaskCreated(uint64,bytes32,(uint64,bytes32,address,bytes32,uint32,uint32,uint96,address,uint32,uint64,bytes,uint16[]),bytes)"
        );
        for (uint256 i = logs.length; i > 0; --i) {
            if (logs[i - 1].emitter == address(oracle) && logs[i - 1].topics[0] == sig) {
                (task,) = abi.decode(logs[i - 1].data, (Task, bytes));
                return task;
            }
        }
        revert("no TaskCreated");
    }

    function _taskHash(Task memory task) internal pure returns (bytes32) {
        return keccak256(abi.encode(task));
    }

    function _digest(Task memory task, bytes memory output) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("AIOracleResponse(uint256 chainId,address oracle,bytes32 taskHash,bytes32 outputHash)"),
                block.chainid,
                address(oracle),
                _taskHash(task),
                keccak256(output)
            )
        );
    }

    /// @dev A canonical output: header (0x01, batch 1 LE) + int32 LE values.
    function _output(int32[] memory values) internal pure returns (bytes memory out) {
        out = abi.encodePacked(uint8(1), uint32(0x01000000));
        for (uint256 i; i < values.length; ++i) {
            uint32 v = uint32(values[i]);
            out = abi.encodePacked(out, uint8(v), uint8(v >> 8), uint8(v >> 16), uint8(v >> 24));
        }
    }

    function _vals(int32 a, int32 b, int32 c) internal pure returns (int32[] memory v) {
        v = new int32[](3);
        v[0] = a;
        v[1] = b;
        v[2] = c;
    }

    /// @dev Signs `digest` by every operator in `signers` (EigenLayer multiplicity: once per task quorum it is a
    /// member of at the reference block) and lists as non-signers every other member of the task's quorums,
    /// sorted by operatorId.
    function _sign(Task memory task, bytes32 digest, bool[] memory signs)
        internal
        view
        returns (NonSignerStakesAndSignature memory p)
    {
        uint256 skSum;
        uint256 n = ops.length;
        BN254.G1Point[] memory nonSigners = new BN254.G1Point[](n);
        uint256 nn;
        for (uint256 i; i < n; ++i) {
            uint256 memberships = _memberships(task, ops[i]);
            if (memberships == 0) continue;
            if (signs[i]) {
                skSum = addmod(skSum, mulmod(sks[i], memberships, BN254.FR_MODULUS), BN254.FR_MODULUS);
            } else {
                nonSigners[nn++] = pkOf[ops[i]];
            }
        }
        p.nonSignerPubkeys = _sortById(nonSigners, nn);
        p.sigma = BN254.scalarMul(BN254.hashToG1(digest), skSum);
        if (skSum != 0) p.apkG2 = BN254G2.mulGenerator(skSum);
    }

    function _memberships(Task memory task, address op) internal view returns (uint256 m) {
        bytes32 id = registry.operatorIdOf(op);
        for (uint256 q; q < task.quorumNumbers.length; ++q) {
            (bool member,) = registry.getOperatorStakeAt(id, uint8(task.quorumNumbers[q]), task.referenceBlock);
            if (member) ++m;
        }
    }

    function _sortById(BN254.G1Point[] memory pts, uint256 n) internal pure returns (BN254.G1Point[] memory out) {
        out = new BN254.G1Point[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = pts[i];
        }
        for (uint256 i = 1; i < n; ++i) {
            BN254.G1Point memory key = out[i];
            uint256 kid = uint256(BN254.hashG1(key));
            uint256 j = i;
            while (j > 0 && uint256(BN254.hashG1(out[j - 1])) > kid) {
                out[j] = out[j - 1];
                --j;
            }
            out[j] = key;
        }
    }

    function _all(bool v) internal view returns (bool[] memory s) {
        s = new bool[](ops.length);
        for (uint256 i; i < s.length; ++i) {
            s[i] = v;
        }
    }

    // ---- batches (docs/protocol.md "Batch attestation"), written independently of the contract ----

    function _leaf(Task memory task, bytes memory output) internal pure returns (bytes32) {
        bytes32 outputHash = output.length == 0 ? bytes32(0) : keccak256(output);
        return keccak256(abi.encodePacked(uint8(0), _taskHash(task), outputHash));
    }

    function _leaves(Task[] memory tasks, bytes[] memory outputs) internal pure returns (bytes32[] memory l) {
        l = new bytes32[](tasks.length);
        for (uint256 i; i < tasks.length; ++i) {
            l[i] = _leaf(tasks[i], outputs[i]);
        }
    }

    function _depth(uint256 n) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < n) ++d;
    }

    /// @dev Level 0 padded with zero leaves to 2^depth.
    function _padded(bytes32[] memory leaves) internal pure returns (bytes32[] memory level) {
        level = new bytes32[](uint256(1) << _depth(leaves.length));
        for (uint256 i; i < leaves.length; ++i) {
            level[i] = leaves[i];
        }
    }

    function _up(bytes32[] memory level) internal pure returns (bytes32[] memory next) {
        next = new bytes32[](level.length / 2);
        for (uint256 j; j < next.length; ++j) {
            next[j] = keccak256(abi.encodePacked(level[2 * j], level[2 * j + 1]));
        }
    }

    function _root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = _padded(leaves);
        while (level.length > 1) level = _up(level);
        return level[0];
    }

    function _proof(bytes32[] memory leaves, uint256 index) internal pure returns (BatchProof memory p) {
        bytes32[] memory level = _padded(leaves);
        p.leafCount = uint32(leaves.length);
        p.leafIndex = uint32(index);
        p.siblings = new bytes32[](_depth(leaves.length));
        for (uint256 k; k < p.siblings.length; ++k) {
            p.siblings[k] = level[index ^ 1];
            index >>= 1;
            level = _up(level);
        }
    }

    function _batchDigestOf(uint32 referenceBlock, bytes32 root, uint256 leafCount) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "AIOracleBatch(uint256 chainId,address oracle,uint32 referenceBlock,bytes32 batchRoot,uint32 leafCount)"
                ),
                block.chainid,
                address(oracle),
                referenceBlock,
                root,
                uint32(leafCount)
            )
        );
    }

    function _batchDigest(Task[] memory tasks, bytes[] memory outputs) internal view returns (bytes32) {
        return _batchDigestOf(tasks[0].referenceBlock, _root(_leaves(tasks, outputs)), tasks.length);
    }

    /// @dev The aggregate over the batch digest of (tasks, outputs) by `signs` (as _sign, for tasks[0]'s quorums).
    function _signBatch(Task[] memory tasks, bytes[] memory outputs, bool[] memory signs)
        internal
        view
        returns (NonSignerStakesAndSignature memory)
    {
        return _sign(tasks[0], _batchDigest(tasks, outputs), signs);
    }

    /// @dev signatoryRecordHash of `p` for a task at `referenceBlock`.
    function _srh(uint32 referenceBlock, NonSignerStakesAndSignature memory p) internal pure returns (bytes32) {
        bytes32[] memory ids = new bytes32[](p.nonSignerPubkeys.length);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = BN254.hashG1(p.nonSignerPubkeys[i]);
        }
        return keccak256(abi.encodePacked(referenceBlock, ids));
    }

    /// @dev Single BLS signature of operator `op` over `digest`.
    function _signOne(address op, bytes32 digest) internal view returns (BN254.G1Point memory) {
        return BN254.scalarMul(BN254.hashToG1(digest), skOf[op]);
    }
}
