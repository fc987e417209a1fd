// Command demo runs Lianjian on an embedded default: a local geth --dev
// with real traffic (transfers of every transaction type, an unprotected
// pre-EIP-155 transaction, contract deployments and calls), a Fabric
// network, a FISCO BCOS 3.x national-crypto test chain (fiscochain, which
// stands in for a FISCO node because none can run here) with governance
// changes, and `lianjian serve` ingesting them all. It prints the API URL and example
// requests, then runs until interrupted. With --cluster (make demo-cluster)
// the index is in PostgreSQL 15 and two workers share the chains through a
// 3-node NATS JetStream cluster, beside one API server; it prints where
// each runs.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/internal/testnet/repo"
)

func main() {
	bin := flag.String("lianjian", "bin/lianjian", "lianjian binary")
	listen := flag.String("listen", "127.0.0.1:8080", "API listen address")
	cluster := flag.Bool("cluster", false, "run PostgreSQL, a 3-node NATS cluster, two workers and one API server instead of one serve")
	flag.Parse()
	os.Exit(untilSignal(os.Stderr, func(ctx context.Context) error { return run(ctx, *bin, *listen, *cluster) }))
}

// untilSignal runs f with a context that SIGINT (Ctrl-C) and SIGTERM
// cancel, and returns the exit status: 0 when f returns nil, as it does
// after a clean shutdown on a signal, else 1 with the error on w.
//
// make runs the demo binary itself, not through go run: go run exits 1
// when it is interrupted, even when the program exits 0, and make would
// then end a clean Ctrl-C with "Error 1".
func untilSignal(w io.Writer, f func(context.Context) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := f(ctx); err != nil {
		fmt.Fprintln(w, "demo:", err)
		return 1
	}
	return 0
}

func run(ctx context.Context, bin, listen string, cluster bool) error {
	cache, err := repo.Cache()
	if err != nil {
		return err
	}
	dir := filepath.Join(cache, "demo")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	step("starting geth --dev and a Fabric 2.5.9 network (orderer + 2 peer orgs + chaincode) on 127.0.0.1")
	fabCh := make(chan fabricResult, 1)
	go func() { fabCh <- startFabric(ctx, filepath.Join(dir, "fabric")) }()
	node, err := geth.Start(ctx, geth.Options{Dir: filepath.Join(dir, "geth"), AllowUnprotected: true})
	if err != nil {
		return err
	}
	defer node.Stop()
	step("geth: sending legacy, EIP-2930 and EIP-1559 transfers, an unprotected tx, 3 contract deployments and calls")
	tr, err := node.Drive(ctx, geth.TrafficOptions{Unprotected: true, Bulk: 40})
	if err != nil {
		return err
	}
	step("FISCO BCOS 3.x GM test chain (fiscochain, a stand-in for a FISCO node): 4 sealers, a sealer removed at block 4, tx_count_limit raised at block 6")
	fc, err := fisconet.Start(ctx, fisconet.Options{Version: 3, GM: true, Interval: time.Second, Txs: 3,
		DataDir: filepath.Join(dir, "fisco"), Governance: []string{"4:remove:3", "6:setConfig:tx_count_limit:50000"}})
	if err != nil {
		return fmt.Errorf("fisco test chain: %w", err)
	}
	defer fc.Stop()
	fab := <-fabCh
	if fab.err != nil {
		return fmt.Errorf("fabric: %w", fab.err)
	}
	defer fab.net.Stop()
	// The audit log is anchored with an SM2 key and a checkpoint file
	// outside the data directory, as production should be.
	keys := filepath.Join(dir, "keys")
	if out, err := exec.CommandContext(ctx, bin, "devcert", "--dir", filepath.Join(keys, "tls"), "--auditlog-dir", keys).CombinedOutput(); err != nil {
		return fmt.Errorf("devcert: %w: %s", err, out)
	}
	checkpoints := filepath.Join(keys, "auditlog-checkpoints.jsonl")
	var in *infra
	store := ""
	if cluster {
		if in, err = startInfra(dir); err != nil {
			return err
		}
		defer in.stop()
		store = in.dsn
	}
	cfgPath := filepath.Join(dir, "lianjian.yaml")
	cfg := fmt.Sprintf(`# Written by make demo.
data_dir: %s
auditlog:            # signed checkpoints of the audit log, kept outside data_dir
  key: %s
  checkpoints: %s
  interval: 1m
api:
  listen: %s
  tls: {dev: true}   # self-signed development certificates under data_dir/tls
nodes:
  interval: 20s      # probe registered nodes often, so the demo shows results quickly
chains:
  - id: geth-dev
    name: Local geth --dev
    kind: evm
    crypto: intl
    evm:
      http: %s
      ws: %s
  - id: fabric
    name: Local Fabric 2.5.9
    kind: fabric
    crypto: intl
    fabric:
      network: fabric-demo
      profile: %s
      org: Org1
      channels: [%s]
      chain_ids: {%s: fabric-%s}
      user: {msp_id: Org1MSP, msp_dir: %s}
  - id: fisco-shuxin
    name: FISCO BCOS 3.x 国密测试链 (fiscochain)
    kind: fisco
    crypto: gm
    fisco:
      rpc: %s
      group: group0
`, filepath.Join(dir, "data"), filepath.Join(keys, "auditlog-key.pem"), checkpoints, listen, node.HTTP, node.WS,
		fab.profile, fab.net.Channel(), fab.net.Channel(), fab.net.Channel(), fab.mspDir, fc.URL)
	if in != nil {
		cfg += in.config()
	}
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	logPath := filepath.Join(dir, "lianjian.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	dataDir := filepath.Join(dir, "data")
	token, err := createToken(ctx, bin, dataDir, store)
	if err != nil {
		return err
	}
	var procs []*proc
	if in != nil {
		if procs, err = startCluster(bin, cfgPath, dir); err != nil {
			return err
		}
		defer stopAll(procs)
		logPath = filepath.Join(dir, "*.log")
	} else {
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
	}
	base := "https://" + listen
	caFile := filepath.Join(dataDir, "tls", "ca.pem")
	fabChain := "fabric-" + fab.net.Channel()
	for _, chain := range []string{"geth-dev", fabChain, "fisco-shuxin"} {
		if err := waitCaughtUp(ctx, base, caFile, token, chain); err != nil {
			return fmt.Errorf("%w (log: %s)", err, logPath)
		}
	}
	curl := fmt.Sprintf("curl -s --cacert %s -H 'Authorization: Bearer %s'", caFile, token)
	step("registering the geth node, the Fabric peers and orderer, and the FISCO BCOS RPC for probes")
	if err := registerNodes(ctx, base, caFile, token, node, fab.net, fabChain, fc.URL); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logPath)
	}
	counterCall := tr.Txs[len(tr.Txs)-40-5].Hex()
	fmt.Printf(`
Lianjian is supervising a local geth --dev chain, a local Fabric 2.5.9 channel and a
FISCO BCOS 3.x national-crypto test chain (fiscochain stands in for a FISCO node: none can run here).

  Console:   %s/console/#/login?token=%s
             (self-signed development certificate: accept it, or trust %s)
  API:       %s/api/v1   (regulator token: %s)
  geth RPC:  %s
  Fabric:    channel %s (network files in %s)
  FISCO:     %s (group0, SM2/SM3)
  log:       %s

Try:
  %s '%s/api/v1/chains/geth-dev/blocks?limit=3'
  %s '%s/api/v1/chains/geth-dev/txs/%s'
  %s '%s/api/v1/findings'
  %s '%s/api/v1/chains/%s/blocks?limit=3'
  %s '%s/api/v1/chains/fisco-shuxin/blocks?limit=3'
  %s '%s/api/v1/findings?chain=fisco-shuxin'
  %s '%s/api/v1/chains/fisco-shuxin/compliance?standard=gmt0111'   # GM/T 0111 clause by clause (console: 合规评估)
  %s '%s/api/v1/chains/%s/compliance?standard=jrt0193&format=html' -o /tmp/jrt0193.html   # printable
  bin/lianjian fisco dump --rpc %s --to 10 --out /tmp/fisco-dump && bin/lianjian verify /tmp/fisco-dump
  bin/lianjian auditlog verify --config %s   # the audit log against its signed checkpoints (%s)

Press Ctrl-C to stop.
`, base, token, caFile, base, token, node.HTTP, fab.net.Channel(), fab.net.Dir(), fc.URL, logPath,
		curl, base, curl, base, counterCall, curl, base, curl, base, fabChain, curl, base, curl, base, curl, base, curl, base, fabChain, fc.URL, cfgPath, checkpoints)
	if in != nil {
		fmt.Print(in.describe(procs, base))
	}
	<-ctx.Done()
	step("stopping")
	return nil
}

func step(msg string) { fmt.Printf("==> %s\n", msg) }

type fabricResult struct {
	net     *fabnet.Network
	profile string
	mspDir  string
	err     error
}

// startFabric starts a Fabric network and drives every traffic shape into
// it: puts and a delete endorsed by both orgs, a single-org endorsement
// (ENDORSEMENT_POLICY_FAILURE), concurrent read-modify-writes
// (MVCC_READ_CONFLICT) and a channel config update.
func startFabric(ctx context.Context, dir string) fabricResult {
	n, err := fabnet.Start(ctx, fabnet.Options{Dir: dir})
	if err != nil {
		return fabricResult{err: err}
	}
	res := fabricResult{net: n}
	fail := func(err error) fabricResult {
		n.Stop()
		return fabricResult{err: err}
	}
	for i := 0; i < 5; i++ {
		if _, err := n.Put(ctx, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			return fail(err)
		}
	}
	if _, err := n.Delete(ctx, "k0"); err != nil {
		return fail(err)
	}
	if _, err := n.Invoke(ctx, []string{"Org1"}, "put", "k9", "one-org"); err != nil && !errors.Is(err, fabnet.ErrTxInvalid) {
		return fail(err)
	}
	if _, err := n.IncrConcurrent(ctx, "counter", 3); err != nil {
		return fail(err)
	}
	if _, err := n.UpdateBatchTimeout(ctx, 2*time.Second); err != nil {
		return fail(err)
	}
	if _, err := n.Put(ctx, "after-update", "v"); err != nil {
		return fail(err)
	}
	if res.profile, err = n.ConnectionProfile("Org1"); err != nil {
		return fail(err)
	}
	u, err := n.User("Org1", "User1")
	if err != nil {
		return fail(err)
	}
	res.mspDir = u.MSPDir
	return res
}

// registerNodes registers the demo's nodes through the API, as an
// operator would, so that probes, posture and risk have subjects.
func registerNodes(ctx context.Context, base, caFile, token string, g *geth.Node, fab *fabnet.Network, fabChain, fiscoRPC string) error {
	client, err := apiClient(caFile)
	if err != nil {
		return err
	}
	type node struct {
		ID         string `json:"id"`
		Chain      string `json:"chain"`
		Channel    string `json:"channel,omitempty"`
		Org        string `json:"org"`
		Kind       string `json:"kind"`
		Endpoint   string `json:"endpoint"`
		Group      string `json:"group,omitempty"`
		Operations string `json:"operations,omitempty"`
		TLSCA      string `json:"tlsCA,omitempty"`
		ServerName string `json:"serverName,omitempty"`
	}
	ns := []node{{ID: "geth-dev-rpc", Chain: "geth-dev", Org: "demo", Kind: "evm-rpc", Endpoint: g.HTTP},
		{ID: "fisco-shuxin-rpc", Chain: "fisco-shuxin", Org: "demo", Kind: "fisco-rpc", Endpoint: fiscoRPC, Group: "group0"}}
	for _, p := range fab.Peers() {
		ca, err := os.ReadFile(p.TLSCA)
		if err != nil {
			return err
		}
		ns = append(ns, node{ID: p.Name, Chain: fabChain, Channel: fab.Channel(), Org: p.MSPID, Kind: "fabric-peer",
			Endpoint: p.Address, Operations: p.Operations, TLSCA: string(ca), ServerName: p.Name})
	}
	o := fab.Orderer()
	ca, err := os.ReadFile(o.TLSCA)
	if err != nil {
		return err
	}
	ns = append(ns, node{ID: o.Name, Chain: fabChain, Channel: fab.Channel(), Org: "OrdererMSP", Kind: "fabric-orderer",
		Endpoint: o.Address, TLSCA: string(ca), ServerName: o.Name})
	for _, n := range ns {
		body, err := json.Marshal(n)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/nodes", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			return fmt.Errorf("register node %s: %s: %s", n.ID, resp.Status, msg)
		}
	}
	return nil
}

// apiClient trusts the demo's development CA.
func apiClient(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, nil
}

// createToken makes a regulator token for the demo before serve opens the
// index (in PostgreSQL when store is set).
func createToken(ctx context.Context, bin, dataDir, store string) (string, error) {
	args := []string{"users", "create", "--data-dir", dataDir, "--name", "demo", "--role", "regulator"}
	if store != "" {
		args = append(args, "--store", store)
	}
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		return "", fmt.Errorf("create demo token: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// waitCaughtUp polls the API until the chain's ingested height reaches the
// node's head.
func waitCaughtUp(ctx context.Context, base, caFile, token, chain string) error {
	deadline := time.Now().Add(3 * time.Minute)
	var client *http.Client
	for time.Now().Before(deadline) {
		if client == nil {
			client, _ = apiClient(caFile) // the CA appears once serve has started
		}
		if client != nil && caughtUp(ctx, client, base+"/api/v1/chains/"+chain, token) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return fmt.Errorf("lianjian did not catch up with %s within 3 minutes", chain)
}

func caughtUp(ctx context.Context, client *http.Client, url, token string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var c struct {
		Head   *uint64 `json:"head"`
		Height *uint64 `json:"height"`
	}
	if json.NewDecoder(resp.Body).Decode(&c) != nil {
		return false
	}
	return c.Head != nil && c.Height != nil && *c.Height >= *c.Head && *c.Head > 0
}
