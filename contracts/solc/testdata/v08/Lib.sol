// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

library Lib {
    function double(uint256 x) internal pure returns (uint256) {
        return x * 2;
    }
}
