// Written for solc 0.4.10, whose solc-js has only the legacy compile API.
pragma solidity 0.4.10;

contract Legacy {
    address owner;

    function Legacy() {
        owner = msg.sender;
    }

    function pay(address to, bytes data) {
        if (!to.call.value(1)(data)) throw;
    }

    function kill() {
        if (tx.origin == owner) selfdestruct(owner);
    }
}
