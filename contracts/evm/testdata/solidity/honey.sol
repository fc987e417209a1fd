pragma solidity ^0.4.18;

// Reentrancy in the shapes of deployed honeypots and wallets: the balance
// is checked, the ether sent with all gas, and the balance debited only
// inside if (call) or after it. The debit inside the if, the condition
// a && b && c and the storage pointer to a struct must not make the
// caller's own withdrawal an unprotected one, nor its guarded debit an
// overflow; Log copies a string into storage with generated arithmetic.
// Deposits (balance += msg.value) cannot overflow: a sum of ether sent is
// bounded by the ether supply.

contract Log {
    struct Message { address Sender; string Data; uint Val; uint Time; }
    Message[] public History;
    Message LastMsg;
    function AddMessage(address _adr, uint _val, string _data) public {
        LastMsg.Sender = _adr;
        LastMsg.Time = now;
        LastMsg.Val = _val;
        LastMsg.Data = _data;
        History.push(LastMsg);
    }
}

contract ETH_VAULT {
    mapping (address => uint) public balances;
    Log TransferLog;
    uint public MinDeposit = 1 ether;

    function ETH_VAULT(address _log) public {
        TransferLog = Log(_log);
    }

    function Deposit() public payable {
        if (msg.value > MinDeposit) {
            balances[msg.sender] += msg.value;
            TransferLog.AddMessage(msg.sender, msg.value, "Deposit");
        }
    }

    function CashOut(uint _am) public payable {
        if (_am <= balances[msg.sender]) {
            if (msg.sender.call.value(_am)()) { // want "EVM-REENTRANCY"
                balances[msg.sender] -= _am;
                TransferLog.AddMessage(msg.sender, _am, "CashOut");
            }
        }
    }

    function() public payable {}
}

contract Reentrance {
    mapping (address => uint) userBalance;

    function withdrawBalance() public {
        if (!(msg.sender.call.value(userBalance[msg.sender])())) { // want "EVM-REENTRANCY"
            throw;
        }
        userBalance[msg.sender] = 0;
    }

    function addToBalance() public payable {
        userBalance[msg.sender] += msg.value;
    }
}

contract MY_BANK {
    struct Holder { uint unlockTime; uint balance; }
    mapping (address => Holder) public Acc;

    function Collect(uint _am) public payable {
        var acc = Acc[msg.sender];
        if (acc.balance >= 1 ether && acc.balance >= _am && now > acc.unlockTime) {
            if (msg.sender.call.value(_am)()) { // want "EVM-REENTRANCY"
                acc.balance -= _am;
            }
        }
    }
}
