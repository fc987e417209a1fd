package api

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/ledger"
)

// Orders of a findings list (?order=).
const (
	orderID       = "id"       // the index's order, by finding id
	orderSeverity = "severity" // most severe first, then newest last seen
)

// Bounds on a findings list sorted in the server.
const (
	maxOrdered     = 200_000 // findings one sorted list may span
	orderedCursor  = "o"     // prefix of a sorted list's cursor: o<offset>
	orderReadBatch = 1000
)

// findingsBySeverity answers one page of the findings passing f, most
// severe first, then by last seen (newest first), then by id. The index
// keeps findings by id, so every page reads the matching findings and
// sorts them; the cursor is the offset of the next page.
func (s *Server) findingsBySeverity(ctx context.Context, f ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error) {
	off := 0
	if p.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(p.Cursor, orderedCursor))
		if !strings.HasPrefix(p.Cursor, orderedCursor) || err != nil || n < 0 {
			return nil, "", badParam("cursor", "not a cursor of a list ordered by severity")
		}
		off = n
	}
	var all []*ledger.Finding
	for cur := ""; ; {
		fs, next, err := s.idx.Findings(ctx, f, ledger.Page{Cursor: cur, Limit: orderReadBatch})
		if err != nil {
			return nil, "", err
		}
		all = append(all, fs...)
		if len(all) > maxOrdered {
			return nil, "", badParam("order", "more than %d findings to sort; narrow the list by chain, severity, status or time", maxOrdered)
		}
		if next == "" {
			break
		}
		cur = next
	}
	slices.SortStableFunc(all, func(a, b *ledger.Finding) int {
		if d := b.Severity.Rank() - a.Severity.Rank(); d != 0 {
			return d
		}
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if off > len(all) {
		off = len(all)
	}
	end := min(off+max(p.Limit, 1), len(all))
	next := ""
	if end < len(all) {
		next = orderedCursor + strconv.Itoa(end)
	}
	return all[off:end], next, nil
}
