package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger/record"
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

// TestComplianceAuditedOverHTTP assesses the fixture's EVM and FISCO BCOS
// chains over a real server: until the auditor has re-verified every
// ingested block and stored its verdict (the audit checkpoint), the
// "audited" fact is not evaluated, whatever ingest checked; once the
// audit checkpoint reaches the ingested height, it passes.
func TestComplianceAuditedOverHTTP(t *testing.T) {
	db := openIndex(t, "")
	call := loopback(t, newTestServer(t, Config{RateLimit: -1}, db, nil))
	audited := func(chain string) (string, string) {
		t.Helper()
		code, b := call("GET", Version+"/chains/"+chain+"/compliance?standard=gmt0111&lang=en", "")
		if code != http.StatusOK {
			t.Fatalf("GET %s compliance = %d %s", chain, code, b)
		}
		var a struct {
			Clauses []struct {
				Checks []struct {
					Check, Status, Reason string
				} `json:"checks"`
			} `json:"clauses"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("GET %s compliance: %v", chain, err)
		}
		for _, c := range a.Clauses {
			for _, k := range c.Checks {
				if k.Check == "fact:audited" {
					return k.Status, k.Reason
				}
			}
		}
		t.Fatalf("GET %s compliance: no audited fact in %s", chain, b)
		return "", ""
	}
	ctx := t.Context()
	for _, chain := range []string{evmChain, fisChain} {
		cp, err := db.Checkpoint(ctx, chain)
		if err != nil {
			t.Fatal(err)
		}
		if st, why := audited(chain); st != "not-evaluated" || !strings.Contains(why, "re-verified yet") {
			t.Errorf("%s ingested to %d, never audited: audited = %s (%q), want not-evaluated", chain, cp.Height, st, why)
		}
		if err := db.PutAudit(ctx, chain, nil, nil, record.AuditCheckpoint{Height: cp.Height - 1, At: fixT0}); err != nil {
			t.Fatal(err)
		}
		if st, why := audited(chain); st != "not-evaluated" || !strings.Contains(why, fmt.Sprintf("up to block %d of %d", cp.Height-1, cp.Height)) {
			t.Errorf("%s audited to %d of %d: audited = %s (%q), want not-evaluated, behind", chain, cp.Height-1, cp.Height, st, why)
		}
		if err := db.PutAudit(ctx, chain, nil, nil, record.AuditCheckpoint{Height: cp.Height, At: fixT0}); err != nil {
			t.Fatal(err)
		}
		if st, why := audited(chain); st != "pass" {
			t.Errorf("%s audited to its ingested height %d: audited = %s (%q), want pass", chain, cp.Height, st, why)
		}
	}
}
