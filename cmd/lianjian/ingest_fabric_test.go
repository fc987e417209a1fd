package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

const sharedFixtures = "../../../shared/fixtures"

func needFixtures(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(sharedFixtures); err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
}

func openDB(t *testing.T, dir string) *index.DB {
	t.Helper()
	db, err := index.Open(dir, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestIngestFabricFixtures imports every shared fixture directory, peer
// and orderer copies, GM and upstream, and checks what was indexed.
func TestIngestFabricFixtures(t *testing.T) {
	needFixtures(t)
	dir := t.TempDir()
	tests := []struct {
		fixture string
		chain   string
		height  uint64
		crypto  ledger.Crypto
	}{
		{"fabric-2.5.9/peer", "up-peer", 12, ledger.CryptoIntl},
		{"fabric-2.5.9/orderer", "up-ord", 8, ledger.CryptoIntl},
		{"fabric-gm-sm2/peer", "gm-peer", 5, ledger.CryptoGM},
		{"fabric-gm-sm2/orderer", "gm-ord", 5, ledger.CryptoGM},
	}
	for _, tc := range tests {
		out, stderr, err := runCmd(t, "ingest", "--data-dir", dir, "--fabric-dir", filepath.Join(sharedFixtures, tc.fixture),
			"--chain", tc.chain, "--network", tc.fixture, "--progress", "always")
		if err != nil {
			t.Fatalf("ingest --fabric-dir %s = %v\n%s", tc.fixture, err, stderr)
		}
		if !strings.Contains(out, "已从 ") || !strings.Contains(out, "个通道的") || !strings.Contains(stderr, "100%") {
			t.Errorf("ingest %s printed %q / %q, want a summary and a full progress bar", tc.fixture, out, stderr)
		}
	}
	// A second import finds everything indexed already.
	out, _, err := runCmd(t, "ingest", "--data-dir", dir, "--fabric-dir", filepath.Join(sharedFixtures, "fabric-2.5.9/peer"), "--chain", "up-peer", "--lang", "en")
	if err != nil || !strings.Contains(out, "imported 0 blocks") || !strings.Contains(out, "13 blocks were already indexed") {
		t.Errorf("re-import = %q, %v; want nothing new", out, err)
	}
	db := openDB(t, dir)
	ctx := context.Background()
	for _, tc := range tests {
		id := tc.chain + "-mychannel"
		cp, err := db.Checkpoint(ctx, id)
		if err != nil || cp.Height != tc.height {
			t.Errorf("Checkpoint(%s) = %d, %v; want %d", id, cp.Height, err, tc.height)
		}
		ch, err := db.Chain(ctx, id)
		if err != nil || ch.Kind != ledger.KindFabric || ch.Channel != "mychannel" || ch.Network != tc.fixture || ch.Crypto != tc.crypto {
			t.Errorf("Chain(%s) = %+v, %v", id, ch, err)
		}
		if _, err := db.ChannelConfig(ctx, id, tc.height); err != nil {
			t.Errorf("ChannelConfig(%s) = %v", id, err)
		}
	}
}

// TestIngestFabricCorrupt checks that a truncated or corrupt file is
// reported by name and offset, that nothing of it is committed, and that
// the blocks before it are imported anyway.
func TestIngestFabricCorrupt(t *testing.T) {
	needFixtures(t)
	src := filepath.Join(sharedFixtures, "fabric-2.5.9/peer")
	blocks := t.TempDir()
	for _, n := range []string{"0", "1", "2", "3"} {
		raw, err := os.ReadFile(filepath.Join(src, "mychannel_"+n+".block"))
		if err != nil {
			t.Fatal(err)
		}
		if n == "3" {
			raw = raw[:len(raw)/2] // truncated
		}
		if err := os.WriteFile(filepath.Join(blocks, "mychannel_"+n+".block"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	_, _, err := runCmd(t, "ingest", "--data-dir", dir, "--fabric-dir", blocks, "--chain", "bad")
	var fe *fabric.FileError
	if !errors.As(err, &fe) || filepath.Base(fe.File) != "mychannel_3.block" || !errors.Is(err, fabric.ErrCorrupt) {
		t.Fatalf("ingest of a truncated block = %v, want a FileError naming mychannel_3.block", err)
	}
	if !strings.Contains(err.Error(), "mychannel_3.block at offset 0") {
		t.Errorf("error %q does not name file and offset", err)
	}
	db := openDB(t, dir)
	cp, err := db.Checkpoint(context.Background(), "bad-mychannel")
	if err != nil {
		t.Fatal(err)
	}
	// Blocks 0..2 decode and are committed; the truncated block 3 is not.
	if cp.Height != 2 {
		t.Errorf("checkpoint = %d, want 2 (the last whole block)", cp.Height)
	}
	if _, err := db.Block(context.Background(), "bad-mychannel", 3); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Block(3) err = %v, want not found", err)
	}
}

func TestIngestFabricUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"bad prefix", []string{"ingest", "--fabric-dir", ".", "--chain", "Bad/Prefix"}},
		{"no ledger", []string{"ingest", "--fabric-dir", "."}},
		{"missing", []string{"ingest", "--fabric-dir", "/nonexistent/ledger"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, append(tc.args, "--data-dir", t.TempDir())...)
			if err == nil {
				t.Fatalf("%v succeeded", tc.args)
			}
		})
	}
}

// TestIngestFabricPeerLedger imports the raw ledger directory of a real
// peer, checks every block against the peer's own copy, and then imports
// a truncated copy of the blockfile.
func TestIngestFabricPeerLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real Fabric network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("fabnet.Start = %v", err)
	}
	defer n.Stop()
	for _, k := range []string{"a", "b", "c"} {
		if _, err := n.Put(ctx, k, k); err != nil {
			t.Fatal(err)
		}
	}
	height, err := n.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]byte, height)
	for h := range height {
		if want[h], err = n.FetchBlock(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	chanDir, err := n.LedgerDir("Org1")
	if err != nil {
		t.Fatal(err)
	}
	n.Stop()

	dir := t.TempDir()
	if _, stderr, err := runCmd(t, "ingest", "--data-dir", dir, "--fabric-dir", filepath.Dir(filepath.Dir(filepath.Dir(chanDir))), "--chain", "peer"); err != nil {
		t.Fatalf("ingest of the peer's ledger = %v\n%s", err, stderr)
	}
	db := openDB(t, dir)
	id := "peer-" + n.Channel()
	for h := range height {
		b, err := db.Block(ctx, id, h)
		if err != nil {
			t.Fatalf("Block(%d) = %v", h, err)
		}
		if !bytes.Equal(b.Raw, want[h]) {
			t.Errorf("block %d from the blockfile differs from the peer's qscc copy", h)
		}
	}
	if _, err := db.Block(ctx, id, height); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Block(%d) past the ledger: %v", height, err)
	}

	// A blockfile cut in the middle of its last record.
	cut := filepath.Join(t.TempDir(), n.Channel())
	if err := os.MkdirAll(cut, 0o700); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(chanDir, "blockfile_000000"))
	if err != nil {
		t.Fatal(err)
	}
	bf := filepath.Join(cut, "blockfile_000000")
	if err := os.WriteFile(bf, raw[:len(raw)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	_, _, err = runCmd(t, "ingest", "--data-dir", dir2, "--fabric-dir", cut, "--chain", "cut")
	var fe *fabric.FileError
	if !errors.As(err, &fe) || fe.File != bf || fe.Offset <= 0 {
		t.Fatalf("ingest of a truncated blockfile = %v, want a FileError naming %s and an offset", err, bf)
	}
	cp, err := openDB(t, dir2).Checkpoint(ctx, "cut-"+n.Channel())
	if err != nil || cp.Height != height-2 {
		t.Errorf("checkpoint after the truncated file = %+v, %v; want %d (every whole block)", cp, err, height-2)
	}
}

// TestImportStoreBatchCrypto checks that a national-crypto config in a
// run of blocks the ingester commits in one write marks the chain
// national-crypto, as one committed alone does.
func TestImportStoreBatchCrypto(t *testing.T) {
	ctx := context.Background()
	db, err := index.Open("", index.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &importStore{DB: db, chain: ledger.Chain{ID: "gm-mychannel", Kind: ledger.KindFabric, Channel: "mychannel", Crypto: ledger.CryptoIntl}}
	if err := db.PutChain(ctx, s.chain); err != nil {
		t.Fatal(err)
	}
	bs := ledgertest.Chain("gm-mychannel", "main", 0, 3, nil)
	bs[1].Config = &ledger.Config{Channel: "mychannel", Height: 1, HashingAlgo: "SHA256",
		MSPs: []ledger.MSP{{ID: "Org1MSP", SigningAlgo: fabric.KeySM2}}}
	if err := s.CommitBatch(ctx, bs); err != nil {
		t.Fatal(err)
	}
	if ch, err := db.Chain(ctx, "gm-mychannel"); err != nil || ch.Crypto != ledger.CryptoGM {
		t.Errorf("Chain after a batch with an SM2 config = %+v, %v; want national crypto", ch, err)
	}
}
