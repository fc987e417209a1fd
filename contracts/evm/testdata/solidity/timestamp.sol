pragma solidity ^0.4.24;

// Block time deciding who is paid: the last investor wins once a minute
// passes without investment (Governmental), a payout when the block time
// is a multiple of 15 (Roulette) or from a hash of it (EtherLotto).

contract Governmental {
    address public owner;
    address public lastInvestor;
    uint public jackpot = 1 ether;
    uint public lastInvestmentTimestamp;
    uint public ONE_MINUTE = 1 minutes;

    constructor() public payable {
        owner = msg.sender;
        if (msg.value < 1 ether) revert();
    }

    function invest() public payable {
        if (msg.value < jackpot / 2) revert();
        lastInvestor = msg.sender;
        jackpot += msg.value / 2;
        lastInvestmentTimestamp = block.timestamp;
    }

    function resetInvestment() public {
        if (block.timestamp < lastInvestmentTimestamp + ONE_MINUTE) // want "EVM-TIMESTAMP"
            revert();
        lastInvestor.transfer(jackpot); // want "EVM-FAILED-CALL-DOS"
        owner.transfer(address(this).balance - 1 ether);
        lastInvestor = 0;
        jackpot = 1 ether;
        lastInvestmentTimestamp = 0;
    }
}

contract Roulette {
    uint public pastBlockTime;

    constructor() public payable {}

    function () public payable {
        require(msg.value == 10 ether);
        require(now != pastBlockTime); // want "EVM-TIMESTAMP"
        pastBlockTime = now;
        if (now % 15 == 0) { // want "EVM-TIMESTAMP" want "EVM-WEAK-RANDOMNESS"
            msg.sender.transfer(address(this).balance);
        }
    }
}

contract EtherLotto {
    uint constant TICKET_AMOUNT = 10;
    uint constant FEE_AMOUNT = 1;
    address public bank;
    uint public pot;

    constructor() public {
        bank = msg.sender;
    }

    function play() public payable {
        require(msg.value == TICKET_AMOUNT);
        pot += msg.value;
        uint random = uint(keccak256(block.timestamp)) % 2; // want "EVM-TIMESTAMP" want "EVM-WEAK-RANDOMNESS"
        if (random == 0) {
            bank.transfer(FEE_AMOUNT);
            msg.sender.transfer(pot - FEE_AMOUNT); // want "EVM-INTEGER-OVERFLOW"
            pot = 0;
        }
    }
}
