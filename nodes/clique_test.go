package nodes

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// rlpString and rlpList encode RLP for crafted headers.
func rlpString(b []byte) []byte {
	if len(b) == 1 && b[0] < 0x80 {
		return b
	}
	return append(rlpHead(0x80, len(b)), b...)
}

func rlpList(items ...[]byte) []byte {
	body := bytes.Join(items, nil)
	return append(rlpHead(0xc0, len(body)), body...)
}

func rlpHead(base byte, n int) []byte {
	if n <= 55 {
		return []byte{base + byte(n)}
	}
	var lb []byte
	for v := n; v > 0; v >>= 8 {
		lb = append([]byte{byte(v)}, lb...)
	}
	return append([]byte{base + 55 + byte(len(lb))}, lb...)
}

func uintBytes(v uint64) []byte {
	var b []byte
	for ; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return b
}

// cliqueRaw builds a header RLP with the given number, difficulty and,
// for checkpoints, signer list in extraData.
func cliqueRaw(number, difficulty uint64, signers ...string) []byte {
	extra := make([]byte, cliqueVanity)
	for _, s := range signers {
		a, _ := hex.DecodeString(s[2:])
		extra = append(extra, a...)
	}
	extra = append(extra, make([]byte, cliqueSeal)...)
	items := make([][]byte, headerFields)
	for i := range items {
		items[i] = rlpString(nil)
	}
	items[0] = rlpString(make([]byte, 32))
	items[6] = rlpString(make([]byte, 256))
	items[fieldDiff] = rlpString(uintBytes(difficulty))
	items[fieldNumber] = rlpString(uintBytes(number))
	items[fieldExtra] = rlpString(extra)
	return rlpList(items...)
}

// fakeChain is a HealthStore over blocks held in memory.
type fakeChain struct {
	blocks []*ledger.Block
	ids    []*record.FabricIdentity
}

func (f *fakeChain) Checkpoint(context.Context, string) (ledger.Checkpoint, error) {
	if len(f.blocks) == 0 {
		return ledger.Checkpoint{}, ledger.ErrNotFound
	}
	return ledger.Checkpoint{Height: uint64(len(f.blocks) - 1)}, nil
}

func (f *fakeChain) Block(_ context.Context, _ string, h uint64) (*ledger.Block, error) {
	if h >= uint64(len(f.blocks)) {
		return nil, ledger.ErrNotFound
	}
	return f.blocks[h], nil
}

func (f *fakeChain) FabricIdentities(context.Context, string, string, ledger.Page) ([]*record.FabricIdentity, string, error) {
	return f.ids, "", nil
}

func TestCliqueHealth(t *testing.T) {
	a, b, c := "0x"+fmt.Sprintf("%040x", 0xa), "0x"+fmt.Sprintf("%040x", 0xb), "0x"+fmt.Sprintf("%040x", 0xc)
	chain := &fakeChain{}
	add := func(raw []byte) {
		chain.blocks = append(chain.blocks, &ledger.Block{Height: uint64(len(chain.blocks)), Raw: raw})
	}
	add(cliqueRaw(0, 1, a, b, c))
	for h := uint64(1); h < 10; h++ {
		diff := uint64(2)
		if h%3 == 2 { // c's turn (index 2): always sealed out of turn
			diff = 1
		}
		add(cliqueRaw(h, diff))
	}
	add(cliqueRaw(10, 2, a, b)) // checkpoint: c voted out
	fs, err := CliqueHealth(context.Background(), chain, ledger.Chain{ID: "clq", Kind: ledger.KindEVM}, 100, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got := rulesOf(fs)
	if got[RuleCliqueSigners.ID] != 1 || got[RuleCliqueAbsent.ID] != 1 {
		t.Fatalf("CliqueHealth rules = %v, want one signer change and one absent signer", got)
	}
	for _, f := range fs {
		if f.Rule == RuleCliqueAbsent.ID && f.Subject.Ref != c {
			t.Errorf("absent signer = %s, want %s", f.Subject.Ref, c)
		}
	}
	// A non-Clique chain (difficulty 0 beacon headers, no signers) yields nothing.
	beacon := &fakeChain{}
	for h := range uint64(5) {
		beacon.blocks = append(beacon.blocks, &ledger.Block{Height: h, Raw: cliqueRaw(h, 0)})
	}
	if fs, err := CliqueHealth(context.Background(), beacon, ledger.Chain{ID: "pos"}, 100, time.Now()); err != nil || len(fs) != 0 {
		t.Errorf("CliqueHealth(beacon) = %v, %v; want nothing", rulesOf(fs), err)
	}
}

func FuzzHeaderItems(f *testing.F) {
	f.Add(cliqueRaw(7, 2, "0x00000000000000000000000000000000000000aa"))
	f.Add([]byte{0xc0})
	f.Add([]byte{0xf9, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = parseCliqueHeader(raw)
	})
}
