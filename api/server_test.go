package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lianjian/lianjian/ledger"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero takes defaults", Config{}, true},
		{"explicit", Config{Addr: "[::1]:0", MaxPageSize: 10, DefaultPageSize: 10, RequestTimeout: time.Second}, true},
		{"small max page", Config{MaxPageSize: 5}, true},
		{"bad addr", Config{Addr: "localhost"}, false},
		{"negative timeout", Config{ReadTimeout: -time.Second}, false},
		{"negative request timeout", Config{RequestTimeout: -1}, false},
		{"negative max page", Config{MaxPageSize: -1}, false},
		{"default above max", Config{MaxPageSize: 10, DefaultPageSize: 11}, false},
		{"negative header bytes", Config{MaxHeaderBytes: -1}, false},
		{"negative body bytes", Config{MaxBodyBytes: -1}, false},
		{"negative burst", Config{RateBurst: -1}, false},
		{"rate limit off", Config{RateLimit: -1}, true},
		{"audit checkpoints without a key", Config{AuditCheckpoints: "/var/log/lianjian/checkpoints.jsonl"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate(%+v) = %v, want ok=%v", tc.cfg, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate error %v does not wrap ErrConfig", err)
			}
		})
	}
	if d := (Config{}).withDefaults(); d.Addr != DefaultAddr || d.DefaultPageSize != 50 || d.MaxPageSize != 500 {
		t.Errorf("defaults = %+v", d)
	}
}

func TestNewRequiresIndex(t *testing.T) {
	if _, err := New(Config{}, Deps{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("New without index = %v, want ErrConfig", err)
	}
	if _, err := New(Config{Addr: "nope"}, Deps{Index: &faulty{}}); !errors.Is(err, ErrConfig) {
		t.Fatalf("New with a bad config = %v, want ErrConfig", err)
	}
}

// slowIndex answers Chains after a delay, to keep a request in flight.
type slowIndex struct {
	Index
	started chan struct{}
	delay   time.Duration
}

func (s *slowIndex) Chains(ctx context.Context) ([]ledger.Chain, error) {
	close(s.started)
	select {
	case <-time.After(s.delay):
		return []ledger.Chain{{ID: "c", Kind: ledger.KindEVM}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *slowIndex) Checkpoint(context.Context, string) (ledger.Checkpoint, error) {
	return ledger.Checkpoint{}, ledger.ErrNotFound
}

// TestServeGracefulShutdown checks that ending Serve's context lets a
// request in flight finish, then stops the server without leaking
// goroutines.
func TestServeGracefulShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	idx := &slowIndex{started: make(chan struct{}), delay: 200 * time.Millisecond}
	s, err := New(Config{}, Deps{Index: idx})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := client.Get("http://" + l.Addr().String() + Version + "/chains")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	<-idx.started
	cancel()
	r := <-got
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("request in flight during shutdown = %d %q %v, want 200", r.code, r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v, want nil after graceful shutdown", err)
	}
	if _, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		t.Fatal("listener still accepts connections after shutdown")
	}
}

func TestServeClosedListener(t *testing.T) {
	s, err := New(Config{}, Deps{Index: &faulty{}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := s.Serve(context.Background(), l); err == nil {
		t.Fatal("Serve on a closed listener = nil, want an error")
	}
}

func TestRequestLog(t *testing.T) {
	var logs strings.Builder
	s, err := New(Config{}, Deps{Index: openIndex(t, ""), Logger: newTextLogger(&logs),
		Auth: tokenAuth{"viewer": {PermLedgerRead}}})
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{"Authorization": {"Bearer viewer"}}
	if code, body := do(t, s.Handler(), http.MethodGet, Version+"/chains/"+evmChain+"/blocks/2", hdr); code != http.StatusOK {
		t.Fatalf("GET block = %d %s", code, body)
	}
	line := logs.String()
	for _, want := range []string{
		`msg="http request"`, "method=GET", "path=/api/v1/chains/evm-dev/blocks/2",
		"route=/api/v1/chains/:chain/blocks/:ref", "status=200", "principal=viewer",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("request log lacks %q:\n%s", want, line)
		}
	}
}
