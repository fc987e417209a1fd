package fabnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/peer"
)

// TestNetwork drives every traffic shape through a real network and checks
// the peer's blocks.
func TestNetwork(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"2.5.9 etcdraft", Options{Version: V2_5_9}},
		{"3.1.1 BFT", Options{Version: V3_1_1, Consensus: BFT}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, n := startNet(t, tt.opts)
			driveAndCheck(ctx, t, n)
		})
	}
}

func driveAndCheck(ctx context.Context, t *testing.T, n *Network) {
	put, err := n.Put(ctx, "k1", "v1")
	if err != nil {
		t.Fatalf("Put(k1) = %v", err)
	}
	if got, err := n.Query(ctx, "get", "k1"); err != nil || string(got) != "v1" {
		t.Fatalf("Query(get k1) = %q, %v, want v1", got, err)
	}
	del, err := n.Delete(ctx, "k1")
	if err != nil {
		t.Fatalf("Delete(k1) = %v", err)
	}
	if _, err := n.Incr(ctx, "ctr"); err != nil {
		t.Fatalf("Incr(ctr) = %v", err)
	}
	txs, err := n.IncrConcurrent(ctx, "ctr", 4)
	if err != nil {
		t.Fatalf("IncrConcurrent(ctr) = %v", err)
	}
	one, err := n.Invoke(ctx, []string{"Org1"}, "put", "k2", "v2")
	if !errors.Is(err, ErrTxInvalid) || one.Code != "ENDORSEMENT_POLICY_FAILURE" {
		t.Errorf("Invoke(Org1 only) = %+v, %v, want ENDORSEMENT_POLICY_FAILURE", one, err)
	}
	cfgNum, err := n.UpdateBatchTimeout(ctx, 500*time.Millisecond)
	if err != nil {
		t.Fatalf("UpdateBatchTimeout() = %v", err)
	}
	if err := n.RestartPeer(ctx, "Org1"); err != nil {
		t.Fatalf("RestartPeer(Org1) = %v", err)
	}
	after, err := n.Put(ctx, "k3", "v3")
	if err != nil {
		t.Fatalf("Put(k3) after restart = %v", err)
	}
	if got, err := n.BulkPut(ctx, "bulk", 12, 4); err != nil || got != 12 {
		t.Fatalf("BulkPut(12) = %d, %v", got, err)
	}
	// BulkPutSized does not wait for the commit; the 500ms BatchTimeout cuts.
	if got, err := n.BulkPutSized(ctx, "sized", 6, 3000, 3); err != nil || got != 6 {
		t.Fatalf("BulkPutSized(6, 3000 bytes) = %d, %v", got, err)
	}
	for i := range 6 {
		k := "sized" + strconv.Itoa(i)
		err := retry(ctx, 30*time.Second, func() error {
			v, err := n.Query(ctx, "get", k)
			if err == nil && string(v) != sizedValue(k, 3000) {
				err = fmt.Errorf("get %s = %d bytes, want its 3000-byte value", k, len(v))
			}
			return err
		})
		if err != nil {
			t.Fatalf("after BulkPutSized: %v", err)
		}
	}

	height, err := n.Height(ctx)
	if err != nil {
		t.Fatalf("Height() = %v", err)
	}
	found := map[string]txSummary{}
	written := map[string]txSummary{} // by key written
	var conflicts, configs, total int
	for num := range height {
		raw, err := n.FetchBlock(ctx, num)
		if err != nil {
			t.Fatalf("FetchBlock(%d) = %v", num, err)
		}
		b, sums, err := decodeBlock(raw)
		if err != nil {
			t.Fatalf("decode block %d: %v", num, err)
		}
		if b.Header.Number != num {
			t.Fatalf("FetchBlock(%d) number = %d", num, b.Header.Number)
		}
		total += len(sums)
		for _, s := range sums {
			found[s.TxID] = s
			for _, k := range s.Writes {
				written[k] = s
			}
			if s.Code == peer.TxValidationCode_MVCC_READ_CONFLICT {
				conflicts++
			}
			if s.Type == common.HeaderType_CONFIG {
				configs++
				if num != 0 && num != cfgNum {
					t.Errorf("CONFIG tx in block %d, want block %d", num, cfgNum)
				}
			}
		}
	}
	t.Logf("ledger: %d blocks, %d txs, %d MVCC conflicts, %d config txs", height, total, conflicts, configs)
	if s := found[put.ID]; s.Endorsements != 2 || s.Code != peer.TxValidationCode_VALID || !slices.Contains(s.Writes, "k1") {
		t.Errorf("put tx %s = %+v, want 2 endorsements, VALID, write k1", put.ID, s)
	}
	if s := found[del.ID]; !slices.Contains(s.Deletes, "k1") {
		t.Errorf("delete tx %s = %+v, want delete of k1", del.ID, s)
	}
	if s := found[one.ID]; s.Endorsements != 1 || s.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
		t.Errorf("one-org tx %s = %+v, want 1 endorsement, ENDORSEMENT_POLICY_FAILURE", one.ID, s)
	}
	if s := found[after.ID]; s.Code != peer.TxValidationCode_VALID {
		t.Errorf("put after restart %s = %+v, want VALID", after.ID, s)
	}
	wantConflicts := 0
	for _, tx := range txs {
		if tx.Code == "MVCC_READ_CONFLICT" {
			wantConflicts++
		}
	}
	if conflicts == 0 || conflicts != wantConflicts {
		t.Errorf("ledger has %d MVCC_READ_CONFLICT txs, invokes reported %d, want equal and > 0", conflicts, wantConflicts)
	}
	for i := range 6 {
		k := "sized" + strconv.Itoa(i)
		if s, ok := written[k]; !ok || s.Endorsements != 2 || s.Code != peer.TxValidationCode_VALID {
			t.Errorf("BulkPutSized tx writing %s = %+v (found %v), want 2 endorsements, VALID", k, s, ok)
		}
	}
	if configs != 2 {
		t.Errorf("ledger has %d CONFIG txs, want 2 (genesis and update)", configs)
	}
	if total != n.Transactions() {
		t.Errorf("ledger has %d txs, Transactions() = %d", total, n.Transactions())
	}
	dir, err := n.LedgerDir("Org1")
	if err != nil {
		t.Fatalf("LedgerDir(Org1) = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "blockfile_000000")); err != nil {
		t.Errorf("ledger file: %v", err)
	}
}

// TestNetworkTLS starts networks with the other TLS settings and commits a
// transaction through each.
func TestNetworkTLS(t *testing.T) {
	tests := []struct {
		name string
		tls  TLSOptions
	}{
		{"no TLS", TLSOptions{Disabled: true}},
		{"client auth", TLSOptions{PeerClientAuth: true, OrdererClientAuth: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, n := startNet(t, Options{TLS: tt.tls})
			if _, err := n.Put(ctx, "k", "v"); err != nil {
				t.Fatalf("Put(k) = %v", err)
			}
			if got, err := n.Query(ctx, "get", "k"); err != nil || string(got) != "v" {
				t.Fatalf("Query(get k) = %q, %v, want v", got, err)
			}
			if tt.tls.Disabled != (n.Orderer().TLSCA == "") {
				t.Errorf("Orderer().TLSCA = %q with TLS disabled %v", n.Orderer().TLSCA, tt.tls.Disabled)
			}
		})
	}
}
