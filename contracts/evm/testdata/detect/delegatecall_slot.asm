; A proxy whose implementation sits in slot 1. setImpl(address) lets any
; caller write that slot, so run() delegates to code anyone chooses: the
; delegatecall is reported (as well as the proxy inventory entry).
; slot 2 is written by setLib(address) only after msg.sender == owner
; (slot 0), so lib() delegating to it is only the proxy inventory.
SELECT 0x11111111 @setimpl
SELECT 0x22222222 @run
SELECT 0x33333333 @setlib
SELECT 0x44444444 @lib
STOP
setimpl:
PUSH 4
CALLDATALOAD
PUSH 1
SSTORE
STOP
run:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 1
SLOAD
GAS
DELEGATECALL ; want "EVM-DELEGATECALL" want "EVM-PROXY"
ISZERO
PUSH @fail
JUMPI
STOP
setlib:
PUSH 0
SLOAD
CALLER
EQ
ISZERO
PUSH @fail
JUMPI ; want "EVM-ACCESS-CONTROL"
PUSH 4
CALLDATALOAD
PUSH 2
SSTORE
STOP
lib:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 2
SLOAD
GAS
DELEGATECALL ; want "EVM-PROXY"
ISZERO
PUSH @fail
JUMPI
STOP
fail:
PUSH 0
DUP1
REVERT
