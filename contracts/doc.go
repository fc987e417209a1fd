// Package contracts holds what contract scanners share: the declared shape
// of a contract rule, the finding they report, its conversion to a stored
// ledger.Finding, and writers that render findings as a text table, JSON or
// SARIF 2.1.0 for code-scanning upload.
//
// The scanners live in sub-packages: contracts/evm analyses EVM bytecode
// and contracts/chaincode analyses Go chaincode.
package contracts
