// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IInputSource} from "./IInputSource.sol";

/// @notice Feeds kept by the AI Oracle: a model, an input and which output element is the answer; rounds are
/// oracle tasks with `feedId` set, numbered from 1 in the order they are answered.
interface IInferenceFeeds {
    struct Feed {
        bytes32 modelId;
        IInputSource inputSource; // read for each round when set; otherwise `input` is used
        uint8 decimals;
        uint32 answerIndex; // index of the int32 element of the output (after the 5-byte header)
        uint32 heartbeat; // seconds between rounds that keepers aim for (informational)
        bool active;
        address adapter; // the feed's AggregatorV3Interface
        uint64 latestRound; // 0 = no answer yet
        uint64 latestTaskId; // task of the latest round
        string description;
        bytes input;
    }

    /// @notice One answered round (1 slot).
    struct Round {
        int32 answer;
        uint64 startedAt; // timestamp of the request
        uint64 updatedAt; // timestamp of the response
        uint64 taskId;
    }

    event FeedCreated(
        uint64 indexed feedId,
        bytes32 indexed modelId,
        address adapter,
        uint8 decimals,
        uint32 answerIndex,
        uint32 heartbeat,
        string description
    );
    event FeedActiveSet(uint64 indexed feedId, bool active);
    event FeedRoundRequested(uint64 indexed feedId, uint64 indexed taskId, address indexed requester);
    event FeedRoundAnswered(uint64 indexed feedId, uint64 indexed roundId, int256 answer, uint64 taskId);
    /// @notice A feed task was answered but did not update the feed: `stale` if a later task already had,
    /// otherwise the output had no valid element at the feed's index.
    event FeedRoundSkipped(uint64 indexed feedId, uint64 indexed taskId, bool stale);

    error OnlyOracle();
    error UnknownFeed(uint64 feedId);
    error FeedNotActive(uint64 feedId);
    error InvalidFeed(string reason);
    error NoDataPresent();

    function createFeed(
        bytes32 modelId,
        bytes calldata input,
        IInputSource inputSource,
        uint8 decimals,
        uint32 answerIndex,
        uint32 heartbeat,
        string calldata description
    ) external returns (uint64 feedId, address adapter);
    function setFeedActive(uint64 feedId, bool active) external;
    function requestFeedRound(uint64 feedId) external payable returns (uint64 taskId);
    function recordAnswer(uint64 feedId, uint64 taskId, bytes calldata output) external;

    function feedCount() external view returns (uint64);
    function getFeed(uint64 feedId) external view returns (Feed memory);
    function getFeedRound(uint64 feedId, uint80 roundId)
        external
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    function latestFeedRound(uint64 feedId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
