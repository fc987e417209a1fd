; open() changes state only after a deadline measured in block time.
SELECT 0xfcfff16f @open
STOP
open:
PUSH 0x5f5e1000
TIMESTAMP
GT
PUSH @late
JUMPI ; want "EVM-TIMESTAMP"
PUSH 0
DUP1
REVERT
late:
PUSH 1
PUSH 1
SSTORE
STOP
