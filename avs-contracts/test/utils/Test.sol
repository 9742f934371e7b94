// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Vm, VM_ADDRESS} from "./Vm.sol";

/// @notice A minimal base for forge tests without forge-std: the cheatcode handle, assertions that route to
/// forge's native assert cheatcodes (so failures print both values), and `bound` for fuzz inputs.
/// Forge runs `setUp()` then every `test*` function; a revert (failed assertion) fails the test.
abstract contract Test {
    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @dev Lets forge recognise this as a test contract (it checks for IS_TEST()).
    bool public constant IS_TEST = true;

    function assertTrue(bool condition, string memory err) internal pure {
        vm.assertTrue(condition, err);
    }

    function assertFalse(bool condition, string memory err) internal pure {
        vm.assertFalse(condition, err);
    }

    function assertEq(bool a, bool b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(int256 a, int256 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(address a, address b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(bytes32 a, bytes32 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(string memory a, string memory b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(bytes memory a, bytes memory b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(uint256[] memory a, uint256[] memory b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(address[] memory a, address[] memory b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertNotEq(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertNotEq(a, b, err);
    }

    function assertGt(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertGt(a, b, err);
    }

    function assertGe(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertGe(a, b, err);
    }

    function assertLt(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertLt(a, b, err);
    }

    function assertLe(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertLe(a, b, err);
    }

    function assertApproxEqAbs(uint256 a, uint256 b, uint256 maxDelta, string memory err) internal pure {
        vm.assertApproxEqAbs(a, b, maxDelta, err);
    }

    /// @dev Maps any `x` into [min, max] without discarding fuzz runs (uniform enough for tests).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @dev Case label for assertion messages inside loops: string.concat(prefix, "[", i, "]").
    function caseLabel(string memory prefix, uint256 i) internal pure returns (string memory) {
        return string.concat(prefix, "[", vm.toString(i), "]");
    }
}
