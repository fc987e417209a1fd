; join() lets any caller push to the array whose length is in slot 0;
; payAll() loops over it, so anyone can make the loop too long to run.
; slot 1 grows only in the owner's add() (msg.sender == slot 2), so the
; loop over it in payStaff() is bounded by the owner.
SELECT 0x11111111 @join
SELECT 0x22222222 @payall
SELECT 0x33333333 @add
SELECT 0x44444444 @paystaff
STOP
join:
PUSH 0
SLOAD
PUSH 1
ADD
PUSH 0
SSTORE
STOP
payall:
PUSH 0
loop:
PUSH 0
SLOAD
DUP2
LT
ISZERO
PUSH @done
JUMPI ; want "EVM-UNBOUNDED-LOOP"
PUSH 1
DUP2
PUSH 0x64
ADD
SSTORE
PUSH 1
ADD
PUSH @loop
JUMP
done:
POP
STOP
add:
PUSH 2
SLOAD
CALLER
EQ
ISZERO
PUSH @fail
JUMPI ; want "EVM-ACCESS-CONTROL"
PUSH 1
SLOAD
PUSH 1
ADD
PUSH 1
SSTORE
STOP
paystaff:
PUSH 0
loop2:
PUSH 1
SLOAD
DUP2
LT
ISZERO
PUSH @done2
JUMPI
PUSH 1
DUP2
PUSH 0xc8
ADD
SSTORE
PUSH 1
ADD
PUSH @loop2
JUMP
done2:
POP
STOP
fail:
PUSH 0
DUP1
REVERT
