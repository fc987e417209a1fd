; approve(spender, value) overwrites allowance[msg.sender][spender] (slot
; 1 mapping) with a new amount: the spender can front-run the change.
; approveSafe() first requires the old allowance to be zero.
; solve(x) pays the balance to whoever sends x with keccak256(x) equal to
; a constant: anyone can copy x from the pending transaction (and it is
; not an unprotected withdrawal, but a prize).
; setReward() sets the reward in slot 7 to msg.value; claim() pays the
; current reward to the caller, so it can change under a pending claim.
; refund() pays the slot 7 amount to the stored depositor in slot 8.
SELECT 0x095ea7b3 @approve
SELECT 0x11111111 @approvesafe
SELECT 0x22222222 @solve
SELECT 0x33333333 @setreward
SELECT 0x44444444 @claim
SELECT 0x55555555 @refund
STOP
approve:
CALLER
PUSH 0
MSTORE
PUSH 1
PUSH 0x20
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
PUSH 0x20
MSTORE
PUSH 4
CALLDATALOAD
PUSH 0
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
PUSH 0x24
CALLDATALOAD
SWAP1
SSTORE ; want "EVM-TX-ORDER"
STOP
approvesafe:
CALLER
PUSH 0
MSTORE
PUSH 1
PUSH 0x20
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
PUSH 0x20
MSTORE
PUSH 4
CALLDATALOAD
PUSH 0
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
DUP1
SLOAD
PUSH @fail
JUMPI
PUSH 0x24
CALLDATALOAD
SWAP1
SSTORE
STOP
solve:
PUSH 4
CALLDATALOAD
PUSH 0
MSTORE
PUSH 0x20
PUSH 0
KECCAK256
PUSH 0xabcdef
EQ
ISZERO
PUSH @fail
JUMPI ; want "EVM-TX-ORDER"
PUSH 0
PUSH 0
PUSH 0
PUSH 0
SELFBALANCE
CALLER
PUSH 0
CALL
ISZERO
PUSH @fail
JUMPI
STOP
setreward:
CALLVALUE
PUSH 7
SSTORE
STOP
claim:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 7
SLOAD
CALLER
PUSH 0
CALL ; want "EVM-TX-ORDER" want "EVM-ETHER-WITHDRAWAL"
ISZERO
PUSH @fail
JUMPI
STOP
refund:
PUSH 0
PUSH 0
PUSH 0
PUSH 0
PUSH 7
SLOAD
PUSH 8
SLOAD
PUSH 0
CALL
ISZERO
PUSH @fail
JUMPI
STOP
fail:
PUSH 0
DUP1
REVERT
