// Command demo runs Lianjian on an embedded default: a local geth --dev
// with real traffic (transfers of every transaction type, an unprotected
// pre-EIP-155 transaction, contract deployments and calls), and
// `lianjian serve` ingesting it. It prints the API URL and example
// requests, then runs until interrupted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/internal/testnet/repo"
)

func main() {
	bin := flag.String("lianjian", "bin/lianjian", "lianjian binary")
	listen := flag.String("listen", "127.0.0.1:8080", "API listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *bin, *listen); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, listen string) error {
	cache, err := repo.Cache()
	if err != nil {
		return err
	}
	dir := filepath.Join(cache, "demo")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	step("starting geth --dev on 127.0.0.1")
	node, err := geth.Start(ctx, geth.Options{Dir: filepath.Join(dir, "geth"), AllowUnprotected: true})
	if err != nil {
		return err
	}
	defer node.Stop()
	step("sending traffic: legacy, EIP-2930 and EIP-1559 transfers, an unprotected tx, 3 contract deployments and calls")
	tr, err := node.Drive(ctx, geth.TrafficOptions{Unprotected: true, Bulk: 40})
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "lianjian.yaml")
	cfg := fmt.Sprintf(`# Written by make demo.
data_dir: %s
api:
  listen: %s
chains:
  - id: geth-dev
    name: Local geth --dev
    kind: evm
    crypto: intl
    evm:
      http: %s
      ws: %s
`, filepath.Join(dir, "data"), listen, node.HTTP, node.WS)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	logPath := filepath.Join(dir, "lianjian.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	step("starting lianjian serve --config " + cfgPath)
	serve := exec.Command(bin, "serve", "--config", cfgPath)
	serve.Stdout, serve.Stderr = logf, logf
	serve.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
	}()
	base := "http://" + listen
	if err := waitCaughtUp(ctx, base, "geth-dev"); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logPath)
	}
	counterCall := tr.Txs[len(tr.Txs)-40-5].Hex()
	fmt.Printf(`
Lianjian is supervising a local geth --dev chain.

  API:       %s/api/v1
  geth RPC:  %s
  log:       %s

Try:
  curl -s '%s/api/v1/chains/geth-dev/blocks?limit=3'
  curl -s '%s/api/v1/chains/geth-dev/txs/%s'
  curl -s '%s/api/v1/findings'

Press Ctrl-C to stop.
`, base, node.HTTP, logPath, base, base, counterCall, base)
	<-ctx.Done()
	step("stopping")
	return nil
}

func step(msg string) { fmt.Printf("==> %s\n", msg) }

// waitCaughtUp polls the API until the chain's ingested height reaches the
// node's head.
func waitCaughtUp(ctx context.Context, base, chain string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var c struct {
			Head     *uint64 `json:"head"`
			Ingested *uint64 `json:"height"`
		}
		resp, err := http.Get(base + "/api/v1/chains/" + chain)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&c)
			resp.Body.Close()
			if err == nil && c.Head != nil && c.Ingested != nil && *c.Ingested >= *c.Head && *c.Head > 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return fmt.Errorf("lianjian did not catch up with %s within 2 minutes", strings.TrimSpace(chain))
}
