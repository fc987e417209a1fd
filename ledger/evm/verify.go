package evm

import (
	"github.com/lianjian/lianjian/ledger"
)

// verifier accumulates check results on a block (and the transaction
// being checked) and turns failures into findings.
type verifier struct {
	d  *decoder
	b  *ledger.Block
	tx *ledger.Tx // nil for block-level checks
}

func (v *verifier) blockSubject() ledger.Subject {
	return ledger.Subject{Kind: "block", Ref: hexOf(v.b.Hash), Height: v.b.Height}
}

// check records one check on the current transaction (or the block) and,
// when it failed, a finding for rule r about subj.
func (v *verifier) check(r *ledger.RuleInfo, subj ledger.Subject, name string, ok bool, detail string, evidence map[string]string) {
	if ok {
		detail = ""
	}
	// Only integrity and cryptographic checks join the verdicts; a risk
	// rule's finding (replay exposure) is shown beside them.
	if v.tx != nil {
		if v.tx.Verdict.Check(r, name, ok, detail) && !ok {
			// A failed transaction fails the block that carries it.
			v.b.Verdict.Add("tx "+v.tx.ID+" "+name, false, detail)
		}
	} else {
		v.b.Verdict.Check(r, name, ok, detail)
	}
	if ok {
		return
	}
	if evidence == nil {
		evidence = map[string]string{}
	}
	evidence["block"] = hexOf(v.b.Hash)
	f := ledger.NewFinding(r, v.d.chain, subj, v.b.Time, r.Title+": "+detail, evidence)
	v.b.Findings = append(v.b.Findings, f)
}
