// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {BN254} from "./libraries/BN254.sol";
import {IOperatorRegistry} from "../interfaces/IOperatorRegistry.sol";
import {IRewardsVault} from "../interfaces/IRewardsVault.sol";
import {IInferenceOracleTypes} from "../interfaces/IInferenceOracle.sol";
import {IAVSRegistrar} from "../interfaces/eigenlayer/IAVSRegistrar.sol";
import {IAllocationManager, IAllocationManagerTypes} from "../interfaces/eigenlayer/IAllocationManager.sol";
import {IStrategy} from "../interfaces/eigenlayer/IStrategy.sol";
import {OperatorSet} from "../interfaces/eigenlayer/OperatorSetLib.sol";

/// @dev The part of the InferenceOracle the registry reads: its windows, to check the stake look-ahead.
interface IOracleConfig {
    function config() external view returns (IInferenceOracleTypes.Config memory);
}

/// @title OperatorRegistry
/// @notice The AVS registrar: EigenLayer's BLSApkRegistry, StakeRegistry, IndexRegistry and BLSSignatureChecker
/// folded into one contract for one AVS.
///
/// Quorums are the AVS's operator sets (quorum number = operator set id, < 256). An operator joins through
/// AllocationManager.registerForOperatorSets, which calls `registerOperator` here with
/// `data = abi.encode(PubkeyRegistrationParams)`. The first registration fixes the operator's BLS key pair
/// (pkG1, pkG2) after checking a proof of possession; a key is never reused by another operator.
///
/// Stake of an operator in a quorum = Σ over the quorum's strategies of
/// AllocationManager.getMinimumSlashableStake(..., block.number + lookahead)[strategy] × multiplier / 1e18 (capped
/// at MAX_OPERATOR_STAKE), read at registration and whenever anyone calls `updateOperators`. The look-ahead covers
/// the response and challenge windows, so a queued deallocation stops counting as soon as it is weighed, not when
/// it takes effect: stake that votes is stake that can still be slashed for that vote. Registration below the
/// quorum's minimum stake reverts; an operator that later falls below it keeps its membership with stake 0 until
/// a refresh finds it above the minimum again, or until anyone ejects it (`ejectBelowMinimumStake`). The ejector
/// may eject any member (`ejectOperator`). A full quorum admits a newcomer with more stake than its smallest
/// member by ejecting that member (churn). Ejection deregisters through the AllocationManager (the AVS appoints
/// this registry for deregisterFromOperatorSets), whose callback does the bookkeeping, so membership here always
/// matches the AllocationManager's. Totals cannot overflow: at most MAX_OPERATORS_LIMIT members of
/// MAX_OPERATOR_STAKE each.
///
/// History is kept as checkpoints by block number: per quorum (total stake, aggregate G1 key), per operator and
/// quorum (member, stake). A state "at block B" is the last checkpoint with fromBlock ≤ B, so it includes every
/// change made in block B; the signature check therefore only accepts reference blocks < block.number.
/// Each history keeps its latest checkpoint in a fixed place (`head`) and the older ones in an array, so the
/// usual lookup (a recent reference block) reads the head only: one slot for an operator's stake, three for a
/// quorum; older blocks fall back to binary search.
contract OperatorRegistry is IOperatorRegistry, IAVSRegistrar, Ownable2Step, EIP712 {
    using BN254 for BN254.G1Point;

    /// @notice EIP-712 type of the proof-of-possession message (domain "AIOracleAVS", version "1").
    bytes32 public constant PUBKEY_REGISTRATION_TYPEHASH = keccak256("BN254PubkeyRegistration(address operator)");
    uint256 internal constant WAD = 1e18;
    /// @notice Upper bound of a quorum's maxOperators (also bounds the churn scan of a full quorum).
    uint32 public constant MAX_OPERATORS_LIMIT = 2048;
    /// @notice Cap of one operator's stake in a quorum: MAX_OPERATORS_LIMIT of them fit a uint96 total.
    uint96 public constant MAX_OPERATOR_STAKE = type(uint96).max / MAX_OPERATORS_LIMIT;

    IAllocationManager public immutable allocationManager;
    /// @notice The AVS (the InferenceOracle) whose operator sets are the quorums. Set once by the owner.
    address public avs;
    /// @notice Blocks ahead at which stake is weighed (minimum slashable stake at block.number + lookahead);
    /// at least the oracle's responseWindow + challengeWindow + 1. Shares a slot with `avs`.
    uint32 public lookahead;
    /// @notice May eject any member (besides the owner).
    address public ejector;
    /// @notice Told of every stake and membership change (RewardsVault.onStakeChange); address(0): none.
    address public rewardsVault;

    event RewardsVaultSet(address indexed vault);

    struct Quorum {
        bool exists;
        uint96 minimumStake;
        uint32 maxOperators;
        uint32 operatorCount;
    }

    struct OperatorKeys {
        bytes32 operatorId;
        BN254.G1Point pubkeyG1;
        BN254.G2Point pubkeyG2;
    }

    /// @dev 3 slots: (fromBlock, totalStake), apk.X, apk.Y.
    struct QuorumCheckpoint {
        uint32 fromBlock;
        uint96 totalStake;
        BN254.G1Point apk;
    }

    /// @dev 1 slot.
    struct StakeCheckpoint {
        uint32 fromBlock;
        bool member;
        uint96 stake;
    }

    /// @dev head: the latest checkpoint (fromBlock 0 = none yet); past: the older ones, ascending.
    struct QuorumHistory {
        QuorumCheckpoint head;
        QuorumCheckpoint[] past;
    }

    struct StakeHistory {
        StakeCheckpoint head;
        StakeCheckpoint[] past;
    }

    mapping(uint8 quorum => Quorum) internal _quorums;
    mapping(uint8 quorum => StrategyParams[]) internal _quorumStrategies;
    uint8[] internal _quorumList;

    mapping(address operator => OperatorKeys) internal _keys;
    /// @notice The operator that registered the key with this operatorId (address(0) if none).
    mapping(bytes32 operatorId => address) public operatorOfId;

    mapping(uint8 quorum => QuorumHistory) internal _quorumHistory;
    mapping(bytes32 operatorId => mapping(uint8 quorum => StakeHistory)) internal _stakeHistory;
    /// @dev Every operator that was ever a member of the quorum, in order of first joining (the index registry).
    mapping(uint8 quorum => bytes32[]) internal _everMembers;

    modifier onlyAllocationManager() {
        if (msg.sender != address(allocationManager)) revert OnlyAllocationManager();
        _;
    }

    modifier onlyAvs() {
        if (msg.sender != avs || msg.sender == address(0)) revert OnlyAvs();
        _;
    }

    /// @param allocationManager_ EigenLayer's AllocationManager (the only caller of the registrar callbacks).
    /// @param initialOwner Sets the AVS address once and tunes quorum minimum stake / maximum operators.
    constructor(IAllocationManager allocationManager_, address initialOwner)
        Ownable(initialOwner)
        EIP712("AIOracleAVS", "1")
    {
        allocationManager = allocationManager_;
    }

    // =========================================================================================================
    // Administration
    // =========================================================================================================

    /// @notice Bind the registry to its AVS (the InferenceOracle). Once only; must precede
    /// AllocationManager.setAVSRegistrar, which checks `supportsAVS`. Sets the look-ahead to the least the
    /// oracle's windows need.
    function setAvs(address avs_) external onlyOwner {
        if (avs != address(0)) revert AvsAlreadySet();
        if (avs_ == address(0)) revert AvsNotSet();
        avs = avs_;
        emit AvsSet(avs_);
        uint32 l = requiredLookahead();
        lookahead = l;
        emit LookaheadSet(l);
    }

    /// @notice Set the look-ahead (≥ requiredLookahead()). Raise it before raising the oracle's windows.
    function setLookahead(uint32 lookahead_) external onlyOwner {
        uint32 required = requiredLookahead();
        if (lookahead_ < required) revert LookaheadTooShort(lookahead_, required);
        lookahead = lookahead_;
        emit LookaheadSet(lookahead_);
    }

    /// @notice The least look-ahead the oracle's windows need: a stake weighed at a task's reference block must
    /// still be slashable at the last block evidence is accepted, referenceBlock + 1 + responseWindow +
    /// challengeWindow.
    function requiredLookahead() public view returns (uint32) {
        IInferenceOracleTypes.Config memory c = IOracleConfig(avs).config();
        return c.responseWindow + c.challengeWindow + 1;
    }

    /// @notice Name the ejector (address(0): only the owner ejects).
    function setEjector(address ejector_) external onlyOwner {
        ejector = ejector_;
        emit EjectorSet(ejector_);
    }

    /// @notice Name the RewardsVault told of stake changes (address(0): none). Set it before operators register, or
    /// call the vault's `sync` for the members registered before.
    function setRewardsVault(address vault) external onlyOwner {
        rewardsVault = vault;
        emit RewardsVaultSet(vault);
    }

    /// @notice Create quorum `quorum` (the AVS creates the matching operator set in the same transaction).
    /// @param strategies Non-empty, strictly ascending by address, multipliers > 0.
    function createQuorum(uint8 quorum, uint96 minimumStake, uint32 maxOperators, StrategyParams[] calldata strategies)
        external
        onlyAvs
    {
        Quorum storage q = _quorums[quorum];
        if (q.exists) revert QuorumExists(quorum);
        if (strategies.length == 0 || maxOperators == 0) revert InvalidStrategies();
        if (maxOperators > MAX_OPERATORS_LIMIT) revert InvalidMaxOperators(maxOperators);
        for (uint256 i; i < strategies.length; ++i) {
            if (strategies[i].multiplier == 0) revert InvalidStrategies();
            if (i > 0 && address(strategies[i].strategy) <= address(strategies[i - 1].strategy)) {
                revert InvalidStrategies();
            }
            _quorumStrategies[quorum].push(strategies[i]);
        }
        q.exists = true;
        q.minimumStake = minimumStake;
        q.maxOperators = maxOperators;
        _quorumList.push(quorum);
        _quorumHistory[quorum].head = QuorumCheckpoint(uint32(block.number), 0, BN254.G1Point(0, 0));
        emit QuorumCreated(quorum, minimumStake, maxOperators, strategies);
    }

    /// @notice Set the minimum stake for registration; members below it get stake 0 at their next refresh.
    function setMinimumStake(uint8 quorum, uint96 minimumStake) external onlyOwner {
        _quorum(quorum).minimumStake = minimumStake;
        emit MinimumStakeSet(quorum, minimumStake);
    }

    /// @notice Set the maximum number of members (existing members above it stay; a newcomer then only joins by
    /// replacing the smallest member).
    function setMaxOperators(uint8 quorum, uint32 maxOperators) external onlyOwner {
        if (maxOperators == 0) revert InvalidStrategies();
        if (maxOperators > MAX_OPERATORS_LIMIT) revert InvalidMaxOperators(maxOperators);
        _quorum(quorum).maxOperators = maxOperators;
        emit MaxOperatorsSet(quorum, maxOperators);
    }

    // =========================================================================================================
    // IAVSRegistrar
    // =========================================================================================================

    /// @inheritdoc IAVSRegistrar
    function supportsAVS(address avs_) external view returns (bool) {
        return avs_ != address(0) && avs_ == avs;
    }

    /// @notice AllocationManager callback: `operator` joins `operatorSetIds`. `data` = abi.encode(
    /// PubkeyRegistrationParams) on the first registration (may be empty later; if given it must be the same key).
    function registerOperator(address operator, address avs_, uint32[] calldata operatorSetIds, bytes calldata data)
        external
        onlyAllocationManager
    {
        if (avs_ != avs) revert WrongAvs(avs_);
        (bytes32 operatorId, BN254.G1Point memory pk) = _registerKeyIfNew(operator, data);
        for (uint256 i; i < operatorSetIds.length; ++i) {
            _addToQuorum(operator, operatorId, pk, _toQuorum(operatorSetIds[i]));
        }
    }

    /// @notice AllocationManager callback: `operator` leaves `operatorSetIds`. Never reverts for a set the operator
    /// is not a member of here, so leaving can't be blocked.
    function deregisterOperator(address operator, address avs_, uint32[] calldata operatorSetIds)
        external
        onlyAllocationManager
    {
        if (avs_ != avs) revert WrongAvs(avs_);
        OperatorKeys storage k = _keys[operator];
        bytes32 operatorId = k.operatorId;
        if (operatorId == bytes32(0)) return;
        BN254.G1Point memory negPk = BN254.negate(k.pubkeyG1);
        for (uint256 i; i < operatorSetIds.length; ++i) {
            uint32 setId = operatorSetIds[i];
            if (setId > type(uint8).max) continue;
            uint8 quorum = uint8(setId);
            StakeHistory storage h = _stakeHistory[operatorId][quorum];
            if (!h.head.member) continue;
            uint96 oldStake = h.head.stake;
            _pushStake(h, false, 0);
            _notifyVault(operatorId, operator, quorum, false, 0);
            _quorums[quorum].operatorCount -= 1;
            _updateQuorum(quorum, negPk, true, 0, oldStake);
            emit OperatorRemovedFromQuorum(operator, operatorId, quorum);
        }
    }

    // =========================================================================================================
    // Ejection
    // =========================================================================================================

    /// @notice Deregister `operator` from `quorumNumbers` through the AllocationManager; the ejector or the owner.
    function ejectOperator(address operator, bytes calldata quorumNumbers) external {
        if (msg.sender != ejector && msg.sender != owner()) revert OnlyEjector();
        uint32[] memory ids = new uint32[](quorumNumbers.length);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = uint8(quorumNumbers[i]);
        }
        _eject(operator, ids, address(0));
    }

    /// @notice Deregister `operator` from every quorum where its stake, weighed now, is below the minimum.
    /// Permissionless; reverts NotBelowMinimumStake if there is none. Returns those quorums.
    function ejectBelowMinimumStake(address operator) external returns (bytes memory ejectedFrom) {
        bytes32 operatorId = _keys[operator].operatorId;
        uint256 nq = _quorumList.length;
        for (uint256 j; j < nq && operatorId != bytes32(0); ++j) {
            uint8 quorum = _quorumList[j];
            if (!_stakeHistory[operatorId][quorum].head.member) continue;
            if (_weigh(operator, quorum) < _quorums[quorum].minimumStake) {
                ejectedFrom = bytes.concat(ejectedFrom, bytes1(quorum));
            }
        }
        if (ejectedFrom.length == 0) revert NotBelowMinimumStake(operator);
        uint32[] memory ids = new uint32[](ejectedFrom.length);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = uint8(ejectedFrom[i]);
        }
        _eject(operator, ids, address(0));
    }

    // =========================================================================================================
    // Stake updates
    // =========================================================================================================

    /// @notice Refresh the stakes of `operators` in every quorum they are members of (after delegation changes,
    /// allocation changes or slashing). Permissionless. Unregistered addresses are skipped. A stake under the
    /// quorum's minimum is recorded as 0 (the operator stays a member).
    function updateOperators(address[] calldata operators) external {
        uint256 nq = _quorumList.length;
        for (uint256 i; i < operators.length; ++i) {
            bytes32 operatorId = _keys[operators[i]].operatorId;
            if (operatorId == bytes32(0)) continue;
            for (uint256 j; j < nq; ++j) {
                uint8 quorum = _quorumList[j];
                StakeHistory storage h = _stakeHistory[operatorId][quorum];
                if (!h.head.member) continue;
                uint96 newStake = _weigh(operators[i], quorum);
                if (newStake < _quorums[quorum].minimumStake) newStake = 0;
                uint96 oldStake = h.head.stake;
                if (newStake == oldStake) continue;
                _pushStake(h, true, newStake);
                _notifyVault(operatorId, operators[i], quorum, true, newStake);
                _updateQuorum(quorum, BN254.G1Point(0, 0), false, newStake, oldStake);
                emit OperatorStakeUpdated(operatorId, quorum, newStake);
            }
        }
    }

    // =========================================================================================================
    // Signature check (EigenLayer's BLSSignatureChecker math, DESIGN §4)
    // =========================================================================================================

    /// @notice Check an aggregate signature over `msgHash` for `quorumNumbers` (strictly ascending) at
    /// `referenceBlock` (< block.number). apk = Σ quorum apks − Σ non-signer keys (each once per task quorum it is a
    /// member of at the reference block; a non-signer that is a member of none reverts NonSignerNotMember).
    /// Verifies e(σ + γ·apk, −G2) · e(H(m) + γ·G1, apkG2) == 1 (two pairings, whatever the number of signers).
    /// Staleness of the reference block is the caller's policy.
    function checkSignatures(
        bytes32 msgHash,
        bytes calldata quorumNumbers,
        uint32 referenceBlock,
        NonSignerStakesAndSignature calldata params
    ) external view returns (SignatureCheckResult memory r) {
        uint256 nq = quorumNumbers.length;
        if (nq == 0) revert EmptyQuorumNumbers();
        if (referenceBlock >= block.number) revert ReferenceBlockNotInPast(referenceBlock);
        r.signedStake = new uint96[](nq);
        r.totalStake = new uint96[](nq);

        BN254.G1Point memory apk;
        for (uint256 i; i < nq; ++i) {
            uint8 quorum = uint8(quorumNumbers[i]);
            if (i > 0 && quorum <= uint8(quorumNumbers[i - 1])) revert QuorumsNotAscending();
            QuorumCheckpoint storage cp = _quorumAt(quorum, referenceBlock);
            uint96 total = cp.totalStake;
            r.totalStake[i] = total;
            r.signedStake[i] = total;
            if (i == 0) apk = cp.apk;
            else apk = apk.plus(cp.apk);
        }

        apk = _subtractNonSigners(quorumNumbers, referenceBlock, params.nonSignerPubkeys, r, apk);
        if (!_verifyAggregate(msgHash, apk, params.apkG2, params.sigma)) revert InvalidSignature();
        r.signatoryRecordHash = keccak256(abi.encodePacked(referenceBlock, r.nonSignerIds));
    }

    // =========================================================================================================
    // Views
    // =========================================================================================================

    /// @notice The EIP-712 digest an operator signs (hashed to G1) to prove possession of its BLS key.
    function pubkeyRegistrationDigest(address operator) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PUBKEY_REGISTRATION_TYPEHASH, operator)));
    }

    /// @notice hashToG1(pubkeyRegistrationDigest(operator)): the point an operator signs for proof of possession.
    function pubkeyRegistrationMessageHash(address operator) public view returns (BN254.G1Point memory) {
        return BN254.hashToG1(pubkeyRegistrationDigest(operator));
    }

    /// @notice The operatorId of `operator` (zero if it never registered a key).
    function operatorIdOf(address operator) external view returns (bytes32) {
        return _keys[operator].operatorId;
    }

    /// @notice The registered BLS keys of `operator` (all zero if none).
    function getOperatorPubkeys(address operator)
        external
        view
        returns (bytes32 operatorId, BN254.G1Point memory pubkeyG1, BN254.G2Point memory pubkeyG2)
    {
        OperatorKeys storage k = _keys[operator];
        return (k.operatorId, k.pubkeyG1, k.pubkeyG2);
    }

    /// @notice Check one BLS signature of `operator` over `digest` (hashed to G1) against its registered pkG2:
    /// e(σ, −G2) · e(H(digest), pkG2) == 1. Returns operatorId 0 (and false) for an operator without a key.
    function verifyOperatorSignature(address operator, bytes32 digest, BN254.G1Point calldata signature)
        external
        view
        returns (bytes32 operatorId, bool valid)
    {
        OperatorKeys storage k = _keys[operator];
        operatorId = k.operatorId;
        if (operatorId == bytes32(0) || !BN254.isOnCurve(signature)) return (operatorId, false);
        valid = BN254.verifySingle(digest, signature, k.pubkeyG2);
    }

    /// @notice Whether quorum `quorum` exists.
    function quorumExists(uint8 quorum) external view returns (bool) {
        return _quorums[quorum].exists;
    }

    /// @notice The quorum numbers in order of creation.
    function quorumList() external view returns (uint8[] memory) {
        return _quorumList;
    }

    /// @notice Configuration and current member count of `quorum`.
    function quorumConfig(uint8 quorum)
        external
        view
        returns (uint96 minimumStake, uint32 maxOperators, uint32 operatorCount)
    {
        Quorum storage q = _quorum(quorum);
        return (q.minimumStake, q.maxOperators, q.operatorCount);
    }

    /// @notice The strategies and multipliers of `quorum` (ascending by address).
    function quorumStrategies(uint8 quorum) external view returns (StrategyParams[] memory) {
        return _quorumStrategies[quorum];
    }

    /// @notice Membership and stake of `operatorId` in `quorum` at `blockNumber` ((false, 0) before it joined).
    function getOperatorStakeAt(bytes32 operatorId, uint8 quorum, uint32 blockNumber)
        external
        view
        returns (bool member, uint96 stake)
    {
        return _stakeAt(operatorId, quorum, blockNumber);
    }

    /// @notice Aggregate G1 key and total stake of `quorum` at `blockNumber`; reverts NoHistoryAt before creation.
    function getQuorumApkAt(uint8 quorum, uint32 blockNumber)
        external
        view
        returns (BN254.G1Point memory apk, uint96 totalStake)
    {
        QuorumCheckpoint storage cp = _quorumAt(quorum, blockNumber);
        return (cp.apk, cp.totalStake);
    }

    /// @notice The block in which the state of `quorum` in force at `blockNumber` was written. Every change of
    /// membership or stake writes a quorum checkpoint in its block, so two blocks with the same answer see the same
    /// members, keys, stakes and totals: an aggregator reads getQuorumState once per answer, not once per task.
    function quorumStateBlockAt(uint8 quorum, uint32 blockNumber) external view returns (uint32) {
        return _quorumAt(quorum, blockNumber).fromBlock;
    }

    /// @notice Number of checkpoints of `quorum`, and of `operatorId` in `quorum` (for monitoring and tests).
    function historyLengths(uint8 quorum, bytes32 operatorId)
        external
        view
        returns (uint256 quorumCheckpoints, uint256 operatorCheckpoints)
    {
        QuorumHistory storage qh = _quorumHistory[quorum];
        StakeHistory storage sh = _stakeHistory[operatorId][quorum];
        quorumCheckpoints = qh.head.fromBlock == 0 ? 0 : qh.past.length + 1;
        operatorCheckpoints = sh.head.fromBlock == 0 ? 0 : sh.past.length + 1;
    }

    /// @notice The full operator state of `quorum` at `blockNumber` (members only, in order of first joining):
    /// what an aggregator loads for a task. Meant for eth_call; its cost grows with all operators ever registered.
    function getQuorumState(uint8 quorum, uint32 blockNumber) external view returns (QuorumState memory s) {
        QuorumCheckpoint storage cp = _quorumAt(quorum, blockNumber);
        s.apk = cp.apk;
        s.totalStake = cp.totalStake;
        bytes32[] storage ever = _everMembers[quorum];
        uint256 n = ever.length;
        bool[] memory isMember = new bool[](n);
        uint96[] memory stakes = new uint96[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            (isMember[i], stakes[i]) = _stakeAt(ever[i], quorum, blockNumber);
            if (isMember[i]) ++count;
        }
        s.operators = new address[](count);
        s.operatorIds = new bytes32[](count);
        s.pubkeysG1 = new BN254.G1Point[](count);
        s.stakes = new uint96[](count);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            if (!isMember[i]) continue;
            address op = operatorOfId[ever[i]];
            s.operators[k] = op;
            s.operatorIds[k] = ever[i];
            s.pubkeysG1[k] = _keys[op].pubkeyG1;
            s.stakes[k] = stakes[i];
            ++k;
        }
    }

    // =========================================================================================================
    // Internals
    // =========================================================================================================

    function _quorum(uint8 quorum) internal view returns (Quorum storage q) {
        q = _quorums[quorum];
        if (!q.exists) revert QuorumDoesNotExist(quorum);
    }

    function _toQuorum(uint32 operatorSetId) internal pure returns (uint8) {
        if (operatorSetId > type(uint8).max) revert InvalidOperatorSetId(operatorSetId);
        return uint8(operatorSetId);
    }

    /// @dev Returns the operator's key, registering it (with proof of possession) on first use.
    function _registerKeyIfNew(address operator, bytes calldata data)
        internal
        returns (bytes32 operatorId, BN254.G1Point memory pk)
    {
        OperatorKeys storage k = _keys[operator];
        operatorId = k.operatorId;
        if (operatorId != bytes32(0)) {
            if (data.length != 0) {
                PubkeyRegistrationParams memory again = abi.decode(data, (PubkeyRegistrationParams));
                if (BN254.hashG1(again.pubkeyG1) != operatorId) revert PubkeyMismatch();
            }
            return (operatorId, k.pubkeyG1);
        }
        if (data.length == 0) revert MissingPubkey();
        PubkeyRegistrationParams memory p = abi.decode(data, (PubkeyRegistrationParams));
        if (!BN254.isOnCurve(p.pubkeyG1)) revert InvalidPubkey();
        operatorId = BN254.hashG1(p.pubkeyG1);
        if (operatorOfId[operatorId] != address(0)) revert PubkeyAlreadyRegistered(operatorId);
        if (!BN254.isOnCurve(p.pubkeyRegistrationSignature)) revert InvalidProofOfPossession();

        BN254.G1Point memory h = pubkeyRegistrationMessageHash(operator);
        // EigenLayer's BLSApkRegistry γ for the proof of possession
        uint256 gamma = uint256(
            keccak256(
                abi.encodePacked(
                    p.pubkeyRegistrationSignature.X,
                    p.pubkeyRegistrationSignature.Y,
                    p.pubkeyG1.X,
                    p.pubkeyG1.Y,
                    p.pubkeyG2.X,
                    p.pubkeyG2.Y,
                    h.X,
                    h.Y
                )
            )
        ) % BN254.FR_MODULUS;
        bool ok = BN254.pairing(
            p.pubkeyRegistrationSignature.plus(p.pubkeyG1.scalarMul(gamma)),
            BN254.negGeneratorG2(),
            h.plus(BN254.generatorG1().scalarMul(gamma)),
            p.pubkeyG2
        );
        if (!ok) revert InvalidProofOfPossession();

        k.operatorId = operatorId;
        k.pubkeyG1 = p.pubkeyG1;
        k.pubkeyG2 = p.pubkeyG2;
        operatorOfId[operatorId] = operator;
        emit NewPubkeyRegistration(operator, operatorId, p.pubkeyG1, p.pubkeyG2);
        return (operatorId, p.pubkeyG1);
    }

    function _addToQuorum(address operator, bytes32 operatorId, BN254.G1Point memory pk, uint8 quorum) internal {
        Quorum storage q = _quorum(quorum);
        StakeHistory storage h = _stakeHistory[operatorId][quorum];
        bool firstTime = h.head.fromBlock == 0;
        if (h.head.member) revert AlreadyMember(quorum);
        uint96 stake = _weigh(operator, quorum);
        if (stake < q.minimumStake) revert InsufficientStake(quorum, stake, q.minimumStake);
        if (q.operatorCount >= q.maxOperators) _replaceSmallest(operator, quorum, stake);
        if (firstTime) _everMembers[quorum].push(operatorId);
        _pushStake(h, true, stake);
        _notifyVault(operatorId, operator, quorum, true, stake);
        q.operatorCount += 1;
        _updateQuorum(quorum, pk, true, stake, 0);
        emit OperatorAddedToQuorum(operator, operatorId, quorum, stake);
    }

    /// @dev Full quorum: eject the member with the least recorded stake if `stake` exceeds it, else revert
    /// MaxOperatorsReached. Scans the AllocationManager's member list (≤ MAX_OPERATORS_LIMIT, which already
    /// includes the newcomer; it is not a member here yet, so it is skipped).
    function _replaceSmallest(address newcomer, uint8 quorum, uint96 stake) internal {
        address[] memory members = allocationManager.getMembers(OperatorSet({avs: avs, id: quorum}));
        address smallest;
        uint96 least = type(uint96).max;
        for (uint256 i; i < members.length; ++i) {
            StakeCheckpoint memory head = _stakeHistory[_keys[members[i]].operatorId][quorum].head;
            if (head.member && head.stake < least) {
                least = head.stake;
                smallest = members[i];
            }
        }
        if (smallest == address(0) || stake <= least) revert MaxOperatorsReached(quorum);
        uint32[] memory ids = new uint32[](1);
        ids[0] = quorum;
        _eject(smallest, ids, newcomer);
    }

    /// @dev Deregisters through the AllocationManager (the registry is the AVS's appointee for it); its
    /// deregisterOperator callback updates the books.
    function _eject(address operator, uint32[] memory ids, address replacedBy) internal {
        allocationManager.deregisterFromOperatorSets(
            IAllocationManagerTypes.DeregisterParams({operator: operator, avs: avs, operatorSetIds: ids})
        );
        for (uint256 i; i < ids.length; ++i) {
            emit OperatorEjected(operator, uint8(ids[i]), replacedBy);
        }
    }

    /// @dev Stake of `operator` in `quorum`: the AllocationManager's minimum slashable stake at
    /// block.number + lookahead (a deallocation due by then no longer counts), capped at MAX_OPERATOR_STAKE.
    function _weigh(address operator, uint8 quorum) internal view returns (uint96) {
        StrategyParams[] storage sp = _quorumStrategies[quorum];
        uint256 len = sp.length;
        IStrategy[] memory strategies = new IStrategy[](len);
        for (uint256 i; i < len; ++i) {
            strategies[i] = sp[i].strategy;
        }
        address[] memory ops = new address[](1);
        ops[0] = operator;
        uint256 futureBlock = block.number + lookahead;
        if (futureBlock > type(uint32).max) futureBlock = type(uint32).max;
        uint256[][] memory slashable = allocationManager.getMinimumSlashableStake(
            OperatorSet({avs: avs, id: quorum}), ops, strategies, uint32(futureBlock)
        );
        uint256 total;
        for (uint256 i; i < len; ++i) {
            total += slashable[0][i] * sp[i].multiplier / WAD;
        }
        return total > MAX_OPERATOR_STAKE ? MAX_OPERATOR_STAKE : uint96(total);
    }

    function _notifyVault(bytes32 operatorId, address operator, uint8 quorum, bool member, uint96 stake) internal {
        address vault = rewardsVault;
        if (vault != address(0)) IRewardsVault(vault).onStakeChange(operatorId, operator, quorum, member, stake);
    }

    function _pushStake(StakeHistory storage h, bool member, uint96 stake) internal {
        uint32 head = h.head.fromBlock;
        if (head == block.number) {
            h.head.member = member;
            h.head.stake = stake;
        } else {
            if (head != 0) h.past.push(h.head);
            h.head = StakeCheckpoint(uint32(block.number), member, stake);
        }
    }

    /// @dev New quorum checkpoint: apk += keyDelta (if withKey), total += addStake − subStake.
    function _updateQuorum(
        uint8 quorum,
        BN254.G1Point memory keyDelta,
        bool withKey,
        uint96 addStake,
        uint96 subStake
    ) internal {
        QuorumHistory storage h = _quorumHistory[quorum];
        QuorumCheckpoint storage last = h.head;
        BN254.G1Point memory apk = last.apk;
        if (withKey) apk = apk.plus(keyDelta);
        uint96 total = last.totalStake + addStake - subStake;
        if (last.fromBlock == block.number) {
            last.totalStake = total;
            last.apk = apk;
        } else {
            h.past.push(last);
            h.head = QuorumCheckpoint(uint32(block.number), total, apk);
        }
    }

    function _quorumAt(uint8 quorum, uint32 blockNumber) internal view returns (QuorumCheckpoint storage) {
        QuorumHistory storage h = _quorumHistory[quorum];
        uint32 head = h.head.fromBlock;
        if (head == 0) revert QuorumDoesNotExist(quorum);
        if (head <= blockNumber) return h.head;
        QuorumCheckpoint[] storage past = h.past;
        uint256 lo;
        uint256 hi = past.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (past[mid].fromBlock > blockNumber) hi = mid;
            else lo = mid + 1;
        }
        if (lo == 0) revert NoHistoryAt(quorum, blockNumber);
        return past[lo - 1];
    }

    function _stakeAt(bytes32 operatorId, uint8 quorum, uint32 blockNumber)
        internal
        view
        returns (bool member, uint96 stake)
    {
        StakeHistory storage h = _stakeHistory[operatorId][quorum];
        StakeCheckpoint memory head = h.head;
        if (head.fromBlock == 0) return (false, 0);
        if (head.fromBlock <= blockNumber) return (head.member, head.stake);
        StakeCheckpoint[] storage past = h.past;
        uint256 lo;
        uint256 hi = past.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (past[mid].fromBlock > blockNumber) hi = mid;
            else lo = mid + 1;
        }
        if (lo == 0) return (false, 0);
        StakeCheckpoint storage cp = past[lo - 1];
        return (cp.member, cp.stake);
    }

    /// @dev Fills r.nonSignerIds, deducts non-signer stakes from r.signedStake and their keys from apk.
    function _subtractNonSigners(
        bytes calldata quorumNumbers,
        uint32 referenceBlock,
        BN254.G1Point[] calldata pubkeys,
        SignatureCheckResult memory r,
        BN254.G1Point memory apk
    ) internal view returns (BN254.G1Point memory) {
        uint256 nn = pubkeys.length;
        r.nonSignerIds = new bytes32[](nn);
        uint256 prevId;
        for (uint256 j; j < nn; ++j) {
            BN254.G1Point memory pk = pubkeys[j];
            bytes32 operatorId = BN254.hashG1(pk);
            if (uint256(operatorId) <= prevId) revert NonSignersNotAscending(j);
            prevId = uint256(operatorId);
            r.nonSignerIds[j] = operatorId;
            uint256 memberships = _deductStake(operatorId, quorumNumbers, referenceBlock, r.signedStake);
            if (memberships == 0) revert NonSignerNotMember(operatorId);
            // pk hashes to a member's id, so it is that member's registered (validated) key
            BN254.G1Point memory negPk = BN254.G1Point(pk.X, BN254.FP_MODULUS - pk.Y);
            for (uint256 k; k < memberships; ++k) {
                apk = apk.plus(negPk);
            }
        }
        return apk;
    }

    /// @dev signed[i] −= stake of operatorId in quorum i at referenceBlock, for each quorum it is a member of.
    function _deductStake(
        bytes32 operatorId,
        bytes calldata quorumNumbers,
        uint32 referenceBlock,
        uint96[] memory signed
    ) internal view returns (uint256 memberships) {
        for (uint256 i; i < quorumNumbers.length; ++i) {
            (bool member, uint96 stake) = _stakeAt(operatorId, uint8(quorumNumbers[i]), referenceBlock);
            if (member) {
                signed[i] -= stake;
                ++memberships;
            }
        }
    }

    /// @dev EigenLayer's randomised aggregate check (trySignatureAndApkVerification).
    function _verifyAggregate(
        bytes32 msgHash,
        BN254.G1Point memory apk,
        BN254.G2Point calldata apkG2,
        BN254.G1Point calldata sigma
    ) internal view returns (bool) {
        uint256 gamma = uint256(
            keccak256(
                abi.encodePacked(
                    msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], sigma.X, sigma.Y
                )
            )
        ) % BN254.FR_MODULUS;
        BN254.G1Point memory s = sigma;
        return BN254.pairing(
            s.plus(apk.scalarMul(gamma)),
            BN254.negGeneratorG2(),
            BN254.hashToG1(msgHash).plus(BN254.generatorG1().scalarMul(gamma)),
            apkG2
        );
    }
}
