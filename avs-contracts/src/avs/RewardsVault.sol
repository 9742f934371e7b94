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
/// @notice Pays the fees of answered tasks to the operators that signed them, by their stake at the task's reference
/// block, through EigenLayer's RewardsCoordinator (docs/protocol.md "Rewards").
///
/// Accounting (per quorum; O(1) per response plus O(1) per non-signer; nothing loops over the members per task):
///   - `acc[q]` grows by `f = share · PRECISION / signedStake` (PRECISION = 1e24) for every response, where `share` is
///     the quorum's part of the fee after the submitter's gas refund and `signedStake` the signature check's signed
///     stake in q at the reference block;
///   - each non-signer's snapshot `accSnap` grows by the same f, so that task adds nothing for it;
///   - an operator's earnings in q are `stake · (acc[q] − accSnap) / PRECISION`, settled into `earned` whenever its
///     stake changes (the registry calls `onStakeChange`) and when rewards are submitted.
/// `stake` here is the registry's latest stake, which is the stake at the reference block unless the operator's
/// stake changed after it. Such a task (its reference block before the quorum's last stake change) is corrected
/// exactly: the vault keeps a per-quorum log of which operators changed stake in which block, and for every operator
/// that changed after the reference block (and signed) it excludes the current stake from the task (accSnap += f)
/// and credits `stakeAtReferenceBlock · f / PRECISION` directly, reading that stake from the registry's checkpoints.
/// So every signer is credited its stake at the reference block, whoever refreshed stakes meanwhile, and a
/// refresh that leaves a stake unchanged is not a change. The cost is paid only by tasks in flight across a change:
/// O(operators that changed since the reference block).
///
/// The vault checks that the stake it credits equals the signed stake: if it knows more (it is out of sync with the
/// registry) it credits nobody, if less (attached after operators registered, before `sync`) only the known signers;
/// what it cannot attribute (also shares too small to be represented) is held per quorum (`unassigned`) and added to
/// the quorum's accumulator at the start of the next submission round, for the members by their recorded stake.
/// Nobody (the owner included) can withdraw operators' fees; no operator is credited more than the fee; no wei is
/// created.
///
/// Money: the fees stay in the oracle's balance until used (the vault is the oracle's fee collector); gas refunds
/// are credited to the submitter and withdrawn with `withdrawGasRefund`; `submitRewards` (permissionless; a round
/// per calculation interval, paged over the operators) settles the operators of its page, wraps their earnings into
/// WETH and submits one operator-directed operator-set rewards submission per quorum for the round's window, which
/// the coordinator pays out to the operators' claims.
contract RewardsVault is IRewardsVault, Ownable2Step, ReentrancyGuardTransient {
    /// @dev Scale of the accumulators (uint128, one slot with the quorum's other books). Rounding loses at most
    /// stake / 1e24 wei per task and operator (under 1 wei below a million ether of stake) plus a wei per settlement.
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
    /// @notice Operators settled and submitted by one submitRewards() call (submitRewardsPage takes any page size).
    uint256 public constant SUBMIT_PAGE = 100;

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

    /// @dev An operator seen here: its address and its index in `_operators` (one slot).
    struct Enlisted {
        address operator;
        uint32 index;
    }

    /// @dev An operator that changed stake after a task's reference block (the late path of _accrueQuorum).
    struct Changer {
        bytes32 id;
        uint96 stakeNow;
        uint96 stakeAtRef;
    }

    mapping(uint8 quorum => QuorumBook) internal _books;
    mapping(bytes32 operatorId => mapping(uint8 quorum => Position)) internal _positions;
    /// @dev Settled, not yet submitted earnings per operator and quorum.
    mapping(bytes32 operatorId => mapping(uint8 quorum => uint256)) internal _earned;
    mapping(bytes32 operatorId => Enlisted) internal _enlisted;
    bytes32[] internal _operators;
    /// @dev Per quorum, the stake changes in block order: `block << 32 | operator index` (4 per slot). Consecutive
    /// changes of one operator share an entry (its block updated).
    mapping(uint8 quorum => uint64[]) internal _changeLog;
    /// @notice Gas refunds credited to submitters, withdrawn with withdrawGasRefund.
    mapping(address submitter => uint256) public gasRefunds;
    /// @notice Wei of quorum `q` that could not be attributed to a task's signers (see the contract doc); added to
    /// the quorum's accumulator at the start of the next submission round.
    mapping(uint8 quorum => uint256) public unassigned;
    /// @notice Wei submitted to the RewardsCoordinator for `operator`, in total.
    mapping(address operator => uint256) public submitted;
    /// @notice End (exclusive) of the last completed submission round; the next round starts here.
    uint32 public lastSubmittedEnd;
    /// @dev The round in progress (duration 0: none): its window and the next operator index to submit.
    uint32 internal _roundStart;
    uint32 internal _roundDuration;
    uint32 internal _roundCursor;

    event GasRefundWithdrawn(address indexed submitter, uint256 amount);
    /// @notice One submitRewards page: `amount` wei to `operators` operator-quorum earnings, for the window.
    event RewardsSubmitted(uint32 startTimestamp, uint32 duration, uint256 amount, uint256 operators);
    /// @notice Progress of the round of `startTimestamp`: operators [0, nextIndex) of `operatorCount` are done
    /// (nextIndex == operatorCount: the round is complete).
    event SubmissionProgress(uint32 startTimestamp, uint32 duration, uint256 nextIndex, uint256 operatorCount);
    event OperatorSynced(address indexed operator, uint8 quorum, bool member, uint96 stake);

    error OnlyOracle();
    error OnlyRegistry();
    error NothingToSubmit();
    error NothingToWithdraw();
    error ZeroPage();
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

    /// @dev The oracle's fee withdrawals land here.
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
        if (refund != 0) gasRefunds[submitter] += refund;
        uint256 net = fees - refund;
        uint256 nq = quorumNumbers.length;
        uint256 each = net / nq;
        for (uint256 k; k < nq; ++k) {
            uint256 share = k + 1 == nq ? net - each * (nq - 1) : each;
            _accrueQuorum(uint8(quorumNumbers[k]), share, referenceBlock, signedStake[k], nonSignerIds);
        }
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

    /// @dev Credits `share` to the signers of quorum `q` by their stake at `referenceBlock`; what cannot be
    /// attributed is held in `unassigned[q]`.
    function _accrueQuorum(
        uint8 q,
        uint256 share,
        uint32 referenceBlock,
        uint256 signed,
        bytes32[] calldata nonSignerIds
    ) internal {
        if (share == 0) return;
        QuorumBook memory b = _books[q];
        uint256 f = signed == 0 ? 0 : share * PRECISION / signed;
        if (f == 0 || f + b.acc > type(uint128).max) {
            // nobody signed, a share below signed / 1e24 wei, or an absurdly small signed stake
            unassigned[q] += share;
            return;
        }
        // one pass over the non-signers: exclude each from this task (accSnap += f) and take out its stake
        uint256 known = b.totalStake;
        uint256 n = nonSignerIds.length;
        for (uint256 i; i < n; ++i) {
            Position storage p = _positions[nonSignerIds[i]][q];
            Position memory m = p;
            if (m.stake == 0) continue; // not a member here, or no stake: nothing to exclude
            known -= m.stake;
            p.accSnap = m.accSnap + uint128(f); // accSnap <= acc
        }
        Changer[] memory late;
        if (referenceBlock < b.lastChangeBlock) {
            // in flight across a stake change: the changers' current stakes out, their stakes at the reference block in
            late = _changersSince(q, referenceBlock, nonSignerIds);
            for (uint256 i; i < late.length; ++i) {
                known = known - late[i].stakeNow + late[i].stakeAtRef;
            }
        }
        if (known == 0 || known > signed) {
            // out of sync (never credit more stake than signed): undo and hold the share
            for (uint256 i; i < n; ++i) {
                Position storage p = _positions[nonSignerIds[i]][q];
                if (p.stake != 0) p.accSnap -= uint128(f);
            }
            unassigned[q] += share;
            return;
        }
        _books[q].acc = uint128(b.acc + f);
        for (uint256 i; i < late.length; ++i) {
            Changer memory c = late[i];
            if (c.stakeNow != 0) _positions[c.id][q].accSnap += uint128(f);
            if (c.stakeAtRef != 0) _earned[c.id][q] += uint256(c.stakeAtRef) * f / PRECISION;
        }
        // credited: Σ stake·f/PRECISION over the known signers <= known·f/PRECISION (<= share); rounded up here so
        // the credits plus the held part never exceed the share
        if (known < signed) unassigned[q] += share - Math.mulDiv(known, f, PRECISION, Math.Rounding.Ceil);
    }

    /// @dev The operators (not among `nonSignerIds`) whose stake in `q` changed after block `ref`, each once, with
    /// their current stake and their stake at `ref` (the registry's checkpoint; 0 if not a member then).
    function _changersSince(uint8 q, uint32 ref, bytes32[] calldata nonSignerIds)
        internal
        view
        returns (Changer[] memory out)
    {
        uint64[] storage log = _changeLog[q];
        uint256 len = log.length;
        uint256 first = len;
        while (first > 0 && uint32(log[first - 1] >> 32) > ref) --first;
        out = new Changer[](len - first);
        uint256 m;
        for (uint256 e = len; e > first; --e) {
            bytes32 id = _operators[uint32(log[e - 1])];
            if (_seen(out, m, id) || _contains(nonSignerIds, id)) continue;
            out[m++] = _changer(id, q, ref);
        }
        assembly ("memory-safe") {
            mstore(out, m)
        }
    }

    function _seen(Changer[] memory list, uint256 m, bytes32 id) internal pure returns (bool) {
        for (uint256 k; k < m; ++k) {
            if (list[k].id == id) return true;
        }
        return false;
    }

    function _changer(bytes32 id, uint8 q, uint32 ref) internal view returns (Changer memory) {
        (bool member, uint96 atRef) = registry.getOperatorStakeAt(id, q, ref);
        return Changer({id: id, stakeNow: _positions[id][q].stake, stakeAtRef: member ? atRef : 0});
    }

    /// @dev Whether `id` is in `ids` (ascending, as the signature check requires).
    function _contains(bytes32[] calldata ids, bytes32 id) internal pure returns (bool) {
        uint256 lo;
        uint256 hi = ids.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            bytes32 v = ids[mid];
            if (v == id) return true;
            if (uint256(v) < uint256(id)) lo = mid + 1;
            else hi = mid;
        }
        return false;
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
                if (!member) stake = 0;
                Position storage p = _positions[id][quorums[j]];
                if (p.member == member && p.stake == stake) continue;
                _setStake(id, operators[i], quorums[j], member, stake);
                emit OperatorSynced(operators[i], quorums[j], member, stake);
            }
        }
    }

    /// @dev Records `stake` (0 for a non-member). Only a different stake is a change: it settles the operator,
    /// moves the quorum's total, stamps the quorum's last change block and logs the change.
    function _setStake(bytes32 id, address operator, uint8 q, bool member, uint96 stake) internal {
        Enlisted memory en = _enlisted[id];
        if (en.operator == address(0)) {
            en = Enlisted({operator: operator, index: uint32(_operators.length)});
            _enlisted[id] = en;
            _operators.push(id);
        }
        if (!member) stake = 0;
        Position storage p = _positions[id][q];
        Position memory m = p;
        if (m.stake == stake) {
            if (m.member != member) p.member = member;
            return;
        }
        QuorumBook storage b = _books[q];
        uint128 acc = b.acc;
        if (m.stake != 0 && acc != m.accSnap) _earned[id][q] += uint256(m.stake) * (acc - m.accSnap) / PRECISION;
        _positions[id][q] = Position({stake: stake, member: member, accSnap: acc});
        b.totalStake = b.totalStake - m.stake + stake;
        b.lastChangeBlock = uint32(block.number);
        _logChange(q, en.index);
    }

    function _logChange(uint8 q, uint32 index) internal {
        uint64[] storage log = _changeLog[q];
        uint256 len = log.length;
        uint64 entry = uint64(block.number) << 32 | index;
        if (len != 0) {
            uint64 last = log[len - 1];
            if (uint32(last) == index) {
                // the same operator again: its latest change block is what the late path needs
                if (last != entry) log[len - 1] = entry;
                return;
            }
        }
        log.push(entry);
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

    /// @notice The window of the round submitRewards would submit for: the round in progress, else from the end of
    /// the last one (or one interval back) to the last interval boundary strictly before now, within the
    /// coordinator's retroactive and duration limits. duration = 0 when nothing can be submitted yet.
    function submissionWindow() public view returns (uint32 startTimestamp, uint32 duration) {
        (startTimestamp, duration,) = _round();
    }

    /// @notice The round in progress: operators [0, nextIndex) of `operators` are submitted (inRound false: none
    /// in progress; the next submitRewards starts a round at index 0).
    function submissionProgress() external view returns (bool inRound, uint256 nextIndex, uint256 operators) {
        return (_roundDuration != 0, _roundCursor, _operators.length);
    }

    /// @dev (start, duration, first operator index) of the next page: the round in progress while its window is
    /// still accepted by the coordinator, else a fresh round.
    function _round() internal view returns (uint32, uint32, uint256) {
        IRewardsCoordinator rc = rewardsCoordinator;
        uint256 interval = rc.CALCULATION_INTERVAL_SECONDS();
        uint256 earliest = rc.GENESIS_REWARDS_TIMESTAMP();
        uint256 retro = rc.MAX_RETROACTIVE_LENGTH();
        if (block.timestamp > retro) {
            uint256 e = Math.ceilDiv(block.timestamp - retro, interval) * interval;
            if (e > earliest) earliest = e;
        }
        uint32 rd = _roundDuration;
        if (rd != 0 && _roundStart >= earliest) return (_roundStart, rd, _roundCursor);
        uint256 end = (block.timestamp - 1) / interval * interval;
        uint256 start = lastSubmittedEnd;
        if (start == 0) start = end >= interval ? end - interval : 0;
        uint256 maxDuration = rc.MAX_REWARDS_DURATION() / interval * interval;
        if (end > start + maxDuration) start = end - maxDuration;
        if (start < earliest) start = earliest;
        if (end <= start) return (uint32(start), 0, 0);
        return (uint32(start), uint32(end - start), 0);
    }

    /// @notice Submit the next page of SUBMIT_PAGE operators of the current round (see submitRewardsPage).
    function submitRewards() external nonReentrant {
        _submit(SUBMIT_PAGE);
    }

    /// @notice Settle the next `maxOperators` operators (in the order the vault first saw them) and submit what each
    /// earned in each quorum as one operator-directed operator-set rewards submission per quorum (in WETH, operators
    /// ascending) covering submissionWindow(). A round (one window) takes as many pages as it needs; the next
    /// window opens when its last page is done and a calculation interval has ended. Permissionless; reverts
    /// TooEarly when no window is open and NothingToSubmit when a one-page round has nothing to pay.
    function submitRewardsPage(uint256 maxOperators) external nonReentrant {
        _submit(maxOperators);
    }

    function _submit(uint256 maxOperators) internal {
        if (maxOperators == 0) revert ZeroPage();
        (uint32 start, uint32 duration, uint256 from) = _round();
        if (duration == 0) revert TooEarly(uint256(start) + rewardsCoordinator.CALCULATION_INTERVAL_SECONDS() + 1);
        uint8[] memory quorums = registry.quorumList();
        if (from == 0) _releaseUnassigned(quorums);
        uint256 count = _operators.length;
        uint256 to = count - from > maxOperators ? from + maxOperators : count;
        (uint256[][] memory rewards, uint256 grand, uint256 paid) = _collect(quorums, from, to);
        if (to == count) {
            if (grand == 0 && from == 0) revert NothingToSubmit();
            lastSubmittedEnd = start + duration;
            _roundDuration = 0;
            _roundCursor = 0;
        } else {
            (_roundStart, _roundDuration, _roundCursor) = (start, duration, uint32(to));
        }
        emit SubmissionProgress(start, duration, to, count);
        if (grand == 0) return;
        oracle.withdrawFees(payable(address(this)), grand);
        IWETH(address(weth)).deposit{value: grand}();
        weth.approve(address(rewardsCoordinator), grand);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory one =
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        for (uint256 j; j < quorums.length; ++j) {
            if (rewards[j].length == 0) continue;
            one[0] = IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission({
                strategiesAndMultipliers: _strategies(quorums[j]),
                token: weth,
                operatorRewards: _operatorRewards(rewards[j]),
                startTimestamp: start,
                duration: duration,
                description: DESCRIPTION
            });
            rewardsCoordinator.createOperatorDirectedOperatorSetRewardsSubmission(
                OperatorSet({avs: address(oracle), id: quorums[j]}), one
            );
        }
        emit RewardsSubmitted(start, duration, grand, paid);
    }

    /// @dev At the start of a round: what each quorum holds unassigned goes to its members by recorded stake.
    function _releaseUnassigned(uint8[] memory quorums) internal {
        for (uint256 j; j < quorums.length; ++j) {
            uint8 q = quorums[j];
            uint256 u = unassigned[q];
            if (u == 0) continue;
            QuorumBook memory b = _books[q];
            if (b.totalStake == 0) continue;
            uint256 f = u * PRECISION / b.totalStake;
            if (f == 0 || f + b.acc > type(uint128).max) continue;
            _books[q].acc = uint128(b.acc + f);
            unassigned[q] = u - Math.mulDiv(b.totalStake, f, PRECISION, Math.Rounding.Ceil);
        }
    }

    /// @dev Settles operators [from, to) in every quorum and takes their earnings: per quorum the rewards packed as
    /// `operator << 96 | amount` (unsorted), and the sum and number of (operator, quorum) amounts. An amount is at
    /// most 2^96 − 1 wei per page (more than all ether; a larger one would wait for the next round).
    function _collect(uint8[] memory quorums, uint256 from, uint256 to)
        internal
        returns (uint256[][] memory rewards, uint256 grand, uint256 paid)
    {
        uint256 nq = quorums.length;
        rewards = new uint256[][](nq);
        uint128[] memory accs = new uint128[](nq);
        uint256[] memory counts = new uint256[](nq);
        for (uint256 j; j < nq; ++j) {
            rewards[j] = new uint256[](to - from);
            accs[j] = _books[quorums[j]].acc;
        }
        for (uint256 i = from; i < to; ++i) {
            bytes32 id = _operators[i];
            uint256 sum;
            address op;
            for (uint256 j; j < nq; ++j) {
                uint8 q = quorums[j];
                Position storage p = _positions[id][q];
                if (p.stake != 0) _settle(id, q, p, accs[j]); // a zero stake earns nothing (snapshot reset on joining)
                uint256 amount = _earned[id][q];
                if (amount == 0) continue;
                uint256 take = amount > type(uint96).max ? type(uint96).max : amount;
                _earned[id][q] = amount - take;
                if (op == address(0)) op = _enlisted[id].operator;
                rewards[j][counts[j]++] = uint256(uint160(op)) << 96 | take;
                sum += take;
            }
            if (sum == 0) continue;
            submitted[op] += sum;
            grand += sum;
        }
        for (uint256 j; j < nq; ++j) {
            uint256[] memory r = rewards[j];
            uint256 c = counts[j];
            paid += c;
            assembly ("memory-safe") {
                mstore(r, c)
            }
        }
    }

    /// @dev The coordinator's operator rewards from packed `operator << 96 | amount`, ascending by operator (the
    /// coordinator requires strictly ascending; the addresses are distinct).
    function _operatorRewards(uint256[] memory packed)
        internal
        pure
        returns (IRewardsCoordinatorTypes.OperatorReward[] memory r)
    {
        uint256 n = packed.length;
        if (n > 1) _sort(packed, 0, n - 1);
        r = new IRewardsCoordinatorTypes.OperatorReward[](n);
        for (uint256 i; i < n; ++i) {
            uint256 p = packed[i];
            r[i] = IRewardsCoordinatorTypes.OperatorReward({operator: address(uint160(p >> 96)), amount: uint96(p)});
        }
    }

    /// @dev Sorts a[lo..hi] ascending (distinct values): quicksort, recursing into the smaller side.
    function _sort(uint256[] memory a, uint256 lo, uint256 hi) internal pure {
        while (lo < hi) {
            uint256 j = _partition(a, lo, hi);
            if (j - lo < hi - j) {
                _sort(a, lo, j);
                lo = j + 1;
            } else {
                _sort(a, j + 1, hi);
                hi = j;
            }
        }
    }

    /// @dev Hoare partition of a[lo..hi] (lo < hi) around its middle element: returns j with lo <= j < hi,
    /// a[lo..j] <= pivot <= a[j+1..hi]. Indices stay within [lo, hi] (the scans stop at the pivot or a swapped value).
    function _partition(uint256[] memory a, uint256 lo, uint256 hi) internal pure returns (uint256 j) {
        assembly ("memory-safe") {
            let base := add(a, 0x20)
            let pivot := mload(add(base, shl(5, shr(1, add(lo, hi)))))
            let i := lo
            j := hi
            for {} 1 {} {
                for {} lt(mload(add(base, shl(5, i))), pivot) {} { i := add(i, 1) }
                for {} gt(mload(add(base, shl(5, j))), pivot) {} { j := sub(j, 1) }
                if iszero(lt(i, j)) { break }
                let pi := add(base, shl(5, i))
                let pj := add(base, shl(5, j))
                let t := mload(pi)
                mstore(pi, mload(pj))
                mstore(pj, t)
                i := add(i, 1)
                j := sub(j, 1)
            }
        }
    }

    /// @notice Withdraw the caller's gas refunds (in ETH).
    function withdrawGasRefund() external nonReentrant {
        uint256 amount = gasRefunds[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        gasRefunds[msg.sender] = 0;
        oracle.withdrawFees(payable(msg.sender), amount);
        emit GasRefundWithdrawn(msg.sender, amount);
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

    /// @notice The operator address of an operatorId seen here (address(0) if none).
    function operatorOf(bytes32 operatorId) external view returns (address) {
        return _enlisted[operatorId].operator;
    }

    /// @notice Number of operators the vault has seen (the range submitRewards pages over).
    function operatorCount() external view returns (uint256) {
        return _operators.length;
    }

    /// @notice Number of entries in quorum `quorum`'s stake change log.
    function changeLogLength(uint8 quorum) external view returns (uint256) {
        return _changeLog[quorum].length;
    }
}
