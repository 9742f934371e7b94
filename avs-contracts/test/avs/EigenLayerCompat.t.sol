// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RewardsFixture} from "./utils/RewardsFixture.sol";
import {EigenLayerOverloadedSelectors as Overloads} from "./EigenLayerCompatTable.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "../../src/interfaces/eigenlayer/IStrategy.sol";
import {OperatorSet, OperatorSetLib} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";
import {IRewardsCoordinatorTypes} from "../../src/interfaces/eigenlayer/IRewardsCoordinator.sol";
import {
    IPermissionController,
    IPermissionControllerErrors
} from "../../src/interfaces/eigenlayer/IPermissionController.sol";
import {IAllocationManager} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {IAVSRegistrar} from "../../src/interfaces/eigenlayer/IAVSRegistrar.sol";
import {IAllocationManagerEvents} from "../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice The hashes, encodings and wiring the AVS shares with EigenLayer's real core, against values taken from the
/// real source text (the selector/topic table is EigenLayerCompatTable.t.sol):
///   Layr-Labs/eigenlayer-contracts v1.12.0, commit d302f65042164c8d8d0a983c1540d85a8710030b
///     src/contracts/core/storage/DelegationManagerStorage.sol  DELEGATION_APPROVAL_TYPEHASH
///     src/contracts/mixins/SignatureUtilsMixin.sol              EIP712_DOMAIN_TYPEHASH, name "EigenLayer", version =
///                                                               first character of "vMAJOR.MINOR.PATCH" ("v")
///     src/contracts/libraries/OperatorSetLib.sol                key = abi.encodePacked(avs, uint96(id))
///     src/contracts/core/RewardsCoordinator.sol                 leaf salts 0 (earner) / 1 (token), packed leaves,
///                                                               submission hash keccak256(abi.encode(avs, nonce, s))
///   Layr-Labs/eigenlayer-middleware, commit 7d49b5181b09198ed275783453aa082bb3766990
///     src/RegistryCoordinatorStorage.sol                        PUBKEY_REGISTRATION_TYPEHASH
contract EigenLayerCompatTest is RewardsFixture {
    /// keccak256("DelegationApproval(address delegationApprover,address staker,address operator,bytes32 salt,uint256 expiry)")
    bytes32 internal constant REAL_DELEGATION_APPROVAL_TYPEHASH =
        0x14bde674c9f64b2ad00eaaee4a8bed1fabef35c7507e3c5b9cfc9436909a2dad;
    /// keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    bytes32 internal constant REAL_EIP712_DOMAIN_TYPEHASH =
        0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f;
    /// keccak256("BN254PubkeyRegistration(address operator)")
    bytes32 internal constant REAL_PUBKEY_REGISTRATION_TYPEHASH =
        0x2bd82124057f0913bc3b772ce7b83e8057c1ad1f3510fc83778be20f10ec5de6;

    function setUp() public {
        _deployAvs();
        _deployRewards();
    }

    function test_typehashes() public view {
        assertEq(delegationManager.DELEGATION_APPROVAL_TYPEHASH(), REAL_DELEGATION_APPROVAL_TYPEHASH, "delegation approval");
        assertEq(registry.PUBKEY_REGISTRATION_TYPEHASH(), REAL_PUBKEY_REGISTRATION_TYPEHASH, "pubkey registration");
    }

    function test_delegationDomainSeparator_asTheRealMixin() public view {
        bytes32 expected = keccak256(
            abi.encode(
                REAL_EIP712_DOMAIN_TYPEHASH,
                keccak256(bytes("EigenLayer")),
                keccak256(bytes("v")),
                block.chainid,
                address(delegationManager)
            )
        );
        assertEq(delegationManager.domainSeparator(), expected, "domain separator");
        // and the approval digest is "\x19\x01" ‖ domain ‖ structHash, as _calculateSignableDigest
        address staker = address(0x51);
        address op = address(0x52);
        address approver = address(0x53);
        bytes32 structHash = keccak256(abi.encode(REAL_DELEGATION_APPROVAL_TYPEHASH, approver, staker, op, bytes32("s"), 7));
        assertEq(
            delegationManager.calculateDelegationApprovalDigestHash(staker, op, approver, bytes32("s"), 7),
            keccak256(abi.encodePacked("\x19\x01", expected, structHash)),
            "approval digest"
        );
    }

    function test_operatorSetKey_asTheRealLibrary() public pure {
        OperatorSet memory os = OperatorSet(address(0x1234567890123456789012345678901234567890), 0xdeadbeef);
        assertEq(
            OperatorSetLib.key(os),
            bytes32(uint256(uint160(os.avs)) << 96 | uint256(os.id)),
            "avs in the high 20 bytes, id in the low 4"
        );
    }

    function test_rewardsLeafHashes_asTheRealCoordinator() public view {
        IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf memory e =
            IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(address(0xE1), bytes32(uint256(0xabc)));
        assertEq(
            rc.calculateEarnerLeafHash(e),
            keccak256(abi.encodePacked(uint8(0), e.earner, e.earnerTokenRoot)),
            "earner leaf: salt 0"
        );
        IRewardsCoordinatorTypes.TokenTreeMerkleLeaf memory t =
            IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(IERC20(address(0x70)), 12345);
        assertEq(
            rc.calculateTokenLeafHash(t),
            keccak256(abi.encodePacked(uint8(1), address(t.token), t.cumulativeEarnings)),
            "token leaf: salt 1"
        );
    }

    /// @dev The vault's submission is accepted with the real hash rule and the real event.
    function test_rewardsSubmission_hashAndNonce() public {
        _useQuorums(hex"00", _bps1(6667));
        address op = _addOperator(0, 10 ether, _ids(0), 1e18);
        vm.roll(block.number + 1);
        Task memory task = _request(MODEL_EXACT, hex"01", address(0), 0);
        vm.roll(block.number + 1);
        bytes memory out = _output(_vals(1, 2, 3));
        oracle.respondToTask(task, out, _sign(task, _digest(task, out), _all(true)));
        vm.warp((block.timestamp / INTERVAL + 1) * INTERVAL + 1);
        (uint32 start, uint32 duration) = vault.submissionWindow();
        assertEq(rc.submissionNonce(address(oracle)), 0, "nonce before");
        vault.submitRewards();
        assertEq(rc.submissionNonce(address(oracle)), 1, "nonce after");
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory s;
        s.strategiesAndMultipliers = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](1);
        s.strategiesAndMultipliers[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(IStrategy(address(strategy)), 1e18);
        s.token = IERC20(address(weth));
        s.operatorRewards = new IRewardsCoordinatorTypes.OperatorReward[](1);
        s.operatorRewards[0] = IRewardsCoordinatorTypes.OperatorReward(op, FEE - vault.gasRefunds(address(this)));
        s.startTimestamp = start;
        s.duration = duration;
        s.description = "aioracle:task-fees";
        bytes32 hash = keccak256(abi.encode(address(oracle), uint256(0), s));
        assertTrue(rc.isOperatorDirectedOperatorSetRewardsSubmissionHash(address(oracle), hash), "hash recorded");
    }

    /// @dev The AVS's registrar wiring and appointees, as the real AllocationManager and RewardsCoordinator check them.
    function test_avsWiring_registrarAndAppointees() public view {
        assertEq(address(allocationManager.getAVSRegistrar(address(oracle))), address(registry), "registrar");
        assertTrue(IAVSRegistrar(address(registry)).supportsAVS(address(oracle)), "supportsAVS");
        assertTrue(
            permissionController.canCall(
                address(oracle), address(registry), address(allocationManager),
                IAllocationManager.deregisterFromOperatorSets.selector
            ),
            "registry may deregister (ejection)"
        );
        assertTrue(
            permissionController.canCall(
                address(oracle), address(vault), address(rc),
                rc.createOperatorDirectedOperatorSetRewardsSubmission.selector
            ),
            "vault may submit rewards"
        );
    }

    // ---- PermissionController admins of the AVS account (what EigenLayer tooling expects) ----

    /// @dev After setupAvs the oracle is an explicit admin of its own account (so it keeps acting for itself once
    /// the account has admins) and the owner a pending one.
    function test_avsAdmins_afterSetup_oracleAdminOwnerPending() public view {
        assertEq(permissionController.getAdmins(address(oracle)), _oneAddr(address(oracle)), "admins: the oracle");
        assertEq(permissionController.getPendingAdmins(address(oracle)), _oneAddr(address(this)), "pending: owner");
        assertTrue(permissionController.isPendingAdmin(address(oracle), address(this)), "owner pending");
        assertFalse(permissionController.isAdmin(address(oracle), address(this)), "owner not admin yet");
    }

    /// @dev The owner accepts on the PermissionController and then manages appointees there directly.
    function test_avsAdmins_ownerAcceptsAndManagesAppointees() public {
        address appointee = address(0xA99);
        bytes4 sel = IAllocationManager.updateAVSMetadataURI.selector;
        // not yet an admin: cannot appoint
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        permissionController.setAppointee(address(oracle), appointee, address(allocationManager), sel);

        permissionController.acceptAdmin(address(oracle));
        address[] memory admins = new address[](2);
        admins[0] = address(oracle);
        admins[1] = address(this);
        assertEq(permissionController.getAdmins(address(oracle)), admins, "admins: the oracle and the owner");
        assertEq(permissionController.getPendingAdmins(address(oracle)).length, 0, "none pending");

        permissionController.setAppointee(address(oracle), appointee, address(allocationManager), sel);
        assertTrue(
            permissionController.canCall(address(oracle), appointee, address(allocationManager), sel), "appointed"
        );
        vm.prank(appointee);
        allocationManager.updateAVSMetadataURI(address(oracle), "ipfs://by-appointee");
        permissionController.removeAppointee(address(oracle), appointee, address(allocationManager), sel);
        assertFalse(
            permissionController.canCall(address(oracle), appointee, address(allocationManager), sel), "removed"
        );
        vm.prank(appointee);
        vm.expectRevert();
        allocationManager.updateAVSMetadataURI(address(oracle), "ipfs://by-appointee");

        // the appointees setupAvs and the rewards wiring made can be removed (and set again) by the owner too
        bytes4 submit = rc.createOperatorDirectedOperatorSetRewardsSubmission.selector;
        permissionController.removeAppointee(address(oracle), address(vault), address(rc), submit);
        assertFalse(permissionController.canCall(address(oracle), address(vault), address(rc), submit), "vault out");
        permissionController.setAppointee(address(oracle), address(vault), address(rc), submit);
        assertTrue(permissionController.canCall(address(oracle), address(vault), address(rc), submit), "vault in");

        // and admins: another admin in two steps, then removed
        address second = address(0x5EC0);
        permissionController.addPendingAdmin(address(oracle), second);
        vm.prank(second);
        permissionController.acceptAdmin(address(oracle));
        assertTrue(permissionController.isAdmin(address(oracle), second), "second admin");
        permissionController.removeAdmin(address(oracle), second);
        assertFalse(permissionController.isAdmin(address(oracle), second), "second admin removed");
    }

    /// @dev A stranger can neither manage the AVS account on the PermissionController nor through the oracle
    /// (setupAvs).
    function test_avsAdmins_strangerCannot() public {
        address stranger = address(0xBAD);
        address target = address(allocationManager);
        bytes4 sel = IAllocationManager.slashOperator.selector;
        vm.startPrank(stranger);
        vm.expectRevert(IPermissionControllerErrors.AdminNotPending.selector);
        permissionController.acceptAdmin(address(oracle));
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        permissionController.setAppointee(address(oracle), stranger, target, sel);
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        permissionController.removeAppointee(
            address(oracle), address(registry), target, IAllocationManager.deregisterFromOperatorSets.selector
        );
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        permissionController.addPendingAdmin(address(oracle), stranger);
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        permissionController.removePendingAdmin(address(oracle), address(this));
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        permissionController.removeAdmin(address(oracle), address(oracle));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        oracle.setupAvs("ipfs://x");
        vm.stopPrank();
        assertFalse(permissionController.canCall(address(oracle), stranger, target, sel), "stranger cannot slash");
        assertFalse(permissionController.isPendingAdmin(address(oracle), stranger), "stranger not pending");
    }

    /// @dev With the owner an admin too, the oracle's own core calls still pass the PermissionController: setupAvs
    /// again (metadata URI, registrar; the admin and appointee steps already done are skipped), createQuorum
    /// (createOperatorSets) and a slash (slashOperator); the owner appoints on the PermissionController directly.
    function test_avsAdmins_oracleCoreCallsStillWork() public {
        permissionController.acceptAdmin(address(oracle));

        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.AVSMetadataURIUpdated(address(oracle), "ipfs://v2");
        oracle.setupAvs("ipfs://v2");
        assertTrue(permissionController.isAdmin(address(oracle), address(this)), "owner still admin");
        assertEq(permissionController.getPendingAdmins(address(oracle)).length, 0, "nothing pending");
        oracle.createQuorum(1, MIN_STAKE, 64, _strategyParams(1e18));
        bytes4 uriSel = IAllocationManager.updateAVSMetadataURI.selector;
        permissionController.setAppointee(address(oracle), address(0xA99), address(allocationManager), uriSel);
        assertTrue(
            permissionController.canCall(address(oracle), address(0xA99), address(allocationManager), uriSel), "set"
        );

        for (uint256 i; i < 4; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
        Task memory task = _request(MODEL_EXACT, hex"0a0b0c", address(0), 0);
        vm.roll(block.number + 1);
        bytes memory out = _output(_vals(1, 2, 3));
        bool[] memory signs = _all(true);
        signs[3] = false;
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), signs);
        oracle.respondToTask(task, out, p);
        bytes memory dissent = _output(_vals(1, 2, 4));
        BN254.G1Point memory sig = _signOne(ops[3], _digest(task, dissent));
        oracle.slashDissenter(task, out, _srh(task.referenceBlock, p), dissent, ops[3], sig);
        assertEq(
            allocationManager.getAllocation(ops[3], OperatorSet(address(oracle), 0), strategy).currentMagnitude,
            0.9e18,
            "slashed through slashOperator"
        );
    }

    /// @dev After an ownership transfer the new owner runs setupAvs to become a pending admin.
    function test_avsAdmins_newOwnerBecomesPendingAdminThroughSetupAvs() public {
        permissionController.acceptAdmin(address(oracle));
        address next = address(0x0E1);
        oracle.transferOwnership(next);
        vm.startPrank(next);
        oracle.acceptOwnership();
        oracle.setupAvs("ipfs://aioracle-avs");
        permissionController.acceptAdmin(address(oracle));
        permissionController.removeAdmin(address(oracle), address(this));
        vm.stopPrank();
        assertTrue(permissionController.isAdmin(address(oracle), next), "new owner admin");
        assertFalse(permissionController.isAdmin(address(oracle), address(this)), "old owner removed");
        assertTrue(permissionController.isAdmin(address(oracle), address(oracle)), "oracle still admin");
    }

    /// @dev Overloaded functions, called on the devnet core with exactly the real selectors.
    function test_overloadedSelectors_dispatch() public {
        address op = address(0x77);
        _registerOperator(op, 0, 1 ether);
        IStrategy[] memory strategies = _one(strategy);
        (bool ok, bytes memory ret) = address(allocationManager).staticcall(
            abi.encodeWithSelector(Overloads.IAllocationManager_getMaxMagnitudes_address_addressArray, op, strategies)
        );
        assertTrue(ok, "getMaxMagnitudes(address,address[])");
        assertEq(abi.decode(ret, (uint64[]))[0], 1e18, "max magnitude");
        (ok, ret) = address(allocationManager).staticcall(
            abi.encodeWithSelector(Overloads.IAllocationManager_getMaxMagnitudes_addressArray_address, _oneAddr(op), strategy)
        );
        assertTrue(ok, "getMaxMagnitudes(address[],address)");
        assertEq(abi.decode(ret, (uint64[]))[0], 1e18, "max magnitude");
    }

    /// @dev PermissionController's views are `view` in the deployed releases: callable with staticcall.
    function test_permissionControllerViews_areStatic() public view {
        (bool ok,) = address(permissionController).staticcall(
            abi.encodeCall(IPermissionController.canCall, (address(1), address(2), address(3), bytes4(0x12345678)))
        );
        assertTrue(ok, "canCall static");
        (ok,) = address(permissionController).staticcall(
            abi.encodeCall(IPermissionController.getAppointees, (address(1), address(3), bytes4(0x12345678)))
        );
        assertTrue(ok, "getAppointees static");
    }
}
