; Slot 0 packs the owner address (low 160 bits) with a bool flag at byte
; 20. close() lets anyone set the flag: the packed update keeps the
; owner's bits, so it overwrites no access control and kill() stays
; protected.
SELECT 0x43d726d6 @close
SELECT 0x41c0e1b5 @kill
STOP
close:
PUSH 0
SLOAD
PUSH 0xff0000000000000000000000000000000000000000
NOT
AND
PUSH 0x010000000000000000000000000000000000000000
OR
PUSH 0
SSTORE
STOP
kill:
PUSH 0
SLOAD
PUSH20 0xffffffffffffffffffffffffffffffffffffffff
AND
CALLER
EQ
PUSH @ok
JUMPI ; want "EVM-ACCESS-CONTROL"
PUSH 0
DUP1
REVERT
ok:
CALLER
SELFDESTRUCT
