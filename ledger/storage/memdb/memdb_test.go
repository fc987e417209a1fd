package memdb_test

import (
	"testing"

	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/memdb"
	"github.com/lianjian/lianjian/ledger/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memdb.New() })
}
