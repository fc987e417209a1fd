; open() changes state only after a deadline measured in block time: a
; deadline that ends a phase is not reported. claim() pays the contract
; balance to whoever calls once a stored round end has passed: the block
; producer decides who wins the race. unlock() pays a caller their own
; recorded deposit after their own unlock time. lucky() requires an exact
; block time. lock(uint256 seconds) stores block.number + seconds / 14,
; using block numbers as a clock (and may overflow).
SELECT 0xfcfff16f @open
SELECT 0x11111111 @claim
SELECT 0x22222222 @unlock
SELECT 0x33333333 @lucky
SELECT 0x44444444 @lock
STOP
open:
PUSH 0x5f5e1000
TIMESTAMP
GT
PUSH @late
JUMPI
PUSH 0
DUP1
REVERT
late:
PUSH 1
PUSH 1
SSTORE
STOP
claim:
PUSH 2
SLOAD
TIMESTAMP
GT
ISZERO
PUSH @fail
JUMPI ; want "EVM-TIMESTAMP"
PUSH 0
PUSH 0
PUSH 0
PUSH 0
SELFBALANCE
CALLER
GAS
CALL ; want "EVM-ETHER-WITHDRAWAL"
ISZERO
PUSH @fail
JUMPI
STOP
unlock:
CALLER
PUSH 0
MSTORE
PUSH 3
PUSH 0x20
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
DUP1
PUSH 1
ADD
SLOAD
TIMESTAMP
LT
PUSH @fail
JUMPI
DUP1
SLOAD
PUSH 0
DUP3
SSTORE
PUSH 0
PUSH 0
PUSH 0
PUSH 0
DUP5
CALLER
PUSH 0x8fc
CALL
ISZERO
PUSH @fail
JUMPI
STOP
lucky:
PUSH 4
SLOAD
TIMESTAMP
EQ
ISZERO
PUSH @fail
JUMPI ; want "EVM-TIMESTAMP"
PUSH 1
PUSH 5
SSTORE
STOP
lock:
PUSH 0x0e
PUSH 4
CALLDATALOAD
DIV
NUMBER
ADD ; want "EVM-TIMESTAMP" want "EVM-INTEGER-OVERFLOW"
PUSH 6
SSTORE
STOP
fail:
PUSH 0
DUP1
REVERT
