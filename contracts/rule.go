package contracts

import (
	"fmt"
	"strings"

	"github.com/lianjian/lianjian/ledger"
)

// Rule is a contract rule: a declared value with its catalogue entry and
// the function that runs it over one analysis pass of type P. Scanners
// instantiate it with their own pass type, e.g. evm.Detector is
// Rule[*evm.Pass]. Run reports findings through the pass and returns an
// error only when the rule itself breaks.
type Rule[P any] struct {
	Info ledger.RuleInfo
	Run  func(P) error
}

// Validate checks that the declaration is complete and in the contract
// category.
func (r *Rule[P]) Validate() error {
	if err := r.Info.Validate(); err != nil {
		return err
	}
	if r.Run == nil {
		return fmt.Errorf("%w: %s", ErrNoRun, r.Info.ID)
	}
	if r.Info.Category != ledger.CatContract {
		return fmt.Errorf("%w: %s is %q", ErrCategory, r.Info.ID, r.Info.Category)
	}
	return nil
}

// SWC returns the first SWC registry id among the rule's clauses, or "".
func SWC(info *ledger.RuleInfo) string {
	for _, c := range info.Clauses {
		if strings.HasPrefix(c, "SWC-") {
			return c
		}
	}
	return ""
}
