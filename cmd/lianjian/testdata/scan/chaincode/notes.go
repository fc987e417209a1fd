// Package main is a small chaincode with a stub of its own, so that it
// loads offline: it lists notes in map order and starts a goroutine.
package main

import "strings"

// Stub is the part of the shim's stub this chaincode uses.
type Stub struct{ state map[string][]byte }

// GetState reads a key.
func (s *Stub) GetState(key string) ([]byte, error) { return s.state[key], nil }

// PutState writes a key.
func (s *Stub) PutState(key string, value []byte) error {
	s.state[key] = value
	return nil
}

// Index stores the note names in one record.
func Index(s *Stub, notes map[string]string) error {
	var names []string
	for name := range notes {
		names = append(names, name)
	}
	go func() { _ = names }()
	return s.PutState("index", []byte(strings.Join(names, ",")))
}

func main() { _ = Index(&Stub{state: map[string][]byte{}}, nil) }
