//go:build tools

// Package tools pins the go-ethereum command used by tests and the demo.
package tools

import _ "github.com/ethereum/go-ethereum/cmd/geth"
