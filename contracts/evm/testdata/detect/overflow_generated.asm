; Compiler-generated arithmetic is not an integer overflow (negatives).
; pack(uint8) stores a uint8 at byte offset 1 of slot 0: x & 0xff shifted
; by x * 0x100**1, and at offset 0 times 0x100**0 = 1.
; push() appends to a dynamic array: the slot keccak(2) + (len - 1) only
; addresses the element, and the value stored is read from calldata.
; setBytes() stores a byte array's length as len + len + 1.
; hashed() stores keccak256 over memory whose extent is computed.
; The one real overflow, total += x, is still reported.
SELECT 0x11111111 @pack
SELECT 0x22222222 @push
SELECT 0x33333333 @setbytes
SELECT 0x44444444 @hashed
SELECT 0x55555555 @total
STOP
pack:
PUSH 4
CALLDATALOAD
PUSH 0xff
AND
PUSH 1
PUSH 0x100
EXP
MUL
PUSH 0
SLOAD
OR
PUSH 0
SSTORE
PUSH 4
CALLDATALOAD
PUSH 0xff
AND
PUSH 0
PUSH 0x100
EXP
MUL
PUSH 3
SSTORE
STOP
push:
PUSH 2
SLOAD
PUSH 1
ADD
DUP1
PUSH 2
SSTORE
PUSH 1
SWAP1
SUB
PUSH 2
PUSH 0
MSTORE
PUSH 0x20
PUSH 0
KECCAK256
ADD
DUP1
SLOAD
PUSH 0x24
CALLDATALOAD
OR
SWAP1
SSTORE
STOP
setbytes:
PUSH 4
CALLDATALOAD
PUSH 4
ADD
CALLDATALOAD
DUP1
ADD
PUSH 1
ADD
PUSH 5
SSTORE
STOP
hashed:
PUSH 4
CALLDATALOAD
PUSH 0x80
ADD
PUSH 0x80
KECCAK256
PUSH 6
SSTORE
STOP
total:
PUSH 4
CALLDATALOAD
PUSH 7
SLOAD
ADD ; want "EVM-INTEGER-OVERFLOW"
PUSH 7
SSTORE
STOP
