package main

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/storage/pgkv"
)

// openPG opens the index in the PostgreSQL database of dsn as the
// commands do.
func openPG(t *testing.T, dsn string) *index.DB {
	t.Helper()
	cfg := &Config{Index: IndexConfig{Store: dsn}}
	s, err := pgkv.Open(context.Background(), cfg.pgConfig(true))
	if err != nil {
		t.Fatal(err)
	}
	db, err := index.OpenStore(s, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStorePostgres imports a real Fabric ledger with a tampered
// signature into PostgreSQL (--store) and into badger, audits both, and
// reads back the same chain, checkpoints, findings and search results
// from each.
func TestStorePostgres(t *testing.T) {
	needFixtures(t)
	srv := pgtest.Start(t)
	dsn := pgtest.NewDB(t, srv)
	blocks := copyBlocks(t, "fabric-2.5.9/peer")
	tamperEnvelope(t, filepath.Join(blocks, "mychannel_3.block"), 2, func(b []byte) { b[len(b)-1] ^= 0x01 })
	data := t.TempDir()

	// Commands that read refuse a database holding no index yet.
	_, _, err := runCmd(t, "audit", "--store", dsn, "--chain", "sig-mychannel", "--lang", "en")
	var nie *noIndexError
	if !errors.As(err, &nie) || strings.Contains(err.Error(), "postgres@") {
		t.Fatalf("audit of an empty database = %v, want a *noIndexError naming the database without credentials", err)
	}
	for _, where := range [][]string{{"--store", dsn}, {"--data-dir", data}} {
		args := append([]string{"ingest", "--progress", "never", "--chain", "sig", "--fabric-dir", blocks}, where...)
		if _, stderr, err := runCmd(t, args...); err != nil {
			t.Fatalf("ingest %v: %v\n%s", where, err, stderr)
		}
		args = append([]string{"audit", "--chain", "sig-mychannel", "--from", "0", "--lang", "en"}, where...)
		out, _, err := runCmd(t, args...)
		if !errors.Is(err, errIntegrity) || !strings.Contains(out, "1 failed") {
			t.Fatalf("audit %v = %v\n%s; want the tampered transaction failed", where, err, out)
		}
	}
	pg, bg := openPG(t, dsn), openDB(t, data)
	ctx := context.Background()
	const id = "sig-mychannel"
	for _, db := range []*index.DB{pg, bg} {
		if cp, err := db.Checkpoint(ctx, id); err != nil || cp.Height != 12 {
			t.Errorf("Checkpoint = %+v, %v; want 12", cp, err)
		}
		if ac, err := db.AuditCheckpoint(ctx, id); err != nil || ac.Height != 12 {
			t.Errorf("AuditCheckpoint = %+v, %v; want 12", ac.Height, err)
		}
	}
	findings := func(db *index.DB) []string {
		fs, _, err := db.Findings(ctx, ledger.FindingFilter{}, ledger.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			out = append(out, f.Rule+" "+f.Chain+" "+f.Subject.Ref)
		}
		slices.Sort(out)
		return out
	}
	fp, fb := findings(pg), findings(bg)
	if len(fp) == 0 || !slices.Equal(fp, fb) {
		t.Errorf("findings in PostgreSQL %q, in badger %q; want the same, at least one", fp, fb)
	}
	chains, err := pg.Chains(ctx)
	if err != nil || len(chains) != 1 || chains[0].ID != id {
		t.Errorf("Chains = %+v, %v", chains, err)
	}
	for h := uint64(0); h <= 12; h++ {
		rp, errp := pg.RawBlock(ctx, id, h)
		rb, errb := bg.RawBlock(ctx, id, h)
		if errp != nil || errb != nil || len(rp) == 0 || string(rp) != string(rb) {
			t.Fatalf("RawBlock(%d): PostgreSQL %d bytes, %v; badger %d bytes, %v", h, len(rp), errp, len(rb), errb)
		}
	}
	blk, err := bg.Block(ctx, id, 3)
	if err != nil || len(blk.Txs) == 0 {
		t.Fatalf("Block(3) in badger = %+v, %v", blk, err)
	}
	// Users and the audit log, which belong to no chain, live in the
	// partition of no chain.
	if _, _, err := runCmd(t, "users", "create", "--store", dsn, "--name", "alice", "--role", "auditor"); err != nil {
		t.Fatalf("users create: %v", err)
	}
	if out, _, err := runCmd(t, "users", "list", "--store", dsn, "--lang", "en"); err != nil || !strings.Contains(out, "alice") {
		t.Errorf("users list = %q, %v; want alice", out, err)
	}
	if out, _, err := runCmd(t, "auditlog", "list", "--store", dsn, "--lang", "en"); err != nil || !strings.Contains(out, "users create") || !strings.Contains(out, "cli audit") {
		t.Errorf("auditlog list = %q, %v; want the audit and the creation of alice", out, err)
	}
	// The lookup of a transaction across chains reads every partition.
	txs, err := pg.TxAnyChain(ctx, blk.Txs[0].ID)
	if err != nil || len(txs) != 1 || txs[0].ID != blk.Txs[0].ID {
		t.Errorf("TxAnyChain(%s) = %v, %v; want it", blk.Txs[0].ID, txs, err)
	}
}

// TestStoreConfig checks the index keys of a PostgreSQL store.
func TestStoreConfig(t *testing.T) {
	tests := []struct {
		ic   IndexConfig
		want string // the offending key, "" when valid
	}{
		{IndexConfig{}, ""},
		{IndexConfig{Store: "postgres://u@db.example:5432/lj?sslmode=verify-full"}, ""},
		{IndexConfig{Store: "postgresql://u@db.example/lj", Partitions: 64}, ""},
		{IndexConfig{Store: "/var/lib/lianjian"}, "index.store"},
		{IndexConfig{Store: "postgres://u@db.example:notaport/lj"}, "index.store"},
		{IndexConfig{Store: "postgres://u@db.example/lj", Partitions: 5000}, "index.store"},
		{IndexConfig{Partitions: 8}, "index.partitions"},
		{IndexConfig{Store: "postgres://u@db.example/lj", EncryptionKeyFile: "/k"}, "index.encryption_key_file"},
		{IndexConfig{MappedBudgetMiB: 256}, ""},
		{IndexConfig{MappedBudgetMiB: -1}, ""},
		{IndexConfig{MappedBudgetMiB: -5}, "index.mapped_budget_mib"},
	}
	for _, tc := range tests {
		cfg := &Config{Index: tc.ic}
		cfg.Defaults()
		err := cfg.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want an error on %q", tc.ic, err, tc.want)
		}
	}
	cfg := &Config{Index: IndexConfig{MappedBudgetMiB: 256}}
	if o, err := cfg.indexOptions(); err != nil || o.MappedBudget != 256<<20 {
		t.Errorf("indexOptions with mapped_budget_mib 256 = %d, %v", o.MappedBudget, err)
	}
	if got := storeName("postgres://u:secret@db.example:5432/lj?sslmode=require"); got != "postgres://db.example:5432/lj" {
		t.Errorf("storeName = %q, want no credentials or parameters", got)
	}
}
