package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger/record"
)

// Sample bodies of the contract scan routes, shared with the route and
// OpenAPI tests.
const (
	scanSampleBody   = `{"source":"vault@1a2b","findings":[{"rule":"EVM-SELFDESTRUCT","severity":"critical","swc":"SWC-106","message":"SELFDESTRUCT is reachable by any caller","location":{"path":"Vault.sol","contract":"Vault","line":12,"bytecode":{"pc":1}}}]}`
	scanSampleAttach = `{"version":"1.0","sequence":1,"tool":"lianjian test","source":"basic@1a2b","findings":[{"rule":"CC-SYSTEM-TIME","message":"time.Now reads the peer's clock","location":{"path":"chaincode.go","line":7}}]}`
)

func init() {
	roleMatrix["GET /api/v1/chains/:chain/scans"] = "401 200 200 403 403"
	roleMatrix["GET /api/v1/chains/:chain/contracts/:addr/scans"] = "401 200 200 403 403"
	roleMatrix["POST /api/v1/chains/:chain/scans"] = "401 200 200 403 403"
	roleMatrix["POST /api/v1/chains/:chain/chaincodes/:name/scans"] = "401 200 200 403 403"
}

func TestContractScanRoutes(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{}, db, nil)
	v := Version
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"attach", http.MethodPost, v + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/scans", scanSampleAttach, 200},
		{"attach unknown sequence", http.MethodPost, v + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/scans", `{"sequence":9,"source":"x","findings":[]}`, 404},
		{"attach wrong version", http.MethodPost, v + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/scans", `{"version":"2.0","sequence":1,"source":"x","findings":[]}`, 400},
		{"attach without sequence", http.MethodPost, v + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/scans", `{"source":"x","findings":[]}`, 400},
		{"attach unknown rule", http.MethodPost, v + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/scans", `{"sequence":1,"source":"x","findings":[{"rule":"NOPE","message":"m","location":{}}]}`, 400},
		{"submit", http.MethodPost, v + "/chains/" + fabChain + "/scans", scanSampleBody, 200},
		{"submit without source", http.MethodPost, v + "/chains/" + fabChain + "/scans", `{"source":"","findings":[]}`, 400},
		{"submit unknown field", http.MethodPost, v + "/chains/" + fabChain + "/scans", `{"source":"x","findings":[],"extra":1}`, 400},
		{"list", http.MethodGet, v + "/chains/" + fabChain + "/scans", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := send(t, s.Handler(), tt.method, tt.path, tt.body, nil)
			if rec.Code != tt.want {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, rec.Code, rec.Body, tt.want)
			}
		})
	}
	sc, err := db.ContractScan(context.Background(), fabChain, fixFabCC, 1)
	if err != nil || sc.Status != record.ScanDone || sc.By != record.ScanByAuditor || len(sc.Findings) != 1 {
		t.Fatalf("ContractScan(basic#1) = %+v, %v", sc, err)
	}
	rec := send(t, s.Handler(), http.MethodGet, v+"/chains/"+fabChain+"/contracts/"+fixFabCC+"/scans", "", nil)
	var got List[ContractScanView]
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Items) != 1 || got.Items[0].Source != "basic@1a2b" {
		t.Errorf("GET scans of %s = %s", fixFabCC, rec.Body)
	}
}

// TestScanUnknownChain checks that a scan for a chain the index does not
// hold is refused with a message naming it, and stores nothing.
func TestScanUnknownChain(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	aud := http.Header{"Authorization": {"Bearer " + secrets["auditor"]}}
	const chain = "no-such-chain"
	for _, tc := range []struct{ path, body string }{
		{Version + "/chains/" + chain + "/scans", scanSampleBody},
		{Version + "/chains/" + chain + "/chaincodes/" + fixFabCC + "/scans", scanSampleAttach},
	} {
		rec := send(t, s.Handler(), http.MethodPost, tc.path, tc.body, aud)
		if rec.Code != http.StatusNotFound || jsonPath(t, rec.Body.Bytes(), "error.message") != `unknown chain "no-such-chain"` ||
			jsonPath(t, rec.Body.Bytes(), "error.code") != "not_found" {
			t.Errorf("POST %s = %d %s, want 404 unknown chain \"no-such-chain\"", tc.path, rec.Code, rec.Body)
		}
	}
	rec := send(t, s.Handler(), http.MethodGet, Version+"/findings?chain="+chain, "", aud)
	if rec.Code != 200 || jsonPath(t, rec.Body.Bytes(), "items.#") != "0" {
		t.Errorf("GET findings of %s = %d %s, want none", chain, rec.Code, rec.Body)
	}
	es := auditEntries(t, db)
	if e := es[len(es)-1]; e.Target != "chaincode "+chain+"/"+fixFabCC+" sequence 1" || e.Outcome != "404 Not Found" {
		t.Errorf("audit entry = %q %q, want the chaincode named and 404", e.Target, e.Outcome)
	}
}

// FuzzScanSubmit posts arbitrary bodies to the two scan routes: the
// answer is always a 2xx or 4xx, never a server error.
func FuzzScanSubmit(f *testing.F) {
	for _, seed := range []string{
		scanSampleBody,
		scanSampleAttach,
		`{"sequence":1,"source":"x","findings":[{"rule":"EVM-SELFDESTRUCT","severity":"bogus","message":"m","location":{"bytecode":{"pc":-1}}}]}`,
		`{"source":"` + strings.Repeat("a", 300) + `","findings":null}`,
		`{"findings":[{}]}`,
	} {
		f.Add(true, seed)
		f.Add(false, seed)
	}
	db := openIndex(f, "")
	s := newTestServer(f, Config{RateLimit: -1}, db, nil)
	f.Fuzz(func(t *testing.T, attach bool, body string) {
		path := Version + "/chains/" + fabChain + "/scans"
		if attach {
			path = Version + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/scans"
		}
		rec := send(t, s.Handler(), http.MethodPost, path, body, nil)
		if rec.Code >= 500 {
			t.Errorf("POST %s %q = %d %s", path, body, rec.Code, rec.Body)
		}
	})
}
