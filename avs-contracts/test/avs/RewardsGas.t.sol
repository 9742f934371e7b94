// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RewardsFixture} from "./utils/RewardsFixture.sol";

/// @notice What the rewards accounting adds to respondToTask and respondToBatch, and what a rewards submission costs,
/// as numbers (logs and GasReport events), measured in one world with the RewardsVault attached and detached
/// (`oracle.setRewardsVault(address(0))`: the oracle as before issue 13). One quorum, 32 operators of equal stake,
/// submitter paying 1 gwei (so the gas refund is written), steady state: one task was answered in setUp, so the
/// vault's slots are not new. Storage is cold in each test, as in a real transaction.
/// Run: forge test --match-contract RewardsGasTest -vv
contract RewardsGasTest is RewardsFixture {
    uint256 internal constant N = 32;
    address internal constant AGG = address(0xA66);

    event GasReport(string what, uint256 value);

    bytes[3] internal calls;
    bytes internal batchCall;
    uint256 internal constant BATCH = 100;

    function setUp() public {
        _deployAvs();
        _deployRewards();
        for (uint256 i; i < N; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
        // warm-up: the vault's accumulator, the submitter's refund and the positions are non-zero from now on
        Task memory w = _request(MODEL_EXACT, hex"0100000001000000070000002a0000ff", address(0), 0);
        vm.roll(block.number + 1);
        bool[] memory signs = _all(true);
        signs[0] = false;
        _answer(w, signs, AGG, 1 gwei);
        uint256[3] memory nonSigners = [uint256(0), 1, 10];
        for (uint256 k; k < 3; ++k) {
            Task memory task = _request(MODEL_EXACT, abi.encodePacked(hex"0100000001000000070000002a0000", uint8(k)), address(0), 0);
            bytes memory out = _output(_vals(1, 2, 3));
            signs = _all(true);
            for (uint256 j; j < nonSigners[k]; ++j) {
                signs[j] = false;
            }
            calls[k] = abi.encodeCall(oracle.respondToTask, (task, out, _sign(task, _digest(task, out), signs)));
        }
        vm.roll(block.number + 1);
        Task[] memory tasks = new Task[](BATCH);
        bytes[] memory outs = new bytes[](BATCH);
        for (uint256 i; i < BATCH; ++i) {
            tasks[i] = _request(MODEL_EXACT, abi.encodePacked(hex"01000000", uint16(i)), address(0), 0);
            outs[i] = _output(_vals(int32(int256(i)), 2, 3));
        }
        vm.roll(block.number + 1);
        batchCall = abi.encodeCall(oracle.respondToBatch, (tasks, outs, _signBatch(tasks, outs, _all(true))));
    }

    /// @dev Whole-transaction gas of `data` sent to the oracle by AGG at 1 gwei: 21,000 + calldata + execution.
    function _tx(bytes memory data) internal returns (uint256 total) {
        uint256 calldataGas;
        for (uint256 i; i < data.length; ++i) {
            calldataGas += data[i] == 0 ? 4 : 16;
        }
        address target = address(oracle);
        vm.txGasPrice(1 gwei);
        vm.prank(AGG, AGG);
        uint256 g = gasleft();
        (bool ok,) = target.call(data);
        g = g - gasleft();
        assertTrue(ok, "call succeeded");
        total = 21_000 + calldataGas + g - 2600;
    }

    function _report(string memory what, uint256 value) internal {
        emit GasReport(what, value);
        bytes memory payload = abi.encodeWithSignature("log(string,uint256)", what, value);
        address console = 0x000000000000000000636F6e736F6c652e6c6f67;
        (bool ok,) = console.staticcall(payload);
        ok;
    }

    function test_gas_respond_withVault() public {
        _report("respondToTask 0 non-signers, vault", _tx(calls[0]));
    }

    function test_gas_respond_withoutVault() public {
        oracle.setRewardsVault(address(0));
        _report("respondToTask 0 non-signers, no vault", _tx(calls[0]));
    }

    function test_gas_respond1_withVault() public {
        _report("respondToTask 1 non-signer, vault", _tx(calls[1]));
    }

    function test_gas_respond1_withoutVault() public {
        oracle.setRewardsVault(address(0));
        _report("respondToTask 1 non-signer, no vault", _tx(calls[1]));
    }

    function test_gas_respond10_withVault() public {
        _report("respondToTask 10 non-signers, vault", _tx(calls[2]));
    }

    function test_gas_respond10_withoutVault() public {
        oracle.setRewardsVault(address(0));
        _report("respondToTask 10 non-signers, no vault", _tx(calls[2]));
    }

    function test_gas_batch100_withVault() public {
        _report("respondToBatch 100 tasks per task, vault", _tx(batchCall) / BATCH);
    }

    function test_gas_batch100_withoutVault() public {
        oracle.setRewardsVault(address(0));
        _report("respondToBatch 100 tasks per task, no vault", _tx(batchCall) / BATCH);
    }

    /// @dev Stakes of `k` signers (operators 20..20+k-1) change after the tasks' reference block: respondToTask then
    /// takes the vault's late path (the change log read, each changer's stake at the reference block from the
    /// registry, its snapshot and credit written).
    function _changeStakes(uint256 k) internal {
        address[] memory moved = new address[](k);
        for (uint256 i; i < k; ++i) {
            moved[i] = ops[20 + i];
            _deposit(moved[i], strategy, 1 ether);
        }
        registry.updateOperators(moved);
        vm.roll(block.number + 1);
        vm.cool(address(vault));
        vm.cool(address(registry));
        vm.cool(address(oracle));
    }

    function test_gas_respond_late1_withVault() public {
        _changeStakes(1);
        _report("respondToTask 0 non-signers, in flight across 1 stake change, vault", _tx(calls[0]));
    }

    function test_gas_respond_late10_withVault() public {
        _changeStakes(10);
        _report("respondToTask 0 non-signers, in flight across 10 stake changes, vault", _tx(calls[0]));
    }

    function test_gas_batch100_late1_withVault() public {
        _changeStakes(1);
        _report("respondToBatch 100 tasks per task, in flight across 1 stake change, vault", _tx(batchCall) / BATCH);
    }

    /// @dev A first submission (creates the per-operator slots), the batch accrued, the next interval open, and the
    /// contracts' storage cold again: what a steady-state submission finds.
    function _steadyStateRound() internal {
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        vault.submitRewards(); // the warm-up task: creates the per-operator slots
        _tx(batchCall);
        vm.warp(block.timestamp + INTERVAL);
        vm.cool(address(vault));
        vm.cool(address(rc));
        vm.cool(address(weth));
        vm.cool(address(oracle));
    }

    /// @dev One page of 8 operators of the 32 (steady state, as below).
    function test_gas_submitRewardsPage8() public {
        _steadyStateRound();
        uint256 g = gasleft();
        vault.submitRewardsPage(8);
        g = g - gasleft();
        _report("submitRewardsPage(8) (steady state), 8 of 32 operators: execution gas", g);
        _report("  per operator", g / 8);
    }

    /// @dev submitRewards after the batch: settles 32 operators and submits one operator-directed submission. The
    /// second submission is the steady state (the first also creates the coordinator's and the vault's per-operator
    /// slots). The stand-in coordinator's own ledger writes (~25,000 per operator, not in the real coordinator) are
    /// reported apart.
    function test_gas_submitRewards_perTask() public {
        _steadyStateRound();
        uint256 g = gasleft();
        vault.submitRewards();
        g = g - gasleft();
        _report("submitRewards (steady state), 32 operators, 100 tasks accrued: execution gas", g);
        _report("  per task", g / BATCH);
        _report("  per operator", g / N);
    }
}
