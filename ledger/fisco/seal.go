package fisco

import (
	"encoding/hex"
	"fmt"
	"maps"

	"github.com/lianjian/lianjian/ledger"
)

// sealerSig is one signatureList entry, 2.x or 3.x.
type sealerSig struct {
	index uint64
	sig   []byte
}

// checkSeals verifies a block's sealer signatures over its hash against
// the node ids of its sealer list, and that the distinct valid signers
// carry the PBFT quorum of weights (all 1 when none are set).
func (v *Verifier) checkSeals(r report, b *ledger.Block, hash []byte, sigs []sealerSig, weights []uint64) {
	fb := b.Fisco
	list := fb.SealerList
	if b.Height == 0 {
		return // genesis is not sealed
	}
	if len(list) == 0 {
		r.check(RuleQuorum, nil, "quorum", false, "the block carries no sealer list to verify its signatures against",
			map[string]string{"reason": "the block carries no sealer list to verify its signatures against"})
		return
	}
	weight := func(i uint64) uint64 {
		if len(weights) == len(list) {
			return weights[i]
		}
		return 1
	}
	var total uint64
	for i := range list {
		total += weight(uint64(i))
	}
	seen := map[uint64]bool{}
	var signed uint64
	for _, s := range sigs {
		entry := ledger.Signature{Role: "sealer", Algorithm: map[Suite]string{SuiteGM: "SM2-SM3", SuiteStandard: "secp256k1-keccak"}[v.suite], Value: s.sig}
		ev := map[string]string{"sealerIndex": fmt.Sprint(s.index), "signature": hex.EncodeToString(s.sig)}
		if s.index >= uint64(len(list)) {
			ev["sealers"] = fmt.Sprint(len(list))
			r.check(RuleNonSealer, nil, "sealer index", false,
				fmt.Sprintf("signature with sealer index %d, but the sealer list has %d nodes", s.index, len(list)), ev)
			entry.Verdict.Add("sealer index", false, "out of range")
			b.Signatures = append(b.Signatures, entry)
			fb.SignerIndexes = append(fb.SignerIndexes, s.index)
			continue
		}
		node := list[s.index]
		ev["node"] = node
		entry.Signer = ledger.Identity{Address: node, KeyAlgorithm: keyAlgo(v.suite)}
		if seen[s.index] {
			r.check(RuleDuplicateSigner, nil, "distinct signers", false,
				fmt.Sprintf("sealer index %d (%s) signs the block twice", s.index, short(node)), ev)
		}
		id, _ := hex.DecodeString(node)
		if lenOK := v.sealerSigLayout(r, s.sig, ev); !lenOK {
			entry.Verdict.Add("signature", false, "layout")
			b.Signatures = append(b.Signatures, entry)
			fb.SignerIndexes = append(fb.SignerIndexes, s.index)
			continue
		}
		ok, err := v.sig.checkSealerSig(id, hash, s.sig)
		detail := fmt.Sprintf("signature of sealer %d (%s) does not verify over the block hash", s.index, short(node))
		sigEv := ev
		if err != nil {
			detail = fmt.Sprintf("sealer %d (%s): %v", s.index, short(node), err)
			sigEv = maps.Clone(ev) // ev may already be a duplicate-signer finding's evidence
			sigEv["error"] = err.Error()
		}
		r.check(RuleSealerSig, nil, "sealer signature", ok, detail, sigEv)
		entry.Verdict.Add("signature", ok, "")
		b.Signatures = append(b.Signatures, entry)
		fb.SignerIndexes = append(fb.SignerIndexes, s.index)
		if ok && !seen[s.index] {
			signed += weight(s.index)
		}
		seen[s.index] = true
	}
	fb.Quorum = quorum(total)
	fb.SignedWeight = signed
	r.check(RuleQuorum, nil, "quorum", signed >= fb.Quorum,
		fmt.Sprintf("valid distinct sealer signatures carry weight %d of %d, PBFT needs %d", signed, total, fb.Quorum),
		map[string]string{"signed": fmt.Sprint(signed), "total": fmt.Sprint(total), "quorum": fmt.Sprint(fb.Quorum)})
}

// sealerSigLayout reports whether a sealer signature has a layout of the
// chain's crypto mode, filing a crypto-mode finding otherwise; ev is the
// signature's evidence (sealer index, node), copied into the finding.
func (v *Verifier) sealerSigLayout(r report, sig []byte, ev map[string]string) bool {
	withLen := func() map[string]string {
		out := maps.Clone(ev)
		out["signatureBytes"] = fmt.Sprint(len(sig))
		return out
	}
	switch {
	case v.suite == SuiteGM && (len(sig) == 64 || len(sig) == 128),
		v.suite == SuiteStandard && len(sig) == 65:
		return true
	case v.suite == SuiteGM && len(sig) == 65, v.suite == SuiteStandard && (len(sig) == 64 || len(sig) == 128):
		cev := withLen()
		cev["suite"] = v.suite.String()
		cev["signatureSuite"] = SuiteGM.String()
		if v.suite == SuiteGM {
			cev["signatureSuite"] = SuiteStandard.String()
		}
		r.check(RuleCryptoMode, nil, "crypto mode", false,
			fmt.Sprintf("a %d-byte sealer signature on a chain pinned to %s", len(sig), v.suite), cev)
		return false
	}
	r.check(RuleSealerSig, nil, "sealer signature", false, fmt.Sprintf("sealer signature of %d bytes", len(sig)), withLen())
	return false
}

// sealers3 checks a 3.x block's signature list.
func (v *Verifier) sealers3(r report, b *header3) {
	if b.SignatureList == nil {
		if b.Number.v > 0 {
			r.note(RuleNotVerifiable, nil, "the block was served without its signatureList: sealer signatures and quorum were not checked")
		}
		return
	}
	sigs := make([]sealerSig, 0, len(*b.SignatureList))
	for _, s := range *b.SignatureList {
		sigs = append(sigs, sealerSig{index: s.SealerIndex.v, sig: s.Signature.b})
	}
	v.checkSeals(r, r.b, b.Hash.b, sigs, r.b.Fisco.Weights)
}
