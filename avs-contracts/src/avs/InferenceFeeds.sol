// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {FeedAdapter} from "./FeedAdapter.sol";
import {IInferenceFeeds} from "../interfaces/IInferenceFeeds.sol";
import {IInferenceOracle} from "../interfaces/IInferenceOracle.sol";
import {IInputSource} from "../interfaces/IInputSource.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title InferenceFeeds
/// @notice Price-feed-style rounds on top of the InferenceOracle. A round request becomes an oracle task with
/// `feedId` set (the requester pays the fee and gets the refund if it expires); when the oracle accepts the
/// response it calls `recordAnswer`, which takes the int32 little-endian element at the feed's `answerIndex`
/// after the 5-byte output header (version 0x01 + uint32 LE batch, docs/encoding.md) as the answer.
/// Rounds are numbered from 1 in the order they are answered; a task older than the feed's latest answered
/// task does not make a round (FeedRoundSkipped). Each feed gets a FeedAdapter (Chainlink AggregatorV3Interface).
/// @dev Kept apart from the oracle so that the oracle stays under the 24,576-byte code limit.
contract InferenceFeeds is IInferenceFeeds, Ownable2Step {
    uint8 internal constant OUTPUT_VERSION = 0x01;
    uint256 internal constant OUTPUT_HEADER_BYTES = 5;

    IInferenceOracle public immutable oracle;
    IModelRegistry public immutable models;

    /// @notice Number of feeds created (the last feedId).
    uint64 public feedCount;
    mapping(uint64 feedId => Feed) internal _feeds;
    mapping(uint64 feedId => mapping(uint64 roundId => Round)) internal _rounds;
    mapping(uint64 taskId => uint64) internal _requestedAt;

    constructor(IInferenceOracle oracle_, IModelRegistry models_, address initialOwner) Ownable(initialOwner) {
        oracle = oracle_;
        models = models_;
    }

    /// @notice Create a feed and deploy its AggregatorV3Interface adapter.
    /// @param input Fixed model input (canonical bytes); ignored when `inputSource` is set.
    /// @param inputSource Contract read for the input of each round, or address(0).
    /// @param answerIndex Index of the int32 output element (after the 5-byte header) that is the answer.
    /// @param heartbeat Seconds between rounds that keepers aim for.
    function createFeed(
        bytes32 modelId,
        bytes calldata input,
        IInputSource inputSource,
        uint8 decimals,
        uint32 answerIndex,
        uint32 heartbeat,
        string calldata description
    ) external onlyOwner returns (uint64 feedId, address adapter) {
        if (!models.exists(modelId)) revert InvalidFeed("unknown model");
        if (address(inputSource) == address(0) && input.length == 0) revert InvalidFeed("no input");
        feedId = ++feedCount;
        adapter = address(new FeedAdapter(this, feedId));
        Feed storage f = _feeds[feedId];
        f.modelId = modelId;
        f.inputSource = inputSource;
        f.decimals = decimals;
        f.answerIndex = answerIndex;
        f.heartbeat = heartbeat;
        f.active = true;
        f.adapter = adapter;
        f.description = description;
        f.input = input;
        emit FeedCreated(feedId, modelId, adapter, decimals, answerIndex, heartbeat, description);
    }

    /// @notice Enable or disable new rounds of a feed (its data stays readable).
    function setFeedActive(uint64 feedId, bool active) external onlyOwner {
        _feed(feedId).active = active;
        emit FeedActiveSet(feedId, active);
    }

    /// @notice Request a new round of `feedId` (anyone). msg.value is the task fee (>= the model's fee), refunded
    /// to the caller if the task expires. The input is the feed's fixed input or its source's currentInput().
    function requestFeedRound(uint64 feedId) external payable returns (uint64 taskId) {
        Feed storage f = _feed(feedId);
        if (!f.active) revert FeedNotActive(feedId);
        bytes memory input = address(f.inputSource) != address(0) ? f.inputSource.currentInput() : f.input;
        taskId = oracle.requestFeedTask{value: msg.value}(msg.sender, f.modelId, input, feedId);
        _requestedAt[taskId] = uint64(block.timestamp);
        emit FeedRoundRequested(feedId, taskId, msg.sender);
    }

    /// @notice Called by the oracle when it accepts the response to a feed task.
    function recordAnswer(uint64 feedId, uint64 taskId, bytes calldata output) external {
        if (msg.sender != address(oracle)) revert OnlyOracle();
        Feed storage f = _feeds[feedId];
        if (taskId <= f.latestTaskId) {
            emit FeedRoundSkipped(feedId, taskId, true);
            return;
        }
        uint256 offset = OUTPUT_HEADER_BYTES + uint256(f.answerIndex) * 4;
        if (output.length < offset + 4 || uint8(output[0]) != OUTPUT_VERSION) {
            emit FeedRoundSkipped(feedId, taskId, false);
            return;
        }
        int32 answer = int32(
            uint32(uint8(output[offset])) | (uint32(uint8(output[offset + 1])) << 8)
                | (uint32(uint8(output[offset + 2])) << 16) | (uint32(uint8(output[offset + 3])) << 24)
        );
        uint64 roundId = f.latestRound + 1;
        f.latestRound = roundId;
        f.latestTaskId = taskId;
        _rounds[feedId][roundId] = Round(answer, _requestedAt[taskId], uint64(block.timestamp), taskId);
        emit FeedRoundAnswered(feedId, roundId, answer, taskId);
    }

    /// @notice The feed's record; reverts UnknownFeed.
    function getFeed(uint64 feedId) external view returns (Feed memory) {
        return _feed(feedId);
    }

    /// @notice Round `roundId` of `feedId` in Chainlink's shape; reverts NoDataPresent for an unanswered round.
    function getFeedRound(uint64 feedId, uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Feed storage f = _feed(feedId);
        if (roundId == 0 || roundId > f.latestRound) revert NoDataPresent();
        Round storage r = _rounds[feedId][uint64(roundId)];
        return (roundId, int256(r.answer), r.startedAt, r.updatedAt, roundId);
    }

    /// @notice The latest answered round of `feedId`; reverts NoDataPresent before the first.
    function latestFeedRound(uint64 feedId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getFeedRound(feedId, _feed(feedId).latestRound);
    }

    /// @notice The task that produced round `roundId` of `feedId` (0 if none).
    function feedRoundTask(uint64 feedId, uint64 roundId) external view returns (uint64) {
        return _rounds[feedId][roundId].taskId;
    }

    function _feed(uint64 feedId) internal view returns (Feed storage f) {
        f = _feeds[feedId];
        if (f.modelId == bytes32(0)) revert UnknownFeed(feedId);
    }
}
