package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// loopback serves s on a loopback port until the test ends and returns
// a client call: method, path (under the host) and body give the status
// and the response body.
func loopback(t *testing.T, s *Server) func(method, path, body string) (int, []byte) {
	t.Helper()
	do := loopbackAs(t, s)
	return func(method, path, body string) (int, []byte) {
		t.Helper()
		return do(method, path, body, nil)
	}
}

// TestReportNodesOverHTTP registers nodes through the API and reads them
// back in the supervision report, over a real server on loopback: every
// active node in scope with its fields, the org filter keeping its own
// nodes, retired nodes left out, in JSON and HTML alike.
func TestReportNodesOverHTTP(t *testing.T) {
	s := newTestServer(t, Config{RateLimit: -1}, openIndex(t, ""), nil)
	call := loopback(t, s)
	for _, body := range []string{
		nodeSampleBody,
		`{"id":"peer0-org2","chain":"fab-gm","org":"Org2MSP","kind":"fabric-peer","endpoint":"127.0.0.1:9051"}`,
		`{"id":"geth-1","chain":"evm-dev","org":"Ops","kind":"evm-rpc","endpoint":"http://127.0.0.1:8545"}`,
		`{"id":"peer1-org1","chain":"fab-gm","org":"Org1MSP","kind":"fabric-peer","endpoint":"127.0.0.1:8051"}`,
	} {
		if code, b := call("POST", Version+"/nodes", body); code != http.StatusOK {
			t.Fatalf("POST nodes %s = %d %s", body, code, b)
		}
	}
	if code, b := call("DELETE", Version+"/nodes/peer1-org1?reason=moved", ""); code != http.StatusOK {
		t.Fatalf("retire peer1-org1 = %d %s", code, b)
	}
	type node struct {
		ID, Chain, Org, Kind, Endpoint, Version string
	}
	for _, tc := range []struct {
		query string
		want  []node
	}{
		{"", []node{
			{"geth-1", evmChain, "Ops", "evm-rpc", "http://127.0.0.1:8545", ""},
			{nodeSampleID, fabChain, "Org1MSP", "fabric-peer", "127.0.0.1:7051", "2.2.0"},
			{"peer0-org2", fabChain, "Org2MSP", "fabric-peer", "127.0.0.1:9051", ""},
		}},
		{"?org=Org1MSP", []node{{nodeSampleID, fabChain, "Org1MSP", "fabric-peer", "127.0.0.1:7051", "2.2.0"}}},
		{"?chain=" + evmChain, []node{{"geth-1", evmChain, "Ops", "evm-rpc", "http://127.0.0.1:8545", ""}}},
		{"?org=NoSuchMSP", []node{}},
	} {
		code, b := call("GET", Version+"/reports/supervision"+tc.query, "")
		if code != http.StatusOK {
			t.Fatalf("GET report%s = %d %s", tc.query, code, b)
		}
		var r struct {
			Scope struct {
				Nodes []node `json:"nodes"`
			} `json:"scope"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("GET report%s: %v", tc.query, err)
		}
		got, _ := json.Marshal(r.Scope.Nodes)
		want, _ := json.Marshal(tc.want)
		if string(got) != string(want) {
			t.Errorf("report%s nodes = %s, want %s", tc.query, got, want)
		}
	}
	code, b := call("GET", Version+"/reports/supervision?format=html&org=Org1MSP", "")
	if html := string(b); code != http.StatusOK || !strings.Contains(html, "<td>"+nodeSampleID+"</td>") || !strings.Contains(html, "127.0.0.1:7051") ||
		strings.Contains(html, "peer0-org2") || strings.Contains(html, "peer1-org1") {
		t.Errorf("HTML report for Org1MSP = %d, want %s and no other org's or retired node:\n%s", code, nodeSampleID, b)
	}
}
