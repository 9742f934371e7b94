// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {NoopConsumer} from "./utils/Consumers.sol";
import {IInputSource} from "../../src/interfaces/IInputSource.sol";

/// @notice Logs what respondToTask costs with 0, 1 and 10 non-signers (one quorum, 16 operators, no callback, no
/// feed), as numbers, not assertions. The tasks and signed calldata are prepared in setUp, so the oracle's and
/// the registry's storage is cold in each test, as in a real transaction. Reported: `execution` (gas spent by the
/// call, measured with gasleft, less the 2,600 a top-level transaction does not pay to reach a cold account) and
/// `calldata` (EIP-2028 calldata gas); a transaction costs 21,000 + calldata + execution.
/// Run: forge test --match-contract RespondGasTest -vv (the numbers appear as logs and in GasReport events).
contract RespondGasTest is AvsFixture {
    uint256 internal constant N = 32; // 10 non-signers leave 22/32 >= the 66.67% floor

    event GasReport(uint256 nonSigners, uint256 execution, uint256 calldataGas, uint256 total);

    bytes[3] internal calls;

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < N; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
        uint256[3] memory nonSigners = [uint256(0), 1, 10];
        for (uint256 k; k < 3; ++k) {
            Task memory task = _request(MODEL_EXACT, hex"0100000001000000070000002a000000", address(0), 0);
            bytes memory out = _output(_vals(1, 2, 3));
            bool[] memory signs = _all(true);
            for (uint256 j; j < nonSigners[k]; ++j) {
                signs[j] = false;
            }
            NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), signs);
            calls[k] = abi.encodeCall(oracle.respondToTask, (task, out, p));
        }
        vm.roll(block.number + 1);
    }

    function _measure(uint256 k, uint256 nonSigners) internal {
        bytes memory data = calls[k];
        uint256 calldataGas;
        for (uint256 i; i < data.length; ++i) {
            calldataGas += data[i] == 0 ? 4 : 16;
        }
        address target = address(oracle);
        uint256 g = gasleft();
        (bool ok,) = target.call(data);
        g = g - gasleft();
        assertTrue(ok, "respondToTask succeeded");
        uint256 execution = g - 2600;
        uint256 total = 21_000 + calldataGas + execution;
        emit GasReport(nonSigners, execution, calldataGas, total);
        _log("respondToTask non-signers", nonSigners);
        _log("  execution gas", execution);
        _log("  calldata gas", calldataGas);
        _log("  transaction gas (21000 + calldata + execution)", total);
    }

    function _log(string memory label, uint256 v) internal pure {
        // forge's console (hardhat console.log ABI), without forge-std
        bytes memory payload = abi.encodeWithSignature("log(string,uint256)", label, v);
        address console = 0x000000000000000000636F6e736F6c652e6c6f67;
        function(bytes memory) internal view f = _sendLog;
        function(bytes memory) internal pure pf;
        assembly {
            pf := f
        }
        pf(payload);
        console;
    }

    function _sendLog(bytes memory payload) internal view {
        address console = 0x000000000000000000636F6e736F6c652e6c6f67;
        assembly {
            pop(staticcall(gas(), console, add(payload, 32), mload(payload), 0, 0))
        }
    }

    function test_gas_respond_0_nonSigners() public {
        _measure(0, 0);
    }

    function test_gas_respond_1_nonSigner() public {
        _measure(1, 1);
    }

    function test_gas_respond_10_nonSigners() public {
        _measure(2, 10);
    }
}

/// @notice Logs what respondToBatch costs per task (whole transaction / tasks) at 1, 10, 50, 100 and 200 tasks, in
/// three shapes: `callbacks` (the first task is a feed round, every other task has a no-op callback), `feeds` (every
/// task is a round of one feed; feed tasks have no callback) and `plain` (no callback, no feed: the shape of
/// RespondGasTest). Also respondToTask for one task of each shape, for comparison. One quorum, 16 operators, all
/// signing. Tasks and calldata are prepared in setUp (cold storage in each test). Numbers, not assertions, except
/// the target of <= 25,000 per task at 100 tasks (callbacks and plain shapes). A batch digest's hashToG1 takes a
/// digest-dependent number of tries (~1,900 gas each), so single figures vary by a few thousand gas.
/// Run: forge test --match-contract BatchGasTest -vv
contract BatchGasTest is AvsFixture {
    uint256 internal constant N = 16;
    uint256 internal constant PLAIN = 0;
    uint256 internal constant CALLBACKS = 1;
    uint256 internal constant FEEDS = 2;

    event BatchGasReport(uint256 shape, uint256 tasks, uint256 total, uint256 perTask);

    NoopConsumer internal consumer;
    uint64 internal feedId;
    /// @dev calls[shape][size index]; single[shape] = respondToTask of one task of that shape.
    mapping(uint256 => mapping(uint256 => bytes)) internal calls;
    mapping(uint256 => bytes) internal single;
    uint256[5] internal sizes = [uint256(1), 10, 50, 100, 200];

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < N; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        consumer = new NoopConsumer();
        (feedId,) = feeds.createFeed(MODEL_EXACT, hex"0100000001000000070000002a000000", IInputSource(address(0)), 8, 1, 3600, "bench");
        vm.deal(address(this), 1000 ether);
        vm.roll(block.number + 1);
        for (uint256 shape; shape < 3; ++shape) {
            for (uint256 k; k < sizes.length; ++k) {
                Task[] memory tasks = _make(shape, sizes[k]);
                bytes[] memory outs = new bytes[](tasks.length);
                for (uint256 i; i < tasks.length; ++i) {
                    outs[i] = _output(_vals(1, int32(int256(i)), 3));
                }
                vm.roll(block.number + 1);
                calls[shape][k] = abi.encodeCall(oracle.respondToBatch, (tasks, outs, _signBatch(tasks, outs, _all(true))));
            }
            Task[] memory one = _make(shape, 1);
            bytes memory out = _output(_vals(1, 2, 3));
            vm.roll(block.number + 1);
            single[shape] = abi.encodeCall(oracle.respondToTask, (one[0], out, _sign(one[0], _digest(one[0], out), _all(true))));
        }
        vm.roll(block.number + 1);
    }

    /// @dev `n` tasks of `shape` created in the current block.
    function _make(uint256 shape, uint256 n) internal returns (Task[] memory tasks) {
        tasks = new Task[](n);
        for (uint256 i; i < n; ++i) {
            bool feed = shape == FEEDS || (shape == CALLBACKS && i == 0);
            if (feed) {
                vm.recordLogs();
                feeds.requestFeedRound{value: FEE}(feedId);
                tasks[i] = _lastTask();
            } else {
                bytes memory input = abi.encodePacked(hex"0100000001000000", uint32(i), uint32(shape));
                tasks[i] = _request(MODEL_EXACT, input, shape == CALLBACKS ? address(consumer) : address(0), shape == CALLBACKS ? 50_000 : 0);
            }
        }
    }

    function _txGas(bytes memory data) internal returns (uint256) {
        // a new transaction: every account the response touches is cold
        vm.cool(address(oracle));
        vm.cool(address(registry));
        vm.cool(address(feeds));
        vm.cool(address(consumer));
        uint256 calldataGas;
        for (uint256 i; i < data.length; ++i) {
            calldataGas += data[i] == 0 ? 4 : 16;
        }
        address target = address(oracle);
        uint256 g = gasleft();
        (bool ok, bytes memory ret) = target.call(data);
        g = g - gasleft();
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        _log("  calldata gas", calldataGas);
        return 21_000 + calldataGas + g - 2600;
    }

    function _measure(uint256 shape, uint256 k) internal returns (uint256 perTask) {
        uint256 total = _txGas(calls[shape][k]);
        perTask = total / sizes[k];
        emit BatchGasReport(shape, sizes[k], total, perTask);
        _log(string.concat("respondToBatch shape ", vm.toString(shape), " tasks"), sizes[k]);
        _log("  transaction gas", total);
        _log("  per task", perTask);
    }

    function _log(string memory label, uint256 v) internal view {
        bytes memory payload = abi.encodeWithSignature("log(string,uint256)", label, v);
        address console = 0x000000000000000000636F6e736F6c652e6c6f67;
        assembly {
            pop(staticcall(gas(), console, add(payload, 32), mload(payload), 0, 0))
        }
    }

    function _single(uint256 shape) internal returns (uint256 total) {
        total = _txGas(single[shape]);
        _log(string.concat("respondToTask shape ", vm.toString(shape)), total);
    }

    function test_gas_batch_plain() public {
        for (uint256 k; k < sizes.length; ++k) {
            uint256 per = _measure(PLAIN, k);
            if (sizes[k] == 100) assertLe(per, 25_000, "plain: <= 25,000 per task at 100");
        }
    }

    function test_gas_batch_callbacks() public {
        for (uint256 k; k < sizes.length; ++k) {
            uint256 per = _measure(CALLBACKS, k);
            if (sizes[k] == 100) assertLe(per, 25_000, "callbacks: <= 25,000 per task at 100");
        }
    }

    function test_gas_batch_feeds() public {
        for (uint256 k; k < sizes.length; ++k) {
            _measure(FEEDS, k);
        }
    }

    /// @dev respondToTask of one task of each shape, each measured first in its own test (a second measurement in
    /// the same test finds slots already written and pays less). Compare with the 1-task rows above.
    function test_gas_single_plain() public {
        _single(PLAIN);
    }

    function test_gas_single_callback() public {
        _single(CALLBACKS);
    }

    function test_gas_single_feed() public {
        _single(FEEDS);
    }
}
