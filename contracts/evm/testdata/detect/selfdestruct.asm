; kill() lets anyone destroy the contract; destroy() checks the owner.
SELECT 0x41c0e1b5 @kill
SELECT 0x83197ef0 @destroy
STOP
kill:
CALLER
SELFDESTRUCT ; want "EVM-SELFDESTRUCT"
destroy:
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
SELFDESTRUCT
