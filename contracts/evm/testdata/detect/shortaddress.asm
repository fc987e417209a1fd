; transfer(address,uint256) credits balances[to] (slot 0 mapping) with the
; amount and never checks the call-data length: a short address shifts
; the amount. transferChecked() first requires 0x44 bytes of call data.
SELECT 0xa9059cbb @transfer
SELECT 0x11111111 @checked
STOP
transfer: ; want "EVM-SHORT-ADDRESS"
PUSH 4
CALLDATALOAD
PUSH20 0xffffffffffffffffffffffffffffffffffffffff
AND
PUSH 0
MSTORE
PUSH 0
PUSH 0x20
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
DUP1
SLOAD
PUSH 0x24
CALLDATALOAD
ADD ; want "EVM-INTEGER-OVERFLOW"
SWAP1
SSTORE
STOP
checked:
CALLDATASIZE
PUSH 0x44
GT
PUSH @fail
JUMPI
PUSH 4
CALLDATALOAD
PUSH20 0xffffffffffffffffffffffffffffffffffffffff
AND
PUSH 0
MSTORE
PUSH 0
PUSH 0x20
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
DUP1
SLOAD
PUSH 0x24
CALLDATALOAD
ADD ; want "EVM-INTEGER-OVERFLOW"
SWAP1
SSTORE
STOP
fail:
PUSH 0
DUP1
REVERT
