// Package localstub uses its own concrete stub type, as a unit test with a
// mock stub would: the rules recognise stubs by their methods.
package localstub

// MockStub is an in-memory stub.
type MockStub struct{ state map[string][]byte }

// GetState reads a key.
func (s *MockStub) GetState(key string) ([]byte, error) { return s.state[key], nil }

// PutState writes a key.
func (s *MockStub) PutState(key string, value []byte) error {
	s.state[key] = value
	return nil
}

// Bump reads its own write.
func Bump(s *MockStub, key string) []byte {
	_ = s.PutState(key, []byte("1"))
	v, _ := s.GetState(key) // want "GetState reads a key written by PutState"
	return v
}
