package ledgertest

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// FiscoNode returns the deterministic node id (128 lower-case hex digits,
// a 64-byte public key) of test sealer i.
func FiscoNode(i int) string {
	return hex.EncodeToString(append(Hash(fmt.Sprintf("node/%d/x", i)), Hash(fmt.Sprintf("node/%d/y", i))...))
}

// FiscoGovernanceHeight is the height of FiscoChain's add-sealer call
// (FiscoNode(4) joins from the next block) and FiscoFailedHeight that of
// its failed set-config call.
const (
	FiscoGovernanceHeight = 2
	FiscoFailedHeight     = 3
)

// FiscoChain builds n FISCO BCOS 3.x (GM) blocks starting at height from,
// on a fork named fork. Sealers 0-3 form the sealer list, and sealer 4
// joins it through a governance call at FiscoGovernanceHeight; sealers
// 0-2 sign every block, sealer 3's signature fails on odd heights and
// sealer 4 never signs; the genesis block carries no signatures. Every block carries one contract call; the
// governance heights carry a second transaction to a system contract.
func FiscoChain(chain, fork string, from uint64, n int, parent []byte) []*ledger.Block {
	var out []*ledger.Block
	for i := 0; i < n; i++ {
		h := from + uint64(i)
		hash := Hash(fmt.Sprintf("%s/%s/%d", chain, fork, h))
		t := time.Unix(1_700_000_000+int64(h), 0).UTC()
		b := &ledger.Block{
			Chain: chain, Height: h, Hash: hash, ParentHash: parent, Time: t,
			DataHash: Hash(fmt.Sprintf("%s/%s/%d/txroot", chain, fork, h)), StateRoot: Hash(fmt.Sprintf("%s/%s/%d/state", chain, fork, h)),
			Raw: []byte(fmt.Sprintf(`{"number":%d}`, h)),
		}
		sealers := 4
		if h > FiscoGovernanceHeight {
			sealers = 5
		}
		fb := &ledger.FiscoBlock{
			Version: 3, HeaderVer: 0x03030000, Group: "group0", ReceiptsRoot: Hash(fmt.Sprintf("%s/%s/%d/receipts", chain, fork, h)),
			SealerIndex: h % uint64(sealers), Receipts: true,
		}
		for j := range sealers {
			fb.SealerList = append(fb.SealerList, FiscoNode(j))
			fb.Weights = append(fb.Weights, 1)
		}
		b.Proposer = fb.SealerList[fb.SealerIndex]
		for j := range 4 {
			if h == 0 {
				break // genesis is not sealed
			}
			s := ledger.Signature{
				Role: "sealer", Signer: ledger.Identity{Address: FiscoNode(j), KeyAlgorithm: "SM2"},
				Algorithm: "SM2-SM3", Value: Hash(fmt.Sprintf("%s/%d/seal/%d", fork, h, j)),
			}
			ok := j < 3 || h%2 == 0
			s.Verdict.Add("signature", ok, "")
			if ok {
				fb.SignedWeight++
			}
			b.Signatures = append(b.Signatures, s)
			fb.SignerIndexes = append(fb.SignerIndexes, uint64(j))
		}
		fb.Quorum = uint64(sealers) - uint64(sealers-1)/3
		b.Fisco = fb
		b.Verdict.Add("header-hash", true, "")
		b.Verdict.Add("quorum", fb.SignedWeight >= fb.Quorum, fmt.Sprintf("signed %d of %d, needs %d", fb.SignedWeight, sealers, fb.Quorum))
		b.Txs = append(b.Txs, fiscoTx(chain, fork, h, 0, t, "0x00000000000000000000000000000000000000aa", nil))
		switch h {
		case FiscoGovernanceHeight:
			w := uint64(1)
			b.Txs = append(b.Txs, fiscoTx(chain, fork, h, 1, t, "0x0000000000000000000000000000000000001003", &ledger.Governance{
				Contract: "consensus", Action: "add-sealer", Method: "addSealer(string,uint256)", NodeID: FiscoNode(4), Weight: &w,
			}))
		case FiscoFailedHeight:
			tx := fiscoTx(chain, fork, h, 1, t, "0x0000000000000000000000000000000000001000", &ledger.Governance{
				Contract: "system-config", Action: "set-config", Method: "setValueByKey(string,string)", Key: "tx_count_limit", Value: "0",
			})
			tx.Valid, tx.Status, tx.Fisco.ReceiptStatus = false, "failed(16)", 16
			b.Txs = append(b.Txs, tx)
		}
		b.TxCount = len(b.Txs)
		out = append(out, b)
		parent = hash
	}
	return out
}

// fiscoTx builds one FISCO transaction; g makes it a governance call.
func fiscoTx(chain, fork string, h uint64, idx int, t time.Time, to string, g *ledger.Governance) ledger.Tx {
	from := fmt.Sprintf("0x%040x", 0xf1+idx)
	tx := ledger.Tx{
		ID: hex.EncodeToString(Hash(fmt.Sprintf("%s/%s/%d/%d", chain, fork, h, idx))), Chain: chain, Height: h, Index: idx,
		Type: "call", Time: t, From: from, To: to, Function: "0x4ed3885e", Status: "success", Valid: true,
		Sigs: []ledger.Signature{{
			Role: "sender", Signer: ledger.Identity{Address: from, KeyAlgorithm: "SM2"}, Algorithm: "SM2-SM3",
			Value: Hash(fmt.Sprintf("%s/%d/%d/sig", fork, h, idx)),
		}},
		Fisco: &ledger.FiscoTx{
			TxVersion: 1, ChainID: "chain0", GroupID: "group0", BlockLimit: h + 500, Nonce: fmt.Sprintf("%d%d", h, idx),
			Input: []byte{0x4e, 0xd3, 0x88, 0x5e, byte(h)}, Signature: Hash(fmt.Sprintf("%s/%d/%d/sig", fork, h, idx)),
			PublicKey:   append(Hash(fmt.Sprintf("pk/%d/x", idx)), Hash(fmt.Sprintf("pk/%d/y", idx))...),
			ReceiptHash: Hash(fmt.Sprintf("%s/%s/%d/%d/receipt", chain, fork, h, idx)), Output: []byte{0, 0, 0, 1},
			Governance: g,
		},
	}
	tx.Sigs[0].Verdict.Add("signature", true, "")
	tx.Verdict.Add("tx-hash", true, "")
	if g != nil {
		tx.Type = "governance"
		tx.Function = ""
	}
	return tx
}
