package fabric

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// cacheOnly is a Live whose blocks all come from the delivered-block
// cache; it has no connection.
func cacheOnly(size int) *Live {
	return &Live{cfg: LiveConfig{Cache: size}, cache: map[uint64]*ledger.Block{}, freed: make(chan struct{}, 1)}
}

func TestLiveCache(t *testing.T) {
	ctx := context.Background()
	l := cacheOnly(2)
	for h := range uint64(2) {
		if err := l.store(ctx, &ledger.Block{Height: h}); err != nil {
			t.Fatal(err)
		}
	}
	// The cache is full: store waits until Blocks takes blocks or ctx ends.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := l.store(short, &ledger.Block{Height: 2}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("store into a full cache = %v, want to wait for ctx", err)
	}
	done := make(chan error, 1)
	go func() { done <- l.store(ctx, &ledger.Block{Height: 2}) }()
	bs, err := l.Blocks(ctx, 0, 1)
	if err != nil || len(bs) != 2 || bs[0].Height != 0 || bs[1].Height != 1 {
		t.Fatalf("Blocks(0, 1) = %v, %v", bs, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("store after Blocks freed the cache = %v", err)
	}
	// Heights already served are never cached again.
	if err := l.store(ctx, &ledger.Block{Height: 1}); err != nil {
		t.Fatal(err)
	}
	if l.cached(1) != nil || l.cached(2) == nil {
		t.Errorf("cache after re-delivery of 1 holds %v", l.cache)
	}
	if _, err := l.Blocks(ctx, 3, 2); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("Blocks(3, 2) = %v, want ErrInvalid", err)
	}
}
