package audit

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// Validation codes the checks depend on (Fabric's TxValidationCode).
const (
	codeValid        = 0
	codeNotValidated = 254
)

// Header type of endorser transactions and config transactions.
const (
	typeEndorser = "ENDORSER_TRANSACTION"
	typeConfig   = "CONFIG"
)

// blockValidation is the orderer policy block signatures must satisfy.
const blockValidation = "/Channel/Orderer/BlockValidation"

// prepared is a block after the parallel stage: decoded, with the
// messages its signatures cover and those signatures verified where the
// signer is named in the block itself.
type prepared struct {
	block *ledger.Block
	msgs  []fabric.SignedMessage
	sigs  []preSig // aligned with msgs
	err   error
}

// preSig is a signature verified in the parallel stage.
type preSig struct {
	s    *signer
	res  sigResult
	done bool
}

// prepare decodes a block and verifies its signatures. It needs no chain
// state, so blocks are prepared concurrently.
func (a *fabricChecks) prepare(raw []byte) *prepared {
	p := &prepared{}
	p.block, p.msgs, p.err = a.dec.DecodeSigned(a.cfg.Chain.ID, raw)
	if p.err != nil {
		return p
	}
	p.sigs = make([]preSig, len(p.msgs))
	for i, m := range p.msgs {
		if m.Identity == nil {
			continue // BFT: the signer is named by the config in force
		}
		s := a.v.signerOf(m.Identity)
		p.sigs[i] = preSig{s: s, res: a.v.verify(s, m.Message, m.Signature), done: true}
	}
	return p
}

// check runs the ordered checks of one prepared block against the chain
// state and advances it.
func (a *fabricChecks) check(p *prepared) *BlockResult {
	res := &BlockResult{}
	a.sum.Blocks++
	if p.err != nil {
		// Whatever the block committed (a config, definitions, key-level
		// policies) is lost to the state the next blocks are judged by.
		a.endorse.lost()
		a.staleConfig = true
		var h uint64
		if a.prev != nil {
			h = a.prev.height + 1
		}
		res.Height = h
		res.Verdict.Add("decode", false, p.err.Error())
		a.report(res, RuleBlockDecode, blockSubject(h), fmt.Sprintf("block expected at height %d does not decode: %v", h, p.err),
			map[string]string{"block": strconv.FormatUint(h, 10), "error": p.err.Error()})
		return res
	}
	b := p.block
	res.Height = b.Height
	if a.sum.Blocks == 1 {
		a.sum.First = b.Height
	}
	a.sum.Last = b.Height
	a.sum.Txs += len(b.Txs)
	if a.prev != nil && b.Height != a.prev.height+1 {
		// Blocks missing, repeated or out of order: what they changed is
		// not known.
		a.endorse.lost()
		a.staleConfig = true
	}
	a.frozen = a.prev != nil && b.Height <= a.prev.height
	fresh := a.trust == nil && b.Config != nil
	a.priorUnknown = fresh || a.staleConfig
	if fresh {
		a.trust = newTrust(b.Config) // a genesis block is checked against itself
		a.endorse.complete = b.Height == 0
		a.checkConfig(res, b.Config)
	}
	res.Hash = a.headerHash(b)
	a.checkLink(res, b)
	a.checkDataHash(res, b)
	if t := a.trust; t == nil {
		res.Verdict.Add("trust", false, ErrNoConfig.Error())
		a.cfg.Logger.Warn("block audited without channel config", "chain", a.cfg.Chain.ID, "height", b.Height)
	} else {
		a.checkOrderers(res, p, t)
		for i := range b.Txs {
			res.Txs = append(res.Txs, a.checkTx(res, p, t, i))
		}
	}
	if b.Config != nil && !fresh && !a.frozen {
		a.trust = newTrust(b.Config)
		a.staleConfig = false
		a.checkConfig(res, b.Config)
	}
	a.endorse.endBlock()
	a.sum.Signatures += res.Signatures
	if !a.frozen {
		// A repeated or late block does not move the chain's head back.
		a.prev = &link{height: b.Height, hash: res.Hash}
	}
	return res
}

// checkLink checks the height sequence and the previous-hash link.
func (a *fabricChecks) checkLink(res *BlockResult, b *ledger.Block) {
	if a.prev == nil {
		return
	}
	prev := a.prev
	ev := map[string]string{"block": strconv.FormatUint(b.Height, 10), "previous": strconv.FormatUint(prev.height, 10)}
	switch {
	case b.Height == prev.height+1:
		ok := bytes.Equal(b.ParentHash, prev.hash)
		res.Verdict.Add("previous-hash", ok, "")
		if !ok {
			ev["have"], ev["want"] = hex.EncodeToString(b.ParentHash), hex.EncodeToString(prev.hash)
			a.report(res, RulePrevHash, blockSubject(b.Height), fmt.Sprintf("block %d: previous hash %x is not the hash %x of block %d",
				b.Height, b.ParentHash, prev.hash, prev.height), ev)
		}
	case b.Height <= prev.height:
		res.Verdict.Add("height", false, fmt.Sprintf("follows block %d", prev.height))
		ev["problem"] = "blocks out of order or duplicated"
		a.report(res, RuleHeight, blockSubject(b.Height), fmt.Sprintf("block %d comes after block %d: blocks out of order or duplicated",
			b.Height, prev.height), ev)
	default:
		res.Verdict.Add("height", false, fmt.Sprintf("follows block %d", prev.height))
		ev["missing"] = strconv.FormatUint(b.Height-prev.height-1, 10)
		a.report(res, RuleHeight, blockSubject(b.Height), fmt.Sprintf("block %d comes after block %d: %d blocks missing",
			b.Height, prev.height, b.Height-prev.height-1), ev)
	}
}

// checkDataHash recomputes the data hash over the envelopes.
func (a *fabricChecks) checkDataHash(res *BlockResult, b *ledger.Block) {
	h := a.newHash()
	for i := range b.Txs {
		h.Write(b.Txs[i].Raw)
	}
	sum := h.Sum(nil)
	ok := bytes.Equal(sum, b.DataHash)
	res.Verdict.Add("data-hash", ok, "")
	if !ok {
		a.report(res, RuleDataHash, blockSubject(b.Height), fmt.Sprintf("block %d: data hash %x is not the %s of its %d envelopes %x",
			b.Height, b.DataHash, a.hashAlgo(), len(b.Txs), sum),
			map[string]string{"block": strconv.FormatUint(b.Height, 10), "have": hex.EncodeToString(b.DataHash), "want": hex.EncodeToString(sum),
				"hashingAlgorithm": a.hashAlgo(), "envelopes": strconv.Itoa(len(b.Txs))})
	}
}

// checkOrderers verifies the block signatures and evaluates them against
// BlockValidation.
func (a *fabricChecks) checkOrderers(res *BlockResult, p *prepared, t *trust) {
	b := p.block
	subj := blockSubject(b.Height)
	var parties []party
	n := 0
	for i, m := range p.msgs {
		if m.Tx != -1 {
			continue
		}
		n++
		res.Signatures++
		ps := p.sigs[i]
		name := fmt.Sprintf("orderer-%d", m.Sig)
		if !ps.done {
			c, ok := t.consenters[m.Consenter]
			if !ok && a.priorUnknown {
				// The consenter may have joined in a config not seen.
				res.Verdict.Add(name, true, fmt.Sprintf("not evaluated: consenter %d is not in the consenter mapping of the last config seen, which may not be the one in force", m.Consenter))
				continue
			}
			if !ok {
				res.Verdict.Add(name, false, fmt.Sprintf("consenter %d not in the consenter mapping", m.Consenter))
				a.report(res, RuleBlockPolicy, subj, fmt.Sprintf("block %d: signature %d names consenter %d, which is not in the consenter mapping",
					b.Height, m.Sig, m.Consenter), map[string]string{"block": strconv.FormatUint(b.Height, 10), "consenter": strconv.FormatUint(uint64(m.Consenter), 10),
					"signature": name})
				continue
			}
			ps.s = a.v.signerOfCert(c.MSPID, c.Identity)
			ps.res = a.v.verify(ps.s, m.Message, m.Signature)
		}
		desc := fmt.Sprintf("block %d: orderer signature %d", b.Height, m.Sig)
		c := sigCheck{res: res, v: &res.Verdict, subj: subj, name: name, desc: desc, report: true, at: b.Time,
			ev: map[string]string{"block": strconv.FormatUint(b.Height, 10)}}
		if !a.checkSig(c, ps.res, ps.s, RuleOrdererSig) {
			continue
		}
		if pt, ok := a.checkSigner(c, t, ps.s, []string{roleOrderer}); ok {
			parties = addParty(parties, pt)
		}
	}
	if n == 0 && b.Height == 0 {
		return // genesis blocks are not signed
	}
	ok, err := t.satisfies(blockValidation, parties)
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	if !ok && a.priorUnknown {
		// The orderers that signed may be those of a config not seen.
		res.Verdict.Add("block-validation", true, "not evaluated: the config in force may not be known (the audit starts at this block, or blocks are missing): "+
			fmt.Sprintf("%d valid orderer signatures (%s) do not satisfy %s of the last config seen", len(parties), partyNames(parties), blockValidation))
		return
	}
	res.Verdict.Add("block-validation", ok, detail)
	if !ok {
		ev := map[string]string{"block": strconv.FormatUint(b.Height, 10), "signers": partyNames(parties),
			"policy": blockValidation, "validSignatures": strconv.Itoa(len(parties))}
		if err != nil {
			ev["error"] = err.Error()
		}
		a.report(res, RuleBlockPolicy, subj, fmt.Sprintf("block %d: %d valid orderer signatures (%s) do not satisfy %s%s",
			b.Height, len(parties), partyNames(parties), blockValidation, errSuffix(err)), ev)
	}
}

// sigCheck is where a signature's checks are recorded and reported.
type sigCheck struct {
	res    *BlockResult
	v      *ledger.Verdict
	subj   ledger.Subject
	name   string // check name in the verdict
	desc   string // names block, tx and signature in messages
	report bool   // raise findings, not only verdict checks
	at     time.Time
	ev     map[string]string // evidence naming block and tx, copied into findings
}

// checkSig records a verification result; it reports whether the
// signature counts.
func (a *fabricChecks) checkSig(c sigCheck, r sigResult, s *signer, rule *ledger.RuleInfo) bool {
	// evidence is built only for a finding: checkSig runs for every
	// signature.
	evidence := func() map[string]string {
		ev := withEvidence(c.ev, "subject", c.subj.Ref, "signature", c.name)
		if s != nil {
			ev["signer"], ev["msp"] = s.ident.Subject, s.ident.MSPID
		}
		return ev
	}
	switch {
	case r.Err != nil || !r.OK:
		detail := "signature does not verify"
		if r.Err != nil {
			detail += ": " + r.Err.Error()
		}
		c.v.Add(c.name, false, detail)
		if c.report {
			ev := evidence()
			if r.Err != nil {
				ev["error"] = r.Err.Error()
			}
			a.report(c.res, rule, c.subj, fmt.Sprintf("%s by %s (%s): %s", c.desc, ev["signer"], ev["msp"], detail), ev)
		}
		return false
	case r.HighS:
		c.v.Add(c.name, false, "ECDSA signature is high-S")
		if c.report {
			a.report(c.res, RuleHighS, c.subj, c.desc+": ECDSA signature is high-S, which Fabric never accepts", evidence())
		}
		return false
	}
	c.v.Add(c.name, true, "")
	return true
}

// checkSigner validates a signer in the config in force: chain to its MSP,
// revocation, validity at c.at and NodeOU role (one of want when set).
func (a *fabricChecks) checkSigner(c sigCheck, t *trust, s *signer, want []string) (party, bool) {
	mspID := s.ident.MSPID
	// evidence is built only for a finding: checkSigner runs for every
	// signature that verifies.
	evidence := func(kv ...string) map[string]string {
		return withEvidence(c.ev, append([]string{"subject", c.subj.Ref, "signature", c.name, "signer", s.ident.Subject,
			"msp", mspID, "fingerprint", s.ident.Fingerprint}, kv...)...)
	}
	subj := c.subj
	subj.Org = mspID
	a.certRules(c.res, s.cert, mspID, "signer", subj.Height)
	if err := t.validate(mspID, s.cert); err != nil {
		rule := RuleMSP
		if errors.Is(err, errRevoked) {
			rule = RuleRevoked
		}
		c.v.Add(c.name+"-msp", false, err.Error())
		if c.report {
			a.report(c.res, rule, subj, fmt.Sprintf("%s: signer %s: %v", c.desc, s.ident.Subject, err), evidence("error", err.Error()))
		}
		return party{}, false
	}
	if !c.at.IsZero() && (c.at.Before(s.cert.NotBefore) || c.at.After(s.cert.NotAfter)) {
		// Fabric's MSP does not check validity periods when it validates
		// signers, so the signature still counts for policies.
		detail := fmt.Sprintf("signed at %s outside certificate validity %s to %s", c.at.Format(time.RFC3339),
			s.cert.NotBefore.Format(time.RFC3339), s.cert.NotAfter.Format(time.RFC3339))
		c.v.Add(c.name+"-validity", false, detail)
		if c.report {
			a.report(c.res, RuleCertTime, subj, fmt.Sprintf("%s: signer %s %s", c.desc, s.ident.Subject, detail),
				evidence("signedAt", c.at.Format(time.RFC3339), "notBefore", s.cert.NotBefore.Format(time.RFC3339), "notAfter", s.cert.NotAfter.Format(time.RFC3339)))
		}
	}
	roles := t.roles(mspID, s.cert)
	if len(want) > 0 && t.classifies(mspID, want) && !slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(want, r) }) {
		detail := fmt.Sprintf("signer %s has roles %v, want one of %v", s.ident.Subject, roles, want)
		c.v.Add(c.name+"-role", false, detail)
		if c.report {
			a.report(c.res, RuleRole, subj, c.desc+": "+detail, evidence("roles", strings.Join(roles, ","), "expectedRoles", strings.Join(want, ",")))
		}
	}
	return party{mspID: mspID, cert: s.cert, roles: roles}, true
}

// partyNames lists the signers of a policy evaluation.
func partyNames(ps []party) string {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s:%s", p.mspID, p.cert.Subject.CommonName)
	}
	return b.String()
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}
