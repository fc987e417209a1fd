package api

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
	"github.com/lianjian/lianjian/ledger/supervise/anchor"
)

// TestAuditTargets sends every mutating route's sample request as a
// regulator and checks that its audit entry names the object acted on,
// not just the URL.
func TestAuditTargets(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	samples := sampleRequests()
	want := map[string]string{
		"POST /api/v1/findings/:id/transitions":             "finding " + fixFindingID(),
		"POST /api/v1/users":                                "token ci (",
		"DELETE /api/v1/users/:id":                          "token fixture (" + fixTokenID + ")",
		"POST /api/v1/nodes":                                "node Org1MSP/" + nodeSampleID,
		"PUT /api/v1/nodes/:id":                             "node Org1MSP/" + nodeSampleID,
		"DELETE /api/v1/nodes/:id":                          "node Org1MSP/" + nodeSampleID,
		"POST /api/v1/chains/:chain/scans":                  "chain " + fabChain,
		"POST /api/v1/chains/:chain/chaincodes/:name/scans": "chaincode " + fabChain + "/" + fixFabCC + " sequence 1",
	}
	reg := http.Header{"Authorization": {"Bearer " + secrets["regulator"]}}
	seen := 0
	for _, rt := range s.Routes() {
		if rt.Method == http.MethodGet {
			continue
		}
		key := rt.Method + " " + rt.Path
		seen++
		t.Run(key, func(t *testing.T) {
			if rt.Object == "" {
				t.Fatalf("%s declares no audit object", key)
			}
			prefix, ok := want[key]
			if !ok {
				t.Fatalf("%s has no expected audit target here", key)
			}
			sm := samples[key]
			if rec := send(t, s.Handler(), rt.Method, sm.path, sm.body, reg); rec.Code != http.StatusOK {
				t.Fatalf("%s %s = %d %s", rt.Method, sm.path, rec.Code, rec.Body)
			}
			es := auditEntries(t, db)
			e := es[len(es)-1]
			if e.Op != key || !strings.HasPrefix(e.Target, prefix) || e.Outcome != "ok" {
				t.Errorf("audit entry of %s = %s %q %s, want target %q…", key, e.Op, e.Target, e.Outcome, prefix)
			}
		})
	}
	if seen != len(want) {
		t.Errorf("%d mutating routes, want %d", seen, len(want))
	}

	// Refused requests name their object too, and a target taken from
	// the path stays valid UTF-8 so the hash chain still verifies.
	op2 := http.Header{"Authorization": {"Bearer " + secrets["operator-org2"]}}
	for _, tc := range []struct {
		method, path, body, target string
		hdr                        http.Header
	}{
		// A node is named ORG/ID: an operator's update and retirement
		// address their own org's node.
		{"PUT", Version + "/nodes/" + nodeSampleID, nodeSampleBody, "node Org2MSP/" + nodeSampleID, op2},
		{"DELETE", Version + "/nodes/" + nodeSampleID, "", "node Org2MSP/" + nodeSampleID, op2},
		{"POST", Version + "/nodes", nodeSampleBody, "node Org1MSP/" + nodeSampleID, op2},
		{"POST", Version + "/findings/%ff%fe/transitions", `{"comment":"x"}`, "finding \uFFFD", reg},
	} {
		rec := send(t, s.Handler(), tc.method, tc.path, tc.body, tc.hdr)
		es := auditEntries(t, db)
		if e := es[len(es)-1]; e.Target != tc.target || rec.Code < 400 {
			t.Errorf("%s %s = %d, audit target %q; want refused, %q", tc.method, tc.path, rec.Code, e.Target, tc.target)
		}
	}
	if n, err := db.VerifyAudit(t.Context()); err != nil {
		t.Errorf("VerifyAudit = %d, %v", n, err)
	}
}

// anchoredLog is a data directory on disk whose audit log of 14 entries
// is anchored with a real SM2 key: checkpoints 1-3 cover 5, 10 and 12
// entries, in the index and in the external file cps.
type anchoredLog struct {
	data, cps string
	key       supervise.PublicKey
	secret    string // a regulator's token
}

func newAnchoredLog(t *testing.T) *anchoredLog {
	t.Helper()
	priv, pub, err := supervise.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := supervise.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l := &anchoredLog{data: filepath.Join(dir, "data"), cps: filepath.Join(dir, "checkpoints.jsonl")}
	if l.key, err = supervise.ParsePublicKey(pub); err != nil {
		t.Fatal(err)
	}
	db, err := index.Open(l.data, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	populate(t, db)
	l.secret = issueTokens(t, db)["regulator"]
	anc, err := anchor.New(anchor.Config{File: l.cps}, db, signer, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range []int{5, 5, 2, 2} {
		for i := range n {
			a := supervise.Action{Time: time.Now(), Actor: "regulator (t1)", Role: supervise.RoleRegulator, Op: "POST /api/v1/users",
				Target: fmt.Sprintf("token t%d", i), Remote: "10.0.0.7", Outcome: "ok"}
			if _, err := db.AppendAudit(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if last, err := db.LastAuditCheckpoint(ctx); err == nil && last.Seq == 3 {
			break // entries 13-14 stay uncovered
		}
		if _, _, err := anc.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// clone copies the data directory and the checkpoint file, so that a
// case tampers with its own copy.
func (l *anchoredLog) clone(t *testing.T) *anchoredLog {
	t.Helper()
	dir := t.TempDir()
	c := *l
	c.data, c.cps = filepath.Join(dir, "data"), filepath.Join(dir, "checkpoints.jsonl")
	if err := os.CopyFS(c.data, os.DirFS(l.data)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(l.cps)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.cps, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return &c
}

// tamperIndex edits the raw index as someone with write access to the
// data directory can: audit entries are L/SEQ, checkpoints M/SEQ.
func tamperIndex(t *testing.T, data string, fn func(txn *badger.Txn) error) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(data).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func rawAuditKey(tag byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{tag, '/'}, seq)
}

// rechain changes entry seq and recomputes the hash chain after it, up to
// entry last, as an attacker who knows the hash function can.
func rechain(seq, last uint64) func(txn *badger.Txn) error {
	return func(txn *badger.Txn) error {
		read := func(seq uint64) (supervise.Entry, error) {
			var e supervise.Entry
			item, err := txn.Get(rawAuditKey('L', seq))
			if err != nil {
				return e, err
			}
			return e, item.Value(func(v []byte) error { return json.Unmarshal(v, &e) })
		}
		prev, err := read(seq - 1)
		if err != nil {
			return err
		}
		for s := seq; s <= last; s++ {
			e, err := read(s)
			if err != nil {
				return err
			}
			if s == seq {
				e.Outcome = "403 Forbidden"
			}
			e.Seal(&prev)
			b, _ := json.Marshal(e)
			if err := txn.Set(rawAuditKey('L', s), b); err != nil {
				return err
			}
			prev = e
		}
		return nil
	}
}

// deleteKeys deletes tag/from..tag/to.
func deleteKeys(tag byte, from, to uint64) func(txn *badger.Txn) error {
	return func(txn *badger.Txn) error {
		for s := from; s <= to; s++ {
			if err := txn.Delete(rawAuditKey(tag, s)); err != nil {
				return err
			}
		}
		return nil
	}
}

// verifyOverHTTP serves the index in data with cfg on a loopback
// listener and asks GET auditlog/verify in lang, as a regulator.
func verifyOverHTTP(t *testing.T, data, secret string, cfg Config, lang string) (int, AuditVerifyView, string) {
	t.Helper()
	db, err := index.Open(data, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg.RateLimit = -1
	s, err := New(cfg, Deps{Index: db, Auth: NewTokenAuth(db)})
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, "http://"+l.Addr().String()+Version+"/auditlog/verify?lang="+lang, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v AuditVerifyView
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("verify body: %v\n%s", err, body)
		}
	}
	return resp.StatusCode, v, string(body)
}

// TestAuditLogVerify checks that GET auditlog/verify gives the verdict of
// 'lianjian auditlog verify': a real anchored log served from disk on
// loopback, intact, with its tail deleted, with an entry rewritten and
// the chain recomputed, with a forged checkpoint, and without anchoring.
func TestAuditLogVerify(t *testing.T) {
	base := newAnchoredLog(t)
	otherPriv, _, err := supervise.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, err := supervise.NewSigner(otherPriv)
	if err != nil {
		t.Fatal(err)
	}
	anchored := func(l *anchoredLog) Config { return Config{AuditKey: l.key, AuditCheckpoints: l.cps} }
	type problem struct{ kind, reason, en, zh string }
	for _, tc := range []struct {
		name     string
		tamper   func(t *testing.T, l *anchoredLog)
		cfg      func(l *anchoredLog) Config
		ok       bool
		external bool
		latest   uint64 // seq of the latest genuine checkpoint; 0 none
		uncover  uint64
		problems []problem
		notes    []string // English
	}{
		{name: "intact", cfg: anchored, ok: true, external: true, latest: 3, uncover: 2},
		{name: "tail deleted", cfg: anchored, external: true, latest: 2,
			tamper: func(t *testing.T, l *anchoredLog) { tamperIndex(t, l.data, deleteKeys('L', 11, 14)) },
			problems: []problem{{"truncated", "",
				"log truncated: 2 entries missing after checkpoint 3 (it covers 12 entries, the log ends at entry 10)",
				"日志被截短：检查点 3 之后缺少 2 条记录（该检查点覆盖 12 条，日志只到第 10 条）"}}},
		{name: "entry rewritten, chain recomputed", cfg: anchored, external: true, latest: 1, uncover: 9,
			tamper:   func(t *testing.T, l *anchoredLog) { tamperIndex(t, l.data, rechain(7, 14)) },
			problems: []problem{{"rewritten", "", "an entry in 6-10 was changed", "第 6–10 条中有记录被改动"}}},
		{name: "entry rewritten, chain left", cfg: anchored, external: true, latest: 3, uncover: 2,
			tamper:   func(t *testing.T, l *anchoredLog) { tamperIndex(t, l.data, rechain(7, 7)) },
			problems: []problem{{"broken-chain", "prev", "chain broken: entry 8 has prev hash", "第 8 条记录的前序哈希"}}},
		{name: "log and index checkpoints cut together", cfg: anchored, external: true, latest: 2,
			tamper: func(t *testing.T, l *anchoredLog) {
				tamperIndex(t, l.data, func(txn *badger.Txn) error {
					if err := deleteKeys('L', 11, 14)(txn); err != nil {
						return err
					}
					return deleteKeys('M', 3, 3)(txn)
				})
			},
			problems: []problem{
				{"missing-checkpoint", "index-missing", "checkpoint 3 of the external copy is not in the index", "外部副本中的检查点 3 不在索引中"},
				{"truncated", "", "2 entries missing after checkpoint 3", "检查点 3 之后缺少 2 条记录"},
			}},
		{name: "forged checkpoint in the external file", cfg: anchored, external: true, latest: 3, uncover: 2,
			tamper: func(t *testing.T, l *anchoredLog) {
				c := supervise.Checkpoint{Seq: 4, Size: 14, Head: make([]byte, 32), Time: time.Now()}
				if err := other.Sign(&c); err != nil {
					t.Fatal(err)
				}
				line, _ := c.MarshalLine()
				f, err := os.OpenFile(l.cps, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.Write(line); err != nil {
					t.Fatal(err)
				}
			},
			problems: []problem{
				{"forged-checkpoint", "wrong-key", "forged checkpoint 4 (external copy): signed by another key", "伪造的检查点 4（外部副本）：由另一密钥"},
				{"missing-checkpoint", "index-missing", "checkpoint 4 of the external copy is not in the index", "外部副本中的检查点 4 不在索引中"},
			}},
		{name: "index copy only", cfg: func(l *anchoredLog) Config { return Config{AuditKey: l.key} }, ok: true, latest: 3, uncover: 2,
			notes: []string{"checked against the index's checkpoints only"}},
		{name: "not anchored", cfg: func(*anchoredLog) Config { return Config{} }, ok: true, uncover: 14,
			tamper: func(t *testing.T, l *anchoredLog) { tamperIndex(t, l.data, deleteKeys('M', 1, 3)) },
			notes:  []string{"the audit log is NOT anchored"}},
		{name: "not anchored, rewritten and rechained", cfg: func(*anchoredLog) Config { return Config{} }, ok: true, uncover: 14,
			tamper: func(t *testing.T, l *anchoredLog) {
				tamperIndex(t, l.data, rechain(7, 14))
				tamperIndex(t, l.data, deleteKeys('M', 1, 3))
			},
			notes: []string{"the audit log is NOT anchored"}},
		{name: "checkpoints but no public key", cfg: func(*anchoredLog) Config { return Config{} }, ok: true, uncover: 14,
			notes: []string{"the index holds 3 checkpoints but the server has no public key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := base.clone(t)
			if tc.tamper != nil {
				tc.tamper(t, l)
			}
			cfg := tc.cfg(l)
			views := map[string]AuditVerifyView{}
			for _, lang := range []string{"en", "zh-CN"} {
				code, v, body := verifyOverHTTP(t, l.data, l.secret, cfg, lang)
				if code != http.StatusOK {
					t.Fatalf("GET auditlog/verify?lang=%s = %d %s", lang, code, body)
				}
				views[lang] = v
			}
			v := views["en"]
			wantKey := ""
			if !cfg.AuditKey.IsZero() {
				wantKey = l.key.ID()
			}
			latest := uint64(0)
			if v.Latest != nil {
				latest = v.Latest.Seq
			}
			if v.OK != tc.ok || v.Anchored != !cfg.AuditKey.IsZero() || v.KeyID != wantKey || v.External != tc.external ||
				latest != tc.latest || v.Uncovered != tc.uncover || len(v.Problems) != len(tc.problems) {
				t.Fatalf("verify = %+v\nwant ok %v, key %.8s, external %v, latest checkpoint %d, %d uncovered, %d problems",
					v, tc.ok, wantKey, tc.external, tc.latest, tc.uncover, len(tc.problems))
			}
			if tc.name == "intact" {
				if c := v.Latest; v.Entries != 14 || v.Checkpoints != 3 || v.Stored != 3 || c.Size != 12 || c.Time == "" || len(c.Head) != 64 || v.Notes != nil || v.Problem != "" {
					t.Errorf("verify (intact) = %+v, latest %+v", v, *c)
				}
			}
			for i, w := range tc.problems {
				p, zh := v.Problems[i], views["zh-CN"].Problems[i]
				if p.Kind != w.kind || p.Reason != w.reason || !strings.Contains(p.Message, w.en) || !strings.Contains(zh.Message, w.zh) {
					t.Errorf("problem %d = %+v (zh-CN %q); want %s/%s %q, %q", i, p, zh.Message, w.kind, w.reason, w.en, w.zh)
				}
			}
			if len(tc.problems) > 0 && v.Problem != v.Problems[0].Message {
				t.Errorf("problem = %q, want the first problem's message", v.Problem)
			}
			if len(v.Notes) != len(tc.notes) || len(views["zh-CN"].Notes) != len(tc.notes) {
				t.Fatalf("notes = %q (zh-CN %q), want %q", v.Notes, views["zh-CN"].Notes, tc.notes)
			}
			for i, w := range tc.notes {
				if !strings.Contains(v.Notes[i], w) || views["zh-CN"].Notes[i] == v.Notes[i] {
					t.Errorf("note %d = %q (zh-CN %q), want %q", i, v.Notes[i], views["zh-CN"].Notes[i], w)
				}
			}
		})
	}

	t.Run("external file unreadable", func(t *testing.T) {
		l := base.clone(t)
		if err := os.Remove(l.cps); err != nil {
			t.Fatal(err)
		}
		code, _, body := verifyOverHTTP(t, l.data, l.secret, Config{AuditKey: l.key, AuditCheckpoints: l.cps}, "en")
		if code != http.StatusInternalServerError || !strings.Contains(body, "external audit log checkpoint file cannot be read") {
			t.Errorf("verify without the external file = %d %s", code, body)
		}
	})
	t.Run("bad lang", func(t *testing.T) {
		if code, _, body := verifyOverHTTP(t, base.clone(t).data, base.secret, Config{}, "fr"); code != http.StatusBadRequest {
			t.Errorf("verify?lang=fr = %d %s, want 400", code, body)
		}
	})
}
