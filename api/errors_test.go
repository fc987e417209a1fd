package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// faulty is a hand-written Index whose block lookups fail in a chosen way;
// every other method is the embedded index's.
type faulty struct {
	Index
	err   error // returned by Block
	panic any   // raised by Block when set
	wait  bool  // Block waits for the context to end
}

func (f *faulty) Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error) {
	switch {
	case f.panic != nil:
		panic(f.panic)
	case f.wait:
		<-ctx.Done()
		return nil, fmt.Errorf("read block %d: %w", height, ctx.Err())
	}
	return nil, f.err
}

func (f *faulty) Chains(ctx context.Context) ([]ledger.Chain, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.Index.Chains(ctx)
}

func TestErrorMapping(t *testing.T) {
	secret := "badger: open /var/lib/lianjian/000001.vlog: permission denied"
	for _, tc := range []struct {
		name   string
		f      *faulty
		path   string
		status int
		code   string
	}{
		{"not found", &faulty{err: fmt.Errorf("block 3: %w", ledger.ErrNotFound)}, "/blocks/3", 404, codeNotFound},
		{"unknown chain", &faulty{err: ledger.ErrUnknownChain}, "/blocks/3", 404, codeNotFound},
		{"invalid", &faulty{err: fmt.Errorf("%w: cursor", ledger.ErrInvalid)}, "/blocks/3", 400, codeBadRequest},
		{"forbidden", &faulty{err: ErrForbidden}, "/blocks/3", 403, codeForbidden},
		{"deadline", &faulty{err: fmt.Errorf("scan: %w", context.DeadlineExceeded)}, "/blocks/3", 503, codeTimeout},
		{"closed", &faulty{err: ledger.ErrClosed}, "/blocks/3", 503, codeUnavailable},
		{"internal", &faulty{err: errors.New(secret)}, "/blocks/3", 500, codeInternal},
		{"panic", &faulty{panic: secret}, "/blocks/3", 500, codeInternal},
		{"request timeout", &faulty{wait: true}, "/blocks/3", 503, codeTimeout},
		{"readyz closed", &faulty{err: errors.New(secret)}, "/readyz", 503, codeUnavailable},
		{"readyz invalid", &faulty{err: ledger.ErrInvalid}, "/readyz", 503, codeUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			s, err := New(Config{RequestTimeout: 20 * time.Millisecond}, Deps{
				Index:  tc.f,
				Logger: newTextLogger(&logs),
			})
			if err != nil {
				t.Fatal(err)
			}
			path := tc.path
			if strings.HasPrefix(path, "/blocks") {
				path = Version + "/chains/c" + path
			}
			code, body := do(t, s.Handler(), http.MethodGet, path, nil)
			if code != tc.status || field(t, body, "error.code") != tc.code {
				t.Fatalf("GET %s = %d %s, want %d %s", path, code, body, tc.status, tc.code)
			}
			if strings.Contains(string(body), "badger") || strings.Contains(string(body), "/var/lib") {
				t.Errorf("GET %s leaks internals: %s", path, body)
			}
			if tc.status >= 500 && tc.code == codeInternal && !strings.Contains(logs.String(), "permission denied") {
				t.Errorf("internal error not logged; log:\n%s", logs.String())
			}
		})
	}
}
