; init() is a forgotten initialiser: anyone becomes owner, then kill() passes.
SELECT 0xe1c7392a @init
SELECT 0x41c0e1b5 @kill
STOP
init: ; want "EVM-OWNER-OVERWRITE"
CALLER
PUSH 0
SSTORE
STOP
kill:
PUSH 0
SLOAD
CALLER
EQ
PUSH @ok
JUMPI ; want "EVM-ACCESS-CONTROL"
PUSH 0
DUP1
REVERT
ok:
CALLER
SELFDESTRUCT ; want "EVM-SELFDESTRUCT"
