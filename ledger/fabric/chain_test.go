package fabric

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/lianjian/lianjian/ledger"
)

// TestHeaderChain checks that each fixture block's previous hash is the
// header hash computed for the block before it, and that the orderer's
// copies hash like the peer's.
func TestHeaderChain(t *testing.T) {
	for _, network := range []string{"fabric-2.5.9", "fabric-gm-sm2"} {
		t.Run(network, func(t *testing.T) {
			chain := peerChain(t, network)
			if len(chain) < 6 {
				t.Fatalf("peer chain of %s has %d blocks", network, len(chain))
			}
			var prev *ledger.Block
			for i, raw := range chain {
				b, err := DecodeBlock("test", raw)
				if err != nil {
					t.Fatal(err)
				}
				if b.Height != uint64(i) || len(b.Hash) != 32 {
					t.Fatalf("Block(%d) height %d hash %x", i, b.Height, b.Hash)
				}
				if prev != nil && !bytes.Equal(b.ParentHash, prev.Hash) {
					t.Errorf("Block(%d).ParentHash = %x, want hash of block %d %x", i, b.ParentHash, i-1, prev.Hash)
				}
				prev = b
			}
			orderer, _ := filepath.Glob(filepath.Join(fixtures, network, "orderer", "*mychannel_*.block"))
			for _, f := range orderer {
				rel := strings.TrimPrefix(f, fixtures+"/")
				ob := decodeFixture(t, rel)
				pb, err := DecodeBlock("test", chain[ob.Height])
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ob.Hash, pb.Hash) {
					t.Errorf("Block(%s).Hash = %x, want the peer copy's %x", rel, ob.Hash, pb.Hash)
				}
			}
		})
	}
}

// TestHashAlgorithm checks the configurable header hash.
func TestHashAlgorithm(t *testing.T) {
	raw := readFixture(t, "fabric-gm-sm2/peer/mychannel_3.block")
	tests := []struct {
		algo    string
		wantErr bool
		wantLen int
	}{
		{"", false, 32},
		{SHA256, false, 32},
		{SM3, false, 32},
		{"MD5", true, 0},
	}
	sha, err := DecodeBlock("test", raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.algo, func(t *testing.T) {
			d, err := NewDecoder(Config{HashAlgorithm: tt.algo})
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewDecoder(%q) error = %v, want error %v", tt.algo, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			b, err := d.DecodeBlock("test", raw)
			if err != nil {
				t.Fatal(err)
			}
			same := bytes.Equal(b.Hash, sha.Hash)
			if same != (tt.algo != SM3) || len(b.Hash) != tt.wantLen {
				t.Errorf("Decoder(%q) hash = %x, SHA-256 hash %x", tt.algo, b.Hash, sha.Hash)
			}
			want := tt.algo
			if want == "" {
				want = SHA256
			}
			if b.Fabric.HeaderHashAlgo != want {
				t.Errorf("Decoder(%q) HeaderHashAlgo = %q, want %q", tt.algo, b.Fabric.HeaderHashAlgo, want)
			}
		})
	}
}

// TestCustomHash checks that a supplied hash function is used and named.
func TestCustomHash(t *testing.T) {
	d, err := NewDecoder(Config{Hash: sm3.New})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := NewDecoder(Config{HashAlgorithm: SM3})
	if err != nil {
		t.Fatal(err)
	}
	raw := readFixture(t, "fabric-2.5.9/peer/mychannel_3.block")
	a, errA := d.DecodeBlock("test", raw)
	b, errB := sm.DecodeBlock("test", raw)
	if errA != nil || errB != nil || !bytes.Equal(a.Hash, b.Hash) || a.Fabric.HeaderHashAlgo != "custom" {
		t.Errorf("custom SM3 hash %x (%s), SM3 decoder %x: %v %v", a.Hash, a.Fabric.HeaderHashAlgo, b.Hash, errA, errB)
	}
	sum := sm3.Sum(HeaderBytes(a.Height, a.ParentHash, a.DataHash))
	if !bytes.Equal(a.Hash, sum[:]) {
		t.Errorf("custom hash %x, want SM3 of the header bytes %x", a.Hash, sum)
	}
}
