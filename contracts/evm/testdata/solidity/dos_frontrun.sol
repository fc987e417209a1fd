pragma solidity ^0.4.24;

// Denial of service: anyone can grow employees, so looping over it or
// clearing it can exceed the block gas limit; a king that rejects ether
// blocks every later claim. Staff is grown by its owner only.
contract Payroll {
    address[] public employees;
    address public king;
    uint public bid;

    function join() public {
        employees.push(msg.sender);
    }

    function payAll() public {
        for (uint i = 0; i < employees.length; i++) { // want "EVM-UNBOUNDED-LOOP"
            employees[i].transfer(1 wei); // want "EVM-FAILED-CALL-DOS"
        }
    }

    function claimThrone() public payable {
        require(msg.value > bid);
        require(king.send(bid)); // want "EVM-FAILED-CALL-DOS"
        king = msg.sender;
        bid = msg.value;
    }

    function reset() public {
        employees = new address[](0); // want "EVM-UNBOUNDED-LOOP"
    }
}

contract Staff {
    address public owner = msg.sender;
    address[] public staff;

    function hire(address who) public {
        require(msg.sender == owner);
        staff.push(who);
    }

    function count() public {
        uint n;
        for (uint i = 0; i < staff.length; i++) {
            n += 1;
        }
    }
}

// Front-running: approve overwrites an allowance (Token; SafeToken offers
// increaseAllowance and decreaseAllowance instead), a posted solution can
// be copied (FindThisHash). Token.transfer accepts short call data.
contract Token {
    mapping (address => uint) balances;
    mapping (address => mapping (address => uint)) allowed;

    function transfer(address to, uint value) public returns (bool) { // want "EVM-SHORT-ADDRESS"
        require(balances[msg.sender] >= value);
        balances[msg.sender] -= value;
        balances[to] += value; // want "EVM-INTEGER-OVERFLOW"
        return true;
    }

    function approve(address spender, uint value) public returns (bool) {
        allowed[msg.sender][spender] = value; // want "EVM-TX-ORDER"
        return true;
    }
}

contract FindThisHash {
    bytes32 constant public hash = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;

    constructor() public payable {}

    function solve(string solution) public {
        require(hash == keccak256(solution)); // want "EVM-TX-ORDER"
        msg.sender.transfer(1000 ether);
    }
}

contract SafeToken {
    mapping (address => mapping (address => uint)) allowed;

    function approve(address spender, uint value) public returns (bool) {
        allowed[msg.sender][spender] = value;
        return true;
    }

    function increaseAllowance(address spender, uint value) public returns (bool) {
        require(allowed[msg.sender][spender] + value >= value);
        allowed[msg.sender][spender] += value;
        return true;
    }

    function decreaseAllowance(address spender, uint value) public returns (bool) {
        require(allowed[msg.sender][spender] >= value);
        allowed[msg.sender][spender] -= value;
        return true;
    }
}
