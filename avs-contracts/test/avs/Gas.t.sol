// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";

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
