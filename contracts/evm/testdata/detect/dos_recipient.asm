; claimThrone() requires sending the old bid to the king in slot 3 before
; making msg.sender king: a king that rejects ether blocks every later
; claim. payOwner() requires a send to the owner in slot 5, which only
; the owner (slot 6) can change in setOwner(): not reported.
SELECT 0x11111111 @claim
SELECT 0x22222222 @payowner
SELECT 0x33333333 @setowner
STOP
claim:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 4
SLOAD
PUSH 3
SLOAD
PUSH 0
CALL ; want "EVM-FAILED-CALL-DOS"
ISZERO
PUSH @fail
JUMPI
CALLER
PUSH 3
SSTORE
CALLVALUE
PUSH 4
SSTORE
STOP
payowner:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 4
SLOAD
PUSH 5
SLOAD
PUSH 0
CALL
ISZERO
PUSH @fail
JUMPI
STOP
setowner:
PUSH 6
SLOAD
CALLER
EQ
ISZERO
PUSH @fail
JUMPI ; want "EVM-ACCESS-CONTROL"
PUSH 4
CALLDATALOAD
PUSH 5
SSTORE
STOP
fail:
PUSH 0
DUP1
REVERT
