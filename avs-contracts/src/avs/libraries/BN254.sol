// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title BN254
/// @notice Arithmetic on the BN254 (alt_bn128) curve through the EIP-196/197/198 precompiles, and the
/// try-and-increment hash to G1 that EigenLayer's middleware and eigensdk-go use (docs/protocol.md, DESIGN §4).
/// @dev G2 points are stored the way the pairing precompile reads them: `X = [x_imaginary, x_real]`,
/// `Y = [y_imaginary, y_real]`. The point at infinity is (0, 0) in G1 and all zeros in G2, as in the precompiles.
/// Precompile calls are in assembly and write straight into the returned struct to keep them lean.
library BN254 {
    /// @notice Base field modulus p.
    uint256 internal constant FP_MODULUS =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @notice Group order r (the scalar field).
    uint256 internal constant FR_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev (p + 1) / 4: since p ≡ 3 (mod 4), β^((p+1)/4) is a square root of β when one exists.
    uint256 internal constant SQRT_EXPONENT =
        0xc19139cb84c680a6e14116da060561765e05aa45a1c72a34f082305b61f3f52;

    // G2 generator, EIP-197 order (imaginary part first).
    uint256 internal constant G2_X_IMAG =
        11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant G2_X_REAL =
        10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant G2_Y_IMAG =
        4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 internal constant G2_Y_REAL =
        8495653923123431417604973247489272438418190587263600148770280649306958101930;
    // −G2: same X, Y negated (p − y per component).
    uint256 internal constant NEG_G2_Y_IMAG =
        17805874995975841540914202342111839520379459829704422454583296818431106115052;
    uint256 internal constant NEG_G2_Y_REAL =
        13392588948715843804641432497768002650278120570034223513918757245338268106653;

    struct G1Point {
        uint256 X;
        uint256 Y;
    }

    /// @dev X = [x_imaginary, x_real], Y = [y_imaginary, y_real] (EIP-197 order).
    struct G2Point {
        uint256[2] X;
        uint256[2] Y;
    }

    error ECAddFailed();
    error ECMulFailed();
    error ModExpFailed();

    /// @notice The G1 generator (1, 2).
    function generatorG1() internal pure returns (G1Point memory) {
        return G1Point(1, 2);
    }

    /// @notice The G2 generator, EIP-197 order.
    function generatorG2() internal pure returns (G2Point memory) {
        return G2Point([G2_X_IMAG, G2_X_REAL], [G2_Y_IMAG, G2_Y_REAL]);
    }

    /// @notice −G2, EIP-197 order.
    function negGeneratorG2() internal pure returns (G2Point memory) {
        return G2Point([G2_X_IMAG, G2_X_REAL], [NEG_G2_Y_IMAG, NEG_G2_Y_REAL]);
    }

    /// @notice −p (the point at infinity stays itself).
    function negate(G1Point memory p) internal pure returns (G1Point memory) {
        if (p.X == 0 && p.Y == 0) return G1Point(0, 0);
        return G1Point(p.X, FP_MODULUS - (p.Y % FP_MODULUS));
    }

    /// @notice a + b via precompile 0x06 (which also rejects points off the curve).
    function plus(G1Point memory a, G1Point memory b) internal view returns (G1Point memory r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a))
            mstore(add(m, 0x20), mload(add(a, 0x20)))
            mstore(add(m, 0x40), mload(b))
            mstore(add(m, 0x60), mload(add(b, 0x20)))
            ok := staticcall(gas(), 0x06, m, 0x80, r, 0x40)
        }
        if (!ok) revert ECAddFailed();
    }

    /// @notice s·p via precompile 0x07.
    function scalarMul(G1Point memory p, uint256 s) internal view returns (G1Point memory r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(p))
            mstore(add(m, 0x20), mload(add(p, 0x20)))
            mstore(add(m, 0x40), s)
            ok := staticcall(gas(), 0x07, m, 0x60, r, 0x40)
        }
        if (!ok) revert ECMulFailed();
    }

    /// @notice Whether e(a1, a2) · e(b1, b2) == 1. False (not a revert) when the precompile rejects the input,
    /// e.g. a G2 point off the curve or outside the subgroup, so callers report it as an invalid signature.
    function pairing(G1Point memory a1, G2Point memory a2, G1Point memory b1, G2Point memory b2)
        internal
        view
        returns (bool result)
    {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a1))
            mstore(add(m, 0x20), mload(add(a1, 0x20)))
            let x := mload(a2)
            let y := mload(add(a2, 0x20))
            mstore(add(m, 0x40), mload(x))
            mstore(add(m, 0x60), mload(add(x, 0x20)))
            mstore(add(m, 0x80), mload(y))
            mstore(add(m, 0xa0), mload(add(y, 0x20)))
            mstore(add(m, 0xc0), mload(b1))
            mstore(add(m, 0xe0), mload(add(b1, 0x20)))
            x := mload(b2)
            y := mload(add(b2, 0x20))
            mstore(add(m, 0x100), mload(x))
            mstore(add(m, 0x120), mload(add(x, 0x20)))
            mstore(add(m, 0x140), mload(y))
            mstore(add(m, 0x160), mload(add(y, 0x20)))
            let ok := staticcall(gas(), 0x08, m, 0x180, m, 0x20)
            result := and(ok, eq(mload(m), 1))
        }
    }

    /// @notice base^exponent mod modulus via precompile 0x05.
    function expMod(uint256 base, uint256 exponent, uint256 modulus) internal view returns (uint256 r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0x20)
            mstore(add(m, 0x20), 0x20)
            mstore(add(m, 0x40), 0x20)
            mstore(add(m, 0x60), base)
            mstore(add(m, 0x80), exponent)
            mstore(add(m, 0xa0), modulus)
            ok := staticcall(gas(), 0x05, m, 0xc0, m, 0x20)
            r := mload(m)
        }
        if (!ok) revert ModExpFailed();
    }

    /// @notice Hash a 32-byte digest to G1 by try-and-increment, exactly as EigenLayer's BN254.hashToG1:
    /// x = uint256(d) mod p; loop { β = x³ + 3; y = β^((p+1)/4); if y² == β return (x, y); x = x + 1 }.
    function hashToG1(bytes32 digest) internal view returns (G1Point memory) {
        uint256 x = uint256(digest) % FP_MODULUS;
        while (true) {
            uint256 beta = addmod(mulmod(mulmod(x, x, FP_MODULUS), x, FP_MODULUS), 3, FP_MODULUS);
            uint256 y = expMod(beta, SQRT_EXPONENT, FP_MODULUS);
            if (mulmod(y, y, FP_MODULUS) == beta) return G1Point(x, y);
            x = addmod(x, 1, FP_MODULUS);
        }
        // unreachable: about half of all x have a square root
        return G1Point(0, 0);
    }

    /// @notice Whether p is a point of G1 (coordinates reduced, on y² = x³ + 3) other than infinity.
    function isOnCurve(G1Point memory p) internal pure returns (bool) {
        if (p.X >= FP_MODULUS || p.Y >= FP_MODULUS) return false;
        if (p.X == 0 && p.Y == 0) return false;
        return mulmod(p.Y, p.Y, FP_MODULUS)
            == addmod(mulmod(mulmod(p.X, p.X, FP_MODULUS), p.X, FP_MODULUS), 3, FP_MODULUS);
    }

    /// @notice keccak256(abi.encodePacked(p.X, p.Y)): the operatorId of a pubkey (docs/protocol.md).
    function hashG1(G1Point memory p) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(p, 0x40)
        }
    }

    /// @notice Verify one BLS signature: e(σ, −G2) · e(H(m), pk) == 1 with H(m) = hashToG1(digest).
    /// @dev Only for keys that passed proof of possession; pk's subgroup membership is checked by the precompile.
    function verifySingle(bytes32 digest, G1Point memory sigma, G2Point memory pk) internal view returns (bool) {
        return pairing(sigma, negGeneratorG2(), hashToG1(digest), pk);
    }
}
