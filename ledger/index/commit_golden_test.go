package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// TestCommitGolden commits the blocks of both Fabric fixture networks,
// then two synthetic blocks of many transactions in one CommitBatch, and
// compares every key the index holds, with a digest of its value,
// against the listing the commit code wrote before its per-identity and
// per-field shortcuts (testdata/commit, regenerated with -update): the
// records and keys must stay byte for byte what they were.
func TestCommitGolden(t *testing.T) {
	for _, tc := range []struct{ network, chain string }{
		{"fabric-2.5.9", "f259"},
		{"fabric-gm-sm2", "gm"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			memDB(t) // skips without the fixtures
			db, err := Open(t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			blocks := decodeFixture(t, tc.chain, tc.network)
			if err := db.PutChain(context.Background(), ledger.Chain{ID: tc.chain, Kind: ledger.KindFabric, Channel: "mychannel"}); err != nil {
				t.Fatal(err)
			}
			for _, b := range blocks {
				if err := db.Commit(context.Background(), b); err != nil {
					t.Fatalf("Commit(%d): %v", b.Height, err)
				}
			}
			// Decoded again, so that the synthetic blocks share nothing
			// with what was committed.
			more := syntheticBlocks(t, decodeFixture(t, tc.chain, tc.network))
			if err := db.CommitBatch(context.Background(), more); err != nil {
				t.Fatalf("CommitBatch(synthetic): %v", err)
			}
			got := dumpIndex(t, db)
			path := filepath.Join("testdata", "commit", tc.network+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("index line %d = %s, want %s (of %d lines, want %d)", i, gl[i], wl[i], len(gl), len(wl))
					}
				}
				t.Fatalf("index has %d lines, want %d", len(gl), len(wl))
			}
		})
	}
}

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/commit")

// decodeFixture decodes the peer blocks of one shared fixture network.
func decodeFixture(t *testing.T, chain, network string) []*ledger.Block {
	t.Helper()
	dec, err := fabric.NewChannelDecoder(chain, "", false)
	if err != nil {
		t.Fatal(err)
	}
	var out []*ledger.Block
	for rb, err := range fabric.BlockDir(context.Background(), filepath.Join(fixtures, network, "peer")) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := dec.Decode(rb.Bytes)
		if err != nil {
			t.Fatalf("Decode(%s): %v", rb.File, err)
		}
		out = append(out, b)
	}
	return out
}

// syntheticBlocks builds two blocks following the last of blocks, of 300
// transactions each, copied from the endorser transactions of blocks.
// Some copies vary what the shortcuts must tell apart: an identity of a
// known fingerprint with another certificate or another subject, byte
// fields that occur in the raw bytes more than once, partly, or not at
// all, and contract names that are EVM addresses.
func syntheticBlocks(t *testing.T, blocks []*ledger.Block) []*ledger.Block {
	t.Helper()
	var src []*ledger.Tx
	for _, b := range blocks {
		for i := range b.Txs {
			if tx := &b.Txs[i]; tx.Fabric != nil && tx.Creator != nil && len(tx.Raw) > 0 {
				src = append(src, tx)
			}
		}
	}
	if len(src) == 0 {
		t.Fatal("the fixture has no endorser transactions")
	}
	last := blocks[len(blocks)-1]
	parent := last
	var out []*ledger.Block
	n := 0
	for bi := range 2 {
		b := &ledger.Block{
			Chain: last.Chain, Height: parent.Height + 1, ParentHash: parent.Hash,
			Time: last.Time, Fabric: last.Fabric, Signatures: last.Signatures,
		}
		b.Hash = []byte(fmt.Sprintf("synthetic-%d-hash-0123456789abcdef", bi))
		for i := range 300 {
			tx := syntheticTx(src[n%len(src)], n)
			tx.Height, tx.Index, tx.Chain = b.Height, i, b.Chain
			b.Raw = append(b.Raw, byte(i), byte(i>>8)) // a frame between transactions
			b.Raw = append(b.Raw, tx.Raw...)
			b.Txs = append(b.Txs, *tx)
			n++
		}
		out = append(out, b)
		parent = b
	}
	return out
}

// syntheticTx is copy n of tx, varied by n.
func syntheticTx(tx *ledger.Tx, n int) *ledger.Tx {
	c := *tx
	c.ID = fmt.Sprintf("%064x", n+1)
	f := *tx.Fabric
	c.Fabric = &f
	c.Sigs = append([]ledger.Signature(nil), tx.Sigs...)
	c.Raw = bytes.Clone(tx.Raw)
	switch n % 9 {
	case 1: // the creator's fingerprint with another certificate
		id := *tx.Creator
		id.Cert = append(bytes.Clone(id.Cert), 0)
		c.Creator = &id
	case 2: // the creator's certificate with another subject
		id := *tx.Creator
		id.Subject = "CN=someone else,O=Org9"
		c.Creator = &id
	case 3: // an endorser with another MSP id, and a contract named by an address
		if len(c.Sigs) > 0 {
			c.Sigs[0].Signer.MSPID = "Org7MSP"
		}
		c.Contract = "0x00000000000000000000000000000000000000a1"
	case 4: // byte fields that occur twice, partly, or nowhere in the raw bytes
		sig := []byte("duplicated-signature-bytes-0123456789")
		c.Raw = append(c.Raw, sig...)
		c.Raw = append(c.Raw, sig...)
		c.Raw = append(c.Raw, sig[:20]...)
		f.Args = append([][]byte(nil), f.Args...)
		f.Args = append(f.Args, bytes.Clone(sig), sig[:8], sig[len(sig)-9:], []byte("nowhere-in-the-raw-bytes"), []byte{}, nil)
		for _, w := range []int{8, 9, 31, 32, 33, 64, 100} {
			if w <= len(tx.Raw) {
				at := (n * 37) % (len(tx.Raw) - w + 1)
				f.Args = append(f.Args, bytes.Clone(tx.Raw[at:at+w]))
			}
		}
		if len(c.Sigs) > 0 {
			c.Sigs[0].Value = bytes.Clone(sig)
		}
	case 5: // another chaincode name
		c.Contract = fmt.Sprintf("cc%d", n%4)
	case 6: // no creator
		c.Creator = nil
	}
	return &c
}

// dumpIndex lists every key of db, in order: its first two bytes (the
// table), and the first 8 bytes of the SHA-256 of the key and of its
// value.
func dumpIndex(t *testing.T, db *DB) []byte {
	t.Helper()
	var out bytes.Buffer
	err := db.view(func(txn kv) error {
		it := txn.NewIterator(nil, nil, false)
		defer it.Release()
		for it.Next() {
			v, err := it.Value()
			if err != nil {
				return err
			}
			k, sv := sha256.Sum256(it.Key()), sha256.Sum256(v)
			fmt.Fprintf(&out, "%.2q %x %x\n", it.Key(), k[:8], sv[:8])
		}
		return it.Error()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
