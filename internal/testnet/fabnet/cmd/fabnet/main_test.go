package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
)

func TestParseUp(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		check   func(upConfig) bool
	}{
		{name: "defaults", args: []string{"--dir", "d"}, check: func(c upConfig) bool {
			return c.opts.Version == fabnet.V2_5_9 && c.opts.Consensus == fabnet.EtcdRaft && c.tx == 0 && !c.exit && c.parallel == 16
		}},
		{name: "bulk", args: []string{"--dir", "d", "--tx", "5000", "--exit", "--parallel", "8"}, check: func(c upConfig) bool {
			return c.tx == 5000 && c.exit && c.parallel == 8
		}},
		{name: "bft", args: []string{"--dir", "d", "--version", "3.1.1", "--consensus", "BFT"}, check: func(c upConfig) bool {
			return c.opts.Version == fabnet.V3_1_1 && c.opts.Consensus == fabnet.BFT
		}},
		{name: "client auth", args: []string{"--dir", "d", "--peer-client-auth", "--orderer-client-auth"}, check: func(c upConfig) bool {
			return c.opts.TLS.PeerClientAuth && c.opts.TLS.OrdererClientAuth
		}},
		{name: "three orderers, ops client auth", args: []string{"--dir", "d", "--orderers", "3", "--ops-client-auth"}, check: func(c upConfig) bool {
			return c.opts.Orderers == 3 && c.opts.TLS.OperationsClientAuth
		}},
		{name: "big blocks", args: []string{"--dir", "d", "--block-size", "500", "--preferred-max-bytes", "33554432", "--absolute-max-bytes", "67108864"}, check: func(c upConfig) bool {
			return c.opts.MaxMessageCount == 500 && c.opts.PreferredMaxBytes == 32<<20 && c.opts.AbsoluteMaxBytes == 64<<20
		}},
		{name: "preferred above absolute", args: []string{"--dir", "d", "--preferred-max-bytes", "20971520"}, wantErr: true},
		{name: "no dir", args: nil, wantErr: true},
		{name: "too many orderers", args: []string{"--dir", "d", "--orderers", "99"}, wantErr: true},
		{name: "ops client auth without tls", args: []string{"--dir", "d", "--no-tls", "--ops-client-auth"}, wantErr: true},
		{name: "bft on 2.5.9", args: []string{"--dir", "d", "--consensus", "BFT"}, wantErr: true},
		{name: "stray argument", args: []string{"--dir", "d", "extra"}, wantErr: true},
		{name: "unknown flag", args: []string{"--dir", "d", "--nope"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseUp(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseUp(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
			}
			if err == nil && !tt.check(c) {
				t.Errorf("parseUp(%q) = %+v", tt.args, c)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	for _, args := range [][]string{nil, {"down"}} {
		if err := run(context.Background(), logger, args); err == nil {
			t.Errorf("run(%q) = nil, want a usage error", args)
		}
	}
}
