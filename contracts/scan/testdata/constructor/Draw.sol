pragma solidity 0.4.24;

// Draw fixes its seed in the constructor from the previous block hash,
// which the block producer chooses and anyone can read (SWC-120).
contract Draw {
    uint256 internal seed;
    address public owner;

    constructor() public {
        owner = msg.sender;
        seed = uint256(blockhash(block.number - 1));
    }

    function lucky(uint256 guess) public view returns (bool) {
        return guess == seed;
    }
}
