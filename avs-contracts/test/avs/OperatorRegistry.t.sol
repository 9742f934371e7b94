// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {BN254G2} from "./utils/BN254G2.sol";
import {IOperatorRegistry} from "../../src/interfaces/IOperatorRegistry.sol";
import {IAllocationManagerTypes} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";

/// @notice Registration (proof of possession, key uniqueness, minimum stake) and the checkpointed stake and
/// aggregate-key history of the OperatorRegistry, on the devnet core.
contract OperatorRegistryTest is AvsFixture {
    function setUp() public {
        _deployAvs();
    }

    function test_register_withValidProofOfPossession() public {
        address op = address(uint160(0x10000));
        uint256 sk = _sk(0);
        BN254.G1Point memory pk = _pkG1(sk);
        bytes32 id = BN254.hashG1(pk);
        _registerOperator(op, 0, 10 ether);
        _allocate(op, OperatorSet(address(oracle), 0), strategy, 1e18);
        bytes memory data = _registrationData(op, sk);
        vm.expectEmit(address(registry));
        emit IOperatorRegistry.NewPubkeyRegistration(op, id, pk, BN254G2.mulGenerator(sk));
        vm.expectEmit(address(registry));
        emit IOperatorRegistry.OperatorAddedToQuorum(op, id, 0, 10 ether);
        _registerForSets(op, address(oracle), _ids(0), data);

        assertEq(registry.operatorIdOf(op), id, "operatorId = keccak(X, Y)");
        assertEq(registry.operatorOfId(id), op, "reverse lookup");
        (bool member, uint96 stake) = registry.getOperatorStakeAt(id, 0, uint32(block.number));
        assertTrue(member, "member of quorum 0");
        assertEq(stake, 10 ether, "stake = slashable shares x 1e18 / 1e18");
        (BN254.G1Point memory apk, uint96 total) = registry.getQuorumApkAt(0, uint32(block.number));
        assertEq(apk.X, pk.X, "apk = the only key (x)");
        assertEq(apk.Y, pk.Y, "apk = the only key (y)");
        assertEq(total, 10 ether, "total stake");
        (,, uint32 count) = registry.quorumConfig(0);
        assertEq(count, 1, "operator count");
    }

    function test_register_revertsForProofSignedByAnotherKey() public {
        address op = address(uint160(0x10000));
        _registerOperator(op, 0, 10 ether);
        _allocate(op, OperatorSet(address(oracle), 0), strategy, 1e18);
        uint256 sk = _sk(0);
        BN254.G1Point memory forged = BN254.scalarMul(registry.pubkeyRegistrationMessageHash(op), sk + 1);
        bytes memory data = abi.encode(PubkeyRegistrationParams(forged, _pkG1(sk), BN254G2.mulGenerator(sk)));
        vm.expectRevert(IOperatorRegistry.InvalidProofOfPossession.selector);
        _registerForSets(op, address(oracle), _ids(0), data);
    }

    function test_register_revertsForProofMadeForAnotherOperator() public {
        address op = address(uint160(0x10000));
        _registerOperator(op, 0, 10 ether);
        _allocate(op, OperatorSet(address(oracle), 0), strategy, 1e18);
        // a valid PoP for a different address cannot be replayed
        bytes memory data = _registrationData(address(0xDEAD), _sk(0));
        vm.expectRevert(IOperatorRegistry.InvalidProofOfPossession.selector);
        _registerForSets(op, address(oracle), _ids(0), data);
    }

    function test_register_revertsForG2KeyOfAnotherSecret() public {
        address op = address(uint160(0x10000));
        _registerOperator(op, 0, 10 ether);
        _allocate(op, OperatorSet(address(oracle), 0), strategy, 1e18);
        uint256 sk = _sk(0);
        BN254.G1Point memory sig = BN254.scalarMul(registry.pubkeyRegistrationMessageHash(op), sk);
        bytes memory data = abi.encode(PubkeyRegistrationParams(sig, _pkG1(sk), BN254G2.mulGenerator(sk + 1)));
        vm.expectRevert(IOperatorRegistry.InvalidProofOfPossession.selector);
        _registerForSets(op, address(oracle), _ids(0), data);
    }

    function test_register_revertsWhenKeyAlreadyUsed() public {
        _addOperator(0, 10 ether, _ids(0), 1e18);
        address op2 = address(uint160(0x20000));
        _registerOperator(op2, 0, 10 ether);
        _allocate(op2, OperatorSet(address(oracle), 0), strategy, 1e18);
        bytes memory data = _registrationData(op2, _sk(0)); // valid PoP by op2 for operator 0's key
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorRegistry.PubkeyAlreadyRegistered.selector, BN254.hashG1(_pkG1(_sk(0))))
        );
        _registerForSets(op2, address(oracle), _ids(0), data);
    }

    function test_register_revertsBelowMinimumStake() public {
        address op = address(uint160(0x10000));
        _registerOperator(op, 0, 0.5 ether);
        _allocate(op, OperatorSet(address(oracle), 0), strategy, 1e18);
        bytes memory data = _registrationData(op, _sk(0));
        vm.expectRevert(abi.encodeWithSelector(IOperatorRegistry.InsufficientStake.selector, 0, 0.5 ether, MIN_STAKE));
        _registerForSets(op, address(oracle), _ids(0), data);
    }

    function test_registrarCallbacks_onlyFromAllocationManager() public {
        vm.expectRevert(IOperatorRegistry.OnlyAllocationManager.selector);
        registry.registerOperator(address(1), address(oracle), _ids(0), "");
        vm.expectRevert(IOperatorRegistry.OnlyAllocationManager.selector);
        registry.deregisterOperator(address(1), address(oracle), _ids(0));
        assertTrue(registry.supportsAVS(address(oracle)), "serves the oracle");
        assertFalse(registry.supportsAVS(address(1)), "and nothing else");
    }

    function test_checkpoints_acrossBlocks() public {
        uint32 b0 = uint32(block.number);
        address a = _addOperator(0, 10 ether, _ids(0), 1e18);
        bytes32 idA = registry.operatorIdOf(a);

        vm.roll(b0 + 1);
        address b = _addOperator(1, 20 ether, _ids(0), 1e18);
        bytes32 idB = registry.operatorIdOf(b);

        vm.roll(b0 + 2);
        _deposit(a, strategy, 5 ether); // delegated to itself: stake goes up once refreshed
        registry.updateOperators(_oneAddr(a));

        vm.roll(b0 + 3);
        IAllocationManagerTypes.DeregisterParams memory dp =
            IAllocationManagerTypes.DeregisterParams({operator: b, avs: address(oracle), operatorSetIds: _ids(0)});
        vm.prank(b);
        allocationManager.deregisterFromOperatorSets(dp);
        vm.roll(b0 + 4);

        BN254.G1Point memory pa = pkOf[a];
        BN254.G1Point memory sum = BN254.plus(pa, pkOf[b]);
        _expectQuorum(b0, pa, 10 ether, "b0: a only");
        _expectQuorum(b0 + 1, sum, 30 ether, "b0+1: a and b");
        _expectQuorum(b0 + 2, sum, 35 ether, "b0+2: a topped up");
        _expectQuorum(b0 + 3, pa, 15 ether, "b0+3: b left");

        (bool m, uint96 s) = registry.getOperatorStakeAt(idB, 0, b0);
        assertFalse(m, "b not a member before joining");
        (m, s) = registry.getOperatorStakeAt(idB, 0, b0 + 2);
        assertTrue(m && s == 20 ether, "b member with 20 at b0+2");
        (m, s) = registry.getOperatorStakeAt(idB, 0, b0 + 3);
        assertTrue(!m && s == 0, "b gone at b0+3");
        (m, s) = registry.getOperatorStakeAt(idA, 0, b0 + 1);
        assertEq(s, 10 ether, "a had 10 at b0+1");
        (m, s) = registry.getOperatorStakeAt(idA, 0, b0 + 3);
        assertEq(s, 15 ether, "a has 15 from b0+2");

        IOperatorRegistry.QuorumState memory st = registry.getQuorumState(0, b0 + 1);
        assertEq(st.operators.length, 2, "two members at b0+1");
        assertEq(st.operators[0], a, "first joined first");
        assertEq(st.stakes[1], 20 ether, "b's stake");
        assertEq(st.totalStake, 30 ether, "state total");
        st = registry.getQuorumState(0, b0 + 3);
        assertEq(st.operators.length, 1, "one member at b0+3");
        assertEq(st.pubkeysG1[0].X, pa.X, "a's key");

        vm.expectRevert(abi.encodeWithSelector(IOperatorRegistry.NoHistoryAt.selector, 0, b0 - 1));
        registry.getQuorumApkAt(0, b0 - 1);

        // The block that wrote the state in force: equal answers mean equal states.
        assertEq(registry.quorumStateBlockAt(0, b0 + 1), b0 + 1, "b joined at b0+1");
        assertEq(registry.quorumStateBlockAt(0, b0 + 2), b0 + 2, "a topped up at b0+2");
        assertEq(registry.quorumStateBlockAt(0, b0 + 3), b0 + 3, "b left at b0+3");
        assertEq(registry.quorumStateBlockAt(0, b0 + 4), b0 + 3, "nothing changed at b0+4");
        assertEq(registry.quorumStateBlockAt(0, b0 + 1000), b0 + 3, "nor later");
        vm.expectRevert(abi.encodeWithSelector(IOperatorRegistry.NoHistoryAt.selector, 0, b0 - 1));
        registry.quorumStateBlockAt(0, b0 - 1);
    }

    function test_updateOperators_belowMinimumGivesZeroStakeAndKeepsMembership() public {
        address a = _addOperator(0, 10 ether, _ids(0), 1e18);
        _addOperator(1, 20 ether, _ids(0), 1e18);
        registry.setMinimumStake(0, 15 ether);
        vm.roll(block.number + 1);
        registry.updateOperators(ops);
        (bool m, uint96 s) = registry.getOperatorStakeAt(registry.operatorIdOf(a), 0, uint32(block.number));
        assertTrue(m, "still a member");
        assertEq(s, 0, "stake 0 under the minimum");
        (, uint96 total) = registry.getQuorumApkAt(0, uint32(block.number));
        assertEq(total, 20 ether, "total excludes it");
    }

    function test_registerSecondQuorumLater_reusesKey() public {
        oracle.createQuorum(1, MIN_STAKE, 8, _strategyParams(2e18));
        address a = _addOperator(0, 10 ether, _ids(0), 0.5e18);
        _allocate(a, OperatorSet(address(oracle), 1), strategy, 0.5e18);
        _registerForSets(a, address(oracle), _ids(1), ""); // key already known: no data needed
        (bool m, uint96 s) = registry.getOperatorStakeAt(registry.operatorIdOf(a), 1, uint32(block.number));
        assertTrue(m, "member of quorum 1");
        assertEq(s, 10 ether, "5 slashable x multiplier 2");
    }

    function _expectQuorum(uint32 blk, BN254.G1Point memory apk, uint96 total, string memory what) internal view {
        (BN254.G1Point memory got, uint96 t) = registry.getQuorumApkAt(0, blk);
        assertEq(got.X, apk.X, string.concat(what, ": apk x"));
        assertEq(got.Y, apk.Y, string.concat(what, ": apk y"));
        assertEq(t, total, string.concat(what, ": total stake"));
    }
}
