package index

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

const fixtures = "../../../shared/fixtures"

// ingestFixture commits the peer blocks of one shared fixture network.
func ingestFixture(t *testing.T, db *DB, chain, network string) int {
	t.Helper()
	ctx := context.Background()
	if err := db.PutChain(ctx, ledger.Chain{ID: chain, Kind: ledger.KindFabric, Channel: "mychannel"}); err != nil {
		t.Fatal(err)
	}
	dec, err := fabric.NewChannelDecoder(chain, "", false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rb, err := range fabric.BlockDir(ctx, filepath.Join(fixtures, network, "peer")) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := dec.Decode(rb.Bytes)
		if err != nil {
			t.Fatalf("Decode(%s): %v", rb.File, err)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d): %v", b.Height, err)
		}
		n++
	}
	return n
}

func memDB(t *testing.T) *DB {
	t.Helper()
	if _, err := os.Stat(fixtures); err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestFabricFixtureTables(t *testing.T) {
	ctx := context.Background()
	db := memDB(t)
	if n := ingestFixture(t, db, "f259", "fabric-2.5.9"); n != 13 {
		t.Fatalf("ingested %d blocks, want 13", n)
	}
	vs, err := db.ChannelConfigs(ctx, "f259")
	if err != nil || len(vs) != 2 || vs[0].Height != 0 || vs[1].Height != 11 {
		t.Fatalf("ChannelConfigs = %+v, %v; want heights 0 and 11", vs, err)
	}
	tests := []struct {
		height  uint64
		want    uint64 // config height in force
		timeout string
	}{
		{0, 0, "1s"}, {10, 0, "1s"}, {11, 11, "2s"}, {12, 11, "2s"}, {1 << 40, 11, "2s"},
	}
	for _, tc := range tests {
		c, err := db.ChannelConfig(ctx, "f259", tc.height)
		if err != nil {
			t.Fatalf("ChannelConfig(%d): %v", tc.height, err)
		}
		if c.Height != tc.want || c.Batch.Timeout != tc.timeout {
			t.Errorf("ChannelConfig(%d) = height %d timeout %s, want %d %s", tc.height, c.Height, c.Batch.Timeout, tc.want, tc.timeout)
		}
	}
	if _, err := db.ChannelConfig(ctx, "nochain", 5); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("ChannelConfig(nochain) err = %v, want ErrNotFound", err)
	}

	orgs, err := db.FabricOrgs(ctx, "f259")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]record.FabricOrg{}
	for _, o := range orgs {
		got[o.MSPID] = o
	}
	// The orderer signed every block but the genesis block, which
	// configtxgen wrote.
	if o := got["OrdererMSP"]; o.BlocksSigned != 12 {
		t.Errorf("OrdererMSP blocks signed = %d, want 12", o.BlocksSigned)
	}
	if o := got["Org1MSP"]; o.Created == 0 || o.Endorsed == 0 {
		t.Errorf("Org1MSP = %+v, want created and endorsed counts", o)
	}
	ids, _, err := db.FabricIdentities(ctx, "f259", "Org1MSP", ledger.Page{})
	if err != nil || len(ids) == 0 {
		t.Fatalf("FabricIdentities(Org1MSP) = %d, %v", len(ids), err)
	}
	for _, id := range ids {
		if id.MSPID != "Org1MSP" || id.Subject == "" || id.KeyAlgorithm != "ECDSA-P256" || len(id.Cert) == 0 {
			t.Errorf("identity %s = %+v, want Org1MSP certificate details", id.Fingerprint, id.Identity)
		}
		one, err := db.FabricIdentity(ctx, "f259", id.Fingerprint)
		if err != nil || one.Created != id.Created {
			t.Errorf("FabricIdentity(%s) = %+v, %v", id.Fingerprint, one, err)
		}
	}
	hist, err := db.ChaincodeHistory(ctx, "f259", "kvcc")
	if err != nil || len(hist) != 1 || hist[0].Sequence != 1 || hist[0].Version == "" || hist[0].Policy == "" {
		t.Fatalf("ChaincodeHistory(kvcc) = %+v, %v; want sequence 1 with version and policy", hist, err)
	}
}

func TestFabricGMFixture(t *testing.T) {
	ctx := context.Background()
	db := memDB(t)
	ingestFixture(t, db, "gm", "fabric-gm-sm2")
	ids, _, err := db.FabricIdentities(ctx, "gm", "", ledger.Page{})
	if err != nil || len(ids) == 0 {
		t.Fatalf("FabricIdentities = %d, %v", len(ids), err)
	}
	for _, id := range ids {
		if id.KeyAlgorithm != "SM2" {
			t.Errorf("identity %s key = %s, want SM2", id.Subject, id.KeyAlgorithm)
		}
	}
}

// defBlock is a synthetic Fabric block committing chaincode definitions.
func defBlock(chain string, h uint64, parent []byte, creatorFP string, defs ...ledger.Contract) *ledger.Block {
	hash := []byte{byte(h + 1)}
	creator := &ledger.Identity{MSPID: "Org1MSP", Fingerprint: creatorFP}
	return &ledger.Block{
		Chain: chain, Height: h, Hash: hash, ParentHash: parent, Time: time.Unix(int64(h), 0).UTC(),
		Fabric:    &ledger.FabricBlock{Channel: "ch"},
		Txs:       []ledger.Tx{{ID: string(rune('a' + h)), Chain: chain, Height: h, Creator: creator}},
		Contracts: defs,
	}
}

func TestFabricRollbackRestores(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const chain = "syn"
	if err := db.PutChain(ctx, ledger.Chain{ID: chain, Kind: ledger.KindFabric}); err != nil {
		t.Fatal(err)
	}
	v1 := ledger.Contract{Chain: chain, Address: "cc", Sequence: 1, Version: "1.0", Policy: "AND(a)", Collections: []string{"c1"}}
	v2 := ledger.Contract{Chain: chain, Address: "cc", Sequence: 2, Version: "2.0"} // policy and collections unchanged
	blocks := []*ledger.Block{
		defBlock(chain, 0, nil, "aa", v1),
		defBlock(chain, 1, []byte{1}, "aa", v2),
		defBlock(chain, 2, []byte{2}, "bb"),
	}
	for _, b := range blocks {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := db.ChaincodeHistory(ctx, chain, "cc")
	if err != nil || len(hist) != 2 {
		t.Fatalf("ChaincodeHistory = %+v, %v", hist, err)
	}
	if h := hist[1]; h.Version != "2.0" || h.Policy != "AND(a)" || len(h.Collections) != 1 {
		t.Errorf("definition 2 = %+v, want version 2.0 with the policy and collections of 1", h)
	}
	if err := db.Rollback(ctx, ledger.Reorg{Chain: chain, Ancestor: 0, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	c, err := db.Contract(ctx, chain, "cc")
	if err != nil || c.Sequence != 1 || c.Version != "1.0" {
		t.Errorf("Contract(cc) after rollback = %+v, %v; want sequence 1", c, err)
	}
	if hist, err := db.ChaincodeHistory(ctx, chain, "cc"); err != nil || len(hist) != 1 {
		t.Errorf("ChaincodeHistory after rollback = %d, %v; want 1", len(hist), err)
	}
	a, err := db.FabricIdentity(ctx, chain, "aa")
	if err != nil || a.Created != 1 || a.LastHeight != 0 {
		t.Errorf("identity aa after rollback = %+v, %v; want created 1 last 0", a, err)
	}
	if _, err := db.FabricIdentity(ctx, chain, "bb"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("identity bb after rollback: err = %v, want ErrNotFound", err)
	}
	// Re-ingesting the rolled-back blocks gives the same counts again.
	for _, b := range blocks[1:] {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if a, err := db.FabricIdentity(ctx, chain, "aa"); err != nil || a.Created != 2 || a.LastHeight != 1 {
		t.Errorf("identity aa after re-ingest = %+v, %v; want created 2 last 1", a, err)
	}
}

// TestFabricTxReadBack checks that every transaction of the fixture
// networks reads back as decoded, with the identities the identity
// table holds named in its record by fingerprint only.
func TestFabricTxReadBack(t *testing.T) {
	ctx := context.Background()
	for _, network := range []string{"fabric-2.5.9", "fabric-gm-sm2"} {
		db := memDB(t)
		const chain = "rb"
		if err := db.PutChain(ctx, ledger.Chain{ID: chain, Kind: ledger.KindFabric, Channel: "mychannel"}); err != nil {
			t.Fatal(err)
		}
		dec, err := fabric.NewChannelDecoder(chain, "", false)
		if err != nil {
			t.Fatal(err)
		}
		var blocks []*ledger.Block
		for rb, err := range fabric.BlockDir(ctx, filepath.Join(fixtures, network, "peer")) {
			if err != nil {
				t.Fatal(err)
			}
			b, err := dec.Decode(rb.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
			blocks = append(blocks, b)
		}
		byRef := 0
		for _, b := range blocks {
			for i := range b.Txs {
				want := b.Txs[i]
				if want.Fabric != nil {
					f := *want.Fabric
					f.Endorsements = nil // not stored: repeats Sigs
					want.Fabric = &f
				}
				got, err := db.Tx(ctx, chain, want.ID)
				if err != nil {
					t.Fatalf("%s: Tx(%s) = %v", network, want.ID, err)
				}
				if !reflect.DeepEqual(*got, want) {
					t.Errorf("%s: Tx(%s) differs in %v", network, want.ID, diffPaths(reflect.ValueOf(*got), reflect.ValueOf(want), "Tx"))
				}
				err = db.view(func(txn kv) error {
					v, err := txn.Get(txKey(chain, want.ID))
					if err == nil && want.Creator != nil && !bytes.Contains(v, []byte(want.Creator.Subject)) {
						byRef++
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if byRef == 0 {
			t.Errorf("%s: no transaction record names its creator by reference", network)
		}
		// The address history gives the ids back as the transactions have them.
		last := blocks[len(blocks)-1].Txs[0]
		hist, _, err := db.AddressHistory(ctx, chain, last.Creator.Fingerprint, ledger.Page{Limit: MaxLimit})
		if err != nil || len(hist) == 0 {
			t.Fatalf("%s: AddressHistory(%s) = %d entries, %v", network, last.Creator.Fingerprint, len(hist), err)
		}
		for _, e := range hist {
			if _, err := db.Tx(ctx, chain, e.TxID); err != nil {
				t.Errorf("%s: history entry %+v: Tx = %v", network, e, err)
			}
		}
	}
}
