// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../utils/Test.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {BN254G2} from "./utils/BN254G2.sol";

/// @notice The BN254 library against known values (EigenLayer's sk = 69 vector, DESIGN §4) and its own algebra.
contract BN254Test is Test {
    function test_g2Generator_negationSumsToModulus() public pure {
        assertEq(BN254.G2_Y_IMAG + BN254.NEG_G2_Y_IMAG, BN254.FP_MODULUS, "imag parts of G2 and -G2 sum to p");
        assertEq(BN254.G2_Y_REAL + BN254.NEG_G2_Y_REAL, BN254.FP_MODULUS, "real parts of G2 and -G2 sum to p");
    }

    function test_mulGenerator_matchesEigenLayerVector() public view {
        BN254.G2Point memory pk = BN254G2.mulGenerator(69);
        assertEq(
            pk.X[0],
            5334410886741819556325359147377682006012228123419628681352847439302316235957,
            "69*G2 X imaginary (EigenLayer test vector)"
        );
        // 1·G2 is the generator, EIP-197 order
        BN254.G2Point memory g = BN254G2.mulGenerator(1);
        assertEq(g.X[0], BN254.G2_X_IMAG, "1*G2 x imag");
        assertEq(g.Y[1], BN254.G2_Y_REAL, "1*G2 y real");
    }

    function test_signAndVerify_helloWorld() public view {
        uint256 sk = 69;
        bytes32 msgHash = keccak256("hello world");
        BN254.G1Point memory h = BN254.hashToG1(msgHash);
        assertTrue(BN254.isOnCurve(h), "H(m) on curve");
        BN254.G1Point memory sig = BN254.scalarMul(h, sk);
        assertTrue(BN254.verifySingle(msgHash, sig, BN254G2.mulGenerator(sk)), "sk*H(m) verifies with sk*G2");
        assertFalse(BN254.verifySingle(msgHash, sig, BN254G2.mulGenerator(70)), "wrong key rejected");
        assertFalse(BN254.verifySingle(keccak256("hello world!"), sig, BN254G2.mulGenerator(sk)), "wrong msg rejected");
    }

    function test_pairing_rejectsInvalidG2() public view {
        BN254.G2Point memory bad = BN254G2.mulGenerator(5);
        bad.X[0] += 1;
        assertFalse(
            BN254.pairing(BN254.generatorG1(), BN254.negGeneratorG2(), BN254.generatorG1(), bad),
            "point off the twist fails the precompile, reported as false"
        );
    }

    function testFuzz_hashToG1_onCurveAndTryAndIncrement(bytes32 d) public view {
        BN254.G1Point memory h = BN254.hashToG1(d);
        assertTrue(BN254.isOnCurve(h), "on curve");
        // x is the first x >= d mod p with a root, and y is exactly β^((p+1)/4)
        uint256 x = uint256(d) % BN254.FP_MODULUS;
        uint256 steps;
        while (x != h.X) {
            uint256 beta = addmod(mulmod(mulmod(x, x, BN254.FP_MODULUS), x, BN254.FP_MODULUS), 3, BN254.FP_MODULUS);
            uint256 y = BN254.expMod(beta, BN254.SQRT_EXPONENT, BN254.FP_MODULUS);
            assertTrue(mulmod(y, y, BN254.FP_MODULUS) != beta, "skipped x had no root");
            x = addmod(x, 1, BN254.FP_MODULUS);
            assertLt(++steps, 200, "bounded search");
        }
        uint256 b = addmod(mulmod(mulmod(h.X, h.X, BN254.FP_MODULUS), h.X, BN254.FP_MODULUS), 3, BN254.FP_MODULUS);
        assertEq(h.Y, BN254.expMod(b, BN254.SQRT_EXPONENT, BN254.FP_MODULUS), "y is the (p+1)/4 root");
    }

    function testFuzz_g1Algebra(uint256 a, uint256 b) public view {
        a = bound(a, 1, BN254.FR_MODULUS - 1);
        b = bound(b, 1, BN254.FR_MODULUS - 1);
        BN254.G1Point memory g = BN254.generatorG1();
        BN254.G1Point memory sum = BN254.plus(BN254.scalarMul(g, a), BN254.scalarMul(g, b));
        BN254.G1Point memory direct = BN254.scalarMul(g, addmod(a, b, BN254.FR_MODULUS));
        assertEq(sum.X, direct.X, "aG + bG = (a+b)G (x)");
        assertEq(sum.Y, direct.Y, "aG + bG = (a+b)G (y)");
        BN254.G1Point memory zero = BN254.plus(BN254.scalarMul(g, a), BN254.negate(BN254.scalarMul(g, a)));
        assertEq(zero.X, 0, "P - P = infinity");
    }
}
