package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lianjian/lianjian/ledger/fisco"
)

func init() {
	commands["fisco"] = command{run: runFisco}
}

func runFisco(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "dump" {
		return fmt.Errorf("%w: fisco: want a subcommand: dump", errUsage)
	}
	fs := flag.NewFlagSet("fisco dump", flag.ContinueOnError)
	rpcURL := fs.String("rpc", "", "the node's JSON-RPC endpoint (2.x http://host:8545, 3.x http://host:20200)")
	group := fs.String("group", "", "3.x group name (default group0) or 2.x group id (default 1)")
	node := fs.String("node", "", "3.x node name (optional)")
	from := fs.Uint64("from", 0, "first height")
	to := fs.Uint64("to", 0, "last height (default: the node's head)")
	out := fs.String("out", "", "output directory (created)")
	batch := fs.Int("batch", 32, "blocks per JSON-RPC batch")
	progress := fs.String("progress", "auto", "progress bar: auto (on a terminal), always or never")
	l := langFlag(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	switch {
	case *rpcURL == "":
		return fmt.Errorf("%w: fisco dump: --rpc is required", errUsage)
	case *out == "":
		return fmt.Errorf("%w: fisco dump: --out is required", errUsage)
	case *batch < 1 || *batch > 1024:
		return fmt.Errorf("%w: fisco dump: --batch %d (want 1..1024)", errUsage, *batch)
	}
	c, err := fisco.Dial(ctx, fisco.ClientConfig{Config: fisco.Config{Chain: "dump", Group: *group}, URL: *rpcURL, Node: *node})
	if err != nil {
		return err
	}
	defer c.Close()
	last := *to
	if last == 0 {
		if last, err = c.Head(ctx); err != nil {
			return err
		}
	}
	if last < *from {
		return fmt.Errorf("%w: fisco dump: --to %d is below --from %d", errUsage, last, *from)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(*out, "node.json"), c.Info().Raw); err != nil {
		return err
	}
	var bar *progressBar
	if *progress == "always" || (*progress == "auto" && isTerminal(e.stderr)) {
		bar = newProgressBar(e.stderr, ingestTexts[*l].Bar, *from, last)
	}
	t0 := time.Now()
	txs := 0
	for lo := *from; lo <= last; lo += uint64(*batch) {
		hi := min(lo+uint64(*batch)-1, last)
		blocks, receipts, err := c.FetchRaw(ctx, lo, hi)
		if err != nil {
			return fmt.Errorf("fisco dump %d..%d: %w", lo, hi, err)
		}
		for i, b := range blocks {
			h := lo + uint64(i)
			if err := writeJSON(filepath.Join(*out, fmt.Sprintf("block-%010d.json", h)), response(h, b)); err != nil {
				return err
			}
			if len(receipts[i]) > 0 {
				rs := make([]json.RawMessage, len(receipts[i]))
				for j, r := range receipts[i] {
					rs[j] = response(h, r)
				}
				if err := writeJSON(filepath.Join(*out, fmt.Sprintf("receipts-%010d.json", h)), rs); err != nil {
					return err
				}
			}
			txs += len(receipts[i])
			if bar != nil {
				bar.set(h)
			}
		}
	}
	if bar != nil {
		bar.done()
	}
	fmt.Fprintf(e.stdout, fiscoDumpTexts[*l], *from, last, txs, c.Verifier().Version(), *rpcURL, *out, time.Since(t0).Round(time.Millisecond))
	return nil
}

// response wraps a result as the node's JSON-RPC response object.
func response(id uint64, result json.RawMessage) json.RawMessage {
	b, _ := json.Marshal(struct {
		ID      uint64          `json:"id"`
		JSONRPC string          `json:"jsonrpc"`
		Result  json.RawMessage `json:"result"`
	}{id, "2.0", result})
	return b
}

// writeJSON writes v to path through a temporary file, so that an
// interrupted dump never leaves a half-written file.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
