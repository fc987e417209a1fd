package audit

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

// Validation codes of transactions that passed Fabric's endorsement
// validation (VSCC) before the ledger's read checks: a key-level policy
// they update blocks later writes of the key in the same block.
const (
	codeMVCCConflict    = 11
	codePhantomConflict = 12
)

// maxParsedPolicies bounds the cache of parsed key-level policies.
const maxParsedPolicies = 4096

// keyID names a key whose key-level endorsement policy is known: a public
// key (coll empty) or the hash of a private key in a collection.
type keyID struct {
	ns, coll, key string
}

// keyPolicy is a parsed key-level endorsement policy.
type keyPolicy struct {
	policy *fabric.SignaturePolicy
	text   string
	err    error
	// uncertain is set when the policy was written by a metadata-only
	// update of a key the audit could not tell existed: Fabric ignores
	// such an update when the key does not exist, so the key has either
	// this policy or none.
	uncertain bool
}

// keyState is what the audit knows of a key's key-level policy.
type keyState struct {
	policy    []byte // VALIDATION_PARAMETER
	uncertain bool   // see keyPolicy.uncertain
	written   uint64 // block of the key's last write, when its data may expire
}

// endorsementState is what Fabric's validator holds endorsements to, as
// committed so far: chaincode and collection endorsement policies from
// `_lifecycle`, and key-level policies from key metadata.
type endorsementState struct {
	cc    map[string]fabric.PolicyOrError         // chaincode → endorsement policy
	colls map[string]map[string]fabric.Collection // chaincode → collection → settings
	// collRaw keeps each chaincode's Collections field for checkpoints.
	collRaw map[string][]byte
	keys    map[keyID]keyState // keys with a key-level policy
	// complete is set when every key-level policy is known: the audit saw
	// the chain from its genesis block, or resumed such an audit.
	complete bool
	parsed   map[string]keyPolicy // by raw policy bytes

	// Within the block being checked: key-level policy changes to apply
	// at its end (Fabric reads policies from the state the block starts
	// from), whether keys exist after the transactions committed so far,
	// and the keys whose policy an earlier transaction that passed
	// endorsement validation updated, by that transaction's index.
	pending []keyChange
	exists  map[keyID]bool
	updated map[keyID]int

	// dirty holds the keys whose policy changed since the last
	// checkpoint; synced is set once the store holds the state as of that
	// checkpoint (after a restore from it, or after the first full save).
	dirty  map[keyID]struct{}
	synced bool
}

// keyChange sets (policy not nil) or clears the key-level policy of a key.
type keyChange struct {
	id    keyID
	state keyState
}

func newEndorsementState() *endorsementState {
	return &endorsementState{
		cc: map[string]fabric.PolicyOrError{}, colls: map[string]map[string]fabric.Collection{}, collRaw: map[string][]byte{},
		keys: map[keyID]keyState{}, parsed: map[string]keyPolicy{},
		exists: map[keyID]bool{}, updated: map[keyID]int{}, dirty: map[keyID]struct{}{},
	}
}

// keyPolicy returns the parsed key-level policy of id, if it has one at
// the block at height. Private data expires: BlockToLive blocks after its
// last write Fabric purges the key with its metadata, which the ledger
// does not show, so an expired private key has no policy, and one whose
// collection's BlockToLive is not known may or may not have it.
func (e *endorsementState) keyPolicy(id keyID, height uint64) (keyPolicy, bool) {
	ks, ok := e.live(id, height)
	if !ok {
		return keyPolicy{}, false
	}
	kp, ok := e.parsed[string(ks.policy)]
	if !ok {
		sp, text, err := fabric.ParseKeyPolicy(ks.policy)
		kp = keyPolicy{policy: sp, text: text, err: err}
		if len(e.parsed) >= maxParsedPolicies {
			clear(e.parsed) // chains use few distinct policies; bound the rest
		}
		e.parsed[string(ks.policy)] = kp
	}
	kp.uncertain = ks.uncertain
	return kp, true
}

// live returns what is known of id's key-level policy at the block at
// height: none once its private data was purged, and uncertain when the
// collection's BlockToLive (or the write it counts from) is not known.
// Fabric purges a private key committed at block h with BlockToLive n
// while it commits block h+n+1, after validating it.
func (e *endorsementState) live(id keyID, height uint64) (keyState, bool) {
	ks, ok := e.keys[id]
	if !ok || id.coll == "" || strings.HasPrefix(id.coll, implicitOrgPrefix) {
		return ks, ok // public and implicit-collection keys do not expire
	}
	c, known := e.colls[id.ns][id.coll]
	switch {
	case !known || ks.written == 0:
		ks.uncertain = true
	case c.BlockToLive == 0:
	case height > ks.written+c.BlockToLive+1:
		return keyState{}, false // purged
	}
	return ks, true
}

// keyOp is what one transaction does to one key, as Fabric's ledger
// combines it: a delete wins, a value write keeps the key's metadata, and
// a metadata write replaces all of it.
type keyOp struct {
	upsert, del, meta bool
	entries           []ledger.MetaEntry
}

// record notes what a transaction commits to the endorsement state:
// definitions and key-level policies of a committed transaction, and the
// keys whose policy a transaction that passed endorsement validation
// updates, which later transactions of the block may not write.
func (e *endorsementState) record(tx *ledger.Tx, index int) {
	code := tx.Fabric.ValidationCode
	committed := tx.Valid || code == codeNotValidated
	passed := committed || code == codeMVCCConflict || code == codePhantomConflict
	if !passed {
		return
	}
	if tx.Fabric.DecodeError != "" {
		// What it commits cannot be read: the state is no longer complete.
		e.lost()
		return
	}
	ops := map[keyID]*keyOp{}
	op := func(id keyID) *keyOp {
		o, ok := ops[id]
		if !ok {
			o = &keyOp{}
			ops[id] = o
		}
		return o
	}
	reads := map[keyID]bool{} // public keys read: whether they existed
	for _, ns := range tx.Fabric.RWSets {
		for _, r := range ns.Reads {
			reads[keyID{ns.Namespace, "", r.Key}] = !r.Missing
		}
		for _, w := range ns.Writes {
			o := op(keyID{ns.Namespace, "", w.Key})
			o.del, o.upsert = o.del || w.IsDelete, o.upsert || !w.IsDelete
		}
		for _, mw := range ns.MetaWrites {
			o := op(keyID{ns.Namespace, "", mw.Key})
			o.meta, o.entries = true, mw.Entries
		}
		for _, c := range ns.Collections {
			for _, w := range c.HashedWrites {
				o := op(keyID{ns.Namespace, c.Collection, string(w.KeyHash)})
				del := w.IsDelete || w.IsPurge
				o.del, o.upsert = o.del || del, o.upsert || !del
			}
			for _, mw := range c.MetaWrites {
				o := op(keyID{ns.Namespace, c.Collection, string(mw.KeyHash)})
				o.meta, o.entries = true, mw.Entries
			}
		}
	}
	for id, o := range ops {
		if o.meta {
			if _, seen := e.updated[id]; !seen {
				e.updated[id] = index
			}
		}
		if committed {
			e.apply(id, o, reads, tx.Height)
		}
	}
	if committed {
		for name, pe := range fabric.ChaincodePolicies(tx) {
			e.cc[name] = pe
		}
		for name, raw := range fabric.CollectionConfigs(tx) {
			e.collRaw[name], e.colls[name] = raw, fabric.ParseCollections(raw)
		}
	}
}

// apply records the effect of a committed transaction's operation on one
// key.
func (e *endorsementState) apply(id keyID, o *keyOp, reads map[keyID]bool, height uint64) {
	var vp []byte
	for _, m := range o.entries {
		if m.Name == fabric.ValidationParameter {
			// A copy: the decoded value points into its block's bytes,
			// which the policy, kept for as long as the key has it,
			// would keep in memory whole.
			vp = bytes.Clone(m.Value)
		}
	}
	switch {
	case o.del:
		e.exists[id] = false
		e.pending = append(e.pending, keyChange{id: id})
	case o.upsert:
		e.exists[id] = true
		switch ks, alive := e.live(id, height); {
		case o.meta:
			e.pending = append(e.pending, keyChange{id: id, state: keyState{policy: vp, written: height}})
		case alive && id.coll != "":
			// The value changes, the policy stays, and the key lives
			// BlockToLive blocks from now.
			ks.written = height
			e.pending = append(e.pending, keyChange{id: id, state: ks})
		case !alive:
			if _, had := e.keys[id]; had {
				// The data expired, and its policy with it: the key is
				// written anew, without one.
				e.pending = append(e.pending, keyChange{id: id})
			}
		}
	case vp == nil:
		// Without a policy the key has none, whether or not it exists.
		e.pending = append(e.pending, keyChange{id: id})
	default:
		// A metadata-only update applies only to a key that exists.
		exists, known := e.exists[id]
		if !known {
			exists, known = reads[id]
		}
		if !known {
			if ks, ok := e.keys[id]; ok && !ks.uncertain {
				exists, known = true, true
			}
		}
		if id.coll != "" {
			known = false // private keys may have expired unseen
		}
		switch {
		case known && exists:
			e.pending = append(e.pending, keyChange{id: id, state: keyState{policy: vp, written: height}})
		case !known:
			e.pending = append(e.pending, keyChange{id: id, state: keyState{policy: vp, uncertain: true, written: height}})
		}
	}
}

// lost records that blocks went unseen (missing or unreadable): the state
// is no longer complete, and every key-level policy may have changed.
func (e *endorsementState) lost() {
	e.complete = false
	for id, ks := range e.keys {
		if !ks.uncertain {
			ks.uncertain = true
			e.keys[id] = ks
			e.dirty[id] = struct{}{}
		}
	}
}

// endBlock applies the key-level policy changes of the block just checked.
func (e *endorsementState) endBlock() {
	for _, ch := range e.pending {
		if ch.state.policy == nil {
			delete(e.keys, ch.id)
			e.dirty[ch.id] = struct{}{}
			continue
		}
		e.keys[ch.id] = ch.state
		e.dirty[ch.id] = struct{}{}
	}
	e.pending = e.pending[:0]
	clear(e.exists)
	clear(e.updated)
}

// policyCheck is one endorsement policy evaluated for a namespace.
type policyCheck struct {
	what   string // what it governs: the chaincode, a collection or a key
	policy string // the policy evaluated, empty when none is known
	ok     bool
	err    error
	// fallback marks a chaincode or collection policy, which governs a
	// write only when the key has no key-level policy.
	fallback bool
}

// nsEvaluation evaluates the endorsement policies Fabric's validator
// applies to one namespace of a transaction, with its rules: each written
// key is held to its key-level policy when it has one, else to its
// collection's policy when that has one, else to the chaincode's; the
// chaincode and collection policies are evaluated once each; and the
// chaincode policy holds when nothing else was evaluated.
type nsEvaluation struct {
	a         *fabricChecks
	t         *trust
	ns        ledger.NsRWSet
	index     int    // transaction index in its block
	height    uint64 // block of the transaction
	endorsers []party
	checked   map[string]bool // "" for the chaincode policy, else collection names
	some      bool
	out       []policyCheck
}

// evaluateNamespace returns the endorsement policies evaluated for ns.
func (a *fabricChecks) evaluateNamespace(t *trust, ns ledger.NsRWSet, index int, height uint64, endorsers []party) []policyCheck {
	if pe := a.endorse.cc[ns.Namespace]; pe.Plugin != "" {
		// Its plugin decides; none of Fabric's built-in rules apply.
		return []policyCheck{{what: "chaincode " + ns.Namespace, err: pe.Err, fallback: true}}
	}
	ev := &nsEvaluation{a: a, t: t, ns: ns, index: index, height: height, endorsers: endorsers, checked: map[string]bool{}}
	for _, w := range ns.Writes {
		ev.key("", w.Key)
	}
	for _, mw := range ns.MetaWrites {
		ev.key("", mw.Key)
	}
	for _, c := range ns.Collections {
		for _, w := range c.HashedWrites {
			ev.key(c.Collection, string(w.KeyHash))
		}
	}
	for _, c := range ns.Collections {
		for _, mw := range c.MetaWrites {
			ev.key(c.Collection, string(mw.KeyHash))
		}
	}
	if !ev.some && !ev.checked[""] {
		ev.out = append(ev.out, ev.chaincode())
	}
	return ev.out
}

// key evaluates the policy governing a write of one key.
func (ev *nsEvaluation) key(coll, key string) {
	id := keyID{ev.ns.Namespace, coll, key}
	st := ev.a.endorse
	what := writtenKey(coll, key)
	if prior, ok := st.updated[id]; ok && prior < ev.index {
		ev.some = true
		ev.out = append(ev.out, policyCheck{what: what, policy: "key-level policy", err: fmt.Errorf(
			"its key-level policy was updated by transaction %d of the same block, which Fabric's validator requires to invalidate this one", prior)})
		return
	}
	kp, ok := st.keyPolicy(id, ev.height)
	if !ok {
		pc, slot := ev.governing(coll)
		if !ev.checked[slot] {
			ev.checked[slot] = true
			ev.out = append(ev.out, pc)
		}
		ev.some = true
		return
	}
	ev.some = true
	pc := policyCheck{what: what, policy: "key-level policy " + kp.text, err: kp.err}
	if kp.err != nil {
		pc.policy = "" // not evaluated: Fabric could not have read it either
	} else {
		pc.ok = satisfiesSignature(kp.policy, ev.endorsers)
	}
	if kp.uncertain {
		// The policy was set by a metadata-only update of a key that may
		// not have existed, which Fabric ignores: the write is governed by
		// the key-level policy or by the one that would govern it without.
		alt, _ := ev.governing(coll)
		if kp.err != nil || alt.err != nil || alt.ok != pc.ok || (!pc.ok && !st.complete) {
			pc = policyCheck{what: what, err: fmt.Errorf("the key-level policy in force is not known for sure (set by a metadata-only "+
				"update of a key not known to exist, on private data that may have expired, or before blocks the audit did not see), "+
				"and %s and %s do not agree", orText(pc.policy, "it"), orText(alt.policy, alt.what))}
		} else {
			pc.policy += " (or " + alt.policy + " had the key not existed when it was set)"
		}
	}
	ev.out = append(ev.out, pc)
}

// anyMember is the policy "one signature by a member of msp".
func anyMember(msp string) *fabric.SignaturePolicy { return membersOf(1, []string{msp}) }

// membersOf is the policy "signatures by members of n of msps".
func membersOf(n int, msps []string) *fabric.SignaturePolicy {
	sp := &fabric.SignaturePolicy{Rule: fabric.SignatureRule{SignedBy: -1, N: n}}
	for i, msp := range msps {
		sp.Principals = append(sp.Principals, fabric.Principal{Kind: fabric.PrincipalRole, MSPID: msp, Role: roleMember})
		sp.Rule.Rules = append(sp.Rule.Rules, fabric.SignatureRule{SignedBy: i})
	}
	return sp
}

// orText returns s, or alt when s is empty.
func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// governing evaluates the policy that governs a write of a key without a
// key-level policy in collection coll (empty for public state): the
// collection's endorsement policy when it has one, else the chaincode's.
// It returns the check and the slot it fills in ev.checked.
func (ev *nsEvaluation) governing(coll string) (policyCheck, string) {
	if coll != "" {
		if pc, ok := ev.collection(coll); ok {
			return pc, coll
		}
	}
	return ev.chaincode(), ""
}

// collection evaluates the endorsement policy of a collection; it reports
// whether the collection has one.
func (ev *nsEvaluation) collection(coll string) (policyCheck, bool) {
	if msp, ok := strings.CutPrefix(coll, implicitOrgPrefix); ok {
		// An org's implicit collection is governed by the org's
		// Endorsement policy, or any member of the org when the org
		// defines none (as Fabric's lifecycle falls back).
		pc := policyCheck{what: "implicit collection of " + msp, fallback: true}
		group, found := ev.t.orgGroup(msp)
		path := "/Channel/Application/" + group + "/Endorsement"
		_, defined := ev.t.policies[path]
		switch {
		case !found:
			pc.policy, pc.err = implicitOrgPrefix+msp, fmt.Errorf("org %s not in the application config", msp)
		case defined:
			pc.policy = path
			pc.ok, pc.err = ev.t.satisfies(pc.policy, ev.endorsers)
		default:
			pc.policy = "any member of " + msp + " (the org defines no Endorsement policy)"
			pc.ok = satisfiesSignature(anyMember(msp), ev.endorsers)
		}
		return pc, true
	}
	colls := ev.a.endorse.colls[ev.ns.Namespace]
	if bad, broken := colls[""]; broken {
		// The collection configuration does not decode, so nothing can be
		// held against the write.
		return policyCheck{what: "collection " + coll, err: bad.Policy.Err, fallback: true}, true
	}
	c, ok := colls[coll]
	if !ok || !c.HasPolicy {
		return policyCheck{}, false
	}
	pc := policyCheck{what: "collection " + coll, fallback: true}
	pc.policy, pc.ok, pc.err = ev.application(c.Policy, "collection policy of "+coll)
	return pc, true
}

// chaincode evaluates the chaincode endorsement policy.
func (ev *nsEvaluation) chaincode() policyCheck {
	pc := policyCheck{what: "chaincode " + ev.ns.Namespace, fallback: true}
	if ev.ns.Namespace == lifecycleNS {
		if _, defined := ev.t.policies[lifecycleEndorsement]; !defined {
			// Channels from before Fabric 2.0 may not define it; Fabric
			// then requires members of a majority of application orgs.
			msps := slices.Sorted(maps.Keys(ev.t.appOrgs))
			pc.policy = fmt.Sprintf("members of %d of %s (the channel defines no %s)", len(msps)/2+1, strings.Join(msps, ", "), lifecycleEndorsement)
			pc.ok = satisfiesSignature(membersOf(len(msps)/2+1, msps), ev.endorsers)
			return pc
		}
		pc.policy = lifecycleEndorsement
		pc.ok, pc.err = ev.t.satisfies(pc.policy, ev.endorsers)
		return pc
	}
	pe, ok := ev.a.endorse.cc[ev.ns.Namespace]
	if !ok {
		pc.err = fmt.Errorf("no chaincode definition of %s seen", ev.ns.Namespace)
		return pc
	}
	pc.policy, pc.ok, pc.err = ev.application(pe, "signature policy of "+ev.ns.Namespace)
	return pc
}

// application evaluates a chaincode or collection endorsement policy; the
// policy is empty when its definition does not decode.
func (ev *nsEvaluation) application(pe fabric.PolicyOrError, sigName string) (string, bool, error) {
	switch {
	case pe.Err != nil:
		return "", false, pe.Err
	case pe.Policy.Signature != nil:
		return sigName, satisfiesSignature(pe.Policy.Signature, ev.endorsers), nil
	}
	ok, err := ev.t.satisfies(pe.Policy.Reference, ev.endorsers)
	return pe.Policy.Reference, ok, err
}

// writtenKey names a written key in messages: public keys as they are,
// private keys by collection and hex hash.
func writtenKey(coll, key string) string {
	if coll == "" {
		if utf8.ValidString(key) {
			return fmt.Sprintf("key %q", key)
		}
		return "key 0x" + hex.EncodeToString([]byte(key))
	}
	return fmt.Sprintf("private key %s/%s", coll, hex.EncodeToString([]byte(key)))
}

// unsaved is the number of key-level policies the next checkpoint
// carries.
func (e *endorsementState) unsaved() int {
	if !e.synced {
		return len(e.keys)
	}
	return len(e.dirty)
}

// save fills the endorsement state into an audit checkpoint: chaincode
// and collection policies in full, key-level policies as the changes since
// the previous checkpoint (in full, with ResetKeyPolicies, until the
// store is known to hold the previous state).
func (e *endorsementState) save(cp *record.AuditCheckpoint) {
	cp.EndorsementComplete = e.complete
	cp.Chaincodes = make(map[string][]byte, len(e.cc))
	for name, pe := range e.cc {
		switch {
		case pe.Plugin != "":
			if cp.CustomValidation == nil {
				cp.CustomValidation = map[string]string{}
			}
			cp.CustomValidation[name] = pe.Plugin
		case pe.Raw != nil:
			cp.Chaincodes[name] = pe.Raw
		}
	}
	if len(e.collRaw) > 0 {
		cp.Collections = maps.Clone(e.collRaw)
	}
	entry := func(id keyID) record.KeyPolicy {
		ks := e.keys[id] // a removed policy saves as nil
		return record.KeyPolicy{Namespace: id.ns, Collection: id.coll, Key: []byte(id.key), Policy: ks.policy, Uncertain: ks.uncertain, Written: ks.written}
	}
	if !e.synced {
		cp.ResetKeyPolicies = true
		for id := range e.keys {
			cp.KeyPolicies = append(cp.KeyPolicies, entry(id))
		}
	} else {
		for id := range e.dirty {
			cp.KeyPolicies = append(cp.KeyPolicies, entry(id))
		}
	}
	clear(e.dirty)
	e.synced = true
}

// restore sets the endorsement state saved in an audit checkpoint.
func (e *endorsementState) restore(cp record.AuditCheckpoint) {
	for name, raw := range cp.Chaincodes {
		ap, err := fabric.ParseApplicationPolicy(raw)
		e.cc[name] = fabric.PolicyOrError{Policy: ap, Err: err, Raw: raw}
	}
	for name, plugin := range cp.CustomValidation {
		e.cc[name] = fabric.PolicyOrError{Err: fmt.Errorf("%w %q", fabric.ErrCustomValidation, plugin), Plugin: plugin}
	}
	for name, raw := range cp.Collections {
		e.collRaw[name], e.colls[name] = raw, fabric.ParseCollections(raw)
	}
	for _, kp := range cp.KeyPolicies {
		e.keys[keyID{kp.Namespace, kp.Collection, string(kp.Key)}] = keyState{policy: kp.Policy, uncertain: kp.Uncertain, written: kp.Written}
	}
	e.complete = cp.EndorsementComplete
	e.synced = true
}
