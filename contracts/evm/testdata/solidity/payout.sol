pragma solidity ^0.4.24;

// The wallet/honeypot shape: the balance is checked, the ether sent with
// all gas and the balance debited only after the call.
contract PrivateBank {
    mapping (address => uint) public balances;
    uint public MinDeposit = 1 ether;

    function Deposit() public payable {
        if (msg.value >= MinDeposit) {
            balances[msg.sender] += msg.value;
        }
    }

    function CashOut(uint _am) public {
        if (_am <= balances[msg.sender]) {
            if (msg.sender.call.value(_am)()) { // want "EVM-REENTRANCY"
                balances[msg.sender] -= _am;
            }
        }
    }
}

// Intended payouts: a caller withdrawing their own balance, a guessing
// game that requires a stake, a round that pays whoever calls after it
// ends, and a deadline that only closes a phase.
contract Payouts {
    mapping (address => uint) public balances;
    uint8 answer;
    uint8 lastGuess;
    address public owner;
    uint public roundEnd;
    uint public closesAt;
    bool public closed;

    constructor() public payable {
        owner = msg.sender;
        answer = uint8(keccak256(blockhash(block.number - 1), now)); // want "EVM-WEAK-RANDOMNESS"
        roundEnd = now + 1 days;
    }

    function withdraw(uint amount) public {
        require(balances[msg.sender] >= amount);
        balances[msg.sender] -= amount;
        msg.sender.transfer(amount);
    }

    function guess(uint8 n) public payable {
        require(msg.value == 1 ether);
        lastGuess = n;
        if (n == answer) { // want "EVM-TX-ORDER"
            msg.sender.transfer(2 ether);
        }
    }

    function claimRound() public {
        require(now > roundEnd); // want "EVM-TIMESTAMP"
        roundEnd = now + 1 days;
        msg.sender.transfer(address(this).balance / 10); // want "EVM-ETHER-WITHDRAWAL"
    }

    function close() public {
        require(now > closesAt);
        closed = true;
    }
}
