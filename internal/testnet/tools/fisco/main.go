// Command fiscochain is a FISCO BCOS JSON-RPC TEST CHAIN for Lianjian's
// tests. It is not a FISCO BCOS node and runs no consensus or EVM: no
// FISCO BCOS node can run in Lianjian's test environment (FISCO ships C++
// binaries and images), so this process stands in for one. It serves the
// JSON-RPC a node serves, over HTTP on loopback, for a chain whose blocks
// follow FISCO's formats and rules, built with FISCO's own reference Go
// code: go-sdk v3 types (3.x TARS transactions and their hash) and
// smcrypto (SM2/SM3), and go-sdk v1 core/types (2.x RLP transactions and
// signer). Roots, receipt and header hashes follow FISCO's C++ sources
// (TarsHashable.h, Merkle.h; 2.x BlockHeader.cpp, TrieHash2.cpp,
// TransactionReceipt.cpp), and every block is signed by a quorum of its
// sealers.
//
// All keys are TEST KEYS derived from --seed. They protect nothing.
//
// Simulated, and so not reproducible by FISCO's rules: state roots,
// contract addresses, gas figures and the 2.x header log bloom (zero).
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fiscochain:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("fiscochain", flag.ContinueOnError)
	version := fs.Int("version", 3, "FISCO BCOS line to imitate: 2 or 3")
	gm := fs.Bool("gm", false, "national crypto (SM2/SM3); otherwise secp256k1/keccak256")
	listen := fs.String("listen", "127.0.0.1:0", "HTTP JSON-RPC listen address (loopback)")
	group := fs.String("group", "", `group: 3.x group id (default "group0"), 2.x numeric group id (default 1)`)
	chainID := fs.String("chain-id", "", `chain id: 3.x string (default "chain0"), 2.x number (default 1)`)
	sealers := fs.Int("sealers", 4, "number of sealers (consensus nodes)")
	observers := fs.Int("observers", 0, "number of observer nodes")
	accounts := fs.Int("accounts", 4, "number of TEST accounts sending transactions")
	seed := fs.String("seed", "lianjian", "seed of the deterministic TEST keys")
	interval := fs.Duration("interval", time.Second, "block interval in live mode")
	txs := fs.Int("txs", 1, "transactions per block in live mode (at least 1)")
	bulkBlocks := fs.Int("bulk-blocks", 0, "pre-generate the chain up to this height at start")
	bulkTxs := fs.Int("bulk-txs", 0, "total transactions spread over the bulk blocks")
	dataDir := fs.String("datadir", "", "directory persisting the chain (default: a temporary one)")
	gov := fs.String("governance", "", "governance at set heights, comma-separated HEIGHT:OP[:ARG...]; OP is addSealer:NODE[:WEIGHT], addObserver:NODE, remove:NODE, setWeight:NODE:WEIGHT (3.x) or setConfig:KEY:VALUE; NODE is a TEST node key index")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := Config{V3: *version == 3, GM: *gm, Sealers: *sealers, Observers: *observers, Accounts: *accounts,
		Seed: *seed, Interval: *interval, TxsPerBlk: max(*txs, 1), BulkBlocks: *bulkBlocks, BulkTxs: *bulkTxs, DataDir: *dataDir}
	switch {
	case *version != 2 && *version != 3:
		return fmt.Errorf("--version %d: want 2 or 3", *version)
	case cfg.Sealers < 1 || cfg.Accounts < 1 || cfg.Observers < 0:
		return errors.New("need at least one sealer and one account")
	case cfg.Interval <= 0:
		return errors.New("--interval must be positive")
	}
	if cfg.V3 {
		cfg.Group, cfg.ChainID = or(*group, "group0"), or(*chainID, "chain0")
	} else {
		var err error
		if cfg.GroupID, err = strconv.ParseInt(or(*group, "1"), 10, 64); err != nil {
			return fmt.Errorf("--group: %w", err)
		}
		if cfg.ChainID2, err = strconv.ParseInt(or(*chainID, "1"), 10, 64); err != nil {
			return fmt.Errorf("--chain-id: %w", err)
		}
		cfg.Group, cfg.ChainID = strconv.FormatInt(cfg.GroupID, 10), strconv.FormatInt(cfg.ChainID2, 10)
	}
	var err error
	if cfg.Gov, err = parseGov(*gov, cfg.V3); err != nil {
		return err
	}
	if cfg.DataDir == "" {
		if cfg.DataDir, err = os.MkdirTemp("", "fiscochain-"); err != nil {
			return err
		}
		defer os.RemoveAll(cfg.DataDir)
	}
	st, stored, err := openStore(cfg.DataDir, meta{Format: "fiscochain/1", V3: cfg.V3, GM: cfg.GM, Seed: cfg.Seed,
		ChainID: cfg.ChainID, Group: cfg.Group, Sealers: cfg.Sealers, Observers: cfg.Observers})
	if err != nil {
		return err
	}
	defer st.close()
	c, err := newChain(cfg, st, stored)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := c.bulk(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("fiscochain listening on http://%s (FISCO BCOS %d.x test chain, gm=%v, height %d, bulk %s)\n",
		ln.Addr(), *version, cfg.GM, c.head().Number, time.Since(t0).Round(time.Millisecond))
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- c.run(stop) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
		close(stop)
		err = <-done
	case err = <-done:
	}
	srv.Close()
	return err
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// parseGov parses the --governance schedule.
func parseGov(spec string, v3 bool) (map[int64][]GovOp, error) {
	out := map[int64][]GovOp{}
	if spec == "" {
		return out, nil
	}
	for _, item := range strings.Split(spec, ",") {
		f := strings.Split(strings.TrimSpace(item), ":")
		bad := fmt.Errorf("--governance %q: want HEIGHT:OP[:ARG...]", item)
		if len(f) < 3 {
			return nil, bad
		}
		h, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || h < 1 {
			return nil, bad
		}
		op := GovOp{Op: f[1]}
		num := func(i int) (int64, error) {
			if i >= len(f) {
				return 0, bad
			}
			return strconv.ParseInt(f[i], 10, 64)
		}
		switch op.Op {
		case "addSealer", "addObserver", "remove", "setWeight":
			n, err := num(2)
			if err != nil {
				return nil, bad
			}
			op.Node = int(n)
			if op.Op == "addSealer" || op.Op == "setWeight" {
				op.Weight = 1
				if len(f) > 3 {
					if op.Weight, err = num(3); err != nil {
						return nil, bad
					}
				}
			}
			if op.Op == "setWeight" && !v3 {
				return nil, fmt.Errorf("--governance %q: setWeight is 3.x only", item)
			}
		case "setConfig":
			if len(f) != 4 {
				return nil, bad
			}
			op.Key, op.Value = f[2], f[3]
		default:
			return nil, bad
		}
		out[h] = append(out[h], op)
	}
	return out, nil
}
