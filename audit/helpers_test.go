package audit

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// fixtures is the shared fixture directory, beside the repository.
const fixtures = "../../shared/fixtures"

// fixedNow is the audit time of tests: inside the fixture certificates'
// validity, so that expiry findings do not depend on the day tests run.
var fixedNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// readChain reads the blocks prefix0.block, prefix1.block, ... of a
// fixture directory in height order.
func readChain(t testing.TB, dir, prefix string) [][]byte {
	t.Helper()
	var out [][]byte
	for i := 0; ; i++ {
		raw, err := os.ReadFile(filepath.Join(fixtures, dir, prefix+strconv.Itoa(i)+".block"))
		if os.IsNotExist(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
	if len(out) == 0 {
		t.Fatalf("no blocks %s*.block in %s", prefix, dir)
	}
	return out
}

// newAuditor returns an auditor for a test chain.
func newAuditor(t testing.TB, crypto ledger.Crypto) *Auditor {
	t.Helper()
	a, err := New(Config{Chain: ledger.Chain{ID: "test", Kind: ledger.KindFabric, Crypto: crypto}, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// auditAll audits blocks in the given order through the pipeline and
// returns every block result.
func auditAll(t testing.TB, a *Auditor, blocks [][]byte) []*BlockResult {
	t.Helper()
	src := func(yield func(fabric.RawBlock, error) bool) {
		for i, raw := range blocks {
			if !yield(fabric.RawBlock{Number: uint64(i), Bytes: raw}, nil) {
				return
			}
		}
	}
	var out []*BlockResult
	if err := a.Run(context.Background(), src, func(r *BlockResult) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out
}

// findings flattens the findings of block results.
func findings(rs []*BlockResult) []ledger.Finding {
	var out []ledger.Finding
	for _, r := range rs {
		out = append(out, r.Findings...)
	}
	return out
}

// fab returns the Fabric checks of an auditor of a Fabric channel.
func (a *Auditor) fab() *fabricChecks { return a.kind.(*fabricChecks) }
