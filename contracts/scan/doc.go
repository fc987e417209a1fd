// Package scan runs the right contract scanner on a path: a Solidity file
// or directory is compiled (contracts/solc) and its runtime bytecode
// scanned (contracts/evm) with findings mapped back to source lines; a file
// of hex runtime bytecode is scanned directly; a Go chaincode module or
// package is analysed by contracts/chaincode. Every finding comes back as
// a contracts.Finding whose path is relative to a base directory, ready
// for the text, JSON and SARIF writers.
package scan
