package audit

import (
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// TestCleanFixtures audits every real fixture ledger: none may raise an
// integrity finding, every signature must be checked and every verdict
// must pass.
func TestCleanFixtures(t *testing.T) {
	tests := []struct {
		name, dir, prefix string
		crypto            ledger.Crypto
		sigs              int
		preHash           string
		crypto1           map[string]int // crypto findings expected
	}{
		{"2.5.9 peer", "fabric-2.5.9/peer", "mychannel_", ledger.CryptoIntl, 41, "", map[string]int{}},
		{"2.5.9 orderer", "fabric-2.5.9/orderer", "mychannel_", ledger.CryptoIntl, 24, "", map[string]int{}},
		{"gm peer", "fabric-gm-sm2/peer", "mychannel_", ledger.CryptoGM, 18, PreHashNone, map[string]int{"GM-HASH-NOT-SM3": 1}},
		{"gm orderer", "fabric-gm-sm2/orderer", "gm_mychannel_", ledger.CryptoGM, 18, PreHashNone, map[string]int{"GM-HASH-NOT-SM3": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := readChain(t, tt.dir, tt.prefix)
			a := newAuditor(t, tt.crypto)
			rs := auditAll(t, a, blocks)
			for _, f := range findings(rs) {
				if f.Category == ledger.CatIntegrity {
					t.Errorf("finding %s: %s", f.Rule, f.Message)
				}
			}
			for _, r := range rs {
				if r.Verdict.Status != ledger.Verified {
					t.Errorf("Block(%d).Verdict = %+v, want verified", r.Height, r.Verdict)
				}
				for _, tv := range r.Txs {
					if tv.Verdict.Status != ledger.Verified {
						t.Errorf("Block(%d) tx %d verdict = %+v, want verified", r.Height, tv.Index, tv.Verdict)
					}
				}
			}
			s := a.Summary()
			if s.Blocks != len(blocks) || s.Signatures != tt.sigs || s.SM2PreHash != tt.preHash || s.Integrity != 0 {
				t.Errorf("Summary = blocks %d sigs %d prehash %q integrity %d, want %d %d %q 0",
					s.Blocks, s.Signatures, s.SM2PreHash, s.Integrity, len(blocks), tt.sigs, tt.preHash)
			}
			seq := newAuditor(t, tt.crypto)
			for i, raw := range blocks {
				if r := seq.Block(raw); len(r.Findings) != len(rs[i].Findings) || r.Verdict.Status != rs[i].Verdict.Status {
					t.Errorf("Block(%d) sequential = %d findings %s, pipeline %d %s", i, len(r.Findings), r.Verdict.Status, len(rs[i].Findings), rs[i].Verdict.Status)
				}
			}
			for rule, n := range tt.crypto1 {
				if s.Findings[rule] != n {
					t.Errorf("Summary.Findings[%s] = %d, want %d (all: %v)", rule, s.Findings[rule], n, s.Findings)
				}
			}
		})
	}
}

// TestCryptoRules audits real ledgers under crypto profiles and audit
// times that must raise the compliance rules, and no integrity finding.
func TestCryptoRules(t *testing.T) {
	tests := []struct {
		name   string
		dir    string
		crypto ledger.Crypto
		now    time.Time
		want   map[string]int
	}{
		// Org1 CA, TLS CA, orderer CA, TLS CA, consenter TLS (client and
		// server are one certificate), and the signers: User1 or Admin,
		// peer, orderer, orderer admin.
		{"ECDSA chain declared GM", "fabric-2.5.9/peer", ledger.CryptoGM, fixedNow,
			map[string]int{"GM-KEY-NOT-SM2": 9, "GM-CERT-SIG-NOT-SM2": 9, "GM-HASH-NOT-SM3": 2}}, // configs of blocks 0 and 11
		{"SM2 chain audited after expiry", "fabric-gm-sm2/peer", ledger.CryptoGM, time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
			map[string]int{"CRY-CERT-EXPIRED": 8, "GM-KEY-NOT-SM2": 0}},
		{"SM2 chain a week before expiry", "fabric-gm-sm2/peer", ledger.CryptoGM, time.Time{},
			map[string]int{"CRY-CERT-EXPIRING": 8, "CRY-CERT-EXPIRED": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := readChain(t, tt.dir, "mychannel_")
			now := tt.now
			if now.IsZero() {
				now = firstExpiry(t, blocks).Add(-7 * 24 * time.Hour)
			}
			a, err := New(Config{Chain: ledger.Chain{ID: "test", Crypto: tt.crypto}, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			auditAll(t, a, blocks)
			s := a.Summary()
			for rule, n := range tt.want {
				if s.Findings[rule] != n {
					t.Errorf("Findings[%s] = %d, want %d (all %v)", rule, s.Findings[rule], n, s.Findings)
				}
			}
			if s.Integrity != 0 {
				t.Errorf("Integrity = %d, want 0", s.Integrity)
			}
		})
	}
}

// firstExpiry returns the earliest expiry of the chain's root certificates.
func firstExpiry(t *testing.T, blocks [][]byte) time.Time {
	t.Helper()
	b, err := fabric.DecodeBlock("x", blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	var first time.Time
	for _, m := range b.Config.MSPs {
		for _, der := range m.RootCerts {
			id, err := fabric.ParseCertificate(der)
			if err == nil && (first.IsZero() || id.NotAfter.Before(first)) {
				first = id.NotAfter
			}
		}
	}
	return first
}
