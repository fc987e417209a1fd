; refundAll() pays every address in a stored list and reverts if any send
; fails, so one rejecting recipient blocks all refunds.
SELECT 0x38e771ab @refund
STOP
refund:
PUSH 0
loop:
PUSH 0
SLOAD
DUP2
LT
ISZERO
PUSH @done
JUMPI
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 1
DUP6
SLOAD
PUSH 0
CALL ; want "EVM-FAILED-CALL-DOS"
ISZERO
PUSH @fail
JUMPI
PUSH 1
ADD
PUSH @loop
JUMP
done:
STOP
fail:
PUSH 0
DUP1
REVERT
