; add(uint256) adds to a stored total unchecked; addSafe checks the sum first.
; deposit(address) credits msg.value to credit[to]: a sum of ether sent is
; bounded by the ether supply and cannot wrap, so it is not reported.
SELECT 0x1003e2d2 @add
SELECT 0x22222222 @safe
SELECT 0x33333333 @deposit
STOP
add:
PUSH 4
CALLDATALOAD
PUSH 1
SLOAD
ADD ; want "EVM-INTEGER-OVERFLOW"
PUSH 1
SSTORE
STOP
safe:
PUSH 4
CALLDATALOAD
PUSH 1
SLOAD
DUP2
DUP2
ADD
DUP1
DUP3
GT
PUSH @fail
JUMPI
PUSH 1
SSTORE
POP
POP
STOP
deposit:
PUSH 4
CALLDATALOAD
PUSH 0
MSTORE
PUSH 2
PUSH 0x20
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
DUP1
SLOAD
CALLVALUE
ADD
SWAP1
SSTORE
STOP
fail:
PUSH 0
DUP1
REVERT
