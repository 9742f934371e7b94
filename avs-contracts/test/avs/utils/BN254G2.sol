// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../../src/avs/libraries/BN254.sol";

/// @notice Test-only G2 scalar multiplication (there is no G2 precompile), so tests can make BLS key pairs from
/// any secret key in Solidity. Fp2 = Fp[i]/(i² + 1); Jacobian coordinates, double-and-add (not constant time,
/// not for production). Results are affine, in EIP-197 order ([imaginary, real]).
library BN254G2 {
    uint256 internal constant P = BN254.FP_MODULUS;

    struct Fp2 {
        uint256 re;
        uint256 im;
    }

    struct Jac {
        Fp2 x;
        Fp2 y;
        Fp2 z;
    }

    function _add(Fp2 memory a, Fp2 memory b) private pure returns (Fp2 memory) {
        return Fp2(addmod(a.re, b.re, P), addmod(a.im, b.im, P));
    }

    function _sub(Fp2 memory a, Fp2 memory b) private pure returns (Fp2 memory) {
        return Fp2(addmod(a.re, P - b.re, P), addmod(a.im, P - b.im, P));
    }

    function _mul(Fp2 memory a, Fp2 memory b) private pure returns (Fp2 memory) {
        return Fp2(
            addmod(mulmod(a.re, b.re, P), P - mulmod(a.im, b.im, P), P),
            addmod(mulmod(a.re, b.im, P), mulmod(a.im, b.re, P), P)
        );
    }

    function _sq(Fp2 memory a) private pure returns (Fp2 memory) {
        return _mul(a, a);
    }

    function _small(Fp2 memory a, uint256 k) private pure returns (Fp2 memory) {
        return Fp2(mulmod(a.re, k, P), mulmod(a.im, k, P));
    }

    function _inv(Fp2 memory a) private view returns (Fp2 memory) {
        uint256 n = addmod(mulmod(a.re, a.re, P), mulmod(a.im, a.im, P), P);
        uint256 ni = BN254.expMod(n, P - 2, P);
        return Fp2(mulmod(a.re, ni, P), mulmod(P - a.im, ni, P));
    }

    function _double(Jac memory p) private pure returns (Jac memory r) {
        Fp2 memory a = _sq(p.x);
        Fp2 memory b = _sq(p.y);
        Fp2 memory c = _sq(b);
        Fp2 memory d = _small(_sub(_sub(_sq(_add(p.x, b)), a), c), 2);
        Fp2 memory e = _small(a, 3);
        Fp2 memory f = _sq(e);
        r.x = _sub(f, _small(d, 2));
        r.y = _sub(_mul(e, _sub(d, r.x)), _small(c, 8));
        r.z = _small(_mul(p.y, p.z), 2);
    }

    /// @dev p + (qx, qy) with q affine (madd-2007-bl); assumes p != ±q.
    function _addMixed(Jac memory p, Fp2 memory qx, Fp2 memory qy) private pure returns (Jac memory) {
        Fp2 memory z1z1 = _sq(p.z);
        Fp2 memory h = _sub(_mul(qx, z1z1), p.x);
        Fp2 memory rr = _small(_sub(_mul(qy, _mul(p.z, z1z1)), p.y), 2);
        return _finishAdd(p, z1z1, h, rr);
    }

    function _finishAdd(Jac memory p, Fp2 memory z1z1, Fp2 memory h, Fp2 memory rr)
        private
        pure
        returns (Jac memory r)
    {
        Fp2 memory hh = _sq(h);
        Fp2 memory i = _small(hh, 4);
        Fp2 memory j = _mul(h, i);
        Fp2 memory v = _mul(p.x, i);
        r.x = _sub(_sub(_sq(rr), j), _small(v, 2));
        r.y = _sub(_mul(rr, _sub(v, r.x)), _small(_mul(p.y, j), 2));
        r.z = _sub(_sub(_sq(_add(p.z, h)), z1z1), hh);
    }

    /// @notice s·G2 for 0 < s < r, affine, EIP-197 order.
    function mulGenerator(uint256 s) internal view returns (BN254.G2Point memory) {
        require(s != 0 && s < BN254.FR_MODULUS, "BN254G2: scalar out of range");
        uint256 fmp;
        assembly {
            fmp := mload(0x40)
        }
        Fp2 memory gx = Fp2(BN254.G2_X_REAL, BN254.G2_X_IMAG);
        Fp2 memory gy = Fp2(BN254.G2_Y_REAL, BN254.G2_Y_IMAG);
        uint256 top = 255;
        while ((s >> top) & 1 == 0) --top;
        Jac memory acc = Jac(gx, gy, Fp2(1, 0));
        for (uint256 bit = top; bit > 0;) {
            --bit;
            acc = _double(acc);
            if ((s >> bit) & 1 == 1) acc = _addMixed(acc, gx, gy);
        }
        Fp2 memory zi = _inv(acc.z);
        Fp2 memory zi2 = _sq(zi);
        Fp2 memory xa = _mul(acc.x, zi2);
        Fp2 memory ya = _mul(acc.y, _mul(zi2, zi));
        (uint256 xr, uint256 xi, uint256 yr, uint256 yi) = (xa.re, xa.im, ya.re, ya.im);
        // every temporary above is garbage: give the memory back so that many keys fit in one transaction
        assembly {
            mstore(0x40, fmp)
        }
        return BN254.G2Point([xi, xr], [yi, yr]);
    }
}
