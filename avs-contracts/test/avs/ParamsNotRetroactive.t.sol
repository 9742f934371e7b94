// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";

/// @notice Owner changes to challengeWindow, maxStaleBlocks and a model's slashWad apply to tasks created after
/// the change; a pending task keeps the terms of its creation (docs/protocol.md "Parameter changes").
/// Operators 0-3 sign the accepted output; operator 4 signs a different one (the dissent).
contract ParamsNotRetroactiveTest is AvsFixture {
    bytes internal constant INPUT = hex"0a0b0c";
    address internal dissenter;

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < 5; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        dissenter = ops[4];
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
    }

    /// @dev Responds to `task` with `accepted` signed by operators 0-3; returns the signatory record hash.
    function _respond(Task memory task, bytes memory accepted) internal returns (bytes32) {
        bool[] memory signs = _all(true);
        signs[4] = false;
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, accepted), signs);
        oracle.respondToTask(task, accepted, p);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = BN254.hashG1(p.nonSignerPubkeys[0]);
        return keccak256(abi.encodePacked(task.referenceBlock, ids));
    }

    function _config() internal view returns (Config memory) {
        return oracle.config();
    }

    function test_challengeWindow_shortenedKeepsPendingTasksWindow() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        bytes memory dissent = _output(_vals(1, 2, 4));
        Task memory before = _request(MODEL_EXACT, INPUT, address(0), 0);

        Config memory c = _config();
        c.challengeWindow = 10;
        oracle.setConfig(c);
        c.challengeWindow = 10; // setting it again without a task in between changes nothing
        oracle.setConfig(c);
        Task memory later = _request(MODEL_EXACT, INPUT, address(0), 0);

        assertEq(oracle.config().challengeWindow, 10, "config() is the current window");
        assertEq(oracle.challengeWindowOf(before.taskId), CHALLENGE_WINDOW, "pending task keeps its window");
        assertEq(oracle.challengeWindowOf(later.taskId), 10, "new task gets the new window");

        bytes32 srhBefore = _respond(before, accepted);
        bytes32 srhLater = _respond(later, accepted);
        uint256 respondedBlock = block.number;
        vm.roll(respondedBlock + 30); // past the new window, within the old one

        // the task created afterwards: the new, shorter window
        BN254.G1Point memory sig = _signOne(dissenter, _digest(later, dissent));
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracleEvents.ChallengeWindowClosed.selector, later.taskId, respondedBlock + 10
            )
        );
        oracle.slashDissenter(later, accepted, srhLater, dissent, dissenter, sig);

        // the task created before: the window of its creation
        sig = _signOne(dissenter, _digest(before, dissent));
        oracle.slashDissenter(before, accepted, srhBefore, dissent, dissenter, sig);
        assertTrue(oracle.isSlashed(before.taskId, dissenter), "evidence accepted within the old window");
    }

    function test_challengeWindow_lengthenedAppliesToNewTasksOnly() public {
        Task memory before = _request(MODEL_EXACT, INPUT, address(0), 0);
        Config memory c = _config();
        c.challengeWindow = 80;
        oracle.setConfig(c);
        Task memory later = _request(MODEL_EXACT, INPUT, address(0), 0);
        c.challengeWindow = CHALLENGE_WINDOW; // back to the first value: a third entry
        oracle.setConfig(c);
        Task memory last = _request(MODEL_EXACT, INPUT, address(0), 0);
        assertEq(oracle.challengeWindowOf(before.taskId), CHALLENGE_WINDOW, "");
        assertEq(oracle.challengeWindowOf(later.taskId), 80, "");
        assertEq(oracle.challengeWindowOf(last.taskId), CHALLENGE_WINDOW, "");
        assertEq(oracle.challengeWindowOf(last.taskId + 5), CHALLENGE_WINDOW, "future tasks: the current one");
    }

    function test_maxStaleBlocks_loweredKeepsPendingTaskAnswerableUntilDeadline() public {
        bytes memory out = _output(_vals(1, 2, 3));
        Task memory before = _request(MODEL_EXACT, INPUT, address(0), 0);
        Task memory before2 = _request(MODEL_EXACT, INPUT, address(0), 0);

        Config memory c = _config();
        c.responseWindow = 5;
        c.maxStaleBlocks = 6;
        oracle.setConfig(c);
        Task memory later = _request(MODEL_EXACT, INPUT, address(0), 0);
        assertEq(later.deadlineBlock, block.number + 5, "new task: the new window");

        // the pending tasks: answerable until their creation-time deadline, 21 blocks after their reference block
        vm.roll(before.deadlineBlock);
        assertGt(block.number - before.referenceBlock, c.maxStaleBlocks, "beyond the new maxStaleBlocks");
        bool[] memory signs = _all(true);
        NonSignerStakesAndSignature memory p = _sign(before, _digest(before, out), signs);
        oracle.respondToTask(before, out, p);
        (TaskStatus status,) = oracle.taskStatus(before.taskId);
        assertEq(uint8(status), uint8(TaskStatus.Responded), "answered by respondToTask");

        Task[] memory tasks = new Task[](1);
        tasks[0] = before2;
        bytes[] memory outs = new bytes[](1);
        outs[0] = out;
        p = _sign(before2, _batchDigest(tasks, outs), signs);
        oracle.respondToBatch(tasks, outs, p);
        (status,) = oracle.taskStatus(before2.taskId);
        assertEq(uint8(status), uint8(TaskStatus.Responded), "answered by respondToBatch");

        // the task created afterwards: its deadline, from the new responseWindow, has passed
        p = _sign(later, _digest(later, out), signs);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracleEvents.ResponseWindowClosed.selector, later.taskId, later.deadlineBlock
            )
        );
        oracle.respondToTask(later, out, p);
    }

    function test_slashWad_changeAppliesToTasksCreatedAfterIt() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        bytes memory dissent = _output(_vals(1, 2, 4));
        Task memory before = _request(MODEL_EXACT, INPUT, address(0), 0);
        uint32 createdBefore = uint32(block.number);
        vm.roll(block.number + 1);
        models.setSlashWad(MODEL_EXACT, 0.5e18);
        Task memory later = _request(MODEL_EXACT, INPUT, address(0), 0);

        assertEq(models.slashWadAt(MODEL_EXACT, createdBefore), SLASH_WAD, "history: the old wad");
        assertEq(models.slashWadAt(MODEL_EXACT, uint32(block.number)), 0.5e18, "history: the new wad");
        assertEq(models.slashWadHistory(MODEL_EXACT).length, 2, "");
        (,,,, uint64 current) = models.modelTerms(MODEL_EXACT);
        assertEq(current, 0.5e18, "modelTerms: the current wad");

        bytes32 srhBefore = _respond(before, accepted);
        bytes32 srhLater = _respond(later, accepted);
        bytes32 operatorId = registry.operatorIdOf(dissenter);

        BN254.G1Point memory sig = _signOne(dissenter, _digest(before, dissent));
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.DissenterSlashed(
            before.taskId, dissenter, operatorId, keccak256(dissent), hex"00", SLASH_WAD
        );
        oracle.slashDissenter(before, accepted, srhBefore, dissent, dissenter, sig);

        sig = _signOne(dissenter, _digest(later, dissent));
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.DissenterSlashed(
            later.taskId, dissenter, operatorId, keccak256(dissent), hex"00", 0.5e18
        );
        oracle.slashDissenter(later, accepted, srhLater, dissent, dissenter, sig);
    }

    function test_slashWad_disablingAppliesToNewTasks() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        bytes memory dissent = _output(_vals(1, 2, 4));
        Task memory before = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(block.number + 1);
        models.setSlashWad(MODEL_EXACT, 0.2e18);
        models.setSlashWad(MODEL_EXACT, 0); // a second change in the same block replaces the first
        assertEq(models.slashWadHistory(MODEL_EXACT).length, 2, "");
        Task memory later = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes32 srhBefore = _respond(before, accepted);
        bytes32 srhLater = _respond(later, accepted);

        BN254.G1Point memory sig = _signOne(dissenter, _digest(later, dissent));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.SlashingDisabled.selector, MODEL_EXACT));
        oracle.slashDissenter(later, accepted, srhLater, dissent, dissenter, sig);

        sig = _signOne(dissenter, _digest(before, dissent));
        oracle.slashDissenter(before, accepted, srhBefore, dissent, dissenter, sig);
        assertTrue(oracle.isSlashed(before.taskId, dissenter), "pending task: slashed by its creation-time wad");
    }

    function test_slashWadAt_beforeRegistrationIsZero_unknownReverts() public {
        assertEq(models.slashWadAt(MODEL_EXACT, 0), 0, "");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, bytes32(uint256(1))));
        models.slashWadAt(bytes32(uint256(1)), 1);
    }
}
