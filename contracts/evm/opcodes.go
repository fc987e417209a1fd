package evm

// Op is one EVM opcode byte.
type Op byte

// Opcodes the analysis refers to by name. The full table, including every
// opcode up to Prague/Osaka, is in opTable.
const (
	STOP           Op = 0x00
	ADD            Op = 0x01
	MUL            Op = 0x02
	SUB            Op = 0x03
	DIV            Op = 0x04
	SDIV           Op = 0x05
	MOD            Op = 0x06
	SMOD           Op = 0x07
	ADDMOD         Op = 0x08
	MULMOD         Op = 0x09
	EXP            Op = 0x0a
	SIGNEXTEND     Op = 0x0b
	LT             Op = 0x10
	GT             Op = 0x11
	SLT            Op = 0x12
	SGT            Op = 0x13
	EQ             Op = 0x14
	ISZERO         Op = 0x15
	AND            Op = 0x16
	OR             Op = 0x17
	XOR            Op = 0x18
	NOT            Op = 0x19
	BYTE           Op = 0x1a
	SHL            Op = 0x1b
	SHR            Op = 0x1c
	SAR            Op = 0x1d
	CLZ            Op = 0x1e
	KECCAK256      Op = 0x20
	ADDRESS        Op = 0x30
	BALANCE        Op = 0x31
	ORIGIN         Op = 0x32
	CALLER         Op = 0x33
	CALLVALUE      Op = 0x34
	CALLDATALOAD   Op = 0x35
	CALLDATASIZE   Op = 0x36
	CALLDATACOPY   Op = 0x37
	CODESIZE       Op = 0x38
	CODECOPY       Op = 0x39
	GASPRICE       Op = 0x3a
	EXTCODESIZE    Op = 0x3b
	EXTCODECOPY    Op = 0x3c
	RETURNDATASIZE Op = 0x3d
	RETURNDATACOPY Op = 0x3e
	EXTCODEHASH    Op = 0x3f
	BLOCKHASH      Op = 0x40
	COINBASE       Op = 0x41
	TIMESTAMP      Op = 0x42
	NUMBER         Op = 0x43
	PREVRANDAO     Op = 0x44
	GASLIMIT       Op = 0x45
	CHAINID        Op = 0x46
	SELFBALANCE    Op = 0x47
	BASEFEE        Op = 0x48
	BLOBHASH       Op = 0x49
	BLOBBASEFEE    Op = 0x4a
	POP            Op = 0x50
	MLOAD          Op = 0x51
	MSTORE         Op = 0x52
	MSTORE8        Op = 0x53
	SLOAD          Op = 0x54
	SSTORE         Op = 0x55
	JUMP           Op = 0x56
	JUMPI          Op = 0x57
	PC             Op = 0x58
	MSIZE          Op = 0x59
	GAS            Op = 0x5a
	JUMPDEST       Op = 0x5b
	TLOAD          Op = 0x5c
	TSTORE         Op = 0x5d
	MCOPY          Op = 0x5e
	PUSH0          Op = 0x5f
	PUSH1          Op = 0x60
	PUSH4          Op = 0x63
	PUSH32         Op = 0x7f
	DUP1           Op = 0x80
	DUP16          Op = 0x8f
	SWAP1          Op = 0x90
	SWAP16         Op = 0x9f
	LOG0           Op = 0xa0
	LOG4           Op = 0xa4
	CREATE         Op = 0xf0
	CALL           Op = 0xf1
	CALLCODE       Op = 0xf2
	RETURN         Op = 0xf3
	DELEGATECALL   Op = 0xf4
	CREATE2        Op = 0xf5
	STATICCALL     Op = 0xfa
	REVERT         Op = 0xfd
	INVALID        Op = 0xfe
	SELFDESTRUCT   Op = 0xff
)

// opInfo describes one opcode: its mnemonic, stack effect and immediate
// size. A zero name marks an undefined opcode.
type opInfo struct {
	name   string
	pop    int8
	push   int8
	imm    int8 // immediate bytes following the opcode (PUSHn)
	halts  bool // ends execution of the frame
	branch bool // JUMP or JUMPI
}

var opTable = [256]opInfo{
	0x00: {name: "STOP", halts: true},
	0x01: {name: "ADD", pop: 2, push: 1},
	0x02: {name: "MUL", pop: 2, push: 1},
	0x03: {name: "SUB", pop: 2, push: 1},
	0x04: {name: "DIV", pop: 2, push: 1},
	0x05: {name: "SDIV", pop: 2, push: 1},
	0x06: {name: "MOD", pop: 2, push: 1},
	0x07: {name: "SMOD", pop: 2, push: 1},
	0x08: {name: "ADDMOD", pop: 3, push: 1},
	0x09: {name: "MULMOD", pop: 3, push: 1},
	0x0a: {name: "EXP", pop: 2, push: 1},
	0x0b: {name: "SIGNEXTEND", pop: 2, push: 1},
	0x10: {name: "LT", pop: 2, push: 1},
	0x11: {name: "GT", pop: 2, push: 1},
	0x12: {name: "SLT", pop: 2, push: 1},
	0x13: {name: "SGT", pop: 2, push: 1},
	0x14: {name: "EQ", pop: 2, push: 1},
	0x15: {name: "ISZERO", pop: 1, push: 1},
	0x16: {name: "AND", pop: 2, push: 1},
	0x17: {name: "OR", pop: 2, push: 1},
	0x18: {name: "XOR", pop: 2, push: 1},
	0x19: {name: "NOT", pop: 1, push: 1},
	0x1a: {name: "BYTE", pop: 2, push: 1},
	0x1b: {name: "SHL", pop: 2, push: 1},
	0x1c: {name: "SHR", pop: 2, push: 1},
	0x1d: {name: "SAR", pop: 2, push: 1},
	0x1e: {name: "CLZ", pop: 1, push: 1},
	0x20: {name: "KECCAK256", pop: 2, push: 1},
	0x30: {name: "ADDRESS", push: 1},
	0x31: {name: "BALANCE", pop: 1, push: 1},
	0x32: {name: "ORIGIN", push: 1},
	0x33: {name: "CALLER", push: 1},
	0x34: {name: "CALLVALUE", push: 1},
	0x35: {name: "CALLDATALOAD", pop: 1, push: 1},
	0x36: {name: "CALLDATASIZE", push: 1},
	0x37: {name: "CALLDATACOPY", pop: 3},
	0x38: {name: "CODESIZE", push: 1},
	0x39: {name: "CODECOPY", pop: 3},
	0x3a: {name: "GASPRICE", push: 1},
	0x3b: {name: "EXTCODESIZE", pop: 1, push: 1},
	0x3c: {name: "EXTCODECOPY", pop: 4},
	0x3d: {name: "RETURNDATASIZE", push: 1},
	0x3e: {name: "RETURNDATACOPY", pop: 3},
	0x3f: {name: "EXTCODEHASH", pop: 1, push: 1},
	0x40: {name: "BLOCKHASH", pop: 1, push: 1},
	0x41: {name: "COINBASE", push: 1},
	0x42: {name: "TIMESTAMP", push: 1},
	0x43: {name: "NUMBER", push: 1},
	0x44: {name: "PREVRANDAO", push: 1},
	0x45: {name: "GASLIMIT", push: 1},
	0x46: {name: "CHAINID", push: 1},
	0x47: {name: "SELFBALANCE", push: 1},
	0x48: {name: "BASEFEE", push: 1},
	0x49: {name: "BLOBHASH", pop: 1, push: 1},
	0x4a: {name: "BLOBBASEFEE", push: 1},
	0x50: {name: "POP", pop: 1},
	0x51: {name: "MLOAD", pop: 1, push: 1},
	0x52: {name: "MSTORE", pop: 2},
	0x53: {name: "MSTORE8", pop: 2},
	0x54: {name: "SLOAD", pop: 1, push: 1},
	0x55: {name: "SSTORE", pop: 2},
	0x56: {name: "JUMP", pop: 1, branch: true},
	0x57: {name: "JUMPI", pop: 2, branch: true},
	0x58: {name: "PC", push: 1},
	0x59: {name: "MSIZE", push: 1},
	0x5a: {name: "GAS", push: 1},
	0x5b: {name: "JUMPDEST"},
	0x5c: {name: "TLOAD", pop: 1, push: 1},
	0x5d: {name: "TSTORE", pop: 2},
	0x5e: {name: "MCOPY", pop: 3},
	0x5f: {name: "PUSH0", push: 1},
	0xa0: {name: "LOG0", pop: 2},
	0xa1: {name: "LOG1", pop: 3},
	0xa2: {name: "LOG2", pop: 4},
	0xa3: {name: "LOG3", pop: 5},
	0xa4: {name: "LOG4", pop: 6},
	0xf0: {name: "CREATE", pop: 3, push: 1},
	0xf1: {name: "CALL", pop: 7, push: 1},
	0xf2: {name: "CALLCODE", pop: 7, push: 1},
	0xf3: {name: "RETURN", pop: 2, halts: true},
	0xf4: {name: "DELEGATECALL", pop: 6, push: 1},
	0xf5: {name: "CREATE2", pop: 4, push: 1},
	0xfa: {name: "STATICCALL", pop: 6, push: 1},
	0xfd: {name: "REVERT", pop: 2, halts: true},
	0xfe: {name: "INVALID", halts: true},
	0xff: {name: "SELFDESTRUCT", pop: 1, halts: true},
}

func init() {
	names := [...]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
		"17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32"}
	for i := range 32 {
		opTable[int(PUSH1)+i] = opInfo{name: "PUSH" + names[i], push: 1, imm: int8(i + 1)}
	}
	for i := range 16 {
		opTable[int(DUP1)+i] = opInfo{name: "DUP" + names[i], pop: int8(i + 1), push: int8(i + 2)}
		opTable[int(SWAP1)+i] = opInfo{name: "SWAP" + names[i], pop: int8(i + 2), push: int8(i + 2)}
	}
}

// String returns the mnemonic, or "INVALID_0x.." for an undefined byte.
func (o Op) String() string {
	if n := opTable[o].name; n != "" {
		return n
	}
	const hex = "0123456789abcdef"
	return "UNDEFINED_0x" + string([]byte{hex[o>>4], hex[o&15]})
}

// Defined reports whether the opcode exists in the current fork.
func (o Op) Defined() bool { return opTable[o].name != "" }

// IsPush reports whether o is PUSH0..PUSH32.
func (o Op) IsPush() bool { return o >= PUSH0 && o <= PUSH32 }

// ImmediateSize is the number of immediate bytes after o (0 except PUSHn).
func (o Op) ImmediateSize() int { return int(opTable[o].imm) }

// Halts reports whether o ends execution (STOP, RETURN, REVERT, INVALID,
// SELFDESTRUCT or an undefined opcode).
func (o Op) Halts() bool { return opTable[o].halts || !o.Defined() }

// StackEffect returns how many items o pops and pushes.
func (o Op) StackEffect() (pop, push int) { return int(opTable[o].pop), int(opTable[o].push) }

// IsCall reports whether o transfers control to another account.
func (o Op) IsCall() bool { return o == CALL || o == CALLCODE || o == DELEGATECALL || o == STATICCALL }
