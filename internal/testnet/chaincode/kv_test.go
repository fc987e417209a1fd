package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
)

// fakeStub implements the few stub methods KV uses over a map; any other
// method panics through the nil embedded interface.
type fakeStub struct {
	shim.ChaincodeStubInterface
	args   []string
	state  map[string][]byte
	events map[string][]byte
	eps    map[string][]byte
	fail   error
}

func (s *fakeStub) SetStateValidationParameter(k string, ep []byte) error {
	if ep == nil {
		delete(s.eps, k)
	} else {
		s.eps[k] = ep
	}
	return nil
}

func (s *fakeStub) GetFunctionAndParameters() (string, []string) {
	if len(s.args) == 0 {
		return "", nil
	}
	return s.args[0], s.args[1:]
}

func (s *fakeStub) GetState(k string) ([]byte, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	return s.state[k], nil
}

// GetStateByRange iterates the keys of [start, end) in order.
func (s *fakeStub) GetStateByRange(start, end string) (shim.StateQueryIteratorInterface, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	it := &fakeIter{}
	for k, v := range s.state {
		if k >= start && (end == "" || k < end) {
			it.kvs = append(it.kvs, &queryresult.KV{Key: k, Value: v})
		}
	}
	slices.SortFunc(it.kvs, func(a, b *queryresult.KV) int { return strings.Compare(a.Key, b.Key) })
	return it, nil
}

// fakeIter iterates the results of a range query.
type fakeIter struct {
	shim.StateQueryIteratorInterface
	kvs []*queryresult.KV
}

func (it *fakeIter) HasNext() bool { return len(it.kvs) > 0 }
func (it *fakeIter) Close() error  { return nil }
func (it *fakeIter) Next() (*queryresult.KV, error) {
	kv := it.kvs[0]
	it.kvs = it.kvs[1:]
	return kv, nil
}

func (s *fakeStub) PutState(k string, v []byte) error {
	s.state[k] = v
	return nil
}

func (s *fakeStub) DelState(k string) error {
	delete(s.state, k)
	return nil
}

func (s *fakeStub) SetEvent(name string, payload []byte) error {
	s.events[name] = payload
	return nil
}

func TestInvoke(t *testing.T) {
	tests := []struct {
		name      string
		state     map[string]string
		args      []string
		fail      error
		wantOK    bool
		wantOut   string
		wantState map[string]string
		wantEvent string
		wantEP    bool
	}{
		{name: "put", args: []string{"put", "a", "1"}, wantOK: true,
			wantState: map[string]string{"a": "1"}, wantEvent: "a"},
		{name: "get", state: map[string]string{"a": "x"}, args: []string{"get", "a"},
			wantOK: true, wantOut: "x", wantState: map[string]string{"a": "x"}},
		{name: "get absent", args: []string{"get", "a"}, wantOK: true, wantState: map[string]string{}},
		{name: "del", state: map[string]string{"a": "x", "b": "y"}, args: []string{"del", "a"},
			wantOK: true, wantState: map[string]string{"b": "y"}},
		{name: "incr absent", args: []string{"incr", "c"}, wantOK: true, wantOut: "1",
			wantState: map[string]string{"c": "1"}},
		{name: "incr", state: map[string]string{"c": "41"}, args: []string{"incr", "c"},
			wantOK: true, wantOut: "42", wantState: map[string]string{"c": "42"}},
		{name: "incr not a number", state: map[string]string{"c": "x"}, args: []string{"incr", "c"},
			wantState: map[string]string{"c": "x"}},
		{name: "incr read error", args: []string{"incr", "c"}, fail: errors.New("boom"),
			wantState: map[string]string{}},
		{name: "put missing value", args: []string{"put", "a"}, wantState: map[string]string{}},
		{name: "put empty key", args: []string{"put", "", "v"}, wantState: map[string]string{}},
		{name: "unknown", args: []string{"nope"}, wantState: map[string]string{}},
		{name: "no args", wantState: map[string]string{}},
		{name: "setep", args: []string{"setep", "a", "Org1MSP"}, wantOK: true, wantState: map[string]string{}, wantEP: true},
		{name: "setep clears", args: []string{"setep", "a"}, wantOK: true, wantState: map[string]string{}},
		{name: "scan", state: map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}, args: []string{"scan", "b", "d", "out"},
			wantOK: true, wantOut: "2", wantState: map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "out": "2"}},
		{name: "scan unbounded", state: map[string]string{"a": "1", "b": "2"}, args: []string{"scan", "", "", "z"},
			wantOK: true, wantOut: "2", wantState: map[string]string{"a": "1", "b": "2", "z": "2"}},
		{name: "scan read error", args: []string{"scan", "a", "b", "out"}, fail: errors.New("boom"), wantState: map[string]string{}},
		{name: "scan no out key", args: []string{"scan", "a", "b"}, wantState: map[string]string{}},
		{name: "setep no key", args: []string{"setep"}, wantState: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeStub{args: tt.args, state: map[string][]byte{}, events: map[string][]byte{}, eps: map[string][]byte{"a": []byte("old")}, fail: tt.fail}
			for k, v := range tt.state {
				s.state[k] = []byte(v)
			}
			resp := KV{}.Invoke(s)
			if ok := resp.Status == shim.OK; ok != tt.wantOK {
				t.Fatalf("Invoke(%q) status = %d (%s), want ok=%v", tt.args, resp.Status, resp.Message, tt.wantOK)
			}
			if string(resp.Payload) != tt.wantOut {
				t.Errorf("Invoke(%q) payload = %q, want %q", tt.args, resp.Payload, tt.wantOut)
			}
			if len(s.state) != len(tt.wantState) {
				t.Errorf("Invoke(%q) state has %d keys, want %d", tt.args, len(s.state), len(tt.wantState))
			}
			for k, v := range tt.wantState {
				if string(s.state[k]) != v {
					t.Errorf("Invoke(%q) state[%q] = %q, want %q", tt.args, k, s.state[k], v)
				}
			}
			if ep, ok := s.eps["a"]; ok != (tt.wantEP || tt.name != "setep clears") || (tt.wantEP && string(ep) == "old") {
				t.Errorf("Invoke(%q) key policy of a = %q, %v, want set %v", tt.args, ep, ok, tt.wantEP)
			}
			if got := string(s.events[PutEvent]); got != tt.wantEvent {
				t.Errorf("Invoke(%q) event %q = %q, want %q", tt.args, PutEvent, got, tt.wantEvent)
			}
		})
	}
}

func TestInit(t *testing.T) {
	if resp := (KV{}).Init(nil); resp.Status != shim.OK {
		t.Fatalf("Init() status = %d, want %d", resp.Status, shim.OK)
	}
}
