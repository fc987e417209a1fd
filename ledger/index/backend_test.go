package index

import (
	"context"
	"errors"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// opener returns a new empty index that is closed when the test ends.
type opener func(t *testing.T) *DB

// backends are the ways to open an index: each returns one the caller
// closes.
var backends = []struct {
	name string
	open func(t *testing.T) (*DB, error)
}{
	{"badger", func(t *testing.T) (*DB, error) { return Open(t.TempDir(), Options{}) }},
	{"memdb", func(*testing.T) (*DB, error) { return OpenMemory(Options{}) }},
}

// TestBackends runs tests of the index's methods on each backend: the
// index behaves the same on badger and on memdb.
func TestBackends(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, open opener)
	}{
		{"AuditRecords", testAuditRecords},
		{"AuditStateVersions", testAuditStateVersions},
		{"AuditStateLegacy", testAuditStateLegacy},
		{"ContractScans", testContractScans},
		{"WorkflowAndRedetection", testWorkflowAndRedetection},
		{"Tokens", testTokens},
		{"Search", testSearch},
		{"NodeRevisions", testNodeRevisions},
		{"ProbesAndRisk", testProbesAndRisk},
		{"NodesOfTwoOrgs", testNodesOfTwoOrgs},
		{"RollbackResolvesFindings", testRollbackResolvesFindings},
		{"RollbackRemovesSearchTerms", testRollbackRemovesSearchTerms},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			// ledger.Store's suite (blocks, txs, reorgs, findings) closes
			// what it opens.
			t.Run("Store", func(t *testing.T) {
				ledgertest.TestStore(t, func(t *testing.T) ledger.Store {
					db, err := b.open(t)
					if err != nil {
						t.Fatal(err)
					}
					return db
				})
			})
			open := func(t *testing.T) *DB {
				t.Helper()
				db, err := b.open(t)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, open) })
			}
		})
	}
}

// TestClosedIsErrClosed: a call on a closed index says ledger.ErrClosed
// on either backend, so the API answers 503, not an internal error.
func TestClosedIsErrClosed(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db, err := b.open(t)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Chains(context.Background()); !errors.Is(err, ledger.ErrClosed) {
				t.Errorf("Chains after Close = %v, want ledger.ErrClosed", err)
			}
		})
	}
}
