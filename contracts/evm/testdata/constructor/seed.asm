; Creation code: the constructor stores a seed drawn from the previous
; block hash, then returns the runtime code. It also pays msg.sender (the
; deployer) and makes an unchecked call, written as in runtime code: only
; the detectors that apply to a constructor run, so the payment to the
; caller is no unprotected withdrawal, while the unchecked call is still
; reported.
PUSH 1
NUMBER
SUB
BLOCKHASH ; want "EVM-WEAK-RANDOMNESS"
PUSH 0
SSTORE
PUSH 0
PUSH 0
PUSH 0
PUSH 0
SELFBALANCE
CALLER
GAS
CALL
ISZERO
PUSH @fail
JUMPI
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 1
SLOAD
GAS
CALL ; want "EVM-UNCHECKED-CALL"
POP
PUSH 1
PUSH 0
PUSH 0
CODECOPY
PUSH 1
PUSH 0
RETURN
fail:
PUSH 0
DUP1
REVERT
