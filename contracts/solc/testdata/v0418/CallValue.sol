// solc 0.4.18 and 0.4.19 map the CALL of addr.call.value(v)(data) to no
// source file.
pragma solidity 0.4.18;

contract CallValue {
    function pay(address to, bytes data) public {
        require(to.call.value(1)(data));
    }
}
