// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IRewardsVault} from "../interfaces/IRewardsVault.sol";
import {IOperatorRegistry, IOperatorRegistryTypes} from "../interfaces/IOperatorRegistry.sol";
import {IRewardsCoordinator, IRewardsCoordinatorTypes} from "../interfaces/eigenlayer/IRewardsCoordinator.sol";
import {OperatorSet} from "../interfaces/eigenlayer/OperatorSetLib.sol";

/// @notice The oracle side of WETH: wrap ETH (WETH9's deposit).
interface IWETH {
    function deposit() external payable;
}

/// @notice What the vault needs of the oracle: the fee pool it draws from.
interface IFeePool {
    function withdrawFees(address payable to, uint256 amount) external;
}

/// @title RewardsVault
/// @notice Pays the fees of answered tasks to the operators that signed them, through EigenLayer's
/// RewardsCoordinator (docs/protocol.md "Rewards").
///
/// Accounting (per quorum, O(1) per response plus O(1) per non-signer; nothing loops over operators per task):
///   - `acc[q]` grows by `share · PRECISION / signedStake` (PRECISION = 1e24) for every response, where `share` is the quorum's part of
///     the fee after the submitter's gas refund and `signedStake` the signature check's signed stake in q;
///   - each non-signer's snapshot `accSnap` grows by the same amount, so that task adds nothing for it;
///   - an operator's earnings in q are `stake · (acc[q] − accSnap) / PRECISION`, settled into `earned` whenever
///     its stake changes (the registry calls `onStakeChange`) and when rewards are submitted.
/// This gives each signer exactly its stake's share of the signed stake, provided its stake recorded here is its
/// stake at the task's reference block. The vault checks that per response: a response whose reference block is
/// before the quorum's last stake change here (a task in flight across a change), or whose signed stake is less
/// than this vault's own sum for the signers (the vault is out of sync with the registry), credits nobody and its
/// share is `unattributed` (the owner may withdraw it); one where the vault knows less stake than signed (it was
/// attached after operators registered and `sync` was not called) credits the known signers and leaves the rest
/// unattributed. So no operator is ever credited more than its share, and no wei is created.
///
/// Money: the fees stay in the oracle's balance until used (the vault is the oracle's fee collector); gas refunds
/// are credited to the submitter and withdrawn with `withdrawGasRefund`; `submitRewards` (permissionless, once per
/// calculation interval) settles everyone, wraps the earned ETH into WETH and submits one operator-directed
/// operator-set rewards submission per quorum for the last whole interval(s), which the coordinator pays out to
/// the operators' claims.
contract RewardsVault is IRewardsVault, Ownable2Step, ReentrancyGuardTransient {
    /// @dev Scale of the accumulators (uint128, one slot with the quorum's other books). Rounding loses at most
    /// stake / 1e24 wei per task and operator (under 1 wei below a million ether of stake). A response that would
    /// overflow the accumulator (absurdly small signed stakes) is left unattributed.
    uint256 internal constant PRECISION = 1e24;
    /// @dev Gas of a transaction before execution.
    uint256 internal constant TX_BASE_GAS = 21_000;
    /// @dev Upper bound of calldata gas per byte (EIP-2028: 16 per non-zero byte, 4 per zero byte).
    uint256 internal constant CALLDATA_GAS_PER_BYTE = 16;
    /// @dev Gas spent after the vault measured (its own bookkeeping, the return to the oracle, the events after it).
    uint256 internal constant ACCRUE_OVERHEAD_GAS = 20_000;
    /// @dev The refunded gas price is at most basefee + this tip, so a submitter cannot pay itself the fee through an
    /// inflated priority fee.
    uint256 internal constant MAX_REFUND_TIP = 2 gwei;
    string internal constant DESCRIPTION = "aioracle:task-fees";

    IFeePool public immutable oracle;
    IOperatorRegistry public immutable registry;
    IRewardsCoordinator public immutable rewardsCoordinator;
    IERC20 public immutable weth;

    /// @dev Per quorum, one slot: the accumulator, the last stake change block, Σ stakes of the members known here.
    struct QuorumBook {
        uint128 acc;
        uint32 lastChangeBlock;
        uint96 totalStake;
    }

    /// @dev Per operator and quorum, one slot (a non-signer costs one read and one write).
    struct Position {
        uint96 stake;
        bool member;
        uint128 accSnap;
    }

    mapping(uint8 quorum => QuorumBook) internal _books;
    mapping(bytes32 operatorId => mapping(uint8 quorum => Position)) internal _positions;
    /// @dev Settled, not yet submitted earnings per operator and quorum.
    mapping(bytes32 operatorId => mapping(uint8 quorum => uint256)) internal _earned;
    /// @notice The operator address of an operatorId seen here.
    mapping(bytes32 operatorId => address) public operatorOf;
    bytes32[] internal _operators;
    /// @notice Gas refunds credited to submitters, withdrawn with withdrawGasRefund.
    mapping(address submitter => uint256) public gasRefunds;
    /// @notice Fees credited to no operator (see the contract doc), withdrawable by the owner.
    uint256 public unattributed;
    /// @notice Wei submitted to the RewardsCoordinator for `operator`, in total.
    mapping(address operator => uint256) public submitted;
    /// @notice End (exclusive) of the last submitted range; the next submission starts here.
    uint32 public lastSubmittedEnd;

    event GasRefundWithdrawn(address indexed submitter, uint256 amount);
    event UnattributedWithdrawn(address indexed to, uint256 amount);
    event RewardsSubmitted(uint32 startTimestamp, uint32 duration, uint256 amount, uint256 operators);
    event OperatorSynced(address indexed operator, uint8 quorum, bool member, uint96 stake);

    error OnlyOracle();
    error OnlyRegistry();
    error NothingToSubmit();
    error NothingToWithdraw();
    /// @notice Nothing can be submitted before timestamp `nextAt`.
    error TooEarly(uint256 nextAt);

    /// @param oracle_ The InferenceOracle (the AVS; it must appoint this vault for
    /// RewardsCoordinator.createOperatorDirectedOperatorSetRewardsSubmission and name it with setRewardsVault).
    /// @param registry_ The OperatorRegistry (its owner names this vault with setRewardsVault).
    /// @param rewardsCoordinator_ EigenLayer's RewardsCoordinator.
    /// @param weth_ The chain's wrapped ether (the token rewards are paid in).
    constructor(
        IFeePool oracle_,
        IOperatorRegistry registry_,
        IRewardsCoordinator rewardsCoordinator_,
        IERC20 weth_,
        address initialOwner
    ) Ownable(initialOwner) {
        oracle = oracle_;
        registry = registry_;
        rewardsCoordinator = rewardsCoordinator_;
        weth = weth_;
    }

    /// @dev The oracle's fee withdrawals and WETH unwraps (none here) land here.
    receive() external payable {
        if (msg.sender != address(oracle)) revert OnlyOracle();
    }

    // =========================================================================================================
    // Accrual (oracle) and stake changes (registry)
    // =========================================================================================================

    /// @inheritdoc IRewardsVault
    function accrue(
        address submitter,
        uint256 gasUsed,
        uint256 calldataLength,
        uint256 fees,
        bytes calldata quorumNumbers,
        uint32 referenceBlock,
        uint96[] calldata signedStake,
        bytes32[] calldata nonSignerIds
    ) external {
        if (msg.sender != address(oracle)) revert OnlyOracle();
        uint256 refund = _gasRefund(gasUsed, calldataLength, fees);
        _book(submitter, refund, _accrueQuorums(fees - refund, quorumNumbers, referenceBlock, signedStake, nonSignerIds));
    }

    function _book(address submitter, uint256 refund, uint256 lost) internal {
        if (refund != 0) gasRefunds[submitter] += refund;
        if (lost != 0) unattributed += lost;
    }

    /// @dev The submitter's refund: the oracle's gas used so far plus the transaction's base and calldata cost and
    /// what follows, at the transaction's gas price capped at basefee + MAX_REFUND_TIP; at most `fees`. (The oracle
    /// measures: gasleft() here would be short of the oracle's by the 1/64 an external call withholds.)
    function _gasRefund(uint256 gasUsed, uint256 calldataLength, uint256 fees) internal view returns (uint256 refund) {
        uint256 price = tx.gasprice;
        uint256 cap = block.basefee + MAX_REFUND_TIP;
        if (price > cap) price = cap;
        // at gas price 0 (eth_estimateGas, eth_call) 1 wei, so an estimate takes the same storage path (the refund
        // slot written) as the real transaction; otherwise estimates would fall short by up to 22,100 gas
        if (price == 0) price = 1;
        refund =
            (gasUsed + TX_BASE_GAS + calldataLength * CALLDATA_GAS_PER_BYTE + ACCRUE_OVERHEAD_GAS) * price;
        if (refund > fees) refund = fees;
    }

    /// @dev Splits `net` evenly over the quorums (the remainder to the last) and credits each; returns the unattributed.
    function _accrueQuorums(
        uint256 net,
        bytes calldata quorumNumbers,
        uint32 referenceBlock,
        uint96[] calldata signedStake,
        bytes32[] calldata nonSignerIds
    ) internal returns (uint256 lost) {
        uint256 nq = quorumNumbers.length;
        uint256 each = net / nq;
        for (uint256 k; k < nq; ++k) {
            uint256 share = k + 1 == nq ? net - each * (nq - 1) : each;
            lost += _accrueQuorum(uint8(quorumNumbers[k]), share, referenceBlock, signedStake[k], nonSignerIds);
        }
    }

    /// @dev Credits `share` to the signers of quorum `q`; returns the part credited to nobody.
    function _accrueQuorum(
        uint8 q,
        uint256 share,
        uint32 referenceBlock,
        uint256 signed,
        bytes32[] calldata nonSignerIds
    ) internal returns (uint256 lost) {
        if (share == 0) return 0;
        QuorumBook memory b = _books[q];
        uint256 known = b.totalStake;
        if (referenceBlock < b.lastChangeBlock || signed == 0) return share;
        uint256 f = share * PRECISION / signed;
        if (f == 0 || f + b.acc > type(uint128).max) return share;
        // one pass over the non-signers: exclude each from this task (accSnap += f) and count its stake
        uint256 n = nonSignerIds.length;
        for (uint256 i; i < n; ++i) {
            Position storage p = _positions[nonSignerIds[i]][q];
            Position memory m = p;
            if (!m.member) continue;
            known -= m.stake;
            p.accSnap = m.accSnap + uint128(f); // accSnap <= acc
        }
        if (known > signed) {
            // out of sync (never credit more stake than signed): undo and leave the share unattributed
            for (uint256 i; i < n; ++i) {
                Position storage p = _positions[nonSignerIds[i]][q];
                if (p.member) p.accSnap -= uint128(f);
            }
            return share;
        }
        _books[q].acc = uint128(b.acc + f);
        // credited: Σ stake·f/PRECISION over the known signers = known·f/PRECISION (≤ share); rounded up here so the
        // credits plus the unattributed part never exceed the share
        if (known < signed) lost = share - Math.mulDiv(known, f, PRECISION, Math.Rounding.Ceil);
    }

    /// @inheritdoc IRewardsVault
    function onStakeChange(bytes32 operatorId, address operator, uint8 quorum, bool member, uint96 stake) external {
        if (msg.sender != address(registry)) revert OnlyRegistry();
        _setStake(operatorId, operator, quorum, member, stake);
    }

    /// @notice Copy the registry's current stakes of `operators` (all quorums) into the vault: for a vault attached
    /// after operators registered. Permissionless; a no-op for what is already in sync.
    function sync(address[] calldata operators) external {
        uint8[] memory quorums = registry.quorumList();
        for (uint256 i; i < operators.length; ++i) {
            bytes32 id = registry.operatorIdOf(operators[i]);
            if (id == bytes32(0)) continue;
            for (uint256 j; j < quorums.length; ++j) {
                (bool member, uint96 stake) = registry.getOperatorStakeAt(id, quorums[j], uint32(block.number));
                Position storage p = _positions[id][quorums[j]];
                if (p.member == member && p.stake == stake) continue;
                _setStake(id, operators[i], quorums[j], member, stake);
                emit OperatorSynced(operators[i], quorums[j], member, stake);
            }
        }
    }

    function _setStake(bytes32 id, address operator, uint8 q, bool member, uint96 stake) internal {
        if (operatorOf[id] == address(0)) {
            operatorOf[id] = operator;
            _operators.push(id);
        }
        QuorumBook storage b = _books[q];
        Position storage p = _positions[id][q];
        _settle(id, q, p, b.acc);
        if (!member) stake = 0;
        b.totalStake = b.totalStake - p.stake + stake;
        b.lastChangeBlock = uint32(block.number);
        p.stake = stake;
        p.member = member;
    }

    function _settle(bytes32 id, uint8 q, Position storage p, uint128 acc) internal {
        uint128 snap = p.accSnap;
        if (acc == snap) return;
        uint96 stake = p.stake;
        if (stake != 0) _earned[id][q] += uint256(stake) * (acc - snap) / PRECISION;
        p.accSnap = acc;
    }

    // =========================================================================================================
    // Payouts
    // =========================================================================================================

    /// @notice The range the next submitRewards would cover: from the end of the last one (or one interval back) to
    /// the last interval boundary strictly before now, within the coordinator's retroactive and duration limits.
    /// duration = 0 when nothing can be submitted yet.
    function submissionWindow() public view returns (uint32 startTimestamp, uint32 duration) {
        IRewardsCoordinator rc = rewardsCoordinator;
        uint256 interval = rc.CALCULATION_INTERVAL_SECONDS();
        uint256 end = (block.timestamp - 1) / interval * interval;
        uint256 start = lastSubmittedEnd;
        if (start == 0) start = end >= interval ? end - interval : 0;
        uint256 maxDuration = rc.MAX_REWARDS_DURATION() / interval * interval;
        if (end > start + maxDuration) start = end - maxDuration;
        uint256 retro = rc.MAX_RETROACTIVE_LENGTH();
        if (block.timestamp > retro) {
            uint256 earliest = Math.ceilDiv(block.timestamp - retro, interval) * interval;
            if (start < earliest) start = earliest;
        }
        uint256 genesis = rc.GENESIS_REWARDS_TIMESTAMP();
        if (start < genesis) start = genesis;
        if (end <= start) return (uint32(start), 0);
        return (uint32(start), uint32(end - start));
    }

    /// @notice Settle every operator, and submit what each earned in each quorum as one operator-directed
    /// operator-set rewards submission per quorum (in WETH) covering submissionWindow(). Permissionless; reverts
    /// TooEarly when the window is empty and NothingToSubmit when nobody earned anything.
    function submitRewards() external nonReentrant {
        (uint32 start, uint32 duration) = submissionWindow();
        if (duration == 0) revert TooEarly(uint256(start) + rewardsCoordinator.CALCULATION_INTERVAL_SECONDS() + 1);
        uint8[] memory quorums = registry.quorumList();
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory subs =
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](quorums.length);
        uint256 grand;
        uint256 paid;
        for (uint256 j; j < quorums.length; ++j) {
            (IRewardsCoordinatorTypes.OperatorReward[] memory rewards, uint256 total) = _collect(quorums[j]);
            if (total == 0) continue;
            grand += total;
            paid += rewards.length;
            subs[j] = IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission({
                strategiesAndMultipliers: _strategies(quorums[j]),
                token: weth,
                operatorRewards: rewards,
                startTimestamp: start,
                duration: duration,
                description: DESCRIPTION
            });
        }
        if (grand == 0) revert NothingToSubmit();
        lastSubmittedEnd = start + duration;
        oracle.withdrawFees(payable(address(this)), grand);
        IWETH(address(weth)).deposit{value: grand}();
        weth.approve(address(rewardsCoordinator), grand);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory one =
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        for (uint256 j; j < quorums.length; ++j) {
            if (subs[j].operatorRewards.length == 0) continue;
            one[0] = subs[j];
            rewardsCoordinator.createOperatorDirectedOperatorSetRewardsSubmission(
                OperatorSet({avs: address(oracle), id: quorums[j]}), one
            );
        }
        emit RewardsSubmitted(start, duration, grand, paid);
    }

    /// @notice Withdraw the caller's gas refunds (in ETH).
    function withdrawGasRefund() external nonReentrant {
        uint256 amount = gasRefunds[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        gasRefunds[msg.sender] = 0;
        oracle.withdrawFees(payable(msg.sender), amount);
        emit GasRefundWithdrawn(msg.sender, amount);
    }

    /// @notice Withdraw fees that could not be attributed to signers (see the contract doc); the owner.
    function withdrawUnattributed(address payable to) external onlyOwner nonReentrant {
        uint256 amount = unattributed;
        if (amount == 0) revert NothingToWithdraw();
        unattributed = 0;
        oracle.withdrawFees(to, amount);
        emit UnattributedWithdrawn(to, amount);
    }

    /// @dev Settles every known operator in quorum `q` and takes its earnings; operators ascending by address.
    function _collect(uint8 q)
        internal
        returns (IRewardsCoordinatorTypes.OperatorReward[] memory rewards, uint256 total)
    {
        uint128 acc = _books[q].acc;
        uint256 n = _operators.length;
        rewards = new IRewardsCoordinatorTypes.OperatorReward[](n);
        uint256 m;
        for (uint256 i; i < n; ++i) {
            bytes32 id = _operators[i];
            Position storage p = _positions[id][q];
            if (p.stake != 0) _settle(id, q, p, acc); // a zero stake earns nothing (its snapshot is reset on joining)
            uint256 amount = _earned[id][q];
            if (amount == 0) continue;
            _earned[id][q] = 0;
            address op = operatorOf[id];
            submitted[op] += amount;
            total += amount;
            // insertion by address (the coordinator requires strictly ascending operators)
            uint256 k = m++;
            while (k > 0 && rewards[k - 1].operator > op) {
                rewards[k] = rewards[k - 1];
                --k;
            }
            rewards[k] = IRewardsCoordinatorTypes.OperatorReward({operator: op, amount: amount});
        }
        assembly ("memory-safe") {
            mstore(rewards, m)
        }
    }

    function _strategies(uint8 q) internal view returns (IRewardsCoordinatorTypes.StrategyAndMultiplier[] memory s) {
        IOperatorRegistryTypes.StrategyParams[] memory sp = registry.quorumStrategies(q);
        s = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](sp.length);
        for (uint256 i; i < sp.length; ++i) {
            s[i] = IRewardsCoordinatorTypes.StrategyAndMultiplier({strategy: sp[i].strategy, multiplier: sp[i].multiplier});
        }
    }

    // =========================================================================================================
    // Views (operator UIs, the operator CLI, metrics)
    // =========================================================================================================

    /// @notice Wei `operator` earned in `quorum` and not yet submitted (settled plus pending).
    function earnedIn(address operator, uint8 quorum) public view returns (uint256) {
        bytes32 id = registry.operatorIdOf(operator);
        Position storage p = _positions[id][quorum];
        uint256 acc = _books[quorum].acc;
        return _earned[id][quorum] + (acc > p.accSnap ? uint256(p.stake) * (acc - p.accSnap) / PRECISION : 0);
    }

    /// @notice Wei `operator` earned in all quorums and not yet submitted.
    function earned(address operator) external view returns (uint256 total) {
        uint8[] memory quorums = registry.quorumList();
        for (uint256 j; j < quorums.length; ++j) {
            total += earnedIn(operator, quorums[j]);
        }
    }

    /// @notice The stake the vault weighs `operator` with in `quorum` (the registry's latest), and membership.
    function positionOf(address operator, uint8 quorum) external view returns (bool member, uint96 stake) {
        Position storage p = _positions[registry.operatorIdOf(operator)][quorum];
        return (p.member, p.stake);
    }

    /// @notice Quorum `quorum`'s accumulator, last stake change block and known total stake.
    function quorumBook(uint8 quorum) external view returns (uint256 acc, uint32 lastChangeBlock, uint96 totalStake) {
        QuorumBook storage b = _books[quorum];
        return (b.acc, b.lastChangeBlock, b.totalStake);
    }

    /// @notice Number of operators the vault has seen.
    function operatorCount() external view returns (uint256) {
        return _operators.length;
    }
}
