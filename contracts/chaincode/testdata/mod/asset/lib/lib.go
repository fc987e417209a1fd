// Package lib is a helper package of the asset chaincode.
package lib

import "time"

// Stamp returns the peer's clock as text.
func Stamp() string { return time.Now().String() }
