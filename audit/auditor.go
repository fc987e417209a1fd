package audit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"log/slog"
	"runtime"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

// DefaultExpiryWarning is how long before expiry a certificate is
// reported as expiring soon.
const DefaultExpiryWarning = 30 * 24 * time.Hour

// Config configures an [Auditor] for one chain.
type Config struct {
	// Chain is the audited chain: its id names findings and its Crypto
	// profile ("gm") enables the national-crypto compliance rules.
	Chain ledger.Chain
	// Workers is the number of goroutines decoding and verifying blocks;
	// zero means one per CPU.
	Workers int
	// Window bounds the blocks in flight between reading and the ordered
	// checks; zero means 4 per worker.
	Window int
	// SM2PreHash imposes an SM2 pre-hash convention (PreHashNone,
	// PreHashSM3, PreHashSHA256); empty detects it from the chain's first
	// SM2 signature and pins it.
	SM2PreHash string
	// KeyTables bounds the per-key precomputed tables kept for hot signers
	// (see package ecfast); zero means DefaultKeyTables, a negative value
	// verifies every signature with crypto/ecdsa or gmsm.
	KeyTables int
	// ExpiryWarning is the window of CRY-CERT-EXPIRING; zero means
	// DefaultExpiryWarning.
	ExpiryWarning time.Duration
	// Now gives the time certificate expiry is judged at and findings are
	// stamped with; nil means time.Now.
	Now func() time.Time
	// Logger receives progress and problems; nil discards.
	Logger *slog.Logger
}

// Validate reports whether the configuration can be used.
func (c Config) Validate() error {
	switch {
	case c.Chain.ID == "":
		return fmt.Errorf("%w: no chain id", ErrConfig)
	case c.Workers < 0 || c.Window < 0 || c.ExpiryWarning < 0:
		return fmt.Errorf("%w: negative workers, window or expiry warning", ErrConfig)
	}
	switch c.SM2PreHash {
	case "", PreHashNone, PreHashSM3, PreHashSHA256:
	default:
		return fmt.Errorf("%w: SM2 pre-hash %q is not none, SM3 or SHA256", ErrConfig, c.SM2PreHash)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Window == 0 {
		c.Window = 4 * c.Workers
	}
	if c.ExpiryWarning == 0 {
		c.ExpiryWarning = DefaultExpiryWarning
	}
	if c.KeyTables == 0 {
		c.KeyTables = DefaultKeyTables
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// BlockResult is the audit of one block: its verdict, one verdict per
// transaction and the findings raised.
type BlockResult struct {
	Height     uint64
	Hash       []byte // header hash under the channel's hashing algorithm
	Verdict    ledger.Verdict
	Txs        []TxVerdict
	Findings   []ledger.Finding
	Signatures int // signatures checked
}

// TxVerdict is the verdict of one transaction of a block.
type TxVerdict struct {
	Index   int
	ID      string
	Verdict ledger.Verdict
}

// Summary totals an audit run.
type Summary struct {
	Chain      string
	Blocks     int
	Txs        int
	Signatures int // signatures checked
	Verifies   int // cryptographic verifications performed
	Reused     int // signatures whose identical triple was verified before
	Tabled     int // verifications that used a per-key precomputed table
	First      uint64
	Last       uint64
	// SM2PreHash is the SM2 pre-hash convention pinned for the chain,
	// empty when it has no SM2 signature.
	SM2PreHash string
	// Findings counts findings by rule id.
	Findings map[string]int
	// Integrity counts findings of category integrity.
	Integrity int
}

// Auditor re-verifies the blocks of one chain in height order: a Fabric
// channel with its own checks, an EVM or FISCO BCOS chain with its
// adapter's [Verifier]. Its methods must not be called concurrently; Run
// parallelises internally.
type Auditor struct {
	cfg Config
	// ext verifies the blocks of a chain whose adapter checks them (EVM,
	// FISCO BCOS); nil for a Fabric channel. extVerifies counts the
	// signatures it verified.
	ext         Verifier
	extVerifies int
	v           *verifier
	dec         *fabric.Decoder
	trust       *trust // config in force
	prev        *link
	endorse     *endorsementState // endorsement policies committed so far
	checked     map[string]bool   // certificates already put through the crypto rules
	// priorUnknown is set while the config in force before the block
	// being checked is not known for sure: the block is the first seen
	// and brought its own config, or blocks were missing, repeated or
	// unreadable since the last config block. staleConfig carries the
	// latter from block to block until a config block arrives in order;
	// frozen is set while a block at or below the last one is checked, so
	// that it changes no state.
	priorUnknown, staleConfig, frozen bool
	sum                               Summary
	commit                            commitChain // the peer's commit-hash chain
}

// link is the last block checked.
type link struct {
	height uint64
	hash   []byte
}

// New returns an auditor for cfg.Chain.
func New(cfg Config) (*Auditor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dec, err := fabric.NewDecoder(fabric.Config{})
	if err != nil {
		return nil, fmt.Errorf("new decoder: %w", err)
	}
	cfg = cfg.withDefaults()
	a := &Auditor{
		cfg: cfg, v: newVerifier(cfg.SM2PreHash, cfg.KeyTables), dec: dec,
		endorse: newEndorsementState(), checked: map[string]bool{},
		sum: Summary{Chain: cfg.Chain.ID, Findings: map[string]int{}},
	}
	if adapted(cfg.Chain.Kind) {
		if a.ext, err = NewVerifier(cfg.Chain); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Prime sets the state an audit starting above height 0 needs: the
// config block in force and the block just below the first audited one
// (nil when the audit starts right after the config block or at 0).
// Chaincode policies committed before the first audited block are not
// known, so endorsement policies of their transactions are not evaluated
// until a definition is seen.
//
// Prime serves Fabric channels only; an EVM or FISCO BCOS chain resumes
// from the store (Reaudit, Follow).
func (a *Auditor) Prime(configBlock, previous []byte) error {
	if a.ext != nil {
		return fmt.Errorf("%w: prime: chain %s is %s, which resumes from the stored block below", ErrConfig, a.cfg.Chain.ID, a.cfg.Chain.Kind)
	}
	cb, err := a.dec.DecodeBlock(a.cfg.Chain.ID, configBlock)
	if err != nil {
		return fmt.Errorf("prime: config block: %w", err)
	}
	if cb.Config == nil {
		return fmt.Errorf("prime: block %d: %w: not a config block", cb.Height, ErrNoConfig)
	}
	a.trust = newTrust(cb.Config)
	last := cb
	if previous != nil {
		if last, err = a.dec.DecodeBlock(a.cfg.Chain.ID, previous); err != nil {
			return fmt.Errorf("prime: previous block: %w", err)
		}
	}
	a.prev = &link{height: last.Height, hash: a.headerHash(last)}
	a.commit.prime(last)
	return nil
}

// Checkpoint returns the audit checkpoint after the last block checked,
// stamped at: with what a later audit resumes from (the pinned SM2
// convention and the endorsement policies committed so far). Key-level
// policies are given as the changes since the previous Checkpoint, so
// each checkpoint must be stored (with Store.PutAudit) before the
// next is taken.
func (a *Auditor) Checkpoint(at time.Time) record.AuditCheckpoint {
	cp := record.AuditCheckpoint{At: at, SM2PreHash: a.v.PreHash()}
	if a.prev != nil {
		cp.Height = a.prev.height
	}
	if a.ext != nil {
		return cp // the adapter's chain state is rebuilt from the stored blocks
	}
	a.endorse.save(&cp)
	a.commit.state.save(&cp)
	return cp
}

// Restore sets the endorsement policies committed before the first
// audited block, from the checkpoint of an audit that ended right below
// it.
func (a *Auditor) Restore(cp record.AuditCheckpoint) {
	a.endorse.restore(cp)
	a.commit.state.restoreStored(cp)
}

// Block audits the next block of the chain.
func (a *Auditor) Block(raw []byte) *BlockResult {
	if a.ext != nil {
		var res *BlockResult
		var h uint64
		if a.prev != nil {
			h = a.prev.height + 1
		}
		err := a.runVerifier(context.Background(), func(yield func(fabric.RawBlock, error) bool) {
			yield(fabric.RawBlock{Number: h, Bytes: raw}, nil)
		}, func(r *BlockResult) error { res = r; return nil })
		if err != nil {
			res = &BlockResult{Height: h}
			res.Verdict.Add("decode", false, err.Error())
		}
		return res
	}
	return a.checkBlock(a.prepare(raw))
}

// Summary returns the totals so far.
func (a *Auditor) Summary() Summary {
	s := a.sum
	s.Verifies, s.Reused, s.Tabled = int(a.v.verifies.Load()), int(a.v.reused.Load()), int(a.v.tabled.Load())
	s.Verifies += a.extVerifies
	s.SM2PreHash = a.v.PreHash()
	s.Findings = make(map[string]int, len(a.sum.Findings))
	for k, n := range a.sum.Findings {
		s.Findings[k] = n
	}
	return s
}

// hashAlgo is the channel's HashingAlgorithm in force, SHA256 by default.
func (a *Auditor) hashAlgo() string {
	if a.trust != nil && a.trust.cfg.HashingAlgo != "" {
		return a.trust.cfg.HashingAlgo
	}
	return fabric.SHA256
}

// newHash returns the hash of the channel's HashingAlgorithm.
func (a *Auditor) newHash() hash.Hash {
	if a.hashAlgo() == fabric.SM3 {
		return sm3.New()
	}
	return sha256.New()
}

// headerHash is the block hash under the channel's hashing algorithm.
func (a *Auditor) headerHash(b *ledger.Block) []byte {
	h := a.newHash()
	h.Write(fabric.HeaderBytes(b.Height, b.ParentHash, b.DataHash))
	return h.Sum(nil)
}

// report records a finding in the block result and the summary.
func (a *Auditor) report(res *BlockResult, r *ledger.RuleInfo, subj ledger.Subject, msg string, ev map[string]string) {
	f := ledger.NewFinding(r, a.cfg.Chain.ID, subj, a.cfg.Now().UTC(), msg, ev)
	res.Findings = append(res.Findings, f)
	a.sum.Findings[r.ID]++
	if r.Category == ledger.CatIntegrity {
		a.sum.Integrity++
	}
}

// blockSubject names a block in findings.
func blockSubject(height uint64) ledger.Subject {
	return ledger.Subject{Kind: "block", Ref: strconv.FormatUint(height, 10), Height: height}
}

// txSubject names a transaction, or one of its signatures when what is
// not empty, in findings.
func txSubject(tx *ledger.Tx, what string) ledger.Subject {
	ref := tx.ID
	if ref == "" {
		ref = fmt.Sprintf("%d:%d", tx.Height, tx.Index)
	}
	if what != "" {
		ref += "/" + what
	}
	return ledger.Subject{Kind: "tx", Ref: ref, Height: tx.Height}
}
