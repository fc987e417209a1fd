; sendTo authorises with tx.origin; the EOA test tx.origin == msg.sender is fine.
SELECT 0x9e1a00aa @send
STOP
send:
PUSH 0
SLOAD
ORIGIN
EQ
PUSH @ok
JUMPI ; want "EVM-TX-ORIGIN" want "EVM-ACCESS-CONTROL"
PUSH 0
DUP1
REVERT
ok:
ORIGIN
CALLER
EQ
PUSH @eoa
JUMPI
STOP
eoa:
STOP
