package audit

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"runtime"
	"strconv"
	"time"

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

// Auditor re-verifies the blocks of one chain in height order through one
// pipeline for every chain kind: it reads blocks, hands them to the
// chain kind's verifier (the Fabric checks of this package, or the
// adapter's [Verifier] of an EVM or FISCO BCOS chain), and counts,
// checkpoints and stores what comes back the same way for all. Its
// methods must not be called concurrently; Run parallelises internally.
type Auditor struct {
	*progress
	kind chainVerifier
	// below is set when the auditor continues a stored checkpoint below
	// the current one: its state is not the stored head's, so it stores
	// records only.
	below bool
}

// progress is what an audit shares with its chain kind's verifier: the
// configuration, the totals so far and the last block checked.
type progress struct {
	cfg  Config
	sum  Summary
	prev *link
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
	cfg = cfg.withDefaults()
	p := &progress{cfg: cfg, sum: Summary{Chain: cfg.Chain.ID, Findings: map[string]int{}}}
	kind, err := newChainVerifier(p)
	if err != nil {
		return nil, err
	}
	return &Auditor{progress: p, kind: kind}, nil
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
	f, ok := a.kind.(*fabricChecks)
	if !ok {
		return fmt.Errorf("%w: prime: chain %s is %s, which resumes from the stored block below", ErrConfig, a.cfg.Chain.ID, a.cfg.Chain.Kind)
	}
	return f.prime(configBlock, previous)
}

// Checkpoint returns the audit checkpoint after the last block checked,
// stamped at: with what a later audit resumes from (for a Fabric channel
// the pinned SM2 convention and the endorsement policies committed so
// far). Key-level policies are given as the changes since the previous
// Checkpoint, so each checkpoint must be stored (with Store.PutAudit)
// before the next is taken.
func (a *Auditor) Checkpoint(at time.Time) record.AuditCheckpoint {
	cp := record.AuditCheckpoint{At: at}
	if a.prev != nil {
		cp.Height = a.prev.height
	}
	a.kind.save(&cp)
	return cp
}

// Restore sets the endorsement policies committed before the first
// audited block, from the checkpoint of an audit that ended right below
// it.
func (a *Auditor) Restore(cp record.AuditCheckpoint) {
	a.kind.restore(cp)
}

// Block audits the next block of the chain.
func (a *Auditor) Block(raw []byte) *BlockResult {
	var h uint64
	if a.prev != nil {
		h = a.prev.height + 1
	}
	var res *BlockResult
	err := a.Run(context.Background(), func(yield func(fabric.RawBlock, error) bool) {
		yield(fabric.RawBlock{Number: h, Bytes: raw}, nil)
	}, func(r *BlockResult) error { res = r; return nil })
	if err != nil {
		res = &BlockResult{Height: h}
		res.Verdict.Add("decode", false, err.Error())
	}
	return res
}

// Run audits the blocks of src in order with the chain kind's verifier,
// which checks them on Config.Workers goroutines at most Config.Window
// blocks ahead of the ordered checks; emit receives each block's result
// in source order. Run stops at the first error of src, of emit or of
// ctx.
func (a *Auditor) Run(ctx context.Context, src iter.Seq2[fabric.RawBlock, error], emit func(*BlockResult) error) error {
	return a.kind.run(ctx, src, emit)
}

// Summary returns the totals so far.
func (a *Auditor) Summary() Summary {
	s := a.sum
	a.kind.count(&s)
	s.Findings = make(map[string]int, len(a.sum.Findings))
	for k, n := range a.sum.Findings {
		s.Findings[k] = n
	}
	return s
}

// report records a finding in the block result and the summary.
func (p *progress) report(res *BlockResult, r *ledger.RuleInfo, subj ledger.Subject, msg string, ev map[string]string) {
	f := ledger.NewFinding(r, p.cfg.Chain.ID, subj, p.cfg.Now().UTC(), msg, ev)
	res.Findings = append(res.Findings, f)
	p.tally(&f)
}

// tally counts a finding raised in the summary.
func (p *progress) tally(f *ledger.Finding) {
	p.sum.Findings[f.Rule]++
	if f.Category == ledger.CatIntegrity {
		p.sum.Integrity++
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
