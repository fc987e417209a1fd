package fisconet

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/jsonrpc"
)

// Options configures a test chain.
type Options struct {
	// Version is the FISCO BCOS line to imitate: 2 or 3 (default 3).
	Version int
	// GM selects national crypto (SM2/SM3) instead of secp256k1/keccak.
	GM bool
	// Sealers is the number of sealers (default 4); Observers of observers.
	Sealers, Observers int
	// Seed derives the TEST keys (default "lianjian").
	Seed string
	// Interval is the block time in live mode (default 1s).
	Interval time.Duration
	// Txs is the number of transactions per live block (default 1).
	Txs int
	// BulkBlocks and BulkTxs pre-generate a chain of BulkBlocks blocks
	// holding BulkTxs transactions in total before the chain serves.
	BulkBlocks, BulkTxs int
	// Governance schedules governance transactions, each
	// "HEIGHT:OP[:ARG...]": addSealer:NODE[:WEIGHT], addObserver:NODE,
	// remove:NODE, setWeight:NODE:WEIGHT (3.x) or setConfig:KEY:VALUE.
	// NODE indexes the TEST node keys (sealers first, then observers,
	// then new nodes). Changes apply from the block after HEIGHT.
	Governance []string
	// DataDir persists the chain; a restarted process resumes it. Required.
	DataDir string
	// Port is the loopback port (default: a free one).
	Port int
	// Binary overrides the fiscochain binary; default Build's.
	Binary string
}

// Validate reports whether the options describe a chain Start can run.
func (o Options) Validate() error {
	switch {
	case o.DataDir == "":
		return fmt.Errorf("%w: DataDir is required", ErrBadOptions)
	case o.Version != 0 && o.Version != 2 && o.Version != 3:
		return fmt.Errorf("%w: Version %d, want 2 or 3", ErrBadOptions, o.Version)
	case o.Sealers < 0 || o.Observers < 0 || o.Txs < 0 || o.BulkBlocks < 0 || o.BulkTxs < 0 || o.Interval < 0:
		return fmt.Errorf("%w: negative count or interval", ErrBadOptions)
	case o.BulkTxs > 0 && o.BulkBlocks == 0:
		return fmt.Errorf("%w: BulkTxs needs BulkBlocks", ErrBadOptions)
	case o.Port < 0 || o.Port > 65535:
		return fmt.Errorf("%w: Port %d", ErrBadOptions, o.Port)
	}
	for _, g := range o.Governance {
		if strings.Count(g, ":") < 2 || strings.Contains(g, ",") {
			return fmt.Errorf("%w: governance %q, want HEIGHT:OP:ARG", ErrBadOptions, g)
		}
	}
	return nil
}

func (o Options) args() []string {
	v := o.Version
	if v == 0 {
		v = 3
	}
	a := []string{"--version", strconv.Itoa(v), "--listen", fmt.Sprintf("127.0.0.1:%d", o.Port), "--datadir", o.DataDir}
	if o.GM {
		a = append(a, "--gm")
	}
	add := func(flag string, n int) {
		if n > 0 {
			a = append(a, flag, strconv.Itoa(n))
		}
	}
	add("--sealers", o.Sealers)
	add("--observers", o.Observers)
	add("--txs", o.Txs)
	add("--bulk-blocks", o.BulkBlocks)
	add("--bulk-txs", o.BulkTxs)
	if o.Seed != "" {
		a = append(a, "--seed", o.Seed)
	}
	if o.Interval > 0 {
		a = append(a, "--interval", o.Interval.String())
	}
	if len(o.Governance) > 0 {
		a = append(a, "--governance", strings.Join(o.Governance, ","))
	}
	return a
}

// Chain is a running fiscochain process.
type Chain struct {
	// URL is the JSON-RPC endpoint, http://127.0.0.1:PORT.
	URL string
	// Group is the group to pass in calls: "group0" (3.x) or 1 (2.x).
	Group any
	opts  Options
	bin   string
	cmd   *exec.Cmd
	done  chan error
	stop  sync.Once
}

// Start launches fiscochain and waits for its ready line.
func Start(ctx context.Context, o Options) (*Chain, error) {
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
	if o.Port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		o.Port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	c := &Chain{URL: fmt.Sprintf("http://127.0.0.1:%d", o.Port), Group: any("group0"), opts: o, bin: bin}
	if o.Version == 2 {
		c.Group = 1
	}
	return c, c.launch(ctx)
}

func (c *Chain) launch(ctx context.Context) error {
	if err := os.MkdirAll(c.opts.DataDir, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(c.opts.DataDir, "fiscochain.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.bin, c.opts.args()...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return err
	}
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start fiscochain: %w", err)
	}
	c.cmd, c.done, c.stop = cmd, make(chan error, 1), sync.Once{}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if !signalled && strings.HasPrefix(sc.Text(), "fiscochain listening on ") {
				close(ready)
				signalled = true
			}
		}
		c.done <- cmd.Wait()
		logf.Close()
	}()
	select {
	case <-ready:
		return nil
	case err := <-c.done:
		c.done <- err
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w: %v\n%s", ErrExited, err, tail(log, 2000))
	case <-ctx.Done():
		c.Kill()
		return ctx.Err()
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Stop terminates the chain (SIGTERM) and waits; safe to call twice.
func (c *Chain) Stop() { c.halt(syscall.SIGTERM) }

// Kill ends the chain with SIGKILL, as a crash would, and waits.
func (c *Chain) Kill() { c.halt(syscall.SIGKILL) }

func (c *Chain) halt(sig syscall.Signal) {
	c.stop.Do(func() {
		_ = c.cmd.Process.Signal(sig)
		select {
		case err := <-c.done:
			c.done <- err
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			c.done <- <-c.done
		}
	})
}

// Restart stops the chain if it runs and starts it again on the same
// port and data directory; it resumes the stored chain.
func (c *Chain) Restart(ctx context.Context) error {
	c.Stop()
	return c.launch(ctx)
}

// Call makes one JSON-RPC call and decodes its result into out (if not
// nil). For 3.x, params usually start with c.Group and a node name ("").
func (c *Chain) Call(ctx context.Context, out any, method string, params ...any) error {
	return jsonrpc.Call(ctx, c.URL, out, method, params...)
}

// Node is a TEST node key of the chain and its current role.
type Node struct {
	Index  int    `json:"index"`
	NodeID string `json:"nodeID"` // 64-byte public key, hex without 0x
	Role   string `json:"role"`   // sealer, observer or none
	Weight int64  `json:"weight"`
}

// Nodes lists the chain's TEST node ids (fiscochain_nodes, a method of the
// test chain only, not of FISCO BCOS).
func (c *Chain) Nodes(ctx context.Context) ([]Node, error) {
	var r struct {
		Nodes []Node `json:"nodes"`
	}
	err := c.Call(ctx, &r, "fiscochain_nodes")
	return r.Nodes, err
}
