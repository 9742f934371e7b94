// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/ISignatureUtilsMixin.sol.
pragma solidity ^0.8.27;

interface ISignatureUtilsMixinErrors {
    /// @notice The signature is not valid for the digest and signer.
    error InvalidSignature();
    /// @notice The signature's expiry has passed.
    error SignatureExpired();
}

interface ISignatureUtilsMixinTypes {
    /// @notice A signature plus the timestamp after which it is no longer accepted.
    struct SignatureWithExpiry {
        bytes signature;
        uint256 expiry;
    }

    /// @notice A signature, a single-use salt, and an expiry timestamp.
    struct SignatureWithSaltAndExpiry {
        bytes signature;
        bytes32 salt;
        uint256 expiry;
    }
}

interface ISignatureUtilsMixin is ISignatureUtilsMixinErrors, ISignatureUtilsMixinTypes {
    /// @notice EIP-712 domain separator of the implementing contract.
    function domainSeparator() external view returns (bytes32);
}
