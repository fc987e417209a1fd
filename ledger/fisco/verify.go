package fisco

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Config describes the chain a Verifier checks.
type Config struct {
	// Chain is the chain id findings are filed under.
	Chain string
	// Group is the FISCO group (3.x name such as "group0", 2.x id such as "1").
	Group string
	// Version is the FISCO BCOS line, 2 or 3; 0 detects it from the first
	// block and pins it.
	Version int
	// Suite is the crypto mode; SuiteUnknown detects it from the first
	// block whose hash reproduces under one suite, and pins it.
	Suite Suite
	// KeyTables bounds the per-key tables (audit/ecfast) that hot keys,
	// sealers and busy senders, get: default 64, about 449 KiB each; a
	// negative value verifies every signature with the libraries (gmsm,
	// go-ethereum's secp256k1 recovery) instead.
	KeyTables int
	// Sealers optionally pins the sealer list (node ids, hex) the first
	// block verified must carry; later lists must follow from governance.
	Sealers []string
	// Orgs maps sealer node ids (lower-case hex) to the organisation that
	// runs them, for the weight-share check; optional.
	Orgs map[string]string
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Chain == "":
		return fmt.Errorf("%w: fisco: chain id is empty", ledger.ErrInvalid)
	case c.Version != 0 && c.Version != 2 && c.Version != 3:
		return fmt.Errorf("%w: fisco: version %d (want 2 or 3)", ledger.ErrInvalid, c.Version)
	}
	for _, s := range c.Sealers {
		if b, err := hex.DecodeString(strings.TrimPrefix(s, "0x")); err != nil || len(b) != 64 {
			return fmt.Errorf("%w: fisco: sealer %q is not a 64-byte hex node id", ledger.ErrInvalid, s)
		}
	}
	return nil
}

// Verifier re-verifies the blocks of one FISCO BCOS chain (one group) in
// height order: every hash, root and signature from the data itself, and
// the link and sealer set from one block to the next. It is not safe for
// concurrent use; its checks of each block are independent of the others
// except for the chain state it carries forward.
type Verifier struct {
	cfg     Config
	version int
	suite   Suite
	sig     signer
	prev    *linkState
	gov     govState
}

// linkState is what the next block is checked against.
type linkState struct {
	height  uint64
	hash    []byte
	sealers []string
	// govSealers is set when a consensus governance transaction was seen
	// since the sealer list was last compared: the next list may change.
	govSealers bool
	observers  map[string]bool
}

// NewVerifier returns a verifier for one chain.
func NewVerifier(cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg, version: cfg.Version, suite: cfg.Suite}
	if cfg.KeyTables == 0 {
		cfg.KeyTables = 64
	}
	v.cfg = cfg
	v.sig = signer{suite: cfg.Suite, keys: newKeyCache(cfg.KeyTables)}
	return v, nil
}

// Tabled returns how many signature checks used a per-key table.
func (v *Verifier) Tabled() int64 { return v.sig.keys.tabled.Load() }

// Suite returns the pinned crypto mode (SuiteUnknown before any block).
func (v *Verifier) Suite() Suite { return v.suite }

// Version returns the pinned FISCO BCOS line (0 before any block).
func (v *Verifier) Version() int { return v.version }

// report records one check on a block or transaction and, when it failed,
// a finding for rule r.
type report struct {
	chain string
	b     *ledger.Block
}

func (r report) blockSubject() ledger.Subject {
	return ledger.Subject{Kind: "block", Ref: hex.EncodeToString(r.b.Hash), Height: r.b.Height}
}

func (r report) txSubject(tx *ledger.Tx) ledger.Subject {
	return ledger.Subject{Kind: "tx", Ref: tx.ID, Height: r.b.Height}
}

// check records a check on tx (nil for the block) and files a finding for
// rule rule when it failed.
func (r report) check(rule *ledger.RuleInfo, tx *ledger.Tx, name string, ok bool, detail string, evidence map[string]string) {
	if ok {
		detail = ""
	}
	// Only integrity and cryptographic checks (rule.Verifies) join the
	// verdicts; notes and risks are findings beside them.
	if tx != nil {
		if tx.Verdict.Check(rule, name, ok, detail) && !ok {
			r.b.Verdict.Add("tx "+tx.ID+" "+name, false, detail)
		}
	} else {
		r.b.Verdict.Check(rule, name, ok, detail)
	}
	if ok {
		return
	}
	subj := r.blockSubject()
	if tx != nil {
		subj = r.txSubject(tx)
	}
	if evidence == nil {
		evidence = map[string]string{}
	}
	evidence["block"] = hex.EncodeToString(r.b.Hash)
	evidence["height"] = fmt.Sprint(r.b.Height)
	r.b.Findings = append(r.b.Findings, ledger.NewFinding(rule, r.chain, subj, r.b.Time, rule.Title+": "+detail, evidence))
}

// checkLazy is check for the per-transaction hot path: the failure's
// detail and evidence are built only when the check fails.
func (r report) checkLazy(rule *ledger.RuleInfo, tx *ledger.Tx, name string, ok bool, failure func() (string, map[string]string)) {
	if ok {
		r.check(rule, tx, name, true, "", nil)
		return
	}
	detail, evidence := failure()
	r.check(rule, tx, name, false, detail, evidence)
}

// note files an informational finding (data that cannot be verified)
// without failing the verdict.
func (r report) note(rule *ledger.RuleInfo, tx *ledger.Tx, detail string) {
	r.check(rule, tx, "verifiable", false, detail, map[string]string{"reason": detail})
}

// hashOnlyTx records a transaction a block lists by hash only (onlyTxHash,
// or 2.x without full transactions) and returns the hash.
func (v *Verifier) hashOnlyTx(b *ledger.Block, i int, raw []byte) ([]byte, error) {
	var h hexBytes
	if err := unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("%w: block %d tx %d hash: %w", ErrMalformed, b.Height, i, err)
	}
	b.Txs = append(b.Txs, ledger.Tx{ID: hx(h.b), Chain: v.cfg.Chain, Height: b.Height, Index: i, Time: b.Time})
	return h.b, nil
}

// malformedTx records a transaction of a block that does not decode, with
// a finding; the block's other checks go on.
func (v *Verifier) malformedTx(r report, b *ledger.Block, i int, err error) {
	b.Txs = append(b.Txs, ledger.Tx{ID: fmt.Sprintf("%d-%d", b.Height, i), Chain: v.cfg.Chain, Height: b.Height, Index: i})
	r.check(RuleMalformed, &b.Txs[len(b.Txs)-1], "decode", false, fmt.Sprintf("transaction %d: %v", i, err),
		map[string]string{"index": fmt.Sprint(i), "error": err.Error(), "part": "transaction"})
}

// quorum is the vote weight PBFT needs out of total: total − ⌊(total−1)/3⌋.
func quorum(total uint64) uint64 {
	if total == 0 {
		return 0
	}
	return total - (total-1)/3
}

func hx(b []byte) string { return hex.EncodeToString(b) }

func msTime(ms uint64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms)).UTC()
}

// addrOf normalises an address for comparison: lower case with 0x.
// sameAddr reports whether addrOf(reported) == derived (a 0x-prefixed
// lower-case address) without building the string.
func sameAddr(reported, derived string) bool {
	r := strings.TrimSpace(reported)
	if len(r) >= 2 && r[0] == '0' && (r[1] == 'x' || r[1] == 'X') {
		r = r[2:]
	}
	return len(derived) >= 2 && strings.EqualFold(r, derived[2:]) && derived[:2] == "0x"
}

// sameHex reports whether hx(b) == s.
func sameHex(b []byte, s string) bool {
	if len(s) != 2*len(b) {
		return false
	}
	const digits = "0123456789abcdef"
	for i, c := range b {
		if s[2*i] != digits[c>>4] || s[2*i+1] != digits[c&0xf] {
			return false
		}
	}
	return true
}

func addrOf(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "0x") {
		s = "0x" + s
	}
	return s
}
