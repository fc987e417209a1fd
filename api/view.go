package api

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"time"
	"unicode/utf8"

	"github.com/lianjian/lianjian/ledger"
)

// The response types below are the API's wire format. They are kept apart
// from the domain model so that the model can change without breaking
// clients: hashes and bytes are hex strings, 0x-prefixed on EVM and FISCO
// BCOS chains and bare on Fabric, as each platform's own tools print them
// (hexOf); times RFC 3339 UTC, and amounts decimal strings.

// List is the envelope of every listing. Next is the cursor of the next
// page, empty on the last one.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func list[T any](items []T, next string) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Next: next}
}

// Status is the body of the health and readiness probes.
type Status struct {
	Status string `json:"status"`
}

// hexBytes renders bytes as 0x-prefixed hex; nil stays empty.
func hexBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return "0x" + hex.EncodeToString(b)
}

// bareHex renders bytes as hex without a prefix, as Fabric's tools
// (peer, configtxlator) print hashes and transaction ids; nil stays empty.
func bareHex(b []byte) string {
	return hex.EncodeToString(b)
}

// hexOf renders bytes in the hex convention of the chain they come from:
// bare on Fabric, 0x-prefixed on EVM and FISCO BCOS.
func hexOf(fabric bool, b []byte) string {
	if fabric {
		return bareHex(b)
	}
	return hexBytes(b)
}

// txIDOf renders a stored transaction id (lower-case hex without a
// prefix) in its chain's convention, as hexOf does for hashes: bare on
// Fabric, 0x-prefixed on EVM and FISCO BCOS. Lookups take either form.
func txIDOf(fabric bool, id string) string {
	if fabric || id == "" || hasHexPrefix(id) {
		return id
	}
	return "0x" + id
}

// hexList renders each of bs with hexOf.
func hexList(fabric bool, bs [][]byte) []string {
	if len(bs) == 0 {
		return nil
	}
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = hexOf(fabric, b)
	}
	return out
}

// PEM block types of the certificates and CRLs carried by channel configs.
const (
	pemCert = "CERTIFICATE"
	pemCRL  = "X509 CRL"
)

// pemText renders a DER certificate or CRL as PEM text; bytes that are
// already PEM are returned as they are.
func pemText(b []byte, typ string) string {
	if len(b) == 0 {
		return ""
	}
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")) && utf8.Valid(b) {
		return string(b)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}))
}

func pemList(bs [][]byte, typ string) []string {
	if len(bs) == 0 {
		return nil
	}
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = pemText(b, typ)
	}
	return out
}

// timeText renders a time as RFC 3339 in UTC; the zero time stays empty.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ChainView is a supervised chain and how far ingest has got.
type ChainView struct {
	ID      string  `json:"id"`
	Kind    string  `json:"kind"`
	Name    string  `json:"name,omitempty"`
	Network string  `json:"network,omitempty"`
	Channel string  `json:"channel,omitempty"`
	Crypto  string  `json:"crypto"`
	ChainID uint64  `json:"chainId,omitempty"`
	Group   string  `json:"group,omitempty"` // FISCO BCOS group
	Head    *uint64 `json:"head"`            // node head height, null when unknown
	Height  *uint64 `json:"height"`          // ingested height (checkpoint), null before the first block
	Hash    string  `json:"hash,omitempty"`  // hash of the checkpoint block
	Lag     *uint64 `json:"lag"`             // head - height, null when either is unknown
	// AuditHeight is the last block the auditor re-verified, absent
	// before it has audited any.
	AuditHeight *uint64 `json:"auditHeight,omitempty"`
}

// VerdictView is what verification concluded about an object.
type VerdictView struct {
	Status string      `json:"status"` // verified, failed or unverified
	Checks []CheckView `json:"checks,omitempty"`
}

// CheckView is one verification step.
type CheckView struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// AuditView is the auditor's stored verdict on a block or transaction:
// signatures, certificates, policies and hash links re-checked against the
// channel's own trust anchors.
type AuditView struct {
	VerdictView
	At string `json:"at"`
	// Findings are the ids of the findings the audit of a block raised
	// (about the block or its transactions), the same ids as the findings
	// routes serve: a problem ingest saw too is one finding. Absent on
	// transactions.
	Findings []string `json:"findings,omitempty"`
}

func verdictView(v ledger.Verdict) VerdictView {
	out := VerdictView{Status: string(v.Status)}
	if v.Status == ledger.Unverified {
		out.Status = "unverified"
	}
	for _, c := range v.Checks {
		out.Checks = append(out.Checks, CheckView{Name: c.Name, OK: c.OK, Detail: c.Detail})
	}
	return out
}

// IdentityView is a signer: an MSP member's certificate or an EVM account.
type IdentityView struct {
	MSPID        string   `json:"mspId,omitempty"`
	Address      string   `json:"address,omitempty"`
	Subject      string   `json:"subject,omitempty"`
	Issuer       string   `json:"issuer,omitempty"`
	Serial       string   `json:"serial,omitempty"`
	Fingerprint  string   `json:"fingerprint,omitempty"`
	NotBefore    string   `json:"notBefore,omitempty"`
	NotAfter     string   `json:"notAfter,omitempty"`
	KeyAlgorithm string   `json:"keyAlgorithm,omitempty"`
	OUs          []string `json:"ous,omitempty"`
	Cert         string   `json:"cert,omitempty"` // PEM, only with ?raw=1
}

func identityView(id ledger.Identity, raw bool) IdentityView {
	v := IdentityView{
		MSPID: id.MSPID, Address: id.Address, Subject: id.Subject, Issuer: id.Issuer,
		Serial: id.Serial, Fingerprint: id.Fingerprint, KeyAlgorithm: id.KeyAlgorithm,
		NotBefore: timeText(id.NotBefore), NotAfter: timeText(id.NotAfter), OUs: id.OUs,
	}
	if raw {
		v.Cert = pemText(id.Cert, pemCert)
	}
	return v
}

// SignatureView is one signature and its verdict.
type SignatureView struct {
	Role      string       `json:"role"`
	Signer    IdentityView `json:"signer"`
	Algorithm string       `json:"algorithm"`
	Value     string       `json:"value"`
	Verdict   VerdictView  `json:"verdict"`
}

func signatureViews(sigs []ledger.Signature, fabric, raw bool) []SignatureView {
	out := make([]SignatureView, 0, len(sigs))
	for _, s := range sigs {
		out = append(out, SignatureView{
			Role: s.Role, Signer: identityView(s.Signer, raw), Algorithm: s.Algorithm,
			Value: hexOf(fabric, s.Value), Verdict: verdictView(s.Verdict),
		})
	}
	return out
}

// BlockSummary is a block as listed: its header, transaction count and
// verdict.
type BlockSummary struct {
	Chain      string `json:"chain"`
	Height     uint64 `json:"height"`
	Hash       string `json:"hash"`
	ParentHash string `json:"parentHash"`
	Time       string `json:"time"`
	TxCount    int    `json:"txCount"`
	Verdict    string `json:"verdict"` // the one verification status, ingest and audit combined
}

func blockSummary(b *ledger.Block) BlockSummary {
	fab := b.Fabric != nil
	return BlockSummary{
		Chain: b.Chain, Height: b.Height, Hash: hexOf(fab, b.Hash), ParentHash: hexOf(fab, b.ParentHash),
		Time: timeText(b.Time), TxCount: max(len(b.Txs), b.TxCount), Verdict: verdictView(b.Verdict).Status,
	}
}

// BlockView is one block with its signatures, transactions and verdict.
type BlockView struct {
	Chain      string           `json:"chain"`
	Height     uint64           `json:"height"`
	Hash       string           `json:"hash"`
	ParentHash string           `json:"parentHash"`
	Time       string           `json:"time"`
	TxCount    int              `json:"txCount"`
	DataHash   string           `json:"dataHash,omitempty"`
	StateRoot  string           `json:"stateRoot,omitempty"`
	Proposer   string           `json:"proposer,omitempty"`
	GasUsed    uint64           `json:"gasUsed,omitempty"`
	GasLimit   uint64           `json:"gasLimit,omitempty"`
	BaseFee    string           `json:"baseFee,omitempty"`
	Signatures []SignatureView  `json:"signatures"`
	Txs        []TxSummary      `json:"txs"`
	Contracts  []string         `json:"contracts,omitempty"` // addresses created in the block
	Fabric     *FabricBlockView `json:"fabric,omitempty"`
	Fisco      *FiscoBlockView  `json:"fisco,omitempty"`
	Config     *ConfigView      `json:"config,omitempty"`
	// Verdict is the block's one verification status, from integrity and
	// cryptographic checks only: the ingest's and the auditor's combined.
	// Risk findings about the block are served by the findings routes.
	Verdict VerdictView `json:"verdict"`
	Audit   *AuditView  `json:"audit,omitempty"` // the auditor's re-verification, when it has run
	Raw     string      `json:"raw,omitempty"`   // only with ?raw=1
}

func blockView(b *ledger.Block, raw bool) BlockView {
	fab := b.Fabric != nil
	v := BlockView{
		Chain: b.Chain, Height: b.Height, Hash: hexOf(fab, b.Hash), ParentHash: hexOf(fab, b.ParentHash),
		Time: timeText(b.Time), TxCount: max(len(b.Txs), b.TxCount),
		DataHash: hexOf(fab, b.DataHash), StateRoot: hexOf(fab, b.StateRoot),
		Proposer: b.Proposer, GasUsed: b.GasUsed, GasLimit: b.GasLimit, BaseFee: b.BaseFee,
		Signatures: signatureViews(b.Signatures, fab, raw),
		Txs:        make([]TxSummary, 0, len(b.Txs)),
		Fabric:     fabricBlockView(b.Fabric),
		Fisco:      fiscoBlockView(b, ""),
		Config:     configView(b.Config, raw),
		Verdict:    verdictView(b.Verdict),
	}
	for i := range b.Txs {
		v.Txs = append(v.Txs, txSummary(&b.Txs[i], fab))
	}
	for _, c := range b.Contracts {
		v.Contracts = append(v.Contracts, c.Address)
	}
	if raw {
		v.Raw = hexOf(fab, b.Raw)
	}
	return v
}

// TxSummary is a transaction as listed in a block.
type TxSummary struct {
	ID      string `json:"id"`
	Index   int    `json:"index"`
	Type    string `json:"type"`
	Status  string `json:"status"`
	Valid   bool   `json:"valid"`
	Verdict string `json:"verdict"`         // the one verification status, ingest and audit combined
	Audit   string `json:"audit,omitempty"` // the auditor's verdict status, when it has run
}

func txSummary(t *ledger.Tx, fabric bool) TxSummary {
	return TxSummary{
		ID: txIDOf(fabric, t.ID), Index: t.Index, Type: t.Type, Status: t.Status, Valid: t.Valid,
		Verdict: verdictView(t.Verdict).Status,
	}
}

// TxView is one transaction with its signatures and verification verdict.
type TxView struct {
	ID         string          `json:"id"`
	Chain      string          `json:"chain"`
	Height     uint64          `json:"height"`
	Index      int             `json:"index"`
	Type       string          `json:"type"`
	Time       string          `json:"time"`
	Creator    *IdentityView   `json:"creator,omitempty"`
	From       string          `json:"from,omitempty"`
	To         string          `json:"to,omitempty"`
	Contract   string          `json:"contract,omitempty"`
	Function   string          `json:"function,omitempty"`
	Value      string          `json:"value,omitempty"`
	Nonce      uint64          `json:"nonce"`
	Gas        uint64          `json:"gas,omitempty"`
	GasUsed    uint64          `json:"gasUsed,omitempty"`
	GasPrice   string          `json:"gasPrice,omitempty"`
	Status     string          `json:"status"`
	Valid      bool            `json:"valid"`
	Logs       []LogView       `json:"logs,omitempty"`
	Signatures []SignatureView `json:"signatures"`
	Fabric     *FabricTxView   `json:"fabric,omitempty"`
	Fisco      *FiscoTxView    `json:"fisco,omitempty"`
	// Verdict is the transaction's one verification status, from integrity
	// and cryptographic checks only: the ingest's and the auditor's
	// combined. Risk findings (a replay risk) are served by the findings
	// routes, marked risk, and never fail it.
	Verdict VerdictView `json:"verdict"`
	Audit   *AuditView  `json:"audit,omitempty"` // the auditor's re-verification, when it has run
	Raw     string      `json:"raw,omitempty"`   // only with ?raw=1
}

// LogView is an EVM event log.
type LogView struct {
	Address string   `json:"address"`
	Topics  []string `json:"topics"`
	Data    string   `json:"data"`
	Index   uint     `json:"index"`
}

func txView(t *ledger.Tx, raw bool) TxView {
	v := TxView{
		ID: txIDOf(t.Fabric != nil, t.ID), Chain: t.Chain, Height: t.Height, Index: t.Index, Type: t.Type,
		Time: timeText(t.Time), From: t.From, To: t.To, Contract: t.Contract,
		Function: t.Function, Value: t.Value, Nonce: t.Nonce, Gas: t.Gas,
		GasUsed: t.GasUsed, GasPrice: t.GasPrice, Status: t.Status, Valid: t.Valid,
		Signatures: signatureViews(t.Sigs, t.Fabric != nil, raw),
		Fabric:     fabricTxView(t.Fabric),
		Fisco:      fiscoTxView(t),
		Verdict:    verdictView(t.Verdict),
	}
	if t.Creator != nil {
		id := identityView(*t.Creator, raw)
		v.Creator = &id
	}
	for _, l := range t.Logs {
		topics := l.Topics
		if topics == nil {
			topics = []string{}
		}
		v.Logs = append(v.Logs, LogView{Address: l.Address, Topics: topics, Data: hexBytes(l.Data), Index: l.Index})
	}
	if raw {
		v.Raw = hexOf(t.Fabric != nil, t.Raw)
	}
	return v
}

// HistoryView is one appearance of an address in a transaction.
type HistoryView struct {
	Chain  string `json:"chain"`
	Height uint64 `json:"height"`
	Index  int    `json:"index"`
	TxID   string `json:"tx"`
	Role   string `json:"role"`
}

// ContractView is a deployed EVM contract or Fabric chaincode definition.
type ContractView struct {
	Chain       string   `json:"chain"`
	Address     string   `json:"address"`
	Version     string   `json:"version,omitempty"`
	Sequence    uint64   `json:"sequence,omitempty"`
	Creator     string   `json:"creator,omitempty"`
	DeployTx    string   `json:"deployTx"`
	Height      uint64   `json:"height"`
	Time        string   `json:"time"`
	CodeHash    string   `json:"codeHash,omitempty"`
	CodeSize    int      `json:"codeSize"`
	Policy      string   `json:"policy,omitempty"`
	Collections []string `json:"collections,omitempty"`
	Code        string   `json:"code,omitempty"` // only with ?raw=1
}

func contractView(c *ledger.Contract, raw bool) ContractView {
	v := ContractView{
		Chain: c.Chain, Address: c.Address, Version: c.Version, Sequence: c.Sequence,
		Creator: c.Creator, DeployTx: c.DeployTx, Height: c.Height, Time: timeText(c.Time),
		CodeHash: hexBytes(c.CodeHash), CodeSize: len(c.Code), Policy: c.Policy,
		Collections: c.Collections,
	}
	if raw {
		v.Code = hexBytes(c.Code)
	}
	return v
}

// ReorgView is a chain reorganisation seen during ingest.
type ReorgView struct {
	Chain     string   `json:"chain"`
	Ancestor  uint64   `json:"ancestor"`
	Depth     int      `json:"depth"`
	OldHashes []string `json:"oldHashes"`
	NewHashes []string `json:"newHashes"`
	Time      string   `json:"time"`
}

func reorgView(r ledger.Reorg) ReorgView {
	return ReorgView{
		Chain: r.Chain, Ancestor: r.Ancestor, Depth: r.Depth,
		OldHashes: hexList(false, r.OldHashes), NewHashes: hexList(false, r.NewHashes), Time: timeText(r.Time),
	}
}
