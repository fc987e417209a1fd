pragma solidity 0.4.24;

// Lottery draws with block values and pays on a timestamp condition.
contract Lottery {
    uint256 public pot;

    function play() public payable {
        pot += msg.value;
        if (uint256(keccak256(abi.encodePacked(block.timestamp, block.difficulty))) % 2 == 0) {
            msg.sender.transfer(address(this).balance);
        }
    }
}
