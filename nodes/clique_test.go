package nodes

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// cliqueBlock is a block at height number with the Clique header fields
// the EVM adapter decodes: difficulty and, for checkpoints, the signers.
func cliqueBlock(number, difficulty uint64, signers ...string) *ledger.Block {
	return &ledger.Block{Height: number, EVM: &ledger.EVMBlock{Difficulty: difficulty, Signers: signers}}
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
	add := func(b *ledger.Block) {
		chain.blocks = append(chain.blocks, b)
	}
	add(cliqueBlock(0, 1, a, b, c))
	for h := uint64(1); h < 10; h++ {
		diff := uint64(2)
		if h%3 == 2 { // c's turn (index 2): always sealed out of turn
			diff = 1
		}
		add(cliqueBlock(h, diff))
	}
	add(cliqueBlock(10, 2, a, b)) // checkpoint: c voted out
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
		beacon.blocks = append(beacon.blocks, cliqueBlock(h, 0))
	}
	if fs, err := CliqueHealth(context.Background(), beacon, ledger.Chain{ID: "pos"}, 100, time.Now()); err != nil || len(fs) != 0 {
		t.Errorf("CliqueHealth(beacon) = %v, %v; want nothing", rulesOf(fs), err)
	}
}
