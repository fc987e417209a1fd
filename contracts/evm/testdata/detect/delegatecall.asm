; forward(address,bytes) delegates to a caller-supplied address.
; probe(address) does too, but reverts whenever the delegatecall succeeds,
; so the callee can never change state (require(!to.delegatecall(..))).
SELECT 0x6fadcf72 @forward
SELECT 0x11223344 @probe
STOP
forward:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 4
CALLDATALOAD
GAS
DELEGATECALL ; want "EVM-DELEGATECALL"
PUSH @ok
JUMPI
PUSH 0
DUP1
REVERT
ok:
STOP
probe:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 4
CALLDATALOAD
GAS
DELEGATECALL
PUSH @bad
JUMPI
STOP
bad:
PUSH 0
DUP1
REVERT
