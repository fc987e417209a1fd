package fabnet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want error
	}{
		{"defaults", Options{Dir: "d"}, nil},
		{"3.1.1 BFT", Options{Dir: "d", Version: V3_1_1, Consensus: BFT}, nil},
		{"client auth", Options{Dir: "d", TLS: TLSOptions{PeerClientAuth: true, OrdererClientAuth: true}}, nil},
		{"three raft orderers, ops client auth", Options{Dir: "d", Orderers: 3, TLS: TLSOptions{OperationsClientAuth: true}}, nil},
		{"four BFT orderers", Options{Dir: "d", Version: V3_1_1, Consensus: BFT, Orderers: 4}, nil},
		{"max orderers", Options{Dir: "d", Orderers: MaxOrderers}, nil},
		{"no dir", Options{}, ErrBadOptions},
		{"negative orderers", Options{Dir: "d", Orderers: -1}, ErrBadOptions},
		{"too many orderers", Options{Dir: "d", Orderers: MaxOrderers + 1}, ErrBadOptions},
		{"ops client auth without TLS", Options{Dir: "d", TLS: TLSOptions{Disabled: true, OperationsClientAuth: true}}, ErrBadOptions},
		{"unknown version", Options{Dir: "d", Version: "1.4"}, ErrUnknownVersion},
		{"BFT on 2.5", Options{Dir: "d", Consensus: BFT}, ErrBadOptions},
		{"unknown consensus", Options{Dir: "d", Consensus: "solo"}, ErrBadOptions},
		{"bad channel", Options{Dir: "d", Channel: "Upper"}, ErrBadOptions},
		{"client auth without TLS", Options{Dir: "d", TLS: TLSOptions{Disabled: true, PeerClientAuth: true}}, ErrBadOptions},
		{"negative timeout", Options{Dir: "d", BatchTimeout: -1}, ErrBadOptions},
		{"production batch", Options{Dir: "d", MaxMessageCount: 500, PreferredMaxBytes: 2 << 20}, nil},
		{"big blocks", Options{Dir: "d", PreferredMaxBytes: 32 << 20, AbsoluteMaxBytes: 64 << 20}, nil},
		{"preferred equals absolute", Options{Dir: "d", PreferredMaxBytes: 5 << 20, AbsoluteMaxBytes: 5 << 20}, nil},
		{"largest absolute", Options{Dir: "d", AbsoluteMaxBytes: MaxAbsoluteMaxBytes}, nil},
		{"preferred above default absolute", Options{Dir: "d", PreferredMaxBytes: 11 << 20}, ErrBadOptions},
		{"preferred above absolute", Options{Dir: "d", PreferredMaxBytes: 3 << 20, AbsoluteMaxBytes: 1 << 20}, ErrBadOptions},
		{"absolute above gRPC limit", Options{Dir: "d", AbsoluteMaxBytes: MaxAbsoluteMaxBytes + 1}, ErrBadOptions},
		{"negative preferred", Options{Dir: "d", PreferredMaxBytes: -1}, ErrBadOptions},
		{"negative absolute", Options{Dir: "d", AbsoluteMaxBytes: -1}, ErrBadOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{Dir: "d"}.withDefaults()
	if o.Orderers != 1 || o.Consensus != EtcdRaft || o.TLS.OperationsClientAuth {
		t.Errorf("withDefaults() = %d orderers, consensus %s, ops client auth %v; want 1, etcdraft, false",
			o.Orderers, o.Consensus, o.TLS.OperationsClientAuth)
	}
	if o := (Options{Dir: "d", Orderers: 3}).withDefaults(); o.Orderers != 3 {
		t.Errorf("withDefaults(Orderers: 3).Orderers = %d", o.Orderers)
	}
	if o.PreferredMaxBytes != 2<<20 || o.AbsoluteMaxBytes != 10<<20 {
		t.Errorf("withDefaults() batch bytes = %d preferred, %d absolute; want 2 MiB, 10 MiB", o.PreferredMaxBytes, o.AbsoluteMaxBytes)
	}
	if o := (Options{Dir: "d", PreferredMaxBytes: 1000, AbsoluteMaxBytes: 2000}).withDefaults(); o.PreferredMaxBytes != 1000 || o.AbsoluteMaxBytes != 2000 {
		t.Errorf("withDefaults(1000, 2000) batch bytes = %d, %d", o.PreferredMaxBytes, o.AbsoluteMaxBytes)
	}
}

func TestValidChannel(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"lianjian", true},
		{"ch-1.a", true},
		{"", false},
		{"1ch", false},
		{"Ch", false},
		{"ch_1", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validChannel(tt.in); got != tt.want {
				t.Errorf("validChannel(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestStartRejectsUsedDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(context.Background(), Options{Dir: dir}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("Start(non-empty dir) = %v, want ErrBadOptions", err)
	}
}
