package fisco

import (
	"context"
	"fmt"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// HistoryStore is where History reads a chain's governance records.
type HistoryStore interface {
	// Governance lists the chain's governance records, newest first.
	Governance(ctx context.Context, chain string, p ledger.Page) ([]record.GovernanceRecord, string, error)
}

// historyPage is the page size History reads with (the index's largest).
const historyPage = 1000

// History reads a chain's stored governance records made at or below
// height upTo, oldest first, as the transactions that made them: what
// Verifier.Resume rebuilds the rules in force from.
func History(ctx context.Context, st HistoryStore, chain string, upTo uint64) ([]ledger.Tx, error) {
	var recs []record.GovernanceRecord
	cursor := ""
	for {
		page, next, err := st.Governance(ctx, chain, ledger.Page{Limit: historyPage, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("governance history of %s: %w", chain, err)
		}
		recs = append(recs, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	out := make([]ledger.Tx, 0, len(recs))
	for i := len(recs) - 1; i >= 0; i-- { // stored newest first
		r := recs[i]
		if r.Height > upTo {
			continue
		}
		g := r.Governance
		out = append(out, ledger.Tx{ID: r.TxID, Chain: chain, Height: r.Height, Index: r.Index, Time: r.Time, From: r.From,
			Valid: r.Success, Status: r.Status, Fisco: &ledger.FiscoTx{Governance: &g}})
	}
	return out, nil
}
