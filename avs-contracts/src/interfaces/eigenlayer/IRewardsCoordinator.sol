// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi),
// src/contracts/interfaces/IRewardsCoordinator.sol: the operator-directed operator-set submission, distribution roots
// and the claim path, with their structs, events and errors; selectors checked by test/avs/EigenLayerCompat.t.sol.
// Omitted: the other submission kinds (AVS-wide, rewards-for-all, unique/total stake, EigenDA), the operator split
// setters other than the operator-set one, protocol fees, pausing and initialize.
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";
import {OperatorSet} from "./OperatorSetLib.sol";

interface IRewardsCoordinatorErrors {
    error UnauthorizedCaller();
    error InvalidAddressZero();
    error InvalidRoot();
    error InvalidRootIndex();
    error InputArrayLengthZero();
    error InputArrayLengthMismatch();
    error NewRootMustBeForNewCalculatedPeriod();
    error RewardsEndTimestampNotElapsed();
    error InvalidOperatorSet();
    error AmountIsZero();
    error AmountExceedsMax();
    error SplitExceedsMax();
    error DurationExceedsMax();
    error DurationIsZero();
    error InvalidDurationRemainder();
    error InvalidStartTimestampRemainder();
    error StartTimestampTooFarInPast();
    error StrategyNotWhitelisted();
    error StrategiesNotInAscendingOrder();
    error OperatorsNotInAscendingOrder();
    error SubmissionNotRetroactive();
    error InvalidClaimProof();
    error InvalidTokenLeafIndex();
    error InvalidEarnerLeafIndex();
    error EarningsNotGreaterThanClaimed();
    error RootDisabled();
    error RootNotActivated();
}

interface IRewardsCoordinatorTypes {
    /// @notice A strategy whose stake the reward is weighed by, and its weight.
    struct StrategyAndMultiplier {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice An amount of the submission's token for one operator.
    struct OperatorReward {
        address operator;
        uint256 amount;
    }

    /// @notice An AVS names how much each operator earned over [startTimestamp, startTimestamp + duration), a past
    /// range aligned to CALCULATION_INTERVAL_SECONDS. Operators strictly ascending, amounts non-zero.
    struct OperatorDirectedRewardsSubmission {
        StrategyAndMultiplier[] strategiesAndMultipliers;
        IERC20 token;
        OperatorReward[] operatorRewards;
        uint32 startTimestamp;
        uint32 duration;
        string description;
    }

    /// @notice A Merkle root of every earner's cumulative earnings, claimable from activatedAt.
    struct DistributionRoot {
        bytes32 root;
        uint32 rewardsCalculationEndTimestamp;
        uint32 activatedAt;
        bool disabled;
    }

    /// @notice Leaf of the distribution tree: an earner and the root of its token tree.
    struct EarnerTreeMerkleLeaf {
        address earner;
        bytes32 earnerTokenRoot;
    }

    /// @notice Leaf of an earner's token tree: a token and the earner's cumulative earnings in it.
    struct TokenTreeMerkleLeaf {
        IERC20 token;
        uint256 cumulativeEarnings;
    }

    /// @notice Proof of an earner leaf in root `rootIndex` and of token leaves in that earner's token tree.
    struct RewardsMerkleClaim {
        uint32 rootIndex;
        uint32 earnerIndex;
        bytes earnerTreeProof;
        EarnerTreeMerkleLeaf earnerLeaf;
        uint32[] tokenIndices;
        bytes[] tokenTreeProofs;
        TokenTreeMerkleLeaf[] tokenLeaves;
    }
}

interface IRewardsCoordinatorEvents is IRewardsCoordinatorTypes {
    event OperatorDirectedOperatorSetRewardsSubmissionCreated(
        address indexed caller,
        bytes32 indexed operatorDirectedRewardsSubmissionHash,
        OperatorSet operatorSet,
        uint256 submissionNonce,
        OperatorDirectedRewardsSubmission operatorDirectedRewardsSubmission
    );
    event RewardsUpdaterSet(address indexed oldRewardsUpdater, address indexed newRewardsUpdater);
    event ActivationDelaySet(uint32 oldActivationDelay, uint32 newActivationDelay);
    event OperatorSetSplitBipsSet(
        address indexed caller,
        address indexed operator,
        OperatorSet operatorSet,
        uint32 activatedAt,
        uint16 oldOperatorSetSplitBips,
        uint16 newOperatorSetSplitBips
    );
    event ClaimerForSet(address indexed earner, address indexed oldClaimer, address indexed claimer);
    event DistributionRootSubmitted(
        uint32 indexed rootIndex, bytes32 indexed root, uint32 indexed rewardsCalculationEndTimestamp, uint32 activatedAt
    );
    event RewardsClaimed(
        bytes32 root,
        address indexed earner,
        address indexed claimer,
        address indexed recipient,
        IERC20 token,
        uint256 claimedAmount
    );
}

/// @notice Where AVSs pay rewards and earners claim them. Submissions move tokens in; an off-chain calculation (the
/// rewards sidecar) turns them into cumulative earnings per earner, posted as a Merkle root by the rewards updater;
/// earners (or their claimer) claim the difference to what they already claimed.
interface IRewardsCoordinator is IRewardsCoordinatorErrors, IRewardsCoordinatorEvents {
    /// @notice Pays operators of `operatorSet` for a past range; the caller must be the AVS or its appointee
    /// (PermissionController). Pulls the sum of the amounts of each submission from the caller.
    function createOperatorDirectedOperatorSetRewardsSubmission(
        OperatorSet calldata operatorSet,
        OperatorDirectedRewardsSubmission[] calldata operatorDirectedRewardsSubmissions
    ) external;

    /// @notice Claims `claim` (its earner's cumulative earnings minus what it claimed) to `recipient`; the caller must
    /// be the earner or the claimer it set.
    function processClaim(RewardsMerkleClaim calldata claim, address recipient) external;
    function processClaims(RewardsMerkleClaim[] calldata claims, address recipient) external;

    /// @notice Posts a distribution root; only the rewards updater.
    function submitRoot(bytes32 root, uint32 rewardsCalculationEndTimestamp) external;

    /// @notice The caller lets `claimer` claim on its behalf.
    function setClaimerFor(address claimer) external;

    /// @notice Sets `operator`'s share (bips) of its rewards from `operatorSet`; the rest goes to its stakers.
    function setOperatorSetSplit(address operator, OperatorSet calldata operatorSet, uint16 split) external;

    function checkClaim(RewardsMerkleClaim calldata claim) external view returns (bool);
    function calculateEarnerLeafHash(EarnerTreeMerkleLeaf calldata leaf) external pure returns (bytes32);
    function calculateTokenLeafHash(TokenTreeMerkleLeaf calldata leaf) external pure returns (bytes32);
    function getOperatorSetSplit(address operator, OperatorSet calldata operatorSet) external view returns (uint16);
    function getDistributionRootsLength() external view returns (uint256);
    function getDistributionRootAtIndex(uint256 index) external view returns (DistributionRoot memory);
    function getCurrentDistributionRoot() external view returns (DistributionRoot memory);
    function getCurrentClaimableDistributionRoot() external view returns (DistributionRoot memory);
    function getRootIndexFromHash(bytes32 rootHash) external view returns (uint32);

    function rewardsUpdater() external view returns (address);
    function activationDelay() external view returns (uint32);
    function currRewardsCalculationEndTimestamp() external view returns (uint32);
    function defaultOperatorSplitBips() external view returns (uint16);
    function claimerFor(address earner) external view returns (address);
    function cumulativeClaimed(address earner, IERC20 token) external view returns (uint256);
    function submissionNonce(address avs) external view returns (uint256);
    function isOperatorDirectedOperatorSetRewardsSubmissionHash(address avs, bytes32 hash) external view returns (bool);

    function CALCULATION_INTERVAL_SECONDS() external view returns (uint32);
    function MAX_REWARDS_DURATION() external view returns (uint32);
    function MAX_RETROACTIVE_LENGTH() external view returns (uint32);
    function GENESIS_REWARDS_TIMESTAMP() external view returns (uint32);
}
