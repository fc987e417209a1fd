package index

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/lianjian/lianjian/ledger"
)

// Narrow readers over other stages' records, for the API's reports and
// metrics, which must not depend on those stages' types.

// NodeDocs returns the current document of every registered node, for
// readers that only need the node's descriptive fields (reports).
func (d *DB) NodeDocs(ctx context.Context) ([]json.RawMessage, error) {
	ns, err := d.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.Doc)
	}
	return out, nil
}

// AuditHeight returns the height the auditor has re-verified a chain up
// to, and false when it never ran on the chain.
func (d *DB) AuditHeight(ctx context.Context, chain string) (uint64, bool, error) {
	cp, err := d.AuditCheckpoint(ctx, chain)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	return cp.Height, true, nil
}
