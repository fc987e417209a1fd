package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// do serves one request and returns the status and body.
func do(t testing.TB, h http.Handler, method, target string, hdr http.Header) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type = %q, want application/json", method, target, ct)
	}
	return rec.Code, rec.Body.Bytes()
}

// field walks a decoded JSON value along a dotted path such as
// "items.0.height".
func field(t testing.TB, body []byte, path string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
	if path == "" {
		return v
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// sample is a concrete request for a route pattern.
type sample struct {
	path string
	body string // JSON body for POST
}

// sampleRequests gives a concrete, existing request for every route,
// keyed by "METHOD pattern". Every route must have one: the route tests
// fail otherwise.
func sampleRequests() map[string]sample {
	v := Version
	g := func(p string) sample { return sample{path: p} }
	return map[string]sample{
		"GET /healthz":                                        g("/healthz"),
		"GET /readyz":                                         g("/readyz"),
		"GET /metrics":                                        g("/metrics"),
		"GET " + v + "/chains":                                g(v + "/chains"),
		"GET " + v + "/chains/:chain":                         g(v + "/chains/" + evmChain),
		"GET " + v + "/chains/:chain/blocks":                  g(v + "/chains/" + evmChain + "/blocks"),
		"GET " + v + "/chains/:chain/blocks/:ref":             g(v + "/chains/" + evmChain + "/blocks/1"),
		"GET " + v + "/chains/:chain/txs/:id":                 g(v + "/chains/" + evmChain + "/txs/" + fixTxID("new/3/0")),
		"GET " + v + "/chains/:chain/addresses/:addr/history": g(v + "/chains/" + evmChain + "/addresses/" + fixEVMAddr + "/history"),
		"GET " + v + "/chains/:chain/contracts":               g(v + "/chains/" + evmChain + "/contracts"),
		"GET " + v + "/chains/:chain/contracts/:addr":         g(v + "/chains/" + evmChain + "/contracts/" + fixEVMAddr),
		"GET " + v + "/chains/:chain/reorgs":                  g(v + "/chains/" + evmChain + "/reorgs"),
		"GET " + v + "/txs/:id":                               g(v + "/txs/" + fixTxID("fab/1/0")),
		"GET " + v + "/findings":                              g(v + "/findings"),
		"GET " + v + "/findings/:id":                          g(v + "/findings/" + fixFindingID()),
		"GET " + v + "/rules":                                 g(v + "/rules"),
		"GET " + v + "/openapi.json":                          g(v + "/openapi.json"),
		"GET " + v + "/search":                                g(v + "/search?q=" + fixTxID("fab/1/0")),
		"GET " + v + "/findings/:id/history":                  g(v + "/findings/" + fixFindingID() + "/history"),
		"POST " + v + "/findings/:id/transitions":             {v + "/findings/" + fixFindingID() + "/transitions", `{"comment":"looking into it"}`},
		"GET " + v + "/users":                                 g(v + "/users"),
		"POST " + v + "/users":                                {v + "/users", `{"name":"ci","role":"auditor"}`},
		"DELETE " + v + "/users/:id":                          g(v + "/users/" + fixTokenID),
		"GET " + v + "/auditlog":                              g(v + "/auditlog"),
		"GET " + v + "/auditlog/verify":                       g(v + "/auditlog/verify"),
		"GET " + v + "/reports/supervision":                   g(v + "/reports/supervision?chain=" + fabChain),
		"GET " + v + "/standards":                             g(v + "/standards"),
		"GET " + v + "/chains/:chain/compliance":              g(v + "/chains/" + fabChain + "/compliance?standard=gmt0111"),
		"GET " + v + "/alerts/deliveries":                     g(v + "/alerts/deliveries"),
		// Fabric routes (api/fabric.go).
		"GET " + v + "/networks":                               g(v + "/networks"),
		"GET " + v + "/chains/:chain/configs":                  g(v + "/chains/" + fabChain + "/configs"),
		"GET " + v + "/chains/:chain/config":                   g(v + "/chains/" + fabChain + "/config?height=1"),
		"GET " + v + "/chains/:chain/config/diff":              g(v + "/chains/" + fabChain + "/config/diff?from=0&to=1"),
		"GET " + v + "/chains/:chain/identities":               g(v + "/chains/" + fabChain + "/identities?msp=Org1MSP"),
		"GET " + v + "/chains/:chain/identities/:fingerprint":  g(v + "/chains/" + fabChain + "/identities/" + fmt.Sprintf("%x", fixHash("cert/user1"))),
		"GET " + v + "/chains/:chain/orgs":                     g(v + "/chains/" + fabChain + "/orgs"),
		"GET " + v + "/chains/:chain/chaincodes":               g(v + "/chains/" + fabChain + "/chaincodes"),
		"GET " + v + "/chains/:chain/chaincodes/:name/history": g(v + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/history"),
		// FISCO BCOS routes (api/fisco.go).
		"GET " + v + "/chains/:chain/governance": g(v + "/chains/" + fisChain + "/governance"),
		"GET " + v + "/chains/:chain/sealers":    g(v + "/chains/" + fisChain + "/sealers?window=10"),
		// Contract scan routes (api/contracts_scan.go).
		"GET " + v + "/chains/:chain/scans":                   g(v + "/chains/" + fabChain + "/scans"),
		"GET " + v + "/chains/:chain/contracts/:addr/scans":   g(v + "/chains/" + fabChain + "/contracts/" + fixFabCC + "/scans"),
		"POST " + v + "/chains/:chain/scans":                  {v + "/chains/" + fabChain + "/scans", scanSampleBody},
		"POST " + v + "/chains/:chain/chaincodes/:name/scans": {v + "/chains/" + fabChain + "/chaincodes/" + fixFabCC + "/scans", scanSampleAttach},
		// Node routes (api/nodes.go). POST comes first in the route table
		// and registers the node the later samples read, update and retire.
		"GET " + v + "/nodes":                       g(v + "/nodes"),
		"POST " + v + "/nodes":                      {v + "/nodes", nodeSampleBody},
		"GET " + v + "/nodes/:id":                   g(v + "/nodes/" + nodeSampleID),
		"PUT " + v + "/nodes/:id":                   {v + "/nodes/" + nodeSampleID, nodeSampleBody},
		"DELETE " + v + "/nodes/:id":                g(v + "/nodes/" + nodeSampleID + "?reason=moved"),
		"GET " + v + "/nodes/:id/history":           g(v + "/nodes/" + nodeSampleID + "/history"),
		"GET " + v + "/nodes/:id/probes":            g(v + "/nodes/" + nodeSampleID + "/probes"),
		"GET " + v + "/chains/:chain/participation": g(v + "/chains/" + fabChain + "/participation?window=10"),
		"GET " + v + "/risk":                        g(v + "/risk?kind=org&chain=" + fabChain + "&ref=Org1MSP"),
	}
}

// send serves one request with an optional JSON body and returns the
// recorder.
func send(t testing.TB, h http.Handler, method, target, body string, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func fixFindingID() string {
	return fabBlocks()[1].Findings[0].ID
}

func TestEveryRouteIsServed(t *testing.T) {
	s := newTestServer(t, Config{}, openIndex(t, ""), nil)
	samples := sampleRequests()
	seen := map[string]bool{}
	for _, rt := range s.Routes() {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			t.Errorf("route %s declared twice", key)
		}
		seen[key] = true
		if rt.Summary == "" {
			t.Errorf("route %s has no summary", key)
		}
		if strings.HasPrefix(rt.Path, Version) && rt.Permission == "" {
			t.Errorf("route %s requires no permission", key)
		}
		sm, ok := samples[key]
		if !ok {
			t.Errorf("route %s has no sample request in sampleRequests", key)
			continue
		}
		t.Run(strings.TrimPrefix(key, "/"), func(t *testing.T) {
			rec := send(t, s.Handler(), rt.Method, sm.path, sm.body, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s %s = %d %s, want 200", rt.Method, sm.path, rec.Code, rec.Body)
			}
			if rt.Response != nil && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %s body is not JSON: %s", rt.Method, sm.path, rec.Body)
			}
		})
	}
	if fmt.Sprint(Table()) != fmt.Sprint(s.Routes()) {
		t.Errorf("Table() = %v, want the served routes %v", Table(), s.Routes())
	}
	for key := range samples {
		if !seen[key] {
			t.Errorf("sampleRequests names %s, which is not served", key)
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	s := newTestServer(t, Config{}, openIndex(t, ""), nil)
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/", 404, codeNotFound},
		{"GET", "/api/v2/chains", 404, codeNotFound},
		{"GET", "/api/v1/chain", 404, codeNotFound},
		{"GET", "/api/v1/chains/", 404, codeNotFound},
		{"GET", "/api/v1/chains/evm-dev/blocks/1/extra", 404, codeNotFound},
		{"POST", "/api/v1/chains", 405, codeMethodNotAllowed},
		{"DELETE", "/api/v1/findings/x", 405, codeMethodNotAllowed},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			code, body := do(t, s.Handler(), tc.method, tc.path, nil)
			if code != tc.status || field(t, body, "error.code") != tc.code {
				t.Fatalf("%s %s = %d %s, want %d %s", tc.method, tc.path, code, body, tc.status, tc.code)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	s := newTestServer(t, Config{MaxPageSize: 3}, openIndex(t, ""), nil)
	v := Version
	evm := v + "/chains/" + evmChain
	newTx := fixTxID("new/3/0")
	oldTx := fixTxID("old/3/0")
	block2 := "0x" + fmt.Sprintf("%x", fixHash(evmChain+"/old/2"))
	for _, tc := range []struct {
		name   string
		path   string
		status int
		code   string         // error code, for errors
		want   map[string]any // dotted path -> value, for successes
	}{
		// chains
		{"chains", v + "/chains", 200, "", map[string]any{
			"items.#": 4, "items.0.id": emptyChain, "items.0.height": nil,
			"items.1.id": evmChain, "items.1.head": 10.0, "items.1.height": 4.0, "items.1.lag": 6.0,
			"items.2.id": fabChain, "items.2.crypto": "gm", "items.2.head": nil, "items.2.lag": nil, "next": "",
			"items.3.id": fisChain, "items.3.kind": "fisco", "items.3.group": "group0", "items.3.height": 5.0,
		}},
		{"chain", evm, 200, "", map[string]any{"kind": "evm", "chainId": 1337.0, "height": 4.0}},
		{"chain missing", v + "/chains/nope", 404, codeNotFound, nil},
		{"chain bad id", v + "/chains/bad%20id", 400, codeBadRequest, nil},
		{"chain slash id", v + "/chains/a%2Fb", 400, codeBadRequest, nil},

		// blocks
		{"blocks newest first, capped", evm + "/blocks?limit=100", 200, "", map[string]any{
			"items.#": 3, "items.0.height": 4.0, "items.2.height": 2.0, "next": "1",
		}},
		{"blocks next page", evm + "/blocks?limit=3&cursor=1", 200, "", map[string]any{
			"items.#": 2, "items.0.height": 1.0, "items.1.height": 0.0, "next": "",
		}},
		{"blocks limit zero", evm + "/blocks?limit=0", 400, codeBadRequest, nil},
		{"blocks limit negative", evm + "/blocks?limit=-1", 400, codeBadRequest, nil},
		{"blocks limit text", evm + "/blocks?limit=ten", 400, codeBadRequest, nil},
		{"blocks limit empty", evm + "/blocks?limit=", 400, codeBadRequest, nil},
		{"blocks bad cursor", evm + "/blocks?cursor=zz", 400, codeBadRequest, nil},
		{"blocks unknown chain", v + "/chains/nope/blocks", 404, codeNotFound, nil},
		{"blocks empty chain", v + "/chains/" + emptyChain + "/blocks", 200, "", map[string]any{"items.#": 0, "next": ""}},
		{"block by height", evm + "/blocks/1", 200, "", map[string]any{
			"height": 1.0, "txCount": 2.0, "txs.1.verdict": "failed",
			"baseFee": "1000000000", "verdict.status": "verified", "verdict.checks.0.name": "header-hash", "raw": nil,
		}},
		{"block raw", evm + "/blocks/1?raw=1", 200, "", map[string]any{"raw": "0xf90201"}},
		{"block by 0x hash", evm + "/blocks/" + block2, 200, "", map[string]any{"height": 2.0}},
		{"block by bare hash", evm + "/blocks/" + block2[2:], 200, "", map[string]any{"height": 2.0}},
		{"block by upper-case hash", evm + "/blocks/0X" + strings.ToUpper(block2[2:]), 200, "", map[string]any{"height": 2.0}},
		{"block rolled back", evm + "/blocks/0x" + fmt.Sprintf("%x", fixHash(evmChain+"/old/3")), 404, codeNotFound, nil},
		{"block missing height", evm + "/blocks/99", 404, codeNotFound, nil},
		{"block non-numeric", evm + "/blocks/abc", 400, codeBadRequest, nil},
		{"block negative", evm + "/blocks/-1", 400, codeBadRequest, nil},
		{"block height overflow", evm + "/blocks/18446744073709551616", 400, codeBadRequest, nil},
		{"block short hash", evm + "/blocks/0x1234", 400, codeBadRequest, nil},
		{"block bad hex", evm + "/blocks/0x" + strings.Repeat("zz", 32), 400, codeBadRequest, nil},
		{"block bad raw", evm + "/blocks/1?raw=maybe", 400, codeBadRequest, nil},
		{"fabric config block", v + "/chains/" + fabChain + "/blocks/0", 200, "", map[string]any{
			"fabric.isConfig": true, "config.hashingAlgorithm": "SM3", "config.msps.0.signingAlgorithm": "SM2",
			"config.policies.0.path": "/Channel/Application/Admins",
		}},

		// transactions
		{"tx", evm + "/txs/" + newTx, 200, "", map[string]any{
			"id": "0x" + newTx, "value": "1000000000000000000000", "signatures.0.verdict.status": "verified",
			"verdict.status": "verified", "raw": nil,
		}},
		{"tx 0x upper", evm + "/txs/0x" + strings.ToUpper(newTx), 200, "", map[string]any{"id": "0x" + newTx}},
		{"tx raw", evm + "/txs/" + newTx + "?raw=true", 200, "", map[string]any{"raw": "0x02f803"}},
		{"tx rolled back", evm + "/txs/" + oldTx, 404, codeNotFound, nil},
		{"tx wrong chain", v + "/chains/" + fabChain + "/txs/" + newTx, 404, codeNotFound, nil},
		{"tx bad id", evm + "/txs/xyz", 400, codeBadRequest, nil},
		{"fabric tx", v + "/chains/" + fabChain + "/txs/" + fixTxID("fab/1/0"), 200, "", map[string]any{
			"creator.mspId": "Org1MSP", "creator.cert": nil, "signatures.#": 2,
			"signatures.1.verdict.status": "failed", "verdict.status": "failed",
			"fabric.rwsets.0.metaWrites.0.entries.0.value": "09", "fabric.args.0": "617373657431",
		}},
		{"fabric tx raw cert", v + "/chains/" + fabChain + "/txs/" + fixTxID("fab/1/0") + "?raw=1", 200, "", map[string]any{
			"creator.cert": "-----BEGIN CERTIFICATE-----\nMAMCAQI=\n-----END CERTIFICATE-----\n",
		}},
		{"tx any chain", v + "/txs/" + fixTxID("fab/1/0"), 200, "", map[string]any{"items.#": 1, "items.0.chain": fabChain}},
		{"tx any chain missing", v + "/txs/" + strings.Repeat("ab", 32), 404, codeNotFound, nil},
		{"tx any chain bad", v + "/txs/12", 400, codeBadRequest, nil},

		// address history
		{"history", evm + "/addresses/" + fixEVMAddr + "/history", 200, "", map[string]any{
			"items.#": 3, "items.0.height": 0.0, "items.0.role": "log", "items.1.role": "to", "next": "x",
		}},
		{"history checksummed", evm + "/addresses/0x00000000000000000000000000000000000000AA/history?limit=1", 200, "", map[string]any{
			"items.#": 1,
		}},
		{"history unknown address", evm + "/addresses/0xffffffffffffffffffffffffffffffffffffffff/history", 200, "", map[string]any{"items.#": 0}},
		{"history unknown chain", v + "/chains/nope/addresses/" + fixEVMAddr + "/history", 404, codeNotFound, nil},
		{"history bad limit", evm + "/addresses/" + fixEVMAddr + "/history?limit=1.5", 400, codeBadRequest, nil},

		// contracts
		{"contracts", evm + "/contracts", 200, "", map[string]any{"items.#": 1, "items.0.codeSize": 4.0, "items.0.code": nil}},
		{"contract", evm + "/contracts/" + fixEVMAddr, 200, "", map[string]any{"codeHash": "0x" + fmt.Sprintf("%x", fixHash("code")), "code": nil}},
		{"contract raw", evm + "/contracts/" + fixEVMAddr + "?raw=1", 200, "", map[string]any{"code": "0x60806040"}},
		{"chaincode", v + "/chains/" + fabChain + "/contracts/" + fixFabCC, 200, "", map[string]any{"policy": "OR('Org1MSP.peer')"}},
		{"contract missing", evm + "/contracts/0xffffffffffffffffffffffffffffffffffffffff", 404, codeNotFound, nil},
		{"contracts unknown chain", v + "/chains/nope/contracts", 404, codeNotFound, nil},

		// reorgs
		{"reorgs", evm + "/reorgs", 200, "", map[string]any{"items.#": 1, "items.0.ancestor": 2.0, "items.0.depth": 1.0}},
		{"reorgs none", v + "/chains/" + fabChain + "/reorgs", 200, "", map[string]any{"items.#": 0}},
		{"reorgs unknown chain", v + "/chains/nope/reorgs", 404, codeNotFound, nil},

		// findings
		{"findings", v + "/findings", 200, "", map[string]any{"items.#": 3, "next": "x"}},
		{"findings by chain", v + "/findings?chain=" + fabChain, 200, "", map[string]any{"items.#": 1, "items.0.subject.org": "Org1MSP"}},
		{"findings by severity", v + "/findings?severity=critical", 200, "", map[string]any{"items.#": 1, "items.0.rule": "INT-HEADER-HASH"}},
		{"findings min severity", v + "/findings?min_severity=critical&chain=" + evmChain, 200, "", map[string]any{"items.#": 1}},
		{"findings by rule and category", v + "/findings?rule=CRY-WEAK-ALGO&category=crypto&status=open&limit=3", 200, "", map[string]any{"items.#": 3}},
		{"findings since", v + "/findings?since=2026-03-01T11:30:00Z", 200, "", map[string]any{"items.#": 1}},
		{"findings until", v + "/findings?until=2026-03-01T08:30:00Z&chain=" + evmChain, 200, "", map[string]any{"items.#": 2}},
		{"findings bad since", v + "/findings?since=yesterday", 400, codeBadRequest, nil},
		{"findings bad until", v + "/findings?until=2026-03-01", 400, codeBadRequest, nil},
		{"findings until before since", v + "/findings?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", 400, codeBadRequest, nil},
		{"findings bad severity", v + "/findings?severity=urgent", 400, codeBadRequest, nil},
		{"findings bad min severity", v + "/findings?min_severity=", 400, codeBadRequest, nil},
		{"findings bad category", v + "/findings?category=misc", 400, codeBadRequest, nil},
		{"findings bad status", v + "/findings?status=closed", 400, codeBadRequest, nil},
		{"findings bad limit", v + "/findings?limit=x", 400, codeBadRequest, nil},
		{"findings bad cursor", v + "/findings?cursor=not-hex", 400, codeBadRequest, nil},
		{"finding", v + "/findings/" + fixFindingID(), 200, "", map[string]any{"severity": "high", "firstSeen": "2026-03-01T08:01:00Z"}},
		{"finding missing", v + "/findings/nope", 404, codeNotFound, nil},

		// rules and probes
		{"rules", v + "/rules", 200, "", map[string]any{"items.#": 2, "items.0.id": "INT-HEADER-HASH"}},
		{"healthz", "/healthz", 200, "", map[string]any{"status": "ok"}},
		{"readyz", "/readyz", 200, "", map[string]any{"status": "ready"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, s.Handler(), http.MethodGet, tc.path, nil)
			if code != tc.status {
				t.Fatalf("GET %s = %d %s, want %d", tc.path, code, body, tc.status)
			}
			if tc.code != "" {
				if got := field(t, body, "error.code"); got != tc.code {
					t.Errorf("GET %s error.code = %v, want %s", tc.path, got, tc.code)
				}
				if msg, _ := field(t, body, "error.message").(string); msg == "" {
					t.Errorf("GET %s error.message is empty", tc.path)
				}
				return
			}
			for path, want := range tc.want {
				checkField(t, tc.path, body, path, want)
			}
		})
	}
}

// checkField compares one dotted path of a JSON body. A path ending in .#
// compares a length; want "x" for next means any non-empty cursor.
func checkField(t *testing.T, target string, body []byte, path string, want any) {
	t.Helper()
	if p, ok := strings.CutSuffix(path, ".#"); ok {
		arr, _ := field(t, body, p).([]any)
		if len(arr) != want.(int) {
			t.Errorf("GET %s: len(%s) = %d, want %d", target, p, len(arr), want)
		}
		return
	}
	got := field(t, body, path)
	if path == "next" && want == "x" {
		if s, _ := got.(string); s == "" {
			t.Errorf("GET %s: next is empty, want a cursor", target)
		}
		return
	}
	if got != want {
		t.Errorf("GET %s: %s = %#v, want %#v", target, path, got, want)
	}
}
