// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IOperatorRegistry} from "../../src/interfaces/IOperatorRegistry.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {IStrategy} from "../../src/interfaces/eigenlayer/IStrategy.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";

/// @notice The registry's economics (issue 16): look-ahead, ejection, churn, and a fuzz test over random operator
/// sets, stakes, deallocations, newcomers and dissent. The core's DEALLOCATION_DELAY (100) exceeds the oracle's
/// windows (20 + 50), as on EigenLayer (14 days), and keepers refresh stakes after allocation changes: the
/// assumptions the look-ahead relies on (docs/protocol.md).
contract EconomicsTest is AvsFixture {
    uint32 internal constant DELAY = 100;
    uint32 internal constant MAX_OPS = 5;
    uint16 internal constant BPS = 6667;

    uint256 internal nextIndex;
    mapping(address => bool) internal dishonest;

    function setUp() public {
        _deployAvsWithDelay(DELAY);
        registry.setMaxOperators(0, MAX_OPS);
        _useQuorums(hex"00", _bps1(BPS));
    }

    /// @dev External so a failed registration can be caught (and rolled back) by try/catch.
    function addOp(uint256 i, uint256 stake) external returns (address) {
        require(msg.sender == address(this));
        return _addOperator(i, stake, _ids(0), 1e18);
    }

    function _tryAdd(uint256 stake) internal returns (bool ok, address op) {
        uint256 i = nextIndex++;
        try this.addOp(i, stake) returns (address a) {
            return (true, a);
        } catch {
            return (false, address(uint160(0x10000 + i)));
        }
    }

    function _stakeNow(address op) internal view returns (bool member, uint96 stake) {
        return registry.getOperatorStakeAt(registry.operatorIdOf(op), 0, uint32(block.number));
    }

    function _shares(address op) internal view returns (uint256) {
        IStrategy[] memory s = new IStrategy[](1);
        s[0] = strategy;
        return delegationManager.getOperatorShares(op, s)[0];
    }

    function _members() internal view returns (address[] memory) {
        return allocationManager.getMembers(OperatorSet(address(oracle), 0));
    }

    // ---- unit tests of the new functions ----

    function test_lookahead_defaultsToTheWindowsAndCannotGoBelow() public {
        assertEq(registry.lookahead(), RESPONSE_WINDOW + CHALLENGE_WINDOW + 1, "set by setAvs");
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorRegistry.LookaheadTooShort.selector, 70, RESPONSE_WINDOW + CHALLENGE_WINDOW + 1)
        );
        registry.setLookahead(70);
        registry.setLookahead(500);
        assertEq(registry.lookahead(), 500, "raised");
    }

    function test_registration_weighsAQueuedDeallocation() public {
        address op = address(uint160(0x10000));
        _registerOperator(op, 0, 10 ether);
        _allocate(op, OperatorSet(address(oracle), 0), strategy, 1e18);
        vm.roll(block.number + 1);
        _allocate(op, OperatorSet(address(oracle), 0), strategy, 0.5e18); // pending for DELAY + 1 blocks
        bytes memory data = _registrationData(op, _sk(0));
        _registerForSets(op, address(oracle), _ids(0), data);
        (, uint96 s) = _stakeNow(op);
        assertEq(s, 5 ether, "counted as after the deallocation");
    }

    function test_eject_onlyEjectorOrOwner_andNotAboveMinimum() public {
        address a = _addOperator(0, 10 ether, _ids(0), 1e18);
        vm.expectRevert(IOperatorRegistry.OnlyEjector.selector);
        vm.prank(address(0xBAD));
        registry.ejectOperator(a, hex"00");
        vm.expectRevert(abi.encodeWithSelector(IOperatorRegistry.NotBelowMinimumStake.selector, a));
        registry.ejectBelowMinimumStake(a);
        vm.expectEmit(address(registry));
        emit IOperatorRegistry.OperatorEjected(a, 0, address(0));
        registry.ejectOperator(a, hex"00"); // the owner may
        (bool m,) = _stakeNow(a);
        assertFalse(m, "gone from the registry");
        assertFalse(allocationManager.isMemberOfOperatorSet(a, OperatorSet(address(oracle), 0)), "and from the core");
    }

    function test_churn_refusesANewcomerNotAboveTheSmallest() public {
        for (uint256 i; i < MAX_OPS; ++i) {
            _addOperator(i, (i + 2) * 1 ether, _ids(0), 1e18);
        }
        nextIndex = MAX_OPS;
        (bool ok,) = _tryAdd(2 ether); // equal to the smallest: refused
        assertFalse(ok, "not more than the smallest");
        address smallest = ops[0];
        vm.expectEmit(address(registry));
        emit IOperatorRegistry.OperatorEjected(smallest, 0, address(uint160(0x10000 + MAX_OPS + 1)));
        (ok,) = _tryAdd(2 ether + 1);
        assertTrue(ok, "more than the smallest: admitted");
    }

    function test_maxOperators_boundedSoTotalsFit() public {
        vm.expectRevert(abi.encodeWithSelector(IOperatorRegistry.InvalidMaxOperators.selector, 2049));
        registry.setMaxOperators(0, 2049);
        assertEq(
            uint256(registry.MAX_OPERATOR_STAKE()) * registry.MAX_OPERATORS_LIMIT() <= type(uint96).max, true, "fits"
        );
    }

    // ---- fuzz: random operator sets, stakes, deallocations, newcomers and dissent ----

    /// Properties, checked on every run:
    /// (P1) under the honest-majority assumption (dishonest weighed stake < 1/2 at the reference block), the
    ///      dishonest output is never accepted, so no honest operator is ever slashed (their magnitude and shares
    ///      are untouched and isSlashed stays false);
    /// (P2) every dissent slashDissenter accepts takes shares; dissent by an operator with no weighed stake at the
    ///      reference block is refused;
    /// (P3) a full quorum admits a newcomer with more stake than its smallest member (ejecting it) and refuses one
    ///      without; any member below the minimum stake can be ejected by anyone, any other member cannot.
    function testFuzz_economics(uint256 seed) public {
        uint256 n = 3 + seed % 3; // 3..5 operators
        for (uint256 i; i < n; ++i) {
            (bool ok,) = _tryAdd(_rand(seed, i, 20 ether) + MIN_STAKE);
            assertTrue(ok, "room in the quorum");
        }
        // random deallocations (some to zero), refreshed by a keeper
        for (uint256 i; i < n; ++i) {
            uint256 r = _rand(seed, 100 + i, 4);
            if (r == 0) _allocate(ops[i], OperatorSet(address(oracle), 0), strategy, 0);
            else if (r == 1) _allocate(ops[i], OperatorSet(address(oracle), 0), strategy, 0.5e18);
        }
        vm.roll(block.number + 1 + _rand(seed, 200, 10));
        registry.updateOperators(ops);
        _checkEjection();
        _checkChurn(seed);
        _checkChurn(seed >> 64);
        registry.updateOperators(ops);
        _pickDishonest(seed);
        vm.roll(block.number + 1);
        _dissentRound(seed);
    }

    function _rand(uint256 seed, uint256 salt, uint256 mod) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, salt))) % mod;
    }

    /// (P3, ejection) members below the minimum can be ejected by anyone; others cannot.
    function _checkEjection() internal {
        address[] memory members = _members();
        for (uint256 i; i < members.length; ++i) {
            (, uint96 s) = _stakeNow(members[i]);
            vm.prank(address(0xA11CE));
            (bool ok,) = address(registry).call(abi.encodeCall(registry.ejectBelowMinimumStake, (members[i])));
            assertEq(ok, s < MIN_STAKE, "ejectable exactly when below the minimum");
            if (ok) {
                assertFalse(
                    allocationManager.isMemberOfOperatorSet(members[i], OperatorSet(address(oracle), 0)), "ejected"
                );
            }
        }
    }

    /// (P3, churn) fill the quorum, then a newcomer of random stake joins iff it beats the smallest member.
    function _checkChurn(uint256 seed) internal {
        while (_members().length < MAX_OPS) {
            (bool ok,) = _tryAdd(MIN_STAKE + _rand(seed, 300 + nextIndex, 10 ether));
            assertTrue(ok, "room left");
        }
        address[] memory members = _members();
        address smallest;
        uint96 least = type(uint96).max;
        for (uint256 i; i < members.length; ++i) {
            (, uint96 s) = _stakeNow(members[i]);
            if (s < least) (least, smallest) = (s, members[i]);
        }
        uint256 stake = MIN_STAKE + _rand(seed, 400 + nextIndex, 15 ether);
        (bool admitted, address newcomer) = _tryAdd(stake);
        assertEq(admitted, stake > least, "admitted iff more stake than the smallest member");
        assertEq(_members().length, MAX_OPS, "still full");
        if (admitted) {
            (bool m,) = _stakeNow(newcomer);
            assertTrue(m, "newcomer a member");
            assertFalse(
                allocationManager.isMemberOfOperatorSet(smallest, OperatorSet(address(oracle), 0)), "smallest ejected"
            );
        }
    }

    /// @dev Marks a random set of members dishonest, keeping their weighed stake below half of the total.
    function _pickDishonest(uint256 seed) internal {
        (, uint96 total) = registry.getQuorumApkAt(0, uint32(block.number));
        uint256 bad;
        for (uint256 i; i < ops.length; ++i) {
            (bool m, uint96 s) = _stakeNow(ops[i]);
            if (!m || _rand(seed, 500 + i, 2) == 0) continue;
            if ((bad + s) * 2 < total) {
                dishonest[ops[i]] = true;
                bad += s;
            }
        }
    }

    function _dissentRound(uint256 seed) internal {
        Task memory task = _request(MODEL_EXACT, hex"0a", address(0), 0);
        bytes memory good = _output(_vals(1, 2, 3));
        bytes memory bad = _output(_vals(6, 6, 6));
        uint256 n = ops.length;
        bool[] memory badSigns = new bool[](n);
        bool[] memory goodSigns = new bool[](n);
        for (uint256 i; i < n; ++i) {
            badSigns[i] = dishonest[ops[i]];
            goodSigns[i] = !dishonest[ops[i]];
        }
        // (P1) the dishonest minority's output is never accepted
        NonSignerStakesAndSignature memory pb = _sign(task, _digest(task, bad), badSigns);
        (bool ok,) = address(oracle).call(abi.encodeCall(oracle.respondToTask, (task, bad, pb)));
        assertFalse(ok, "a minority certificate is refused");

        NonSignerStakesAndSignature memory pg = _sign(task, _digest(task, good), goodSigns);
        (ok,) = address(oracle).call(abi.encodeCall(oracle.respondToTask, (task, good, pg)));
        if (!ok) return; // honest stake below the threshold: no answer, nothing to slash (liveness, not safety)
        bytes32[] memory nonSignerIds = new bytes32[](pg.nonSignerPubkeys.length);
        for (uint256 i; i < nonSignerIds.length; ++i) {
            nonSignerIds[i] = BN254.hashG1(pg.nonSignerPubkeys[i]);
        }
        bytes32 srh = keccak256(abi.encodePacked(task.referenceBlock, nonSignerIds));

        // an exiting dissenter: queues a full deallocation after the response
        for (uint256 i; i < n; ++i) {
            bool pending = allocationManager.getAllocation(ops[i], OperatorSet(address(oracle), 0), strategy)
                .pendingDiff != 0;
            if (dishonest[ops[i]] && !pending && _rand(seed, 600 + i, 2) == 0) {
                _allocate(ops[i], OperatorSet(address(oracle), 0), strategy, 0);
            }
        }
        vm.roll(block.number + _rand(seed, 700, CHALLENGE_WINDOW));
        uint256[] memory honestShares = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            honestShares[i] = _shares(ops[i]);
        }
        for (uint256 i; i < n; ++i) {
            _slashAttempt(task, good, srh, bad, ops[i]);
        }
        for (uint256 i; i < n; ++i) {
            if (dishonest[ops[i]]) continue;
            assertFalse(oracle.isSlashed(task.taskId, ops[i]), "no honest operator slashed");
            assertEq(_shares(ops[i]), honestShares[i], "honest shares untouched");
        }
    }

    /// (P2) for a dishonest operator with stake at the reference block, evidence is accepted and takes shares;
    /// for one without, it is refused. Honest operators never signed `bad`: their only signature is over the
    /// accepted output, which is not evidence (SameOutput).
    function _slashAttempt(Task memory task, bytes memory good, bytes32 srh, bytes memory bad, address op) internal {
        (bool member, uint96 refStake) =
            registry.getOperatorStakeAt(registry.operatorIdOf(op), 0, task.referenceBlock);
        if (!dishonest[op]) {
            BN254.G1Point memory own = _signOne(op, _digest(task, good));
            (bool refused,) =
                address(oracle).call(abi.encodeCall(oracle.slashDissenter, (task, good, srh, good, op, own)));
            assertFalse(refused, "the accepted output is no evidence");
            return;
        }
        BN254.G1Point memory sig = _signOne(op, _digest(task, bad));
        uint256 before = _shares(op);
        (bool ok,) = address(oracle).call(abi.encodeCall(oracle.slashDissenter, (task, good, srh, bad, op, sig)));
        if (member && refStake > 0) {
            assertTrue(ok, "dissent with weighed stake is slashable");
            assertLt(_shares(op), before, "an accepted dissent takes shares");
        } else {
            assertFalse(ok, "no weighed stake: refused");
            assertEq(_shares(op), before, "nothing taken");
        }
    }
}
