// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {FixedInputSource} from "./utils/Consumers.sol";
import {FeedAdapter} from "../../src/avs/FeedAdapter.sol";
import {IInferenceFeeds} from "../../src/interfaces/IInferenceFeeds.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {IInputSource} from "../../src/interfaces/IInputSource.sol";

/// @notice Feed rounds through the oracle, and the Chainlink AggregatorV3Interface adapter.
contract FeedsTest is AvsFixture {
    bytes internal constant INPUT = hex"0100000001000000070000002a000000";
    uint64 internal feedId;
    FeedAdapter internal adapter;

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < 4; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        address a;
        (feedId, a) = feeds.createFeed(MODEL_EXACT, INPUT, IInputSource(address(0)), 8, 1, 3600, "BTC/USD model");
        adapter = FeedAdapter(a);
        vm.warp(1_700_000_000);
        vm.roll(block.number + 1);
    }

    function _round() internal returns (Task memory task) {
        vm.recordLogs();
        vm.prank(requester);
        feeds.requestFeedRound{value: FEE}(feedId);
        task = _lastTask();
    }

    function _answer(Task memory task, int32 value) internal {
        bytes memory out = _output(_vals(99, value, -7));
        oracle.respondToTask(task, out, _sign(task, _digest(task, out), _all(true)));
    }

    function test_adapter_metadataAndNoDataBeforeFirstRound() public {
        assertEq(adapter.decimals(), 8, "decimals");
        assertEq(adapter.description(), "BTC/USD model", "description");
        assertEq(adapter.version(), 1, "version");
        vm.expectRevert(IInferenceFeeds.NoDataPresent.selector);
        adapter.latestRoundData();
        vm.expectRevert(IInferenceFeeds.NoDataPresent.selector);
        adapter.getRoundData(1);
    }

    function test_rounds_answeredAndReadThroughAdapter() public {
        Task memory t1 = _round();
        assertEq(t1.feedId, feedId, "task carries the feed id");
        assertEq(t1.requester, requester, "requester pays and would be refunded");
        assertEq(t1.inputHash, keccak256(INPUT), "fixed input");
        uint256 startedAt = block.timestamp;
        vm.warp(block.timestamp + 12);
        vm.roll(block.number + 1);
        vm.expectEmit(address(feeds));
        emit IInferenceFeeds.FeedRoundAnswered(feedId, 1, -42, t1.taskId);
        _answer(t1, -42);

        (uint80 roundId, int256 answer, uint256 s, uint256 u, uint80 answeredIn) = adapter.latestRoundData();
        assertEq(roundId, 1, "round 1");
        assertEq(answer, -42, "int32 at index 1, sign-extended");
        assertEq(s, startedAt, "startedAt = request time");
        assertEq(u, block.timestamp, "updatedAt = response time");
        assertEq(answeredIn, 1, "answeredInRound");

        Task memory t2 = _round();
        vm.warp(block.timestamp + 12);
        vm.roll(block.number + 1);
        _answer(t2, 123_456);
        (roundId, answer,,,) = adapter.latestRoundData();
        assertEq(roundId, 2, "round 2");
        assertEq(answer, 123_456, "new answer");
        (roundId, answer,,,) = adapter.getRoundData(1);
        assertEq(answer, -42, "round 1 kept");
        vm.expectRevert(IInferenceFeeds.NoDataPresent.selector);
        adapter.getRoundData(3);
    }

    function test_rounds_olderTaskAnsweredLateDoesNotOverwrite() public {
        Task memory t1 = _round();
        Task memory t2 = _round();
        vm.roll(block.number + 1);
        _answer(t2, 2);
        vm.expectEmit(address(feeds));
        emit IInferenceFeeds.FeedRoundSkipped(feedId, t1.taskId, true);
        _answer(t1, 1);
        (uint80 roundId, int256 answer,,,) = adapter.latestRoundData();
        assertEq(roundId, 1, "one round");
        assertEq(answer, 2, "the newer task's answer");
    }

    function test_rounds_inputFromSourceAndOnlyFeedsCreateFeedTasks() public {
        FixedInputSource src = new FixedInputSource();
        src.set(hex"deadbeef");
        (uint64 id2,) = feeds.createFeed(MODEL_EXACT, "", src, 0, 0, 60, "sourced");
        vm.recordLogs();
        feeds.requestFeedRound{value: FEE}(id2);
        Task memory t = _lastTask();
        assertEq(t.inputHash, keccak256(hex"deadbeef"), "input read from the source");
        vm.expectRevert(IInferenceOracleEvents.OnlyFeeds.selector);
        oracle.requestFeedTask{value: FEE}(address(this), MODEL_EXACT, INPUT, id2);
        vm.expectRevert(IInferenceFeeds.OnlyOracle.selector);
        feeds.recordAnswer(id2, 99, hex"01");
        feeds.setFeedActive(id2, false);
        vm.expectRevert(abi.encodeWithSelector(IInferenceFeeds.FeedNotActive.selector, id2));
        feeds.requestFeedRound{value: FEE}(id2);
    }

    function test_rounds_expiredRoundRefundsRequester() public {
        Task memory t = _round();
        vm.roll(t.deadlineBlock + 1);
        uint256 before = requester.balance;
        oracle.expireTask(t);
        assertEq(requester.balance, before + FEE, "refunded to the round's requester");
        vm.expectRevert(IInferenceFeeds.NoDataPresent.selector);
        adapter.latestRoundData();
    }
}
