; go() adds msg.value to an internal function pointer and jumps there.
SELECT 0x0f59f83a @go
STOP
go:
PUSH @target
CALLVALUE
ADD
JUMP ; want "EVM-ARBITRARY-JUMP"
target:
STOP
