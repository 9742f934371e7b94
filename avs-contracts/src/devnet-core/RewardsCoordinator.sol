// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IRewardsCoordinator} from "../interfaces/eigenlayer/IRewardsCoordinator.sol";
import {IAllocationManager} from "../interfaces/eigenlayer/IAllocationManager.sol";
import {IStrategyManager} from "../interfaces/eigenlayer/IStrategyManager.sol";
import {IStrategy} from "../interfaces/eigenlayer/IStrategy.sol";
import {IPermissionController} from "../interfaces/eigenlayer/IPermissionController.sol";
import {OperatorSet} from "../interfaces/eigenlayer/OperatorSetLib.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";

/// @title RewardsCoordinator (devnet stand-in)
/// @notice The parts of EigenLayer's RewardsCoordinator an AVS and its operators use, with the real ABI
/// (test/avs/EigenLayerCompatTable.t.sol): operator-directed operator-set rewards submissions with the real
/// validation (AVS or its appointee; existing operator set; strategies whitelisted and ascending; operators
/// ascending, non-zero amounts; a past range aligned to CALCULATION_INTERVAL_SECONDS, no longer than
/// MAX_REWARDS_DURATION, not before GENESIS_REWARDS_TIMESTAMP or MAX_RETROACTIVE_LENGTH ago; the submission hash
/// keccak256(abi.encode(avs, nonce, submission)) recorded and the nonce increased), distribution roots posted by the
/// rewards updater, and claims proven against a root with the real leaf hashes and Merkle rule (the earner's claimer,
/// cumulative earnings minus what was claimed).
///
/// Where it simplifies (and the real core differs):
///   - There is no off-chain rewards calculation. Each submission is credited at once to a ledger of cumulative
///     earnings, the whole amount to the operator: the real calculation gives the operator its operator-set split
///     (getOperatorSetSplit, 10% by default) and the rest to its stakers by stake. The two agree when the operator is
///     its own only staker, as every devnet operator is.
///   - `publishLedgerRoot()` (not in the real contract) builds the Merkle tree of that ledger on chain and posts it as
///     the next distribution root, playing the rewards updater + sidecar; `getLedgerClaim` (not real either) returns
///     the claim (leaves and proofs) an earner sends to processClaim. The real rewards updater posts roots of the
///     sidecar's calculation (weekly on mainnet), and claims are built from the sidecar's data.
///   - No pausing, no protocol fee, no other submission kinds, no root disabling, no upgradeability.
contract RewardsCoordinator is IRewardsCoordinator, PermissionControllerMixin, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint8 internal constant EARNER_LEAF_SALT = 0;
    uint8 internal constant TOKEN_LEAF_SALT = 1;
    uint16 internal constant ONE_HUNDRED_IN_BIPS = 10_000;
    uint256 internal constant MAX_REWARDS_AMOUNT = 1e38 - 1;

    IAllocationManager public immutable allocationManager;
    IStrategyManager public immutable strategyManager;
    uint32 public immutable CALCULATION_INTERVAL_SECONDS;
    uint32 public immutable MAX_REWARDS_DURATION;
    uint32 public immutable MAX_RETROACTIVE_LENGTH;
    uint32 public immutable GENESIS_REWARDS_TIMESTAMP;

    address public rewardsUpdater;
    uint32 public activationDelay;
    uint32 public currRewardsCalculationEndTimestamp;
    uint16 public defaultOperatorSplitBips = 1000;
    mapping(address earner => address) public claimerFor;
    mapping(address earner => mapping(IERC20 token => uint256)) public cumulativeClaimed;
    mapping(address avs => uint256) public submissionNonce;
    mapping(address avs => mapping(bytes32 hash => bool)) public isOperatorDirectedOperatorSetRewardsSubmissionHash;
    mapping(address operator => mapping(bytes32 operatorSetKey => uint16)) internal _operatorSetSplit;
    mapping(address operator => mapping(bytes32 operatorSetKey => bool)) internal _operatorSetSplitSet;

    DistributionRoot[] internal _distributionRoots;

    // ---- the stand-in's ledger (see the contract doc) ----
    /// @dev Latest end (exclusive) of any submitted range: the calculation end of the next ledger root.
    uint32 internal _latestSubmissionEnd;
    address[] internal _earners;
    mapping(address earner => bool) internal _isEarner;
    IERC20[] internal _tokens;
    mapping(IERC20 token => bool) internal _isToken;
    mapping(address earner => mapping(IERC20 token => uint256)) internal _ledger;
    /// @dev Per ledger root: how many earners and tokens it covers, and their cumulative earnings then.
    mapping(uint32 rootIndex => uint256) internal _rootEarnerCount;
    mapping(uint32 rootIndex => uint256) internal _rootTokenCount;
    mapping(uint32 rootIndex => mapping(address earner => mapping(IERC20 token => uint256))) internal _rootLedger;

    error RewardsEndTimestampNotElapsedOrNoNewSubmission();

    constructor(
        IAllocationManager allocationManager_,
        IStrategyManager strategyManager_,
        IPermissionController permissionController_,
        address rewardsUpdater_,
        uint32 calculationIntervalSeconds,
        uint32 maxRewardsDuration,
        uint32 maxRetroactiveLength,
        uint32 genesisRewardsTimestamp
    ) PermissionControllerMixin(permissionController_) {
        allocationManager = allocationManager_;
        strategyManager = strategyManager_;
        rewardsUpdater = rewardsUpdater_;
        CALCULATION_INTERVAL_SECONDS = calculationIntervalSeconds;
        MAX_REWARDS_DURATION = maxRewardsDuration;
        MAX_RETROACTIVE_LENGTH = maxRetroactiveLength;
        GENESIS_REWARDS_TIMESTAMP = genesisRewardsTimestamp;
        emit RewardsUpdaterSet(address(0), rewardsUpdater_);
    }

    // ---- submissions ----

    /// @inheritdoc IRewardsCoordinator
    function createOperatorDirectedOperatorSetRewardsSubmission(
        OperatorSet calldata operatorSet,
        OperatorDirectedRewardsSubmission[] calldata submissions
    ) external checkCanCall(operatorSet.avs) nonReentrant {
        require(allocationManager.isOperatorSet(operatorSet), InvalidOperatorSet());
        for (uint256 i; i < submissions.length; ++i) {
            OperatorDirectedRewardsSubmission calldata s = submissions[i];
            uint256 nonce = submissionNonce[operatorSet.avs];
            uint256 amount = _validate(s);
            bytes32 hash = keccak256(abi.encode(operatorSet.avs, nonce, s));
            s.token.safeTransferFrom(msg.sender, address(this), amount);
            isOperatorDirectedOperatorSetRewardsSubmissionHash[operatorSet.avs][hash] = true;
            submissionNonce[operatorSet.avs] = nonce + 1;
            _credit(s);
            emit OperatorDirectedOperatorSetRewardsSubmissionCreated(msg.sender, hash, operatorSet, nonce, s);
        }
    }

    function _validate(OperatorDirectedRewardsSubmission calldata s) internal view returns (uint256 amount) {
        require(s.strategiesAndMultipliers.length > 0, InputArrayLengthZero());
        require(s.duration <= MAX_REWARDS_DURATION, DurationExceedsMax());
        require(s.duration % CALCULATION_INTERVAL_SECONDS == 0, InvalidDurationRemainder());
        require(s.duration > 0, DurationIsZero());
        require(s.startTimestamp % CALCULATION_INTERVAL_SECONDS == 0, InvalidStartTimestampRemainder());
        require(
            block.timestamp - MAX_RETROACTIVE_LENGTH <= s.startTimestamp && GENESIS_REWARDS_TIMESTAMP <= s.startTimestamp,
            StartTimestampTooFarInPast()
        );
        address last;
        for (uint256 i; i < s.strategiesAndMultipliers.length; ++i) {
            IStrategy strategy = s.strategiesAndMultipliers[i].strategy;
            require(strategyManager.strategyIsWhitelistedForDeposit(strategy), StrategyNotWhitelisted());
            require(last < address(strategy), StrategiesNotInAscendingOrder());
            last = address(strategy);
        }
        require(s.operatorRewards.length > 0, InputArrayLengthZero());
        require(uint256(s.startTimestamp) + s.duration < block.timestamp, SubmissionNotRetroactive());
        last = address(0);
        for (uint256 i; i < s.operatorRewards.length; ++i) {
            address op = s.operatorRewards[i].operator;
            require(op != address(0), InvalidAddressZero());
            require(last < op, OperatorsNotInAscendingOrder());
            require(s.operatorRewards[i].amount > 0, AmountIsZero());
            amount += s.operatorRewards[i].amount;
            last = op;
        }
        require(amount <= MAX_REWARDS_AMOUNT, AmountExceedsMax());
    }

    function _credit(OperatorDirectedRewardsSubmission calldata s) internal {
        IERC20 token = s.token;
        if (!_isToken[token]) {
            _isToken[token] = true;
            _tokens.push(token);
        }
        for (uint256 i; i < s.operatorRewards.length; ++i) {
            address op = s.operatorRewards[i].operator;
            if (!_isEarner[op]) {
                _isEarner[op] = true;
                _earners.push(op);
            }
            _ledger[op][token] += s.operatorRewards[i].amount;
        }
        uint32 end = s.startTimestamp + s.duration;
        if (end > _latestSubmissionEnd) _latestSubmissionEnd = end;
    }

    // ---- roots ----

    /// @inheritdoc IRewardsCoordinator
    function submitRoot(bytes32 root, uint32 rewardsCalculationEndTimestamp) external {
        require(msg.sender == rewardsUpdater, UnauthorizedCaller());
        _submitRoot(root, rewardsCalculationEndTimestamp);
    }

    function _submitRoot(bytes32 root, uint32 endTimestamp) internal returns (uint32 rootIndex) {
        require(endTimestamp > currRewardsCalculationEndTimestamp, NewRootMustBeForNewCalculatedPeriod());
        require(endTimestamp < block.timestamp, RewardsEndTimestampNotElapsed());
        rootIndex = uint32(_distributionRoots.length);
        uint32 activatedAt = uint32(block.timestamp) + activationDelay;
        _distributionRoots.push(DistributionRoot(root, endTimestamp, activatedAt, false));
        currRewardsCalculationEndTimestamp = endTimestamp;
        emit DistributionRootSubmitted(rootIndex, root, endTimestamp, activatedAt);
    }

    /// @notice Stand-in only: post the Merkle root of the ledger (every submission so far) as the next distribution
    /// root, for the calculation period ending at the latest submitted range's end. Permissionless.
    function publishLedgerRoot() external returns (uint32 rootIndex) {
        uint32 end = _latestSubmissionEnd;
        if (end <= currRewardsCalculationEndTimestamp || end >= block.timestamp) {
            revert RewardsEndTimestampNotElapsedOrNoNewSubmission();
        }
        rootIndex = uint32(_distributionRoots.length);
        uint256 ne = _earners.length;
        uint256 nt = _tokens.length;
        _rootEarnerCount[rootIndex] = ne;
        _rootTokenCount[rootIndex] = nt;
        for (uint256 i; i < ne; ++i) {
            for (uint256 t; t < nt; ++t) {
                _rootLedger[rootIndex][_earners[i]][_tokens[t]] = _ledger[_earners[i]][_tokens[t]];
            }
        }
        _submitRoot(_merkleRoot(_earnerLeaves(rootIndex)), end);
    }

    /// @notice Stand-in only: the claim of `earner` against ledger root `rootIndex` for every token with unclaimed
    /// earnings (an empty tokenLeaves when none).
    function getLedgerClaim(address earner, uint32 rootIndex) external view returns (RewardsMerkleClaim memory claim) {
        require(rootIndex < _distributionRoots.length && _rootEarnerCount[rootIndex] != 0, InvalidRootIndex());
        bytes32[] memory leaves = _earnerLeaves(rootIndex);
        uint256 ne = _rootEarnerCount[rootIndex];
        uint256 index = type(uint256).max;
        for (uint256 i; i < ne; ++i) {
            if (_earners[i] == earner) index = i;
        }
        require(index != type(uint256).max, InvalidEarnerLeafIndex());
        bytes32[] memory tokenLeaves = _tokenLeaves(rootIndex, earner);
        claim.rootIndex = rootIndex;
        claim.earnerIndex = uint32(index);
        claim.earnerTreeProof = _merkleProof(leaves, index);
        claim.earnerLeaf = EarnerTreeMerkleLeaf(earner, _merkleRoot(tokenLeaves));
        uint256 nt = _rootTokenCount[rootIndex];
        uint256 m;
        for (uint256 t; t < nt; ++t) {
            if (_rootLedger[rootIndex][earner][_tokens[t]] > cumulativeClaimed[earner][_tokens[t]]) ++m;
        }
        claim.tokenIndices = new uint32[](m);
        claim.tokenTreeProofs = new bytes[](m);
        claim.tokenLeaves = new TokenTreeMerkleLeaf[](m);
        m = 0;
        for (uint256 t; t < nt; ++t) {
            IERC20 token = _tokens[t];
            uint256 cumulative = _rootLedger[rootIndex][earner][token];
            if (cumulative <= cumulativeClaimed[earner][token]) continue;
            claim.tokenIndices[m] = uint32(t);
            claim.tokenTreeProofs[m] = _merkleProof(tokenLeaves, t);
            claim.tokenLeaves[m] = TokenTreeMerkleLeaf(token, cumulative);
            ++m;
        }
    }

    /// @notice Stand-in only: an earner's cumulative earnings in `token` credited so far (in a root or not yet).
    function ledgerEarnings(address earner, IERC20 token) external view returns (uint256) {
        return _ledger[earner][token];
    }

    function _tokenLeaves(uint32 rootIndex, address earner) internal view returns (bytes32[] memory leaves) {
        uint256 nt = _rootTokenCount[rootIndex];
        leaves = new bytes32[](nt);
        for (uint256 t; t < nt; ++t) {
            leaves[t] = _tokenLeafHash(_tokens[t], _rootLedger[rootIndex][earner][_tokens[t]]);
        }
    }

    function _earnerLeaves(uint32 rootIndex) internal view returns (bytes32[] memory leaves) {
        uint256 ne = _rootEarnerCount[rootIndex];
        leaves = new bytes32[](ne);
        for (uint256 i; i < ne; ++i) {
            leaves[i] = _earnerLeafHash(_earners[i], _merkleRoot(_tokenLeaves(rootIndex, _earners[i])));
        }
    }

    // ---- claims ----

    /// @inheritdoc IRewardsCoordinator
    function processClaim(RewardsMerkleClaim calldata claim, address recipient) external nonReentrant {
        _processClaim(claim, recipient);
    }

    /// @inheritdoc IRewardsCoordinator
    function processClaims(RewardsMerkleClaim[] calldata claims, address recipient) external nonReentrant {
        for (uint256 i; i < claims.length; ++i) {
            _processClaim(claims[i], recipient);
        }
    }

    function _processClaim(RewardsMerkleClaim calldata claim, address recipient) internal {
        require(claim.rootIndex < _distributionRoots.length, InvalidRootIndex());
        DistributionRoot memory root = _distributionRoots[claim.rootIndex];
        _checkClaim(claim, root);
        address earner = claim.earnerLeaf.earner;
        address claimer = claimerFor[earner];
        if (claimer == address(0)) claimer = earner;
        require(msg.sender == claimer, UnauthorizedCaller());
        for (uint256 i; i < claim.tokenIndices.length; ++i) {
            TokenTreeMerkleLeaf calldata leaf = claim.tokenLeaves[i];
            uint256 already = cumulativeClaimed[earner][leaf.token];
            require(leaf.cumulativeEarnings > already, EarningsNotGreaterThanClaimed());
            uint256 amount = leaf.cumulativeEarnings - already;
            cumulativeClaimed[earner][leaf.token] = leaf.cumulativeEarnings;
            leaf.token.safeTransfer(recipient, amount);
            emit RewardsClaimed(root.root, earner, claimer, recipient, leaf.token, amount);
        }
    }

    function _checkClaim(RewardsMerkleClaim calldata claim, DistributionRoot memory root) internal view {
        require(!root.disabled, RootDisabled());
        require(block.timestamp >= root.activatedAt, RootNotActivated());
        require(claim.tokenIndices.length == claim.tokenTreeProofs.length, InputArrayLengthMismatch());
        require(claim.tokenTreeProofs.length == claim.tokenLeaves.length, InputArrayLengthMismatch());
        require(claim.earnerIndex < (uint256(1) << (claim.earnerTreeProof.length / 32)), InvalidEarnerLeafIndex());
        require(
            _verify(
                claim.earnerTreeProof,
                root.root,
                _earnerLeafHash(claim.earnerLeaf.earner, claim.earnerLeaf.earnerTokenRoot),
                claim.earnerIndex
            ),
            InvalidClaimProof()
        );
        for (uint256 i; i < claim.tokenIndices.length; ++i) {
            bytes calldata proof = claim.tokenTreeProofs[i];
            require(claim.tokenIndices[i] < (uint256(1) << (proof.length / 32)), InvalidTokenLeafIndex());
            TokenTreeMerkleLeaf calldata leaf = claim.tokenLeaves[i];
            require(
                _verify(
                    proof,
                    claim.earnerLeaf.earnerTokenRoot,
                    _tokenLeafHash(leaf.token, leaf.cumulativeEarnings),
                    claim.tokenIndices[i]
                ),
                InvalidClaimProof()
            );
        }
    }

    /// @inheritdoc IRewardsCoordinator
    function checkClaim(RewardsMerkleClaim calldata claim) external view returns (bool) {
        require(claim.rootIndex < _distributionRoots.length, InvalidRootIndex());
        _checkClaim(claim, _distributionRoots[claim.rootIndex]);
        return true;
    }

    /// @inheritdoc IRewardsCoordinator
    function setClaimerFor(address claimer) external {
        address prev = claimerFor[msg.sender];
        claimerFor[msg.sender] = claimer;
        emit ClaimerForSet(msg.sender, prev, claimer);
    }

    // ---- splits (recorded; the stand-in's ledger pays the operator in full, see the contract doc) ----

    /// @inheritdoc IRewardsCoordinator
    function setOperatorSetSplit(address operator, OperatorSet calldata operatorSet, uint16 split)
        external
        checkCanCall(operator)
    {
        require(split <= ONE_HUNDRED_IN_BIPS, SplitExceedsMax());
        require(allocationManager.isOperatorSet(operatorSet), InvalidOperatorSet());
        bytes32 key = _setKey(operatorSet);
        uint16 old = getOperatorSetSplit(operator, operatorSet);
        _operatorSetSplit[operator][key] = split;
        _operatorSetSplitSet[operator][key] = true;
        emit OperatorSetSplitBipsSet(msg.sender, operator, operatorSet, uint32(block.timestamp), old, split);
    }

    /// @inheritdoc IRewardsCoordinator
    function getOperatorSetSplit(address operator, OperatorSet calldata operatorSet) public view returns (uint16) {
        bytes32 key = _setKey(operatorSet);
        return _operatorSetSplitSet[operator][key] ? _operatorSetSplit[operator][key] : defaultOperatorSplitBips;
    }

    // ---- views ----

    /// @inheritdoc IRewardsCoordinator
    function calculateEarnerLeafHash(EarnerTreeMerkleLeaf calldata leaf) external pure returns (bytes32) {
        return _earnerLeafHash(leaf.earner, leaf.earnerTokenRoot);
    }

    /// @inheritdoc IRewardsCoordinator
    function calculateTokenLeafHash(TokenTreeMerkleLeaf calldata leaf) external pure returns (bytes32) {
        return _tokenLeafHash(leaf.token, leaf.cumulativeEarnings);
    }

    function getDistributionRootsLength() external view returns (uint256) {
        return _distributionRoots.length;
    }

    function getDistributionRootAtIndex(uint256 index) external view returns (DistributionRoot memory) {
        return _distributionRoots[index];
    }

    function getCurrentDistributionRoot() external view returns (DistributionRoot memory root) {
        uint256 n = _distributionRoots.length;
        if (n != 0) root = _distributionRoots[n - 1];
    }

    function getCurrentClaimableDistributionRoot() external view returns (DistributionRoot memory root) {
        for (uint256 i = _distributionRoots.length; i > 0; --i) {
            DistributionRoot memory r = _distributionRoots[i - 1];
            if (!r.disabled && block.timestamp >= r.activatedAt) return r;
        }
    }

    function getRootIndexFromHash(bytes32 rootHash) external view returns (uint32) {
        for (uint256 i = _distributionRoots.length; i > 0; --i) {
            if (_distributionRoots[i - 1].root == rootHash) return uint32(i - 1);
        }
        revert InvalidRoot();
    }

    // ---- hashing ----

    function _earnerLeafHash(address earner, bytes32 earnerTokenRoot) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(EARNER_LEAF_SALT, earner, earnerTokenRoot));
    }

    function _tokenLeafHash(IERC20 token, uint256 cumulativeEarnings) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(TOKEN_LEAF_SALT, token, cumulativeEarnings));
    }

    function _setKey(OperatorSet calldata os) internal pure returns (bytes32) {
        return bytes32(abi.encodePacked(os.avs, uint96(os.id)));
    }

    /// @dev Merkle inclusion as EigenLayer's Merkle.verifyInclusionKeccak: bit k of `index` = 0 puts the running hash
    /// on the left at level k; an empty proof proves the root itself; the root must not be zero.
    function _verify(bytes calldata proof, bytes32 root, bytes32 leaf, uint256 index) internal pure returns (bool) {
        if (root == bytes32(0) || proof.length % 32 != 0) return false;
        bytes32 h = leaf;
        for (uint256 i; i < proof.length; i += 32) {
            bytes32 sibling = bytes32(proof[i:i + 32]);
            h = index % 2 == 0 ? keccak256(abi.encodePacked(h, sibling)) : keccak256(abi.encodePacked(sibling, h));
            index /= 2;
        }
        return h == root;
    }

    /// @dev Leaves padded with zero hashes to a power of two (one leaf: the leaf itself).
    function _merkleRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        if (leaves.length == 0) return bytes32(0);
        bytes32[] memory level = _pad(leaves);
        while (level.length > 1) level = _up(level);
        return level[0];
    }

    function _merkleProof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes memory proof) {
        bytes32[] memory level = _pad(leaves);
        while (level.length > 1) {
            proof = bytes.concat(proof, level[index ^ 1]);
            index >>= 1;
            level = _up(level);
        }
    }

    function _pad(bytes32[] memory leaves) internal pure returns (bytes32[] memory level) {
        uint256 size = 1;
        while (size < leaves.length) size <<= 1;
        level = new bytes32[](size);
        for (uint256 i; i < leaves.length; ++i) {
            level[i] = leaves[i];
        }
    }

    function _up(bytes32[] memory level) internal pure returns (bytes32[] memory next) {
        next = new bytes32[](level.length / 2);
        for (uint256 j; j < next.length; ++j) {
            next[j] = keccak256(abi.encodePacked(level[2 * j], level[2 * j + 1]));
        }
    }
}
