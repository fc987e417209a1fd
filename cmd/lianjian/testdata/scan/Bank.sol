// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

// Bank pays out before it updates the balance: reentrancy (SWC-107).
contract Bank {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok);
        balances[msg.sender] = 0;
    }
}
