// Package evm analyses EVM runtime bytecode for security problems.
//
// The pipeline is:
//
//  1. Disassemble decodes every opcode up to Prague/Osaka (PUSH0, TLOAD,
//     TSTORE, MCOPY, BLOBHASH, BLOBBASEFEE, CLZ), keeps truncated PUSH
//     immediates and undefined bytes, and splits off the solc/vyper CBOR
//     metadata tail (SplitMetadata), which may carry the compiler version.
//  2. A path explorer runs the code over symbolic Values: constants fold,
//     environment inputs (CALLER, ORIGIN, CALLDATALOAD, SLOAD, TIMESTAMP…)
//     carry Taint, memory at constant offsets is modelled so that mapping
//     slots keccak(key, slot) stay recognisable, and JUMPI forks the path
//     with a Guard. Jump targets come from the abstract stack, which
//     resolves return addresses pushed long before an internal call
//     returns. Equivalent states (same block, stack shape, jump-target
//     constants and access-check status) are explored once, and a step
//     budget bounds the work, so a scan takes milliseconds. A path cut
//     where it reaches an explored state (the two branches of an if
//     meeting again) shares that state's continuation: it counts as a
//     successful path when the continuation ends in one, so the write
//     made on the second branch after an external call is still seen. A
//     condition left on the stack (short-circuit a && b) is part of the
//     state, and a branch on a value the path already tested follows the
//     way that test went.
//  3. The explorer records Events (storage access, calls, jumps, halts,
//     arithmetic on untrusted data) and successful paths. From them Scan
//     builds the CFG, the dispatcher's Functions (selectors named from an
//     ABI or a built-in signature table) and runs the Detectors.
//
// Options.Hash names the chain's selector hash: Keccak-256 by default, SM3
// for FISCO BCOS national-crypto (GM) chains, whose solc derives function
// selectors, event topics and Panic(uint256) with SM3. Function names and
// every constant a detector matches are derived with it (once per hash, at
// init). WebAssembly code (FISCO BCOS liquid contracts) is recognised by
// its \0asm magic and not analysed: Scan returns a Result with WASM set
// and a RuleWASM (EVM-WASM-NOT-ANALYSED) finding.
//
// Options.Constructor scans creation bytecode instead: the constructor
// runs once for the deployer, so only ConstructorDetectors apply (block
// values as randomness or clock, unchecked calls and arithmetic, calls
// that must succeed in a loop, fixed gas) and findings name the function
// "constructor".
//
// Detectors are declared values of type Detector (contracts.Rule[*Pass]),
// registered in the ledger rule catalogue, each with an SWC mapping, a
// severity, documentation and an annotated sample in testdata/detect.
// Findings are contracts.Finding values with the bytecode pc, selector and
// function; Locate maps them to source lines through a solc source map.
package evm
