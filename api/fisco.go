package api

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// FiscoReader reads the FISCO BCOS tables of the index: the governance
// history of a chain and how its newest blocks were sealed. The badger
// index implements it; the FISCO routes answer 404 when Deps.Index does
// not.
type FiscoReader interface {
	Governance(ctx context.Context, chain string, p ledger.Page) ([]record.GovernanceRecord, string, error)
	Seals(ctx context.Context, chain string, n int) ([]record.BlockSeal, error)
}

// errNoFisco answers FISCO routes on an index without FISCO tables, or
// for a chain of another kind.
var errNoFisco = fmt.Errorf("fisco tables: %w", ledger.ErrNotFound)

// Sealer health windows: the default and the largest number of newest
// blocks the sealers route reads.
const (
	defaultSealWindow = 500
	maxSealWindow     = record.MaxSeals
)

// fiscoChain reads the :chain parameter, checks that it names a FISCO
// BCOS chain and returns the index's FISCO reader: the first steps of
// every FISCO route.
func (s *Server) fiscoChain(c *gin.Context) (ledger.Chain, FiscoReader, error) {
	id, err := chainParam(c)
	if err != nil {
		return ledger.Chain{}, nil, err
	}
	fr, ok := s.idx.(FiscoReader)
	if !ok {
		return ledger.Chain{}, nil, errNoFisco
	}
	ch, err := s.idx.Chain(c.Request.Context(), id)
	if err != nil {
		return ch, nil, err
	}
	if ch.Kind != ledger.KindFisco {
		return ch, nil, fmt.Errorf("%s chain %s: %w", ch.Kind, id, errNoFisco)
	}
	return ch, fr, nil
}

func (s *Server) governance(c *gin.Context) (any, error) {
	ch, fr, err := s.fiscoChain(c)
	if err != nil {
		return nil, err
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	rs, next, err := fr.Governance(c.Request.Context(), ch.ID, p)
	if err != nil {
		return nil, err
	}
	out := make([]GovernanceRecordView, 0, len(rs))
	for _, r := range rs {
		out = append(out, GovernanceRecordView{
			Chain: r.Chain, Height: r.Height, Index: r.Index, TxID: txIDOf(false, r.TxID), Time: timeText(r.Time),
			From: r.From, Success: r.Success, Status: r.Status, Governance: *governanceView(&r.Governance),
		})
	}
	return list(out, next), nil
}

// windowQuery reads the optional window query parameter.
func windowQuery(c *gin.Context) (int, error) {
	v, ok := c.GetQuery("window")
	if !ok {
		return defaultSealWindow, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxSealWindow {
		return 0, badParam("window", "must be an integer from 1 to %d", maxSealWindow)
	}
	return n, nil
}

func (s *Server) sealers(c *gin.Context) (any, error) {
	ch, fr, err := s.fiscoChain(c)
	if err != nil {
		return nil, err
	}
	window, err := windowQuery(c)
	if err != nil {
		return nil, err
	}
	seals, err := fr.Seals(c.Request.Context(), ch.ID, window)
	if err != nil {
		return nil, err
	}
	return sealersView(ch.ID, window, seals), nil
}

// sealersView derives each current sealer's health from the seals of the
// newest blocks, newest first: the current sealer list is the newest
// block's.
func sealersView(chain string, window int, seals []record.BlockSeal) SealersView {
	v := SealersView{Chain: chain, Window: window, Sealers: []SealerHealthView{}}
	if len(seals) == 0 {
		return v
	}
	head := seals[0]
	v.Height, v.Hash, v.Blocks = &head.Height, hexBytes(head.Hash), len(seals)
	v.From, v.To = seals[len(seals)-1].Height, head.Height
	v.Quorum = quorumView(head.SignedWeight, head.Quorum, head.Weights, len(head.Sealers))
	pos := map[string]int{}
	for i, node := range head.Sealers {
		pos[node] = i
		v.Sealers = append(v.Sealers, SealerHealthView{Index: i, NodeID: node, Weight: weightAt(head.Weights, i), Proposer: node == head.Proposer})
	}
	for _, s := range seals {
		if s.Height > 0 {
			v.Sealable++
		}
		if i, ok := pos[s.Proposer]; ok && s.Proposer != "" {
			v.Sealers[i].Proposed++
		}
		seen := map[int]bool{}
		for _, sig := range s.Signers {
			i, ok := pos[sig.Node]
			if !ok || seen[i] {
				continue
			}
			seen[i] = true
			sh := &v.Sealers[i]
			if sig.Verdict != ledger.Verified {
				sh.Failed++
				continue
			}
			sh.Signed++
			if sh.LastSigned == nil {
				h := s.Height
				sh.LastSigned, sh.LastSignedTime = &h, timeText(s.Time)
			}
		}
	}
	return v
}

func weightAt(ws []uint64, i int) uint64 {
	if i < len(ws) {
		return ws[i]
	}
	return 1
}

// quorumView renders a block's PBFT quorum as "signed weight / needed".
func quorumView(signed, needed uint64, weights []uint64, n int) *QuorumView {
	var total uint64
	for i := range n {
		total += weightAt(weights, i)
	}
	return &QuorumView{
		SignedWeight: signed, Needed: needed, TotalWeight: total, Reached: signed >= needed && needed > 0,
		Text: fmt.Sprintf("%d / %d", signed, needed),
	}
}

// fiscoBlockView renders the FISCO parts of a block: the sealer list with
// each sealer's signature and verdict, the proposer and the quorum.
func fiscoBlockView(b *ledger.Block, crypto ledger.Crypto) *FiscoBlockView {
	f := b.Fisco
	if f == nil {
		return nil
	}
	v := &FiscoBlockView{
		Version: f.Version, HeaderVersion: f.HeaderVer, HeaderVersionHex: fmt.Sprintf("0x%08x", f.HeaderVer), Group: f.Group,
		Crypto: string(crypto), ReceiptsRoot: hexBytes(f.ReceiptsRoot), DBHash: hexBytes(f.DBHash), ExtraData: hexBytes(f.ExtraData),
		Receipts: f.Receipts, Sealers: []SealerView{},
	}
	if f.SealerIndex < uint64(len(f.SealerList)) {
		v.Proposer = &ProposerView{Index: f.SealerIndex, NodeID: f.SealerList[f.SealerIndex]}
	}
	if b.Height > 0 {
		v.Quorum = quorumView(f.SignedWeight, f.Quorum, f.Weights, len(f.SealerList))
	}
	for i, node := range f.SealerList {
		v.Sealers = append(v.Sealers, SealerView{
			Index: uint64(i), NodeID: node, Weight: weightAt(f.Weights, i), Proposer: uint64(i) == f.SealerIndex,
			Verdict: "unsigned", Signature: -1,
		})
	}
	for j, sig := range b.Signatures {
		if sig.Role != "sealer" {
			continue
		}
		idx := uint64(len(f.SealerList))
		if j < len(f.SignerIndexes) {
			idx = f.SignerIndexes[j]
		}
		verdict := verdictView(sig.Verdict).Status
		if idx >= uint64(len(f.SealerList)) {
			v.Outsiders = append(v.Outsiders, SealerView{Index: idx, NodeID: sig.Signer.Address, Verdict: verdict, Signed: true, Signature: j})
			continue
		}
		sv := &v.Sealers[idx]
		if sv.Signed && sv.Verdict == "verified" {
			continue // a duplicate counts once; the first valid one stands
		}
		sv.Signed, sv.Verdict, sv.Signature = true, verdict, j
	}
	return v
}

// fiscoTxView renders the FISCO parts of a transaction, with its sender's
// public key and the governance call it makes.
func fiscoTxView(t *ledger.Tx) *FiscoTxView {
	f := t.Fisco
	if f == nil {
		return nil
	}
	return &FiscoTxView{
		TxVersion: f.TxVersion, ChainID: f.ChainID, GroupID: f.GroupID, BlockLimit: f.BlockLimit, Nonce: f.Nonce,
		ABI: f.ABI, Input: hexBytes(f.Input), ImportTime: f.ImportTime, Attribute: f.Attribute, ExtraData: f.ExtraData,
		Extension: hexBytes(f.Extension), Signature: hexBytes(f.Signature), PublicKey: hexBytes(f.PublicKey),
		ReceiptStatus: f.ReceiptStatus, ReceiptHash: hexBytes(f.ReceiptHash), Output: hexBytes(f.Output),
		ContractAddress: f.ContractAddress, Governance: governanceView(f.Governance),
	}
}

func governanceView(g *ledger.Governance) *GovernanceView {
	if g == nil {
		return nil
	}
	return &GovernanceView{
		Contract: g.Contract, Action: g.Action, Method: g.Method, NodeID: g.NodeID, Weight: g.Weight,
		Key: g.Key, Value: g.Value, Account: g.Account, Args: g.Args, Error: g.Error,
	}
}

// FiscoBlockView carries the FISCO BCOS-specific parts of a block.
type FiscoBlockView struct {
	Version          int           `json:"version"`          // FISCO BCOS line: 2 or 3
	HeaderVersion    uint64        `json:"headerVersion"`    // 3.x header (compatibility) version
	HeaderVersionHex string        `json:"headerVersionHex"` // the same, as 0x-hex (0x03030000 = 3.3.0)
	Group            string        `json:"group,omitempty"`
	Crypto           string        `json:"crypto,omitempty"` // the chain's crypto mode: gm or intl
	ReceiptsRoot     string        `json:"receiptsRoot,omitempty"`
	DBHash           string        `json:"dbHash,omitempty"`
	ExtraData        string        `json:"extraData,omitempty"`
	Receipts         bool          `json:"receipts"` // whether the receipts were served and checked
	Proposer         *ProposerView `json:"proposer,omitempty"`
	Quorum           *QuorumView   `json:"quorum,omitempty"` // absent on the genesis block
	Sealers          []SealerView  `json:"sealers"`
	// Outsiders are signatures whose sealer index is outside the list.
	Outsiders []SealerView `json:"outsiders,omitempty"`
}

// ProposerView is the sealer that proposed a block.
type ProposerView struct {
	Index  uint64 `json:"index"`
	NodeID string `json:"nodeId"`
}

// QuorumView is the PBFT vote weight a block needed and what its valid,
// distinct sealer signatures carry.
type QuorumView struct {
	SignedWeight uint64 `json:"signedWeight"`
	Needed       uint64 `json:"needed"`
	TotalWeight  uint64 `json:"totalWeight"`
	Reached      bool   `json:"reached"`
	Text         string `json:"text"` // "signed weight / needed"
}

// SealerView is one sealer of a block's sealer list and its signature.
type SealerView struct {
	Index    uint64 `json:"index"`
	NodeID   string `json:"nodeId"`
	Weight   uint64 `json:"weight"`
	Proposer bool   `json:"proposer"`
	Signed   bool   `json:"signed"`
	// Verdict is the signature's verdict: verified, failed, unverified,
	// or unsigned when the block carries no signature of the sealer.
	Verdict string `json:"verdict"`
	// Signature is the position of the sealer's signature in the block's
	// signatures, -1 when unsigned.
	Signature int `json:"signature"`
}

// FiscoTxView carries the FISCO BCOS-specific parts of a transaction.
type FiscoTxView struct {
	TxVersion       uint64          `json:"txVersion"`
	ChainID         string          `json:"chainId,omitempty"`
	GroupID         string          `json:"groupId,omitempty"`
	BlockLimit      uint64          `json:"blockLimit"`
	Nonce           string          `json:"nonce"`
	ABI             string          `json:"abi,omitempty"`
	Input           string          `json:"input,omitempty"`
	ImportTime      uint64          `json:"importTime,omitempty"` // unix milliseconds
	Attribute       uint64          `json:"attribute,omitempty"`
	ExtraData       string          `json:"extraData,omitempty"`
	Extension       string          `json:"extension,omitempty"`
	Signature       string          `json:"signature,omitempty"`
	PublicKey       string          `json:"publicKey,omitempty"` // the sender's key: carried (SM2) or recovered (secp256k1)
	ReceiptStatus   int64           `json:"receiptStatus"`
	ReceiptHash     string          `json:"receiptHash,omitempty"`
	Output          string          `json:"output,omitempty"`
	ContractAddress string          `json:"contractAddress,omitempty"`
	Governance      *GovernanceView `json:"governance,omitempty"`
}

// GovernanceView is a consortium change made through a FISCO BCOS system
// contract.
type GovernanceView struct {
	Contract string            `json:"contract"`
	Action   string            `json:"action"`
	Method   string            `json:"method"`
	NodeID   string            `json:"nodeId,omitempty"`
	Weight   *uint64           `json:"weight,omitempty"`
	Key      string            `json:"key,omitempty"`
	Value    string            `json:"value,omitempty"`
	Account  string            `json:"account,omitempty"`
	Args     map[string]string `json:"args,omitempty"`
	Error    string            `json:"error,omitempty"` // the call did not decode
}

// GovernanceRecordView is one entry of a chain's governance history.
type GovernanceRecordView struct {
	Chain      string         `json:"chain"`
	Height     uint64         `json:"height"`
	Index      int            `json:"index"`
	TxID       string         `json:"tx"`
	Time       string         `json:"time"`
	From       string         `json:"from,omitempty"`
	Success    bool           `json:"success"`
	Status     string         `json:"status"`
	Governance GovernanceView `json:"governance"`
}

// SealersView is a FISCO BCOS chain's current sealer list (the newest
// block's) with each sealer's ledger-derived health over the newest
// blocks.
type SealersView struct {
	Chain  string  `json:"chain"`
	Height *uint64 `json:"height"` // newest block, null before the first
	Hash   string  `json:"hash,omitempty"`
	Window int     `json:"window"` // blocks asked for
	Blocks int     `json:"blocks"` // blocks read (fewer on a short chain)
	// Sealable counts the blocks read that sealers sign (all but genesis).
	Sealable int         `json:"sealable"`
	From     uint64      `json:"from"` // oldest block read
	To       uint64      `json:"to"`   // newest block read
	Quorum   *QuorumView `json:"quorum,omitempty"`
	// Sealers is the newest block's sealer list.
	Sealers []SealerHealthView `json:"sealers"`
}

// SealerHealthView is one current sealer and what the newest blocks say
// about it.
type SealerHealthView struct {
	Index    int    `json:"index"`
	NodeID   string `json:"nodeId"`
	Weight   uint64 `json:"weight"`
	Proposer bool   `json:"proposer"` // proposed the newest block
	Signed   int    `json:"signed"`   // blocks with its valid signature
	Failed   int    `json:"failed"`   // blocks whose signature of it did not verify
	Proposed int    `json:"proposed"` // blocks it proposed
	// LastSigned is the newest block it validly signed, null when none in
	// the window.
	LastSigned     *uint64 `json:"lastSigned"`
	LastSignedTime string  `json:"lastSignedTime,omitempty"`
}
