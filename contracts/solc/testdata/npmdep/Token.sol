// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import "@acme/math/Math.sol";

// Token imports a library from an npm package, as projects that depend on
// @openzeppelin/contracts do.
contract Token {
    uint256 public supply;

    function mint(uint256 n) external {
        supply = Math.add(supply, n);
    }
}
