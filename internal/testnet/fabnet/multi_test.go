package fabnet

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOrderersAndOpsTLS starts three Raft orderers (and four BFT ones on
// Fabric 3) with client authentication everywhere, operations endpoints
// included, and checks that every orderer is an active consenter of the
// channel holding the whole chain, that every operations endpoint answers
// a client with its org's certificate and refuses one without, and that
// ordering survives the loss of one orderer.
func TestOrderersAndOpsTLS(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"2.5.9 etcdraft x3", Options{Orderers: 3}},
		{"3.1.1 BFT x4", Options{Version: V3_1_1, Consensus: BFT, Orderers: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.TLS = TLSOptions{PeerClientAuth: true, OrdererClientAuth: true, OperationsClientAuth: true}
			checkOrderersAndOps(t, tt.opts)
		})
	}
}

func checkOrderersAndOps(t *testing.T, opts Options) {
	ctx, n := startNet(t, opts)
	if _, err := n.Put(ctx, "k", "v"); err != nil {
		t.Fatalf("Put(k) = %v", err)
	}
	height, err := n.Height(ctx)
	if err != nil {
		t.Fatalf("Height() = %v", err)
	}
	for _, o := range n.orderers {
		err := retry(ctx, 30*time.Second, func() error {
			st, err := ordererChannel(ctx, n, o)
			if err == nil && (st.Status != "active" || st.ConsensusRelation != "consenter" || st.Height != height) {
				err = fmt.Errorf("status %q, relation %q, height %d", st.Status, st.ConsensusRelation, st.Height)
			}
			return err
		})
		if err != nil {
			t.Errorf("%s channel = %v, want an active consenter at height %d", o.Name, err, height)
		}
	}

	type opsNode struct{ name, org, ca, addr string }
	var nodes []opsNode
	for _, o := range n.orderers {
		nodes = append(nodes, opsNode{o.Name, OrdererOrg, o.tlsCA(), addr(o.opsPort)})
	}
	for _, p := range n.peers {
		nodes = append(nodes, opsNode{peerHost(p.Org), p.Org, p.tlsCA(), addr(p.opsPort)})
	}
	anon := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // only the refusal is under test
	for _, nd := range nodes {
		c, err := n.opsClient(nd.org, nd.ca)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/healthz", "/logspec"} {
			if _, err := httpGet(ctx, c, "https://"+nd.addr+path); err != nil {
				t.Errorf("%s GET %s with the %s admin certificate = %v", nd.name, path, nd.org, err)
			}
		}
		if body, err := httpGet(ctx, anon, "https://"+nd.addr+"/healthz"); err == nil || !strings.Contains(err.Error(), "tls") {
			t.Errorf("%s GET /healthz without a client certificate = %q, %v; want a TLS refusal", nd.name, body, err)
		}
		if _, err := httpGet(ctx, anon, "http://"+nd.addr+"/healthz"); err == nil {
			t.Errorf("%s answers plain HTTP on its operations port", nd.name)
		}
	}

	// Three Raft or four BFT consenters tolerate one failure. The last
	// one is stopped: the first serves the CLI, and is the initial BFT
	// leader.
	last := n.orderers[len(n.orderers)-1]
	last.proc.stop(stopGrace)
	if tx, err := n.Put(ctx, "after", "one orderer down"); err != nil || tx.Code != Valid {
		t.Errorf("Put with %s down = %+v, %v; want VALID", last.Name, tx, err)
	}
}

// ordererChannelInfo is what osnadmin channel list reports about the
// channel on one orderer.
type ordererChannelInfo struct {
	Status            string `json:"status"`
	ConsensusRelation string `json:"consensusRelation"`
	Height            uint64 `json:"height"`
}

// ordererChannel asks orderer o's admin endpoint about the channel.
func ordererChannel(ctx context.Context, n *Network, o *ordererNode) (ordererChannelInfo, error) {
	id := n.admin(OrdererOrg)
	out, err := n.tool(ctx, "osnadmin", nil, "channel", "list", "--channelID", n.opts.Channel,
		"-o", addr(o.adminPort), "--ca-file", o.tlsCA(), "--client-cert", id.TLSCert, "--client-key", id.TLSKey)
	var info ordererChannelInfo
	if err != nil {
		return info, err
	}
	i := bytes.IndexByte(out, '{')
	if i < 0 {
		return info, fmt.Errorf("osnadmin output %q", out)
	}
	return info, json.Unmarshal(out[i:], &info)
}
