// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import "./Lib.sol";

// Vault is deliberately unsafe: it pays anyone and runs any code.
contract Vault {
    address public owner = msg.sender;

    function withdraw() external {
        payable(msg.sender).call{value: address(this).balance}("");
    }

    function run(address target, bytes calldata data) external {
        (bool ok, ) = target.delegatecall(data);
        require(ok);
    }

    function twice(uint256 x) external pure returns (uint256) {
        return Lib.double(x);
    }
}
