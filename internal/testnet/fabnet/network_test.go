package fabnet

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// startNet starts a network for a test and stops it at cleanup.
func startNet(t *testing.T, opts Options) (context.Context, *Network) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Fabric network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	t.Cleanup(cancel)
	opts.Dir = t.TempDir()
	if d := os.Getenv("FABNET_TEST_DIR"); d != "" { // keep state for debugging
		opts.Dir = filepath.Join(d, t.Name())
		os.RemoveAll(opts.Dir)
	}
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	begin := time.Now()
	n, err := Start(ctx, opts)
	if err != nil {
		logs, _ := filepath.Glob(filepath.Join(opts.Dir, "logs", "*.log"))
		for _, f := range logs {
			if b, rerr := os.ReadFile(f); rerr == nil {
				t.Logf("%s tail:\n%s", filepath.Base(f), tail(b))
			}
		}
		t.Fatalf("Start() = %v", err)
	}
	t.Logf("network up in %s", time.Since(begin).Round(time.Millisecond))
	t.Cleanup(n.Stop)
	return ctx, n
}
