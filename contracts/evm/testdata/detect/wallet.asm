; The wallet/honeypot shape: CashOut(am) checks am <= balances[msg.sender],
; sends am with all gas and debits the balance only if the call succeeded;
; both branches of the if meet again before STOP. It is reentrancy at the
; call, and not an unprotected withdrawal: the caller withdraws their own
; recorded balance, and the path where the call failed sent nothing.
; play() pays the contract balance to a caller who paid in and guessed a
; stored answer, guess() to a caller whose guess equals a hash of the
; answer: intended prizes, not unprotected withdrawals (but a winning
; guess can be copied from the pending transaction: transaction order).
; tip() pays the balance to any caller who sends a non-zero msg.value: a
; wei is no price, so it is reported. grab() pays the
; balance to anyone who sends the constant 42, and is reported.
SELECT 0x11111111 @cashout
SELECT 0x22222222 @play
SELECT 0x33333333 @guess
SELECT 0x44444444 @grab
SELECT 0x55555555 @tip
STOP
cashout:
CALLER
PUSH 0
MSTORE
PUSH 0
PUSH 0x20
MSTORE
PUSH 0x40
PUSH 0
KECCAK256
DUP1
SLOAD
PUSH 4
CALLDATALOAD
DUP1
DUP3
LT
PUSH @end
JUMPI
PUSH 0
PUSH 0
PUSH 0
PUSH 0
DUP5
CALLER
GAS
CALL ; want "EVM-REENTRANCY"
ISZERO
PUSH @end
JUMPI
DUP2
SUB
DUP3
SSTORE
PUSH 0
end:
STOP
play:
CALLVALUE
ISZERO
PUSH @fail
JUMPI
PUSH 4
CALLDATALOAD
PUSH 1
SLOAD
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
guess:
PUSH 4
CALLDATALOAD
PUSH 0
MSTORE
PUSH 0x20
PUSH 0
KECCAK256
PUSH 2
SLOAD
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
grab:
PUSH 4
CALLDATALOAD
PUSH 0x2a
EQ
ISZERO
PUSH @fail
JUMPI
PUSH 0
PUSH 0
PUSH 0
PUSH 0
SELFBALANCE
CALLER
PUSH 0
CALL ; want "EVM-ETHER-WITHDRAWAL"
ISZERO
PUSH @fail
JUMPI
STOP
tip:
CALLVALUE
ISZERO
PUSH @fail
JUMPI
PUSH 0
PUSH 0
PUSH 0
PUSH 0
SELFBALANCE
CALLER
PUSH 0
CALL ; want "EVM-ETHER-WITHDRAWAL"
ISZERO
PUSH @fail
JUMPI
STOP
fail:
PUSH 0
DUP1
REVERT
