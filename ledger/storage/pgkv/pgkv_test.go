package pgkv_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/pgkv"
	"github.com/lianjian/lianjian/ledger/storage/storagetest"
)

// testPartition partitions keys by their first component, up to '/', as
// the index partitions them by chain.
func testPartition(k []byte) string {
	if i := bytes.IndexByte(k, '/'); i >= 0 {
		return string(k[:i])
	}
	return ""
}

func testPrefixPartition(p []byte) (string, bool) {
	if i := bytes.IndexByte(p, '/'); i >= 0 {
		return string(p[:i]), true
	}
	return "", false
}

func open(t *testing.T, srv *pgtest.Server) *pgkv.Store {
	t.Helper()
	s, err := pgkv.Open(context.Background(), pgkv.Config{
		DSN: pgtest.NewDB(t, srv), Partitions: 4, Partition: testPartition, PrefixPartition: testPrefixPartition,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	srv := pgtest.Shared(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return open(t, srv) })
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}
