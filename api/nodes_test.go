package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/nodes"
)

// Sample node of the route and role tests: a peer of Org1MSP on the
// fixture's Fabric chain.
const (
	nodeSampleID   = "peer0-org1"
	nodeSampleBody = `{"id":"peer0-org1","chain":"fab-gm","org":"Org1MSP","kind":"fabric-peer","endpoint":"127.0.0.1:7051","version":"2.2.0"}`
)

func init() {
	// Callers run in order: the regulator registers the sample node, so
	// Org1's operator then meets it (409 already registered, 400 already
	// retired) and Org2's operator never sees it.
	roleMatrix["GET /api/v1/nodes"] = "401 200 403 200 200"
	roleMatrix["POST /api/v1/nodes"] = "401 200 403 409 403"
	roleMatrix["GET /api/v1/nodes/:id"] = "401 200 403 200 404"
	roleMatrix["PUT /api/v1/nodes/:id"] = "401 200 403 200 403"
	roleMatrix["DELETE /api/v1/nodes/:id"] = "401 200 403 400 404"
	roleMatrix["GET /api/v1/nodes/:id/history"] = "401 200 403 200 404"
	roleMatrix["GET /api/v1/nodes/:id/probes"] = "401 200 403 200 404"
	roleMatrix["GET /api/v1/risk"] = "401 200 403 200 404"
	roleMatrix["GET /api/v1/chains/:chain/participation"] = "401 200 403 403 403"
}

func TestNodeRoutes(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, nil)
	v := Version
	steps := []struct {
		name, method, path, body string
		want                     int
		check                    string // a JSON field path and value, "path=value"
	}{
		{"register", "POST", v + "/nodes", nodeSampleBody, 200, "rev=1"},
		{"again", "POST", v + "/nodes", nodeSampleBody, 409, "error.message=node \"peer0-org1\" is already registered (org Org1MSP)"},
		{"unknown chain", "POST", v + "/nodes", strings.Replace(nodeSampleBody, "fab-gm", "nope", 1), 400, "error.message=invalid parameter \"chain\": unknown chain \"nope\""},
		{"bad endpoint", "POST", v + "/nodes", strings.Replace(nodeSampleBody, "127.0.0.1:7051", "peer0", 1), 400, "error.message=invalid parameter \"endpoint\": want host:port"},
		{"wrong kind", "POST", v + "/nodes", strings.Replace(strings.Replace(nodeSampleBody, "fabric-peer", "evm-rpc", 1), "peer0-org1", "x", 1), 400, ""},
		{"update", "PUT", v + "/nodes/" + nodeSampleID, strings.Replace(nodeSampleBody, "2.2.0", "2.5.9", 1), 200, "rev=2"},
		{"update path mismatch", "PUT", v + "/nodes/other", nodeSampleBody, 400, ""},
		{"show", "GET", v + "/nodes/" + nodeSampleID, "", 200, "version=2.5.9"},
		{"retire", "DELETE", v + "/nodes/" + nodeSampleID + "?reason=moved", "", 200, "change=retire"},
		{"history", "GET", v + "/nodes/" + nodeSampleID + "/history", "", 200, "items.2.reason=moved"},
		{"list hides retired", "GET", v + "/nodes", "", 200, "items.#=0"},
		{"list retired", "GET", v + "/nodes?retired=true", "", 200, "items.0.retired=true"},
		{"unknown node", "GET", v + "/nodes/nope", "", 404, ""},
		{"risk kind", "GET", v + "/risk?kind=planet", "", 400, ""},
		{"participation", "GET", v + "/chains/" + fabChain + "/participation", "", 200, "blocks=2"},
		{"participation window", "GET", v + "/chains/" + fabChain + "/participation?window=0", "", 400, ""},
		{"participation chain", "GET", v + "/chains/nope/participation", "", 404, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			rec := send(t, s.Handler(), st.method, st.path, st.body, nil)
			if rec.Code != st.want {
				t.Fatalf("%s %s = %d %s, want %d", st.method, st.path, rec.Code, rec.Body, st.want)
			}
			if st.check == "" {
				return
			}
			path, want, _ := strings.Cut(st.check, "=")
			if got := jsonPath(t, rec.Body.Bytes(), path); got != want {
				t.Errorf("%s %s: %s = %q, want %q", st.method, st.path, path, got, want)
			}
		})
	}
}

// TestNodeProbesAndRisk serves stored probe runs and a risk trend.
func TestNodeProbesAndRisk(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, nil)
	ctx := context.Background()
	if rec := send(t, s.Handler(), "POST", Version+"/nodes", nodeSampleBody, nil); rec.Code != 200 {
		t.Fatalf("register = %d %s", rec.Code, rec.Body)
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	res := nodes.Result{Node: nodeSampleID, Time: t0, Reachable: true, Version: "2.2.0",
		Evidence: []nodes.Evidence{{Check: "grpc-tls", Target: "127.0.0.1:7051", Response: "TLS 1.3", OK: true}}}
	doc, _ := json.Marshal(res)
	if err := db.PutProbe(ctx, record.ProbeRecord{Org: "Org1MSP", Node: nodeSampleID, Time: t0, Doc: doc}, 10); err != nil {
		t.Fatal(err)
	}
	var pts []record.RiskPoint
	for i, score := range []int{40, 20} {
		sc := nodes.NewScore(nodes.SubjectNode, fabChain, nodeSampleID, nil, t0.Add(time.Duration(i)*time.Hour))
		sc.Subject, sc.Score = nodes.NodeSubjectKey(nodes.Key{Org: "Org1MSP", ID: nodeSampleID}), score
		b, _ := json.Marshal(sc)
		pts = append(pts, record.RiskPoint{Subject: sc.Subject, Time: sc.Time, Doc: b})
	}
	if err := db.PutRisk(ctx, pts); err != nil {
		t.Fatal(err)
	}
	rec := send(t, s.Handler(), "GET", Version+"/nodes/"+nodeSampleID+"/probes", "", nil)
	if rec.Code != 200 || jsonPath(t, rec.Body.Bytes(), "items.0.evidence.0.response") != "TLS 1.3" {
		t.Errorf("probes = %d %s", rec.Code, rec.Body)
	}
	rec = send(t, s.Handler(), "GET", Version+"/risk?kind=node&ref="+nodeSampleID+"&since=2026-10-01T00:00:00Z", "", nil)
	if rec.Code != 200 || jsonPath(t, rec.Body.Bytes(), "trend.#") != "2" || jsonPath(t, rec.Body.Bytes(), "current.score") != "20" {
		t.Errorf("risk = %d %s, want a 2-point trend ending at 20", rec.Code, rec.Body)
	}
}

// jsonPath reads a dotted path (numeric parts index arrays, '#' is the
// length) from a JSON document as text.
func jsonPath(t *testing.T, body []byte, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %s", body)
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			if p == "#" {
				return itoaAPI(len(x))
			}
			i := int(atoi(p))
			if i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func itoaAPI(n int) string { b, _ := json.Marshal(n); return string(b) }
