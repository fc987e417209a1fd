package evm

import (
	"math"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/lianjian/lianjian/ledger"
)

// Clique header layout (EIP-225): extraData is 32 bytes of vanity, the
// signer addresses on checkpoint blocks, and a 65-byte seal.
const (
	cliqueVanity = 32
	cliqueSeal   = 65
	addrLen      = 20
)

// consensusFields returns the header fields consensus checks read.
func consensusFields(h *types.Header) *ledger.EVMBlock {
	e := &ledger.EVMBlock{Difficulty: math.MaxUint64}
	if h.Difficulty == nil {
		e.Difficulty = 0
	} else if h.Difficulty.IsUint64() {
		e.Difficulty = h.Difficulty.Uint64()
	}
	extra := h.Extra
	if n := len(extra) - cliqueVanity - cliqueSeal; n > 0 && n%addrLen == 0 {
		for i := cliqueVanity; i < len(extra)-cliqueSeal; i += addrLen {
			e.Signers = append(e.Signers, "0x"+hexOf(extra[i:i+addrLen]))
		}
	}
	return e
}
