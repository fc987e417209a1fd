package evm

import (
	"encoding/json"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// TestCliqueFields decodes Clique headers as geth serves them and checks
// the consensus fields the adapter puts in the model: the difficulty and,
// on a checkpoint, the signers between vanity and seal.
func TestCliqueFields(t *testing.T) {
	a, b := common.HexToAddress("0xa"), common.HexToAddress("0xbB")
	checkpoint := append(append(make([]byte, cliqueVanity), a.Bytes()...), b.Bytes()...)
	checkpoint = append(checkpoint, make([]byte, cliqueSeal)...)
	sealOnly := make([]byte, cliqueVanity+cliqueSeal)
	d := &decoder{chain: "clq", signer: types.LatestSignerForChainID(big.NewInt(1337))}
	for _, tc := range []struct {
		name       string
		difficulty *big.Int
		extra      []byte
		want       []string
	}{
		{"checkpoint", big.NewInt(2), checkpoint, []string{"0x000000000000000000000000000000000000000a", "0x00000000000000000000000000000000000000bb"}},
		{"out of turn", big.NewInt(1), sealOnly, nil},
		{"beacon", big.NewInt(0), nil, nil},
		{"proof of work", new(big.Int).Lsh(big.NewInt(1), 70), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &types.Header{Number: big.NewInt(30000), Difficulty: tc.difficulty, Extra: tc.extra, GasLimit: 8_000_000,
				TxHash: types.EmptyTxsHash, ReceiptHash: types.EmptyReceiptsHash}
			hj, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(hj, &fields); err != nil {
				t.Fatal(err)
			}
			fields["transactions"] = json.RawMessage(`[]`)
			raw, err := json.Marshal(fields)
			if err != nil {
				t.Fatal(err)
			}
			blk, err := d.decode(raw, []json.RawMessage{})
			if err != nil {
				t.Fatal(err)
			}
			if len(blk.Findings) != 0 {
				t.Errorf("decode: findings %v", blk.Findings)
			}
			want := tc.difficulty.Uint64()
			if !tc.difficulty.IsUint64() {
				want = ^uint64(0)
			}
			if blk.EVM == nil || blk.EVM.Difficulty != want || !slices.Equal(blk.EVM.Signers, tc.want) {
				t.Errorf("Block.EVM = %+v, want difficulty %d signers %v", blk.EVM, want, tc.want)
			}
		})
	}
}
