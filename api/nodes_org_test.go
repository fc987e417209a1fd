package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/nodes"
)

// peerBody is a registration of a Fabric peer of org on the fixture chain.
func peerBody(id, org string) string {
	return strings.NewReplacer("peer0-org1", id, "Org1MSP", org).Replace(nodeSampleBody)
}

// TestNodeIDsPerOrg checks that a node is identified by its org and its
// id: two orgs' operators each register "peer0", each sees and changes
// only their own, and a regulator names one by ?org= (409 without it
// while the id is ambiguous).
func TestNodeIDsPerOrg(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	do := func(who, method, path, body string) *httptest.ResponseRecorder {
		t.Helper()
		return send(t, s.Handler(), method, Version+path, body, http.Header{"Authorization": {"Bearer " + secrets[who]}})
	}
	expect := func(rec *httptest.ResponseRecorder, code int, checks ...string) {
		t.Helper()
		if rec.Code != code {
			t.Fatalf("status %d %s, want %d", rec.Code, rec.Body, code)
		}
		for _, c := range checks {
			path, want, _ := strings.Cut(c, "=")
			if got := jsonPath(t, rec.Body.Bytes(), path); got != want {
				t.Errorf("%s = %q, want %q (body %s)", path, got, want, rec.Body)
			}
		}
	}
	for _, op := range []struct{ who, org string }{{"operator-org1", "Org1MSP"}, {"operator-org2", "Org2MSP"}} {
		expect(do(op.who, "POST", "/nodes", peerBody("peer0", op.org)), 200, "id=peer0", "org="+op.org, "rev=1")
	}
	for _, op := range []struct{ who, org string }{{"operator-org1", "Org1MSP"}, {"operator-org2", "Org2MSP"}} {
		expect(do(op.who, "GET", "/nodes", ""), 200, "items.#=1", "items.0.org="+op.org)
		expect(do(op.who, "GET", "/nodes/peer0", ""), 200, "org="+op.org)
		expect(do(op.who, "GET", "/nodes/peer0?org="+op.org, ""), 200, "org="+op.org)
		expect(do(op.who, "GET", "/nodes/peer0/history", ""), 200, "items.#=1", "items.0.org="+op.org)
	}
	// An operator naming another org finds nothing, as for any id.
	expect(do("operator-org1", "GET", "/nodes/peer0?org=Org2MSP", ""), 404)
	// Org1 updates and retires its peer0; Org2's stays as it was.
	expect(do("operator-org1", "PUT", "/nodes/peer0", strings.Replace(peerBody("peer0", "Org1MSP"), "2.2.0", "2.5.9", 1)), 200, "rev=2", "version=2.5.9")
	expect(do("operator-org1", "DELETE", "/nodes/peer0?reason=moved", ""), 200, "rev=3", "retired=true")
	expect(do("operator-org2", "GET", "/nodes/peer0", ""), 200, "rev=1", "retired=false", "version=2.2.0")
	expect(do("operator-org2", "GET", "/nodes", ""), 200, "items.#=1")
	expect(do("operator-org1", "GET", "/nodes", ""), 200, "items.#=0")

	// The regulator sees both; the bare id is ambiguous.
	expect(do("regulator", "GET", "/nodes?retired=true", ""), 200, "items.#=2", "items.0.org=Org1MSP", "items.1.org=Org2MSP")
	for _, path := range []string{"/nodes/peer0", "/nodes/peer0/history", "/nodes/peer0/probes", "/risk?kind=node&ref=peer0"} {
		rec := do("regulator", "GET", path, "")
		expect(rec, 409, "error.code=conflict")
		if msg := jsonPath(t, rec.Body.Bytes(), "error.message"); !strings.Contains(msg, "?org=") || !strings.Contains(msg, "Org1MSP, Org2MSP") {
			t.Errorf("GET %s message %q does not say to name the org", path, msg)
		}
	}
	expect(do("regulator", "PUT", "/nodes/peer0", strings.Replace(peerBody("peer0", ""), `"org":"",`, "", 1)), 409)
	expect(do("regulator", "GET", "/nodes/peer0?org=Org1MSP", ""), 200, "org=Org1MSP", "rev=3", "retired=true")
	expect(do("regulator", "GET", "/nodes/peer0?org=Org2MSP", ""), 200, "org=Org2MSP", "rev=1")
	expect(do("regulator", "GET", "/nodes/peer0/history?org=Org1MSP", ""), 200, "items.#=3")
	// The body's org names the node of an update when ?org= is left out.
	expect(do("regulator", "PUT", "/nodes/peer0", strings.Replace(peerBody("peer0", "Org2MSP"), "2.2.0", "2.5.10", 1)), 200, "org=Org2MSP", "rev=2")
	// Nobody moves a node to another org: the org is part of its identity.
	expect(do("regulator", "PUT", "/nodes/peer0?org=Org2MSP", peerBody("peer0", "Org1MSP")), 400, "error.code=bad_request")
	// An id only one org holds needs no org.
	expect(do("operator-org2", "POST", "/nodes", peerBody("peer1", "Org2MSP")), 200)
	expect(do("regulator", "GET", "/nodes/peer1", ""), 200, "org=Org2MSP")
	expect(do("regulator", "GET", "/nodes/peer9", ""), 404)

	// Probe runs and risk points are the node's own.
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, org := range []string{"Org1MSP", "Org2MSP"} {
		doc, _ := json.Marshal(nodes.Result{Node: "peer0", Org: org, Time: t0, Reachable: true, Version: org, Evidence: []nodes.Evidence{}})
		if err := db.PutProbe(ctx, record.ProbeRecord{Org: org, Node: "peer0", Time: t0, Doc: doc}, 10); err != nil {
			t.Fatal(err)
		}
		sc := nodes.NewScore(nodes.SubjectNode, fabChain, "peer0", nil, t0)
		sc.Subject, sc.Org, sc.Explanation = nodes.NodeSubjectKey(nodes.Key{Org: org, ID: "peer0"}), org, org
		b, _ := json.Marshal(sc)
		if err := db.PutRisk(ctx, []record.RiskPoint{{Subject: sc.Subject, Time: t0, Doc: b}}); err != nil {
			t.Fatal(err)
		}
	}
	since := "&since=2026-10-01T00:00:00Z"
	for _, op := range []struct{ who, org string }{{"operator-org1", "Org1MSP"}, {"operator-org2", "Org2MSP"}} {
		expect(do(op.who, "GET", "/nodes/peer0/probes", ""), 200, "items.#=1", "items.0.org="+op.org, "items.0.version="+op.org)
		// The explanation is written in the request's language from the
		// stored score, naming the node with its org.
		expl := "current.explanation=节点 " + op.org + "/peer0：没有未关闭的问题，风险分 0。"
		expect(do(op.who, "GET", "/risk?kind=node&ref=peer0"+since, ""), 200, "subject=node/"+op.org+"/peer0", expl)
		expect(do("regulator", "GET", "/nodes/peer0/probes?org="+op.org, ""), 200, "items.#=1", "items.0.version="+op.org)
		expect(do("regulator", "GET", "/risk?kind=node&ref=peer0&org="+op.org+since, ""), 200, expl)
	}
}

// TestNodeIDOracle checks that nothing an operator is answered depends
// on another org's nodes: registering an id another org holds and a
// free id get the same status and the same body (but for the id and the
// time), and reading, updating or retiring an id another org holds is
// answered as for an id nobody holds. The audit entries an operator's
// requests leave name only the operator's own org.
func TestNodeIDOracle(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	as := func(who string) http.Header { return http.Header{"Authorization": {"Bearer " + secrets[who]}} }
	call := func(who, method, path, body string) *httptest.ResponseRecorder {
		return send(t, s.Handler(), method, Version+path, body, as(who))
	}
	if rec := call("operator-org1", "POST", "/nodes", nodeSampleBody); rec.Code != 200 {
		t.Fatalf("Org1 registers %s = %d %s", nodeSampleID, rec.Code, rec.Body)
	}
	// Everything Org2's operator may ask about an id, for Org1's id and
	// for an id nobody holds.
	asks := []struct{ method, path, body string }{
		{"GET", "/nodes/%s", ""},
		{"GET", "/nodes/%s?org=Org2MSP", ""},
		{"GET", "/nodes/%s?org=Org1MSP", ""},
		{"GET", "/nodes/%s/history", ""},
		{"GET", "/nodes/%s/probes", ""},
		{"GET", "/risk?kind=node&ref=%s", ""},
		{"PUT", "/nodes/%s", `{"id":"%s","chain":"fab-gm","org":"Org2MSP","kind":"fabric-peer","endpoint":"127.0.0.1:7051"}`},
		{"DELETE", "/nodes/%s?reason=x", ""},
		{"POST", "/nodes", `{"id":"%s","chain":"fab-gm","org":"Org1MSP","kind":"fabric-peer","endpoint":"127.0.0.1:7051"}`},
		{"POST", "/nodes", `{"id":"%s","chain":"fab-gm","org":"Org2MSP","kind":"fabric-peer","endpoint":"127.0.0.1:7051"}`},
		{"POST", "/nodes", `{"id":"%s","chain":"fab-gm","org":"Org2MSP","kind":"fabric-peer","endpoint":"127.0.0.1:7051"}`}, // again: its own duplicate now
		{"GET", "/nodes/%s", ""},
	}
	answers := map[string][]string{}
	for _, id := range []string{nodeSampleID, "peer9-free"} {
		for _, a := range asks {
			path, body := strings.ReplaceAll(a.path, "%s", id), strings.ReplaceAll(a.body, "%s", id)
			rec := call("operator-org2", a.method, path, body)
			answers[id] = append(answers[id], a.method+" "+strings.ReplaceAll(path, id, "ID")+" -> "+answerShape(t, rec, id))
		}
	}
	if !slices.Equal(answers[nodeSampleID], answers["peer9-free"]) {
		t.Errorf("Org2's operator is answered differently for Org1's id and a free id:\n taken: %q\n free:  %q", answers[nodeSampleID], answers["peer9-free"])
	}
	if got := answers[nodeSampleID][9]; !strings.HasPrefix(got, "POST /nodes -> 200 ") {
		t.Errorf("Org2 registering the id Org1 holds = %s, want 200", got)
	}
	// The operator's own duplicate and a regulator's are answered 409.
	for _, tc := range []struct{ who, want string }{
		{"operator-org1", `your organisation already registered node \"peer0-org1\"`},
		{"regulator", `node \"peer0-org1\" is already registered (org Org1MSP)`},
	} {
		if rec := call(tc.who, "POST", "/nodes", nodeSampleBody); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s registering %s again = %d %s, want 409 %s", tc.who, nodeSampleID, rec.Code, rec.Body, tc.want)
		}
	}
	if rec := call("operator-org1", "GET", "/nodes/"+nodeSampleID, ""); rec.Code != 200 || jsonPath(t, rec.Body.Bytes(), "rev") != "1" {
		t.Errorf("Org1's node after Org2's requests = %d %s, want rev 1", rec.Code, rec.Body)
	}
	// The audit entries of Org2's requests are alike for both ids too,
	// and carry no detail about Org1.
	byID := map[string][]string{}
	for _, e := range auditEntries(t, db) {
		if !strings.Contains(e.Actor, "operator-org2") {
			continue
		}
		for _, id := range []string{nodeSampleID, "peer9-free"} {
			if strings.Contains(e.Target, id) {
				byID[id] = append(byID[id], e.Op+" "+strings.ReplaceAll(e.Target, id, "ID")+" "+e.Outcome+" "+e.Detail)
			}
		}
	}
	if len(byID[nodeSampleID]) == 0 || !slices.Equal(byID[nodeSampleID], byID["peer9-free"]) {
		t.Errorf("audit of Org2's requests differs by id:\n taken: %q\n free:  %q", byID[nodeSampleID], byID["peer9-free"])
	}
}

// answerShape is a response's status, its headers but Date, and its
// body with id and the times taken out.
func answerShape(t *testing.T, rec *httptest.ResponseRecorder, id string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("body is not JSON: %s", rec.Body)
	}
	if m, ok := v.(map[string]any); ok {
		if _, ok := m["time"]; ok {
			m["time"] = "T"
		}
	}
	b, _ := json.Marshal(v)
	hdr := rec.Header().Clone()
	hdr.Del("Date")
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range hdr {
			if !yield(k + ":" + strings.Join(hdr[k], ",")) {
				return
			}
		}
	})
	return strconv.Itoa(rec.Code) + " " + strings.Join(keys, ";") + " " + strings.ReplaceAll(string(b), id, "ID")
}
