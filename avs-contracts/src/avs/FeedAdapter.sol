// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {IInferenceFeeds} from "../interfaces/IInferenceFeeds.sol";

/// @title FeedAdapter
/// @notice Chainlink AggregatorV3Interface view of one AI Oracle feed. Rounds are numbered from 1 in the order
/// they were answered; answeredInRound == roundId; startedAt is the request's timestamp and updatedAt the
/// response's. getRoundData of an unknown round and latestRoundData before the first answer revert NoDataPresent.
contract FeedAdapter is AggregatorV3Interface {
    /// @notice The feeds contract that keeps the feed.
    IInferenceFeeds public immutable feeds;
    /// @notice The feed this adapter reads.
    uint64 public immutable feedId;

    constructor(IInferenceFeeds feeds_, uint64 feedId_) {
        feeds = feeds_;
        feedId = feedId_;
    }

    /// @notice Decimals of the answer (the model's fixed-point scale).
    function decimals() external view returns (uint8) {
        return feeds.getFeed(feedId).decimals;
    }

    /// @notice The feed's description.
    function description() external view returns (string memory) {
        return feeds.getFeed(feedId).description;
    }

    /// @notice Adapter version.
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @notice Round `_roundId`; reverts NoDataPresent if it was not answered.
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return feeds.getFeedRound(feedId, _roundId);
    }

    /// @notice The latest answered round; reverts NoDataPresent before the first.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return feeds.latestFeedRound(feedId);
    }
}
