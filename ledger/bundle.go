package ledger

import "encoding/json"

// Bundle is how an EVM or FISCO BCOS block is stored (Block.Raw): the
// block as the node served it, with full transactions, and its receipts
// as served, so that the adapter can re-verify it later from the index
// alone.
type Bundle struct {
	Block json.RawMessage `json:"block"`
	// Receipts are aligned with the block's transactions; nil when they
	// were not served (an empty list when the block has none).
	Receipts []json.RawMessage `json:"receipts,omitempty"`
}

// Marshal writes the Bundle JSON by hand: the parts are the node's own
// JSON, already parsed once, and re-encoding them would only compact them
// at a cost.
func (b Bundle) Marshal() []byte {
	n := len(b.Block) + 32
	for _, r := range b.Receipts {
		n += len(r) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, `{"block":`...)
	out = append(out, b.Block...)
	if b.Receipts != nil { // served, even when the block has none
		out = append(out, `,"receipts":[`...)
		for i, r := range b.Receipts {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, r...)
		}
		out = append(out, ']')
	}
	return append(out, '}')
}
