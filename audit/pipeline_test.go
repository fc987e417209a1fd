package audit

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// TestRunStops checks that Run returns the first error of the emitter, of
// the source or of the context, and leaves no goroutine behind.
func TestRunStops(t *testing.T) {
	defer goleak.VerifyNone(t)
	blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
	errStop := errors.New("stop")
	source := func(failAt int) func(func(fabric.RawBlock, error) bool) {
		return func(yield func(fabric.RawBlock, error) bool) {
			for i, raw := range blocks {
				if i == failAt {
					yield(fabric.RawBlock{}, errStop)
					return
				}
				if !yield(fabric.RawBlock{Number: uint64(i), Bytes: raw}, nil) {
					return
				}
			}
		}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		ctx       context.Context
		failAt    int // source error at this block, -1 for none
		stopAfter int // emitter error after this many blocks, -1 for none
		maxBlocks int
	}{
		{"emitter error", context.Background(), -1, 3, 3},
		{"source error", context.Background(), 5, -1, 5},
		{"cancelled", cancelled, -1, -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuditor(t, ledger.CryptoIntl)
			n := 0
			err := a.Run(tt.ctx, source(tt.failAt), func(*BlockResult) error {
				n++
				if n == tt.stopAfter {
					return errStop
				}
				return nil
			})
			if tt.ctx.Err() != nil {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run error = %v, want context.Canceled", err)
				}
			} else if !errors.Is(err, errStop) {
				t.Errorf("Run error = %v, want %v", err, errStop)
			}
			if n > tt.maxBlocks {
				t.Errorf("Run emitted %d blocks, want at most %d", n, tt.maxBlocks)
			}
		})
	}
}
