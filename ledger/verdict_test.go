package ledger_test

import (
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// TestVerifies checks the verdict model's rule: integrity and
// cryptographic checks fail an object's verdict; risks, notes, node and
// contract rules never do.
func TestVerifies(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    ledger.RuleInfo
		want bool
	}{
		{"integrity", ledger.RuleInfo{Severity: ledger.Critical, Category: ledger.CatIntegrity}, true},
		{"signature", ledger.RuleInfo{Severity: ledger.High, Category: ledger.CatCrypto}, true},
		{"consensus seal", ledger.RuleInfo{Severity: ledger.Critical, Category: ledger.CatConsortium}, true},
		{"replay risk", ledger.RuleInfo{Severity: ledger.Medium, Category: ledger.CatCrypto, Risk: true}, false},
		{"note", ledger.RuleInfo{Severity: ledger.Info, Category: ledger.CatIntegrity}, false},
		{"node", ledger.RuleInfo{Severity: ledger.Critical, Category: ledger.CatNode}, false},
		{"contract", ledger.RuleInfo{Severity: ledger.Critical, Category: ledger.CatContract}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Verifies(); got != tc.want {
				t.Errorf("%+v.Verifies() = %v, want %v", tc.r, got, tc.want)
			}
			var v ledger.Verdict
			joined := v.Check(&tc.r, "check", false, "broken")
			want := ledger.Unverified
			if tc.want {
				want = ledger.Failed
			}
			if joined != tc.want || v.Status != want {
				t.Errorf("Check(%+v, failed) = %v, status %q; want %v, %q", tc.r, joined, v.Status, tc.want, want)
			}
		})
	}
}

// TestCombine checks the one status of an object verified in two passes.
func TestCombine(t *testing.T) {
	ok := ledger.Verdict{Status: ledger.Verified, Checks: []ledger.Check{{Name: "hash", OK: true}}}
	bad := ledger.Verdict{Status: ledger.Failed, Checks: []ledger.Check{{Name: "sig", OK: false}}}
	none := ledger.Verdict{}
	for _, tc := range []struct {
		name   string
		vs     []ledger.Verdict
		want   ledger.VerdictStatus
		checks int
	}{
		{"nothing", nil, ledger.Unverified, 0},
		{"ingest only", []ledger.Verdict{none, none}, ledger.Unverified, 0},
		{"audit verified", []ledger.Verdict{none, ok}, ledger.Verified, 1},
		{"both verified", []ledger.Verdict{ok, ok}, ledger.Verified, 2},
		{"audit failed", []ledger.Verdict{ok, bad}, ledger.Failed, 2},
		{"ingest failed", []ledger.Verdict{bad, ok}, ledger.Failed, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ledger.Combine(tc.vs...)
			if got.Status != tc.want || len(got.Checks) != tc.checks {
				t.Errorf("Combine(%+v) = %+v, want %q with %d checks", tc.vs, got, tc.want, tc.checks)
			}
		})
	}
}
