package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loopbackAs serves s on a loopback port until the test ends and returns
// a client call: method, path (under the host), body and request headers
// (a token) give the status and the response body.
func loopbackAs(t *testing.T, s *Server) func(method, path, body string, hdr http.Header) (int, []byte) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	base := "http://" + l.Addr().String()
	return func(method, path, body string, hdr http.Header) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return resp.StatusCode, b
	}
}

// TestTransitionEmptyBody: a transition that asks for nothing is a bad
// request naming what is missing, not a workflow conflict.
func TestTransitionEmptyBody(t *testing.T) {
	db := openIndex(t, "")
	do := loopbackAs(t, newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db)))
	secrets := issueTokens(t, db)
	target := Version + "/findings/" + fixFindingID() + "/transitions"
	for _, tc := range []struct {
		who, body string
		status    int
		msg       string
	}{
		{"regulator", `{}`, 400, "status, confirm, comment"},
		{"operator-org1", `{}`, 400, "status, confirm, comment"},
		{"regulator", `{"status":"","comment":""}`, 400, "status, confirm, comment"},
		{"regulator", " ", 400, "must not be empty"},
		{"regulator", `{"comment":"seen"}`, 200, ""},
	} {
		hdr := http.Header{"Authorization": {"Bearer " + secrets[tc.who]}, "Content-Type": {"application/json"}}
		code, body := do("POST", target, tc.body, hdr)
		if code != tc.status || !strings.Contains(string(body), tc.msg) {
			t.Errorf("POST %s %q as %s = %d %s, want %d naming %q", target, tc.body, tc.who, code, body, tc.status, tc.msg)
		}
	}
}

// TestSearchNodesAndCommonNames: search finds a registered node by its
// name and an identity by its certificate's common name alone.
func TestSearchNodesAndCommonNames(t *testing.T) {
	db := openIndex(t, "")
	do := loopbackAs(t, newTestServer(t, Config{RateLimit: -1}, db, nil))
	if code, body := do("POST", Version+"/nodes", nodeSampleBody, nil); code != 200 {
		t.Fatalf("register node = %d %s", code, body)
	}
	for _, tc := range []struct {
		q, kind, ref, field string
	}{
		{"peer0-org1", "node", nodeSampleID, "name"},
		{"PEER0-ORG1", "node", nodeSampleID, "name"},
		{"User1@org1.example.com", "identity", "", "cn"},
		{"CN=User1@org1.example.com", "identity", "", "subject"},
	} {
		code, body := do("GET", Version+"/search?q="+url.QueryEscape(tc.q), "", nil)
		var got List[MatchView]
		if err := json.Unmarshal(body, &got); code != 200 || err != nil {
			t.Fatalf("search %q = %d %s", tc.q, code, body)
		}
		found := false
		for _, m := range got.Items {
			if m.Kind == tc.kind && (tc.ref == "" || m.Ref == tc.ref) && m.Field == tc.field {
				found = true
			}
		}
		if !found {
			t.Errorf("search %q = %+v, want a %s match on %s", tc.q, got.Items, tc.kind, tc.field)
		}
	}
}

// TestFindingsBySeverity pages through ?order=severity: most severe
// first, then newest last seen, every finding once.
func TestFindingsBySeverity(t *testing.T) {
	db := openIndex(t, "")
	do := loopbackAs(t, newTestServer(t, Config{RateLimit: -1}, db, nil))
	rank := map[string]int{"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
	var got []FindingView
	for cursor, pages := "", 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pages do not end")
		}
		code, body := do("GET", Version+"/findings?order=severity&limit=3&cursor="+url.QueryEscape(cursor), "", nil)
		var page List[FindingView]
		if err := json.Unmarshal(body, &page); code != 200 || err != nil {
			t.Fatalf("GET findings?order=severity = %d %s", code, body)
		}
		got = append(got, page.Items...)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	code, body := do("GET", Version+"/findings?limit=1000", "", nil)
	var byID List[FindingView]
	if err := json.Unmarshal(body, &byID); code != 200 || err != nil {
		t.Fatalf("GET findings = %d %s", code, body)
	}
	if len(got) != len(byID.Items) || len(got) < 3 {
		t.Fatalf("ordered list has %d findings, want all %d", len(got), len(byID.Items))
	}
	seen := map[string]bool{}
	for i, f := range got {
		if seen[f.ID] {
			t.Errorf("finding %s listed twice", f.ID)
		}
		seen[f.ID] = true
		if i == 0 {
			continue
		}
		p := got[i-1]
		if rank[p.Severity] < rank[f.Severity] || (p.Severity == f.Severity && p.LastSeen < f.LastSeen) {
			t.Errorf("findings[%d] = %s %s after %s %s, want severity then newest first", i, f.Severity, f.LastSeen, p.Severity, p.LastSeen)
		}
	}
	if code, _ := do("GET", Version+"/findings?order=random", "", nil); code != 400 {
		t.Errorf("GET findings?order=random = %d, want 400", code)
	}
}

// TestHexConvention: one hex convention per chain kind in every view of a
// block, transaction and chain: bare on Fabric (as peer prints), 0x on EVM.
func TestHexConvention(t *testing.T) {
	db := openIndex(t, "")
	do := loopbackAs(t, newTestServer(t, Config{RateLimit: -1}, db, nil))
	get := func(path string) map[string]any {
		t.Helper()
		code, body := do("GET", Version+path, "", nil)
		var v map[string]any
		if err := json.Unmarshal(body, &v); code != 200 || err != nil {
			t.Fatalf("GET %s = %d %s", path, code, body)
		}
		return v
	}
	// hexes collects every string field named like a hash or hex value.
	var hexes func(prefix string, v any, out map[string]string)
	hexes = func(prefix string, v any, out map[string]string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				hexes(prefix+"."+k, e, out)
			}
		case []any:
			for i, e := range x {
				hexes(prefix+"."+strconv.Itoa(i), e, out)
			}
		case string:
			k := strings.ToLower(prefix[strings.LastIndex(prefix, ".")+1:])
			if strings.Contains(k, "hash") || k == "value" || k == "nonce" || k == "txfilter" {
				out[prefix] = x
			}
		}
	}
	for _, tc := range []struct {
		path   string
		fabric bool
	}{
		{"/chains/" + fabChain + "/blocks/0", true},
		{"/chains/" + fabChain + "/blocks/1", true},
		{"/chains/" + fabChain + "/txs/" + fixTxID("fab/1/0"), true},
		{"/chains/" + evmChain + "/blocks/1", false},
		{"/chains/" + fabChain, true},
		{"/chains/" + evmChain, false},
	} {
		fields := map[string]string{}
		hexes("", get(tc.path), fields)
		if len(fields) == 0 {
			t.Errorf("GET %s has no hash fields", tc.path)
		}
		for k, v := range fields {
			if v == "" || !isHex(strings.TrimPrefix(v, "0x")) {
				continue // not a hex value (a key, a name)
			}
			if has0x := strings.HasPrefix(v, "0x"); has0x == tc.fabric {
				t.Errorf("GET %s: %s = %q, want %s", tc.path, k, v, map[bool]string{true: "bare hex (Fabric)", false: "0x-prefixed hex (EVM)"}[tc.fabric])
			}
		}
	}
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && s != ""
}
