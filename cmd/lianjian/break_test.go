package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// copyBlocks copies the .block files of a shared fixture directory into
// a temporary directory, leaving out the blocks numbered in drop, and
// returns it.
func copyBlocks(t *testing.T, fixture string, drop ...string) string {
	t.Helper()
	needFixtures(t)
	dir := t.TempDir()
	src := filepath.Join(sharedFixtures, fixture)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
next:
	for _, e := range entries {
		for _, d := range drop {
			if e.Name() == "mychannel_"+d+".block" {
				continue next
			}
		}
		raw, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// field returns the bytes of the first field num (length-delimited) of
// the protobuf message msg, and their offset in msg.
func field(t *testing.T, msg []byte, num protowire.Number) (int, []byte) {
	t.Helper()
	for off := 0; off < len(msg); {
		n, typ, k := protowire.ConsumeTag(msg[off:])
		if k < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(k))
		}
		if n == num && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(msg[off+k:])
			if m < 0 {
				t.Fatalf("field %d: %v", num, protowire.ParseError(m))
			}
			return off + k + m - len(v), v
		}
		m := protowire.ConsumeFieldValue(n, typ, msg[off+k:])
		if m < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(m))
		}
		off += k + m
	}
	t.Fatalf("no field %d", num)
	return 0, nil
}

// tamperEnvelope rewrites, in place, a field of the first envelope of the
// .block file at path: common.Block.data (2) . BlockData.data (1) .
// Envelope.payload (1) or signature (2).
func tamperEnvelope(t *testing.T, path string, envField protowire.Number, edit func(b []byte)) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dOff, data := field(t, raw, 2)
	eOff, env := field(t, data, 1)
	fOff, f := field(t, env, envField)
	edit(raw[dOff+eOff+fOff : dOff+eOff+fOff+len(f)])
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// fixDataHash recomputes, in place, the data hash of the .block file at
// path (SHA-256 over its envelopes), so that only what was tampered with
// inside an envelope is wrong.
func fixDataHash(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, data := field(t, raw, 2)
	h := sha256.New()
	for rest := data; len(rest) > 0; {
		_, _, k := protowire.ConsumeTag(rest)
		v, m := protowire.ConsumeBytes(rest[k:])
		if k < 0 || m < 0 {
			t.Fatal("bad block data")
		}
		h.Write(v)
		rest = rest[k+m:]
	}
	hOff, header := field(t, raw, 1)
	dOff, dh := field(t, header, 3)
	copy(raw[hOff+dOff:hOff+dOff+len(dh)], h.Sum(nil))
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// garble makes bytes that do not decode as any protobuf message.
func garble(b []byte) {
	for i := range b {
		b[i] = 0xff
	}
}

func TestVerifyBreaks(t *testing.T) {
	// (a) the only envelope of the last block, and of a block in the
	// middle, does not decode.
	lastBad := copyBlocks(t, "fabric-2.5.9/peer")
	tamperEnvelope(t, filepath.Join(lastBad, "mychannel_12.block"), 1, garble)
	fixDataHash(t, filepath.Join(lastBad, "mychannel_12.block"))
	midBad := copyBlocks(t, "fabric-2.5.9/peer")
	tamperEnvelope(t, filepath.Join(midBad, "mychannel_5.block"), 1, garble)
	// A whole block that does not decode, placed by its file name.
	truncated := copyBlocks(t, "fabric-2.5.9/orderer")
	raw, err := os.ReadFile(filepath.Join(truncated, "mychannel_4.block"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(truncated, "mychannel_4.block"), raw[:len(raw)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	// (b) block 8 in a file named for block 9.
	renamed := copyBlocks(t, "fabric-2.5.9/orderer", "8")
	raw, err = os.ReadFile(filepath.Join(sharedFixtures, "fabric-2.5.9/orderer/mychannel_8.block"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(renamed, "mychannel_9.block"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	// (f) one signature byte flipped: the creator signature of block 3.
	flipped := copyBlocks(t, "fabric-2.5.9/peer")
	tamperEnvelope(t, filepath.Join(flipped, "mychannel_3.block"), 2, func(b []byte) { b[len(b)-1] ^= 0x01 })

	tests := []struct {
		name string
		dir  string
		want []string
	}{
		{"last block's envelope", lastBad, []string{"BRK-UNDECODABLE", "block 12 tx 0 (" + filepath.Join(lastBad, "mychannel_12.block") + "): payload:",
			"chain mychannel: blocks 0..12 (13)", "integrity FAILED"}},
		{"middle block's envelope", midBad, []string{"BRK-UNDECODABLE", "block 5 tx 0", "FAB-DATA-HASH", "chain mychannel: blocks 0..12 (13)", "integrity FAILED"}},
		{"truncated block", truncated, []string{"BRK-UNDECODABLE", "block 4 (" + filepath.Join(truncated, "mychannel_4.block") + ")",
			"FAB-BLOCK-DECODE", "chain mychannel: blocks 0..8 (9)", "integrity FAILED"}},
		{"renamed block", renamed, []string{"BRK-NUMBER", "file name says block 9, header says 8", "chain mychannel: blocks 0..8 (9)", "integrity FAILED"}},
		{"flipped signature", flipped, []string{"FAB-SIG-CREATOR", "(40 valid, 1 failed;", "integrity FAILED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, "verify", "--lang", "en", tt.dir)
			if !errors.Is(err, errIntegrity) {
				t.Errorf("verify error = %v, want %v", err, errIntegrity)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("verify output lacks %q:\n%s", w, out)
				}
			}
			// Never a chain made up for the broken block.
			if strings.Count(out, "chain ") != 1 {
				t.Errorf("verify reports %d chains, want only mychannel:\n%s", strings.Count(out, "chain "), out)
			}
		})
	}
	out, _, err := runCmd(t, "verify", flipped)
	if !errors.Is(err, errIntegrity) || !strings.Contains(out, "验证通过 40 个，验证失败 1 个") {
		t.Errorf("verify (zh-CN) = %v\n%s", err, out)
	}
}

// TestEmptyBlockfile checks that a zero-byte blockfile in a ledger
// directory is an error, not an empty chain with integrity OK.
func TestEmptyBlockfile(t *testing.T) {
	root := t.TempDir()
	ch := filepath.Join(root, "chains", "chains", "mychannel")
	if err := os.MkdirAll(ch, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ch, "blockfile_000000"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{root, ch} {
		out, _, err := runCmd(t, "verify", "--lang", "en", path)
		if !errors.Is(err, fabric.ErrEmptyFile) || strings.Contains(out, "integrity OK") {
			t.Errorf("verify %s = %v\n%s; want %v", path, err, out, fabric.ErrEmptyFile)
		}
		_, _, err = runCmd(t, "ingest", "--data-dir", t.TempDir(), "--progress", "never", "--fabric-dir", path)
		if !errors.Is(err, fabric.ErrEmptyFile) {
			t.Errorf("ingest --fabric-dir %s = %v, want %v", path, err, fabric.ErrEmptyFile)
		}
	}
}

// TestIngestFabricGap imports a copy of the peer's blocks without block
// 5: blocks 0..4 are committed and queryable, the gap is a finding the
// API lists, and the command says where it stopped.
func TestIngestFabricGap(t *testing.T) {
	blocks := copyBlocks(t, "fabric-2.5.9/peer", "5")
	data := t.TempDir()
	out, _, err := runCmd(t, "ingest", "--data-dir", data, "--progress", "never", "--chain", "gap", "--lang", "en", "--fabric-dir", blocks)
	var brk *ledger.Break
	if !errors.As(err, &brk) || brk.Rule != ledger.RuleBreakGap || brk.Height != 5 {
		t.Fatalf("ingest of a ledger with a gap = %v, want a BRK-GAP break at 5", err)
	}
	if !strings.Contains(out, "chain gap-mychannel: import stopped at block 5: BRK-GAP") || !strings.Contains(out, "up to height 4") {
		t.Errorf("ingest printed %q, want where it stopped", out)
	}
	db := openDB(t, data)
	ctx := context.Background()
	if cp, err := db.Checkpoint(ctx, "gap-mychannel"); err != nil || cp.Height != 4 {
		t.Errorf("Checkpoint = %d, %v; want 4", cp.Height, err)
	}
	if b, err := db.Block(ctx, "gap-mychannel", 4); err != nil || b.Height != 4 {
		t.Errorf("Block(4) = %v, %v", b, err)
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "gap-mychannel", Rule: ledger.RuleBreakGap.ID}, ledger.Page{})
	if err != nil || len(fs) != 1 || fs[0].Subject.Height != 5 {
		t.Fatalf("Findings(BRK-GAP) = %v, %v; want one at block 5", fs, err)
	}
	srv, err := api.New(api.Config{}, api.Deps{Index: db})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/api/v1/findings?chain=gap-mychannel")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"rule":"BRK-GAP"`) || !strings.Contains(string(body), "blocks 5..5 are missing") {
		t.Errorf("GET findings?chain=gap-mychannel = %d %s, want the BRK-GAP finding", resp.StatusCode, body)
	}
}

// TestIngestFabricBadEnvelope imports a copy whose block 5 has an
// undecodable envelope: the import stops before it, the finding names
// file, block and tx.
func TestIngestFabricBadEnvelope(t *testing.T) {
	blocks := copyBlocks(t, "fabric-2.5.9/peer")
	tamperEnvelope(t, filepath.Join(blocks, "mychannel_5.block"), 1, garble)
	data := t.TempDir()
	_, _, err := runCmd(t, "ingest", "--data-dir", data, "--progress", "never", "--chain", "env", "--fabric-dir", blocks)
	var brk *ledger.Break
	if !errors.As(err, &brk) || brk.Rule != ledger.RuleBreakUndecodable || brk.Height != 5 || brk.Tx != 0 {
		t.Fatalf("ingest = %v, want a BRK-UNDECODABLE break at block 5 tx 0", err)
	}
	db := openDB(t, data)
	ctx := context.Background()
	if cp, err := db.Checkpoint(ctx, "env-mychannel"); err != nil || cp.Height != 4 {
		t.Errorf("Checkpoint = %d, %v; want 4", cp.Height, err)
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "env-mychannel"}, ledger.Page{})
	if err != nil || len(fs) != 1 || fs[0].Evidence["file"] != filepath.Join(blocks, "mychannel_5.block") || fs[0].Evidence["tx"] != "0" {
		t.Errorf("Findings = %+v, %v; want one naming the file and tx 0", fs, err)
	}
}

// TestIngestFabricNumbers imports copies where a block's number
// disagrees with its file name, or two different blocks share a number:
// the import stops there with a BRK-NUMBER finding.
func TestIngestFabricNumbers(t *testing.T) {
	renamed := copyBlocks(t, "fabric-2.5.9/orderer", "8")
	raw, err := os.ReadFile(filepath.Join(sharedFixtures, "fabric-2.5.9/orderer/mychannel_8.block"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(renamed, "mychannel_9.block"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	// The peer's copy of block 8 (with validation codes) beside the
	// orderer's: two different blocks 8.
	twice := copyBlocks(t, "fabric-2.5.9/orderer")
	if raw, err = os.ReadFile(filepath.Join(sharedFixtures, "fabric-2.5.9/peer/mychannel_8.block")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(twice, "dup.block"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
		last            uint64
	}{
		{"renamed", renamed, "file name says block 9, header says 8", 7},
		{"two blocks 8", twice, "a second, different block 8", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			out, _, err := runCmd(t, "ingest", "--data-dir", data, "--progress", "never", "--chain", "n", "--lang", "en", "--fabric-dir", tt.dir)
			var brk *ledger.Break
			if !errors.As(err, &brk) || brk.Rule != ledger.RuleBreakNumber || brk.Height != 8 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ingest = %v, want a BRK-NUMBER break at 8: %s", err, tt.want)
			}
			if !strings.Contains(out, "import stopped at block 8") {
				t.Errorf("ingest printed %q", out)
			}
			db := openDB(t, data)
			if cp, err := db.Checkpoint(context.Background(), "n-mychannel"); err != nil || cp.Height != tt.last {
				t.Errorf("Checkpoint = %d, %v; want %d", cp.Height, err, tt.last)
			}
			fs, _, err := db.Findings(context.Background(), ledger.FindingFilter{Chain: "n-mychannel", Rule: ledger.RuleBreakNumber.ID}, ledger.Page{})
			if err != nil || len(fs) != 1 {
				t.Errorf("Findings(BRK-NUMBER) = %v, %v; want one", fs, err)
			}
		})
	}
}

// TestIngestFabricUnlinked imports the upstream blocks with block 3
// taken from the GM network: its header does not link to block 2.
func TestIngestFabricUnlinked(t *testing.T) {
	blocks := copyBlocks(t, "fabric-2.5.9/orderer")
	raw, err := os.ReadFile(filepath.Join(sharedFixtures, "fabric-gm-sm2/peer/mychannel_3.block"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocks, "mychannel_3.block"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	out, _, err := runCmd(t, "ingest", "--data-dir", data, "--progress", "never", "--chain", "u", "--lang", "en", "--fabric-dir", blocks)
	var brk *ledger.Break
	if !errors.As(err, &brk) || brk.Rule != ledger.RuleBreakUnlinked || brk.Height != 3 {
		t.Fatalf("ingest = %v, want a BRK-UNLINKED break at 3", err)
	}
	if !strings.Contains(out, "import stopped at block 3") || !strings.Contains(out, "up to height 2") {
		t.Errorf("ingest printed %q", out)
	}
	db := openDB(t, data)
	if cp, err := db.Checkpoint(context.Background(), "u-mychannel"); err != nil || cp.Height != 2 {
		t.Errorf("Checkpoint = %d, %v; want 2", cp.Height, err)
	}
}

// TestAuditIntegrityExit checks that audit, like verify, exits non-zero
// when the stored chain fails a check.
func TestAuditIntegrityExit(t *testing.T) {
	blocks := copyBlocks(t, "fabric-2.5.9/peer")
	tamperEnvelope(t, filepath.Join(blocks, "mychannel_3.block"), 2, func(b []byte) { b[len(b)-1] ^= 0x01 })
	data := t.TempDir()
	if _, _, err := runCmd(t, "ingest", "--data-dir", data, "--progress", "never", "--chain", "sig", "--fabric-dir", blocks); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	out, _, err := runCmd(t, "audit", "--data-dir", data, "--chain", "sig-mychannel", "--from", "0", "--lang", "en")
	if !errors.Is(err, errIntegrity) || !strings.Contains(out, "integrity FAILED") || !strings.Contains(out, "1 failed") {
		t.Errorf("audit = %v\n%s; want %v and the failure counted", err, out, errIntegrity)
	}
}
