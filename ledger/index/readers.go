package index

import (
	"context"
	"errors"

	"github.com/lianjian/lianjian/ledger"
)

// Narrow readers over other stages' records, for the API's reports and
// metrics, which must not depend on those stages' types.

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
