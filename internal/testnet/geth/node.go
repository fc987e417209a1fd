package geth

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/jsonrpc"
)

// Options configures a node.
type Options struct {
	// Dir holds the node's data directory and log. Required.
	Dir string
	// Private starts a node that is not in developer mode: no dev account,
	// no keys at all. Start writes a small post-merge genesis (chain id
	// ChainID, nothing pre-funded) to Dir/genesis.json, runs geth init
	// with it, and runs geth without --dev. The node has no peers and no
	// consensus client, so it stays at its genesis block; it answers
	// JSON-RPC (head height, client version, modules, accounts).
	Private bool
	// ChainID is the chain and network id of a Private node (default
	// DefaultChainID). Dev nodes use geth's own id (1337).
	ChainID uint64
	// Period is the block period in seconds of a dev node; 0 mines when
	// transactions are pending. Private nodes produce no blocks.
	Period uint64
	// AllowUnprotected lets the node accept pre-EIP-155 transactions.
	AllowUnprotected bool
	// HTTPAPI overrides the HTTP API modules (default eth,net,web3).
	HTTPAPI string
	// ExtraArgs are appended to the command line (e.g. unsafe flags for
	// probe tests).
	ExtraArgs []string
	// Binary overrides the geth binary; default Build's.
	Binary string
}

// Node is a running geth process on loopback.
type Node struct {
	HTTP string // http://127.0.0.1:PORT
	WS   string // ws://127.0.0.1:PORT
	Dir  string
	cmd  *exec.Cmd
	done chan error
	stop sync.Once
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Validate reports whether the options describe a node Start can run.
func (o Options) Validate() error {
	switch {
	case o.Dir == "":
		return fmt.Errorf("%w: Dir is required", ErrBadOptions)
	case o.Private && o.Period != 0:
		return fmt.Errorf("%w: a private node produces no blocks; Period is for dev nodes", ErrBadOptions)
	case !o.Private && o.ChainID != 0:
		return fmt.Errorf("%w: ChainID is for private nodes; dev nodes use geth's own", ErrBadOptions)
	}
	return nil
}

// ports are the node's listeners.
type ports struct{ http, ws, authRPC int }

// args returns geth's command line for a node whose data directory is
// dataDir. Both modes listen on loopback only, find no peers, and serve
// the HTTP API modules HTTPAPI (default eth,net,web3) without CORS and
// with geth's default virtual hosts (localhost).
func (o Options) args(dataDir string, p ports) []string {
	api := o.HTTPAPI
	if api == "" {
		api = "eth,net,web3"
	}
	var args []string
	if o.Private {
		chainID := o.ChainID
		if chainID == 0 {
			chainID = DefaultChainID
		}
		args = []string{"--networkid", strconv.FormatUint(chainID, 10)}
	} else {
		args = []string{"--dev", "--dev.period", strconv.FormatUint(o.Period, 10), "--dev.gaslimit", "60000000"}
	}
	args = append(args,
		"--datadir", dataDir, "--ipcdisable", "--nodiscover", "--maxpeers", "0", "--port", "0",
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(p.http), "--http.api", api,
		"--ws", "--ws.addr", "127.0.0.1", "--ws.port", strconv.Itoa(p.ws), "--ws.api", "eth,net,web3",
		"--authrpc.addr", "127.0.0.1", "--authrpc.port", strconv.Itoa(p.authRPC),
		"--verbosity", "2", "--nat", "none", "--rpc.batch-request-limit", "5000",
	)
	if o.AllowUnprotected {
		args = append(args, "--rpc.allow-unprotected-txs")
	}
	return append(args, o.ExtraArgs...)
}

// Start launches geth (geth --dev, or a Private node after geth init) and
// waits until it answers JSON-RPC.
func Start(ctx context.Context, o Options) (*Node, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	bin := o.Binary
	if bin == "" {
		var err error
		if bin, err = Build(ctx); err != nil {
			return nil, err
		}
	}
	var ps [3]int
	for i := range ps {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		ps[i] = p
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	dataDir := filepath.Join(o.Dir, "data")
	if o.Private {
		chainID := o.ChainID
		if chainID == 0 {
			chainID = DefaultChainID
		}
		if err := initPrivate(ctx, bin, o.Dir, dataDir, chainID); err != nil {
			return nil, err
		}
	}
	args := o.args(dataDir, ports{http: ps[0], ws: ps[1], authRPC: ps[2]})
	logf, err := os.Create(filepath.Join(o.Dir, "geth.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start geth: %w", err)
	}
	n := &Node{
		HTTP: fmt.Sprintf("http://127.0.0.1:%d", ps[0]),
		WS:   fmt.Sprintf("ws://127.0.0.1:%d", ps[1]),
		Dir:  o.Dir, cmd: cmd, done: make(chan error, 1),
	}
	go func() { n.done <- cmd.Wait(); logf.Close() }()
	if err := n.waitReady(ctx, 60*time.Second); err != nil {
		n.Stop()
		log, _ := os.ReadFile(filepath.Join(o.Dir, "geth.log"))
		return nil, fmt.Errorf("geth did not become ready: %w\n%s", err, tail(log, 2000))
	}
	return n, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func (n *Node) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var out string
		err := n.Call(ctx, &out, "eth_blockNumber")
		if err == nil {
			return nil
		}
		select {
		case err := <-n.done:
			return fmt.Errorf("geth exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// Call makes one JSON-RPC call over HTTP.
func (n *Node) Call(ctx context.Context, out any, method string, params ...any) error {
	return jsonrpc.Call(ctx, n.HTTP, out, method, params...)
}

// Stop terminates the node and waits for it to exit. It is safe to call
// more than once.
func (n *Node) Stop() {
	n.stop.Do(func() {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-n.done:
		case <-time.After(10 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.done
		}
	})
}
