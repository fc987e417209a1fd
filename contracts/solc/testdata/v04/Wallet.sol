pragma solidity 0.4.24;

// Wallet is deliberately unsafe: anyone can destroy it, and the owner
// check trusts tx.origin.
contract Wallet {
    address owner;
    mapping(address => uint256) balances;

    constructor() public {
        owner = msg.sender;
    }

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function transferTo(address to, uint256 amount) public {
        require(tx.origin == owner);
        to.transfer(amount);
    }

    function kill() public {
        selfdestruct(msg.sender);
    }
}
