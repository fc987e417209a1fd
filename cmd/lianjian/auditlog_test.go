package main

import (
	"bytes"
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
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// anchoredSetup is a data directory whose audit log is anchored with a
// real SM2 key made by devcert, its checkpoint file and its config.
type anchoredSetup struct {
	dir, data, keys, cps, cfg string
}

// newAnchored makes the keys with devcert and a config that anchors the
// log in dir.
func newAnchored(t *testing.T, extra string) *anchoredSetup {
	t.Helper()
	dir := t.TempDir()
	s := &anchoredSetup{dir: dir, data: filepath.Join(dir, "data"), keys: filepath.Join(dir, "keys")}
	if _, _, err := runCmd(t, "devcert", "--dir", filepath.Join(dir, "tls"), "--auditlog-dir", s.keys); err != nil {
		t.Fatal(err)
	}
	s.cps = filepath.Join(s.keys, devAuditCheckpoints)
	s.cfg = writeConfig(t, fmt.Sprintf("data_dir: %s\nauditlog:\n  key: %s\n  checkpoints: %s\n%s",
		s.data, filepath.Join(s.keys, devAuditKey), s.cps, extra))
	return s
}

// clone copies the data directory and checkpoint file into a new setup
// with the same key, so that each case tampers with its own copy.
func (s *anchoredSetup) clone(t *testing.T) *anchoredSetup {
	t.Helper()
	dir := t.TempDir()
	c := &anchoredSetup{dir: dir, data: filepath.Join(dir, "data"), keys: s.keys, cps: filepath.Join(dir, "checkpoints.jsonl")}
	if err := os.CopyFS(c.data, os.DirFS(s.data)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(s.cps)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.cps, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	c.cfg = writeConfig(t, fmt.Sprintf("data_dir: %s\nauditlog:\n  key: %s\n  checkpoints: %s\n", c.data, filepath.Join(s.keys, devAuditKey), c.cps))
	return c
}

// appendDirect appends n entries through the index, as the API does,
// without a checkpoint.
func appendDirect(t *testing.T, data string, n int) {
	t.Helper()
	db, err := index.Open(data, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range n {
		a := supervise.Action{Time: time.Now(), Actor: "token:t1 alice", Role: supervise.RoleRegulator, Op: "POST /api/v1/findings/:id/transitions",
			Target: fmt.Sprintf("finding f%d", i), Remote: "10.0.0.7", Outcome: "ok"}
		if _, err := db.AppendAudit(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
}

// tamper edits the raw index as someone with write access to the data
// directory can: fn gets the entries by seq (L/SEQ) and the index's
// checkpoints (M/SEQ) to delete or rewrite.
func tamper(t *testing.T, data string, fn func(txn *badger.Txn)) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(data).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(txn *badger.Txn) error { fn(txn); return nil }); err != nil {
		t.Fatal(err)
	}
}

func rawKey(tag byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{tag, '/'}, seq)
}

func readEntry(t *testing.T, txn *badger.Txn, seq uint64) supervise.Entry {
	t.Helper()
	item, err := txn.Get(rawKey('L', seq))
	if err != nil {
		t.Fatal(err)
	}
	var e supervise.Entry
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &e) }); err != nil {
		t.Fatal(err)
	}
	return e
}

func writeEntry(t *testing.T, txn *badger.Txn, e supervise.Entry) {
	t.Helper()
	b, _ := json.Marshal(e)
	if err := txn.Set(rawKey('L', e.Seq), b); err != nil {
		t.Fatal(err)
	}
}

// rewriteAndRechain changes entry seq and recomputes the chain after it,
// up to last.
func rewriteAndRechain(t *testing.T, txn *badger.Txn, seq, last uint64) {
	prev := readEntry(t, txn, seq-1)
	for s := seq; s <= last; s++ {
		e := readEntry(t, txn, s)
		if s == seq {
			e.Outcome = "403 Forbidden"
		}
		e.Seal(&prev)
		writeEntry(t, txn, e)
		prev = e
	}
}

// signedLine signs a checkpoint of size entries and head with key and
// returns its checkpoint-file line.
func signedLine(t *testing.T, key []byte, seq, size uint64, head []byte) string {
	t.Helper()
	s, err := supervise.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	c := supervise.Checkpoint{Seq: seq, Size: size, Head: head, Time: time.Now().UTC()}
	if err := s.Sign(&c); err != nil {
		t.Fatal(err)
	}
	line, _ := c.MarshalLine()
	return string(line)
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// TestAuditLogAnchored builds an anchored log of 23 entries with five
// checkpoints (at 1, 2, 10, 20 and 23 entries), then deletes its tail,
// rewrites an entry and recomputes the chain, rewrites the index's
// checkpoints with the log, and forges checkpoints: verify names each.
func TestAuditLogAnchored(t *testing.T) {
	base := newAnchored(t, "")
	for _, name := range []string{"alice", "bob"} {
		if _, _, err := runCmd(t, "users", "create", "--config", base.cfg, "--name", name, "--role", "auditor"); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int{8, 10, 3} {
		appendDirect(t, base.data, n)
		if _, _, err := runCmd(t, "auditlog", "checkpoint", "--config", base.cfg, "--lang", "en"); err != nil {
			t.Fatal(err)
		}
	}
	key, err := os.ReadFile(filepath.Join(base.keys, devAuditKey))
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _, err := supervise.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, s *anchoredSetup)
		args   []string
		want   []string // in the English output
		wantZH string   // in the default (zh-CN) output
	}{
		{name: "intact", want: []string{"23 entries (1-23)", "anchored: 5 checkpoints", "latest checkpoint 5: 23 entries", "audit log OK"}, wantZH: "审计日志校验通过"},
		{name: "entries after the last checkpoint", tamper: func(t *testing.T, s *anchoredSetup) { appendDirect(t, s.data, 2) },
			want: []string{"2 entries after it are not yet covered by a checkpoint", "audit log OK"}, wantZH: "其后 2 条记录尚未被检查点覆盖"},
		{name: "last five entries deleted", tamper: func(t *testing.T, s *anchoredSetup) {
			tamper(t, s.data, func(txn *badger.Txn) {
				for seq := uint64(19); seq <= 23; seq++ {
					_ = txn.Delete(rawKey('L', seq))
				}
			})
		}, want: []string{"log truncated: 5 entries missing after checkpoint 5 (it covers 23 entries, the log ends at entry 18)"}, wantZH: "检查点 5 之后缺少 5 条记录"},
		{name: "entry 12 rewritten, chain recomputed", tamper: func(t *testing.T, s *anchoredSetup) {
			tamper(t, s.data, func(txn *badger.Txn) { rewriteAndRechain(t, txn, 12, 23) })
		}, want: []string{"log rewritten: entry 20 has hash", "of checkpoint 4; an entry in 11-20 was changed"}, wantZH: "第 11–20 条中有记录被改动"},
		{name: "entry 12 rewritten, chain left", tamper: func(t *testing.T, s *anchoredSetup) {
			tamper(t, s.data, func(txn *badger.Txn) {
				e := readEntry(t, txn, 12)
				e.Outcome = "403 Forbidden"
				writeEntry(t, txn, e)
			})
		}, want: []string{"chain broken: entry 12 was rewritten"}, wantZH: "第 12 条记录被改写"},
		{name: "log and index checkpoints rewritten together", tamper: func(t *testing.T, s *anchoredSetup) {
			tamper(t, s.data, func(txn *badger.Txn) {
				rewriteAndRechain(t, txn, 4, 18)
				for seq := uint64(19); seq <= 23; seq++ {
					_ = txn.Delete(rawKey('L', seq))
				}
				for seq := uint64(3); seq <= 5; seq++ {
					_ = txn.Delete(rawKey('M', seq))
				}
			})
		}, want: []string{
			"checkpoint 3 of the external copy is not in the index", "checkpoint 5 of the external copy is not in the index",
			"log rewritten: entry 10 has hash", "an entry in 3-10 was changed", "log truncated: 5 entries missing after checkpoint 5",
		}, wantZH: "外部副本中的检查点 3 不在索引中"},
		{name: "checkpoint signed by another key", tamper: func(t *testing.T, s *anchoredSetup) {
			appendFile(t, s.cps, signedLine(t, otherKey, 6, 23, make([]byte, 32)))
		}, want: []string{"forged checkpoint 6 (external copy): signed by another key"}, wantZH: "伪造的检查点 6（外部副本）：由另一密钥"},
		{name: "checkpoint signature damaged", tamper: func(t *testing.T, s *anchoredSetup) {
			raw, _ := os.ReadFile(s.cps)
			lines := strings.SplitAfter(string(raw), "\n")
			var c supervise.Checkpoint
			_ = json.Unmarshal([]byte(lines[3]), &c)
			c.Sig[10] ^= 1
			line, _ := c.MarshalLine()
			lines[3] = string(line)
			_ = os.WriteFile(s.cps, []byte(strings.Join(lines, "")), 0o644)
		}, want: []string{"forged checkpoint 4 (external copy): the SM2 signature does not verify", "missing checkpoint: checkpoint 4 in the index copy differs from the external copy"}, wantZH: "SM2 签名校验失败"},
		{name: "later checkpoint smaller", tamper: func(t *testing.T, s *anchoredSetup) {
			appendFile(t, s.cps, signedLine(t, key, 6, 20, headOf(t, s, 20)))
		}, want: []string{"inconsistent checkpoints (external copy): checkpoint 6 covers 20 entries, fewer than the 23 of the earlier checkpoint 5"}, wantZH: "检查点不一致"},
		{name: "later checkpoint not extending the earlier", tamper: func(t *testing.T, s *anchoredSetup) {
			appendFile(t, s.cps, signedLine(t, key, 6, 23, bytes.Repeat([]byte{7}, 32)))
		}, want: []string{"checkpoint 6 (23 entries) does not extend checkpoint 5 (23 entries)"}, wantZH: "不是检查点 5（23 条）的延续"},
		{name: "verified with another public key", args: []string{"--pubkey", writeTemp(t, otherKey)},
			want: []string{"forged checkpoint 1 (external copy): signed by another key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base.clone(t)
			if tc.tamper != nil {
				tc.tamper(t, s)
			}
			args := append([]string{"auditlog", "verify", "--config", s.cfg, "--lang", "en"}, tc.args...)
			out, _, err := runCmd(t, args...)
			if tc.name == "intact" || strings.HasPrefix(tc.name, "entries after") {
				if err != nil {
					t.Fatalf("auditlog verify = %v\n%s", err, out)
				}
			} else if err == nil || !strings.Contains(err.Error(), "audit log verification failed") {
				t.Fatalf("auditlog verify = %v, want a failure\n%s", err, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("auditlog verify output lacks %q:\n%s", w, out)
				}
			}
			if tc.wantZH != "" {
				out, _, _ := runCmd(t, "auditlog", "verify", "--config", s.cfg)
				if !strings.Contains(out, tc.wantZH) {
					t.Errorf("auditlog verify (zh-CN) output lacks %q:\n%s", tc.wantZH, out)
				}
			}
		})
	}
	t.Run("index copy only", func(t *testing.T) {
		s := base.clone(t)
		tamper(t, s.data, func(txn *badger.Txn) {
			for seq := uint64(19); seq <= 23; seq++ {
				_ = txn.Delete(rawKey('L', seq))
			}
		})
		cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\nauditlog: {pubkey: %s}\n", s.data, filepath.Join(s.keys, devAuditPub)))
		out, _, err := runCmd(t, "auditlog", "verify", "--config", cfg, "--lang", "en")
		if err == nil || !strings.Contains(out, "checked against the index's checkpoints only") || !strings.Contains(out, "5 entries missing after checkpoint 5") {
			t.Fatalf("auditlog verify (index only) = %v\n%s", err, out)
		}
		out, _, err = runCmd(t, "auditlog", "verify", "--config", cfg, "--lang", "en", "--checkpoints", s.cps)
		if err == nil || !strings.Contains(out, "checked against the external copy") {
			t.Fatalf("auditlog verify --checkpoints = %v\n%s", err, out)
		}
	})
	t.Run("a CLI command refuses to sign a truncated log", func(t *testing.T) {
		s := base.clone(t)
		tamper(t, s.data, func(txn *badger.Txn) { _ = txn.Delete(rawKey('L', 23)) })
		_, _, err := runCmd(t, "users", "create", "--config", s.cfg, "--name", "carol", "--role", "auditor")
		if err == nil || !strings.Contains(err.Error(), "not signing the audit log") {
			t.Fatalf("users create over a truncated log = %v, want the checkpoint refused", err)
		}
	})
}

// headOf is the hash of entry seq.
func headOf(t *testing.T, s *anchoredSetup, seq uint64) []byte {
	t.Helper()
	var h []byte
	tamper(t, s.data, func(txn *badger.Txn) { h = readEntry(t, txn, seq).Hash })
	return h
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuditLogNotAnchored(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if _, _, err := runCmd(t, "users", "create", "--data-dir", data, "--name", "alice", "--role", "auditor"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, want string }{
		{"en", "the audit log is NOT anchored"},
		{"zh-CN", "审计日志未锚定"},
	} {
		out, _, err := runCmd(t, "auditlog", "verify", "--data-dir", data, "--lang", tc.lang)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("auditlog verify --lang %s = %v\n%s\nwant %q", tc.lang, err, out, tc.want)
		}
	}
	if _, _, err := runCmd(t, "auditlog", "checkpoint", "--data-dir", data, "--lang", "en"); err == nil || !strings.Contains(err.Error(), "NOT anchored") {
		t.Errorf("auditlog checkpoint unanchored = %v", err)
	}
	if _, _, err := runCmd(t, "auditlog", "verify", "--data-dir", data, "--lang", "fr"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("auditlog verify --lang fr = %v, want a usage error", err)
	}
}

func TestAuditLogExport(t *testing.T) {
	s := newAnchored(t, "")
	if _, _, err := runCmd(t, "users", "create", "--config", s.cfg, "--name", "alice", "--role", "auditor"); err != nil {
		t.Fatal(err)
	}
	appendDirect(t, s.data, 9)
	if _, _, err := runCmd(t, "auditlog", "checkpoint", "--config", s.cfg); err != nil {
		t.Fatal(err)
	}
	today := time.Now().Format(time.DateOnly)
	seg := filepath.Join(t.TempDir(), "segment.json")
	out, _, err := runCmd(t, "auditlog", "export", "--config", s.cfg, "--from", today, "--to", today, "--out", seg, "--lang", "en")
	if err != nil || !strings.Contains(out, "exported audit log entries 1-10 (10, and 0 after them) with 2 checkpoints") {
		t.Fatalf("auditlog export = %v\n%s", err, out)
	}
	pub := filepath.Join(s.keys, devAuditPub)
	out, _, err = runCmd(t, "auditlog", "verify", "--file", seg, "--pubkey", pub, "--lang", "en")
	if err != nil || !strings.Contains(out, "segment: entries 1-10") || !strings.Contains(out, "latest checkpoint 2: 10 entries") || !strings.Contains(out, "audit log OK") {
		t.Fatalf("auditlog verify --file = %v\n%s", err, out)
	}
	if out, _, err := runCmd(t, "auditlog", "verify", "--file", seg, "--pubkey", pub); err != nil || !strings.Contains(out, "导出片段：第 1–10 条记录") {
		t.Fatalf("auditlog verify --file (zh-CN) = %v\n%s", err, out)
	}
	// A segment from the middle: RFC 3339 bounds, to stdout.
	var times []time.Time
	db, err := index.Open(s.data, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.AuditEntries(context.Background(), 1, func(e *supervise.Entry) bool { times = append(times, e.Time); return true })
	db.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }},
		[]string{"auditlog", "export", "--config", s.cfg, "--from", times[4].Format(time.RFC3339Nano), "--to", times[7].Format(time.RFC3339Nano), "--lang", "en"})
	if err != nil || !strings.Contains(stderr.String(), "entries 5-7 (3, and 3 after them) with 1 checkpoints to stdout") {
		t.Fatalf("auditlog export (stdout) = %v, %s", err, stderr.String())
	}
	mid := writeTemp(t, stdout.Bytes())
	if out, _, err := runCmd(t, "auditlog", "verify", "--file", mid, "--config", s.cfg, "--lang", "en"); err != nil || !strings.Contains(out, "audit log OK") {
		t.Fatalf("auditlog verify --file (middle) = %v\n%s", err, out)
	}
	// Tampered segments: an entry edited, the entries leading to the
	// covering checkpoint cut off.
	raw, _ := os.ReadFile(seg)
	edited := writeTemp(t, bytes.Replace(raw, []byte(`"outcome": "ok"`), []byte(`"outcome": "denied"`), 1))
	if out, _, err := runCmd(t, "auditlog", "verify", "--file", edited, "--pubkey", pub, "--lang", "en"); err == nil || !strings.Contains(out, "chain broken: entry 1 was rewritten") {
		t.Errorf("auditlog verify --file (entry edited) = %v\n%s", err, out)
	}
	cut, err := supervise.DecodeSegment(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cut.After = cut.After[:1]
	var buf bytes.Buffer
	if _, err := cut.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "auditlog", "verify", "--file", writeTemp(t, buf.Bytes()), "--pubkey", pub, "--lang", "en"); err == nil ||
		!strings.Contains(out, "log truncated: 2 entries missing after checkpoint 2") {
		t.Errorf("auditlog verify --file (tail cut) = %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "auditlog", "verify", "--file", writeTemp(t, []byte(`{"format":"x"}`)), "--lang", "en"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("auditlog verify --file (not a segment) = %v", err)
	}
	for _, args := range [][]string{
		{"--from", today},
		{"--from", "yesterday", "--to", today},
		{"--from", today, "--to", "2020-01-01"},
	} {
		if _, _, err := runCmd(t, append([]string{"auditlog", "export", "--config", s.cfg}, args...)...); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("auditlog export %v = %v, want a usage error", args, err)
		}
	}
	for _, tc := range []struct{ lang, want string }{{"en", "no audit log entries between"}, {"zh-CN", "之间没有审计记录"}} {
		if _, _, err := runCmd(t, "auditlog", "export", "--config", s.cfg, "--from", "2020-01-01", "--to", "2020-01-02", "--lang", tc.lang); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("auditlog export (empty range, %s) = %v, want %q", tc.lang, err, tc.want)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for serve's logger and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAuditLogServeCheckpoints runs serve with a 1s interval: it signs a
// checkpoint at start, on the interval after an API action, and when it
// stops, so the log it leaves is wholly anchored.
func TestAuditLogServeCheckpoints(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newAnchored(t, fmt.Sprintf("  interval: 1s\napi: {listen: %q}\n", addr))
	secret := createToken(t, s.cfg) // entry 1, checkpoint 1
	appendDirect(t, s.data, 2)      // entries 2-3, not anchored yet

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, &env{stdout: io.Discard, stderr: logs, getenv: func(string) string { return "" }}, []string{"serve", "--config", s.cfg})
	}()
	size := func() uint64 {
		raw, _ := os.ReadFile(s.cps)
		cps, _ := supervise.ReadCheckpoints(bytes.NewReader(raw))
		if len(cps) == 0 {
			return 0
		}
		return cps[len(cps)-1].Size
	}
	waitFor(t, "the start checkpoint", 30*time.Second, func() bool { return size() == 3 })
	post := func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/users", strings.NewReader(`{"name":"ops","role":"auditor"}`))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /api/v1/users = %d", resp.StatusCode)
		}
	}
	post()
	waitFor(t, "the interval checkpoint", 30*time.Second, func() bool { return size() >= 4 })
	post()
	// The API's verify route checks what the CLI does with serve's config:
	// the key and the external checkpoint file.
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/auditlog/verify?lang=en", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		OK       bool   `json:"ok"`
		Anchored bool   `json:"anchored"`
		KeyID    string `json:"key_id"`
		External bool   `json:"external"`
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || !v.OK || !v.Anchored || len(v.KeyID) != 64 || !v.External {
		t.Errorf("GET /api/v1/auditlog/verify under serve = %+v, %v; want ok, anchored by a key, against the external file", v, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve = %v\n%s", err, logs)
	}
	out, _, err := runCmd(t, "auditlog", "verify", "--config", s.cfg, "--lang", "en")
	if err != nil || strings.Contains(out, "not yet covered") || !strings.Contains(out, "audit log OK") {
		t.Fatalf("auditlog verify after serve = %v\n%s\nserve logs:\n%s", err, out, logs)
	}
	if !strings.Contains(logs.String(), "audit log checkpoint") {
		t.Errorf("serve logged no checkpoint:\n%s", logs)
	}
}

func TestAuditLogConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, body, key string }{
		{"key inside data_dir", fmt.Sprintf("data_dir: %s\nauditlog: {key: %s/k.pem, checkpoints: /tmp/x}\n", dir, dir), "auditlog.key"},
		{"checkpoints inside data_dir", fmt.Sprintf("data_dir: %s\nauditlog: {key: /etc/k.pem, checkpoints: %s/sub/cp}\n", dir, dir), "auditlog.checkpoints"},
		{"nowhere to write", "auditlog: {key: /etc/k.pem}\n", "auditlog.checkpoints"},
		{"webhook without key", "auditlog: {webhook: 'https://anchor.example/cp'}\n", "auditlog.key"},
		{"bad webhook", "auditlog: {key: /etc/k.pem, webhook: 'ftp://anchor.example'}\n", "auditlog.webhook"},
		{"short interval", "auditlog: {key: /etc/k.pem, checkpoints: /tmp/cp, interval: 10ms}\n", "auditlog.interval"},
		{"interval without key", "auditlog: {interval: 1m}\n", "auditlog.key"},
		{"unknown key", "auditlog: {keyfile: /etc/k.pem}\n", "keyfile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("LoadConfig(%q) = %v, want an error naming %q", tc.body, err, tc.key)
			}
		})
	}
	cfg, err := LoadConfig(writeConfig(t, "auditlog: {pubkey: /etc/pub.pem, checkpoints: /var/log/cp}\n"))
	if err != nil || cfg.AuditLog.Key != "" {
		t.Fatalf("LoadConfig(verify-only host) = %v", err)
	}
	bad := writeConfig(t, fmt.Sprintf("data_dir: %s/data\nauditlog: {key: %s, checkpoints: %s/cp}\n", dir, writeTemp(t, []byte("not a key")), dir))
	if _, _, err := runCmd(t, "serve", "--config", bad); err == nil || !strings.Contains(err.Error(), "auditlog.key") {
		t.Fatalf("serve with a bad key = %v, want an error naming auditlog.key", err)
	}
}

func TestDevcertAuditKey(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	out, _, err := runCmd(t, "devcert", "--dir", filepath.Join(dir, "tls"), "--auditlog-dir", keys, "--lang", "en")
	if err != nil || !strings.Contains(out, "auditlog:\n  key: "+filepath.Join(keys, devAuditKey)) || !strings.Contains(out, "chattr +a") {
		t.Fatalf("devcert = %v\n%s", err, out)
	}
	key, err := os.ReadFile(filepath.Join(keys, devAuditKey))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(keys, devAuditKey)); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	s, err := supervise.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(filepath.Join(keys, devAuditPub))
	if k, err := supervise.ParsePublicKey(pub); err != nil || k.ID() != s.Public().ID() {
		t.Fatalf("public key %s, %v; want %s", k.ID(), err, s.Public().ID())
	}
	_, errOut, err := runCmd(t, "devcert", "--dir", filepath.Join(dir, "tls"), "--auditlog-dir", keys)
	again, _ := os.ReadFile(filepath.Join(keys, devAuditKey))
	if err != nil || !bytes.Equal(again, key) || !strings.Contains(errOut, "沿用已有的审计日志签名密钥") {
		t.Fatalf("devcert again = %v, %q; want the key kept", err, errOut)
	}
}
