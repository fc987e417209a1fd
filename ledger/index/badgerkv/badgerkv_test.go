package badgerkv_test

import (
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := badgerkv.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConformanceOnDisk runs the suite on disk, where the suite's large
// values go to the blob segments.
func TestConformanceOnDisk(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := badgerkv.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil).WithValueThreshold(64 << 10))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
