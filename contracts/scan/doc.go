// Package scan runs the right contract scanner on a path: a Solidity file
// or directory is compiled (contracts/solc) and its runtime bytecode
// scanned (contracts/evm) with findings mapped back to source lines; a file
// of hex runtime bytecode is scanned directly; a Go chaincode module or
// package is analysed by contracts/chaincode. EVM code is scanned with the
// selector hash of Config.Hash (SM3 on FISCO BCOS national-crypto chains).
// A WebAssembly module (a .wasm file or hex WASM code, such as a FISCO
// BCOS liquid contract) is never skipped: it is reported as not analysed.
// Every finding comes back as a contracts.Finding whose path is relative
// to a base directory, ready for the text, JSON and SARIF writers.
package scan
