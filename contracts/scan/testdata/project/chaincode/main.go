// Package main is a small chaincode with a stub of its own, so that it
// loads offline: it keeps a counter in a global and stamps records with
// the peer's clock.
package main

import (
	"strconv"
	"time"
)

// Stub is the part of the shim's stub this chaincode uses.
type Stub struct{ state map[string][]byte }

// GetState reads a key.
func (s *Stub) GetState(key string) ([]byte, error) { return s.state[key], nil }

// PutState writes a key.
func (s *Stub) PutState(key string, value []byte) error {
	s.state[key] = value
	return nil
}

var calls int

// Record stores a timestamped record.
func Record(s *Stub, key string) error {
	calls++
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	return s.PutState(key, []byte(stamp+":"+strconv.Itoa(calls)))
}

func main() { _ = Record(&Stub{state: map[string][]byte{}}, "k") }
