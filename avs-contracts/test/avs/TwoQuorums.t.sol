// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IOperatorRegistry} from "../../src/interfaces/IOperatorRegistry.sol";

/// @notice Tasks over two quorums with different thresholds. Operators 0-3 are in quorums 0 and 1, operators 4-5
/// only in quorum 0; each has 10 shares with half its magnitude in each set, so 5 stake per quorum.
/// Quorum 0: total 30, threshold 66.67%. Quorum 1: total 20, threshold 80%.
contract TwoQuorumsTest is AvsFixture {
    bytes internal constant INPUT = hex"01020304";

    function setUp() public {
        _deployAvs();
        oracle.createQuorum(1, MIN_STAKE, 64, _strategyParams(1e18));
        for (uint256 i; i < 6; ++i) {
            _addOperator(i, 10 ether, i < 4 ? _ids2(0, 1) : _ids(0), 0.5e18);
        }
        _useQuorums(hex"0001", _bps2(6667, 8000));
        vm.roll(block.number + 1);
    }

    function _signers(uint256 mask) internal pure returns (bool[] memory s) {
        s = new bool[](6);
        for (uint256 i; i < 6; ++i) {
            s[i] = (mask >> i) & 1 == 1;
        }
    }

    function test_bothThresholdsMet() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 1, 1));
        // signers 0,1,2,3,4: quorum 0 25/30 (83% >= 66.67%), quorum 1 20/20
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _signers(0x1f));
        oracle.respondToTask(task, out, p);
        (TaskStatus st,) = oracle.taskStatus(task.taskId);
        assertEq(uint8(st), uint8(TaskStatus.Responded), "accepted");
    }

    function test_insufficientStakeInSecondQuorum() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 1, 1));
        // signers 0,1,2,4,5: quorum 0 25/30 ok, quorum 1 15/20 = 75% < 80%
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _signers(0x37));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.ThresholdNotMet.selector, 1, 15 ether, 20 ether, 8000)
        );
        oracle.respondToTask(task, out, p);
    }

    function test_insufficientStakeInFirstQuorum() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 1, 1));
        // signers 0,1,2,3: quorum 0 20/30 = 66.66% < 66.67% (quorum 1 would pass with 20/20)
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _signers(0x0f));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.ThresholdNotMet.selector, 0, 20 ether, 30 ether, 6667)
        );
        oracle.respondToTask(task, out, p);
    }

    function test_signerCountedOncePerQuorumIsRequired() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 1, 1));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _signers(0x3f));
        // an aggregate that counts operator 0 (member of both quorums) only once does not verify
        p.sigma = _signOne(ops[0], _digest(task, out));
        p.apkG2 = pk2Of[ops[0]];
        p.nonSignerPubkeys = _sortById(_others(0), 5);
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToTask(task, out, p);
    }

    function _others(uint256 skip) internal view returns (BN254.G1Point[] memory r) {
        r = new BN254.G1Point[](5);
        uint256 k;
        for (uint256 i; i < 6; ++i) {
            if (i != skip) r[k++] = pkOf[ops[i]];
        }
    }
}
