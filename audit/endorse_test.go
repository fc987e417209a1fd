package audit

import (
	"slices"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/msp"
	"github.com/hyperledger/fabric-protos-go/peer"
	"github.com/hyperledger/fabric-protos-go/peer/lifecycle"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/record"
)

// mustMarshal marshals a fabric-protos-go message deterministically.
func mustMarshal(t testing.TB, m protoadapt.MessageV1) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoadapt.MessageV2Of(m))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// peersOf returns a signature policy envelope requiring a peer of each
// of msps, as statebased.NewStateEP(...).AddOrgs(PEER, msps...) makes it.
func peersOf(t testing.TB, msps ...string) *common.SignaturePolicyEnvelope {
	env := &common.SignaturePolicyEnvelope{Rule: &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{
		NOutOf: &common.SignaturePolicy_NOutOf{N: int32(len(msps))}}}}
	for i, id := range msps {
		role := mustMarshal(t, &msp.MSPRole{MspIdentifier: id, Role: msp.MSPRole_PEER})
		env.Identities = append(env.Identities, &msp.MSPPrincipal{PrincipalClassification: msp.MSPPrincipal_ROLE, Principal: role})
		env.Rule.GetNOutOf().Rules = append(env.Rule.GetNOutOf().Rules, &common.SignaturePolicy{Type: &common.SignaturePolicy_SignedBy{SignedBy: int32(i)}})
	}
	return env
}

// vp is a VALIDATION_PARAMETER metadata entry requiring peers of msps.
func vp(t testing.TB, msps ...string) []ledger.MetaEntry {
	return []ledger.MetaEntry{{Name: fabric.ValidationParameter, Value: mustMarshal(t, peersOf(t, msps...))}}
}

// sbeFixture is an auditor whose trust has Org1 and Org2 application
// orgs and whose chaincode cc requires peers of both.
type sbeFixture struct {
	a      *Auditor
	tr     *trust
	p1, p2 party
}

func newSBEFixture(t *testing.T) *sbeFixture {
	t.Helper()
	a := newAuditor(t, ledger.CryptoIntl)
	tr := newTrust(&ledger.Config{MSPs: []ledger.MSP{
		{ID: "Org1MSP", Group: "Application", Org: "Org1"}, {ID: "Org2MSP", Group: "Application", Org: "Org2"}}})
	for _, org := range []string{"Org1", "Org2"} {
		path := "/Channel/Application/" + org + "/Endorsement"
		tr.policies[path] = ledger.Policy{Path: path}
		tr.parsed[path] = policyEntry{rule: fabric.PolicyRule{Signature: &fabric.SignaturePolicy{
			Rule: outOf(1, leaf(0)), Principals: []fabric.Principal{rolePrincipal(org+"MSP", rolePeer)}}}}
	}
	raw := mustMarshal(t, &peer.ApplicationPolicy{
		Type: &peer.ApplicationPolicy_SignaturePolicy{SignaturePolicy: peersOf(t, "Org1MSP", "Org2MSP")}})
	both, err := fabric.ParseApplicationPolicy(raw)
	if err != nil {
		t.Fatal(err)
	}
	a.fab().endorse.cc["cc"] = fabric.PolicyOrError{Policy: both, Raw: raw}
	a.fab().endorse.complete = true
	return &sbeFixture{a: a, tr: tr,
		p1: party{mspID: "Org1MSP", cert: testCert(t, "peer1", "peer"), roles: []string{roleMember, rolePeer}},
		p2: party{mspID: "Org2MSP", cert: testCert(t, "peer2", "peer"), roles: []string{roleMember, rolePeer}},
	}
}

// tx is a VALID endorser transaction with one namespace.
func sbeTx(ns ledger.NsRWSet) *ledger.Tx {
	return &ledger.Tx{Valid: true, Type: typeEndorser, Fabric: &ledger.FabricTx{Chaincode: ns.Namespace, RWSets: []ledger.NsRWSet{ns}}}
}

// eval evaluates tx at index i of the current block and reports whether
// every policy held; undecided reports a policy not evaluated.
func (f *sbeFixture) eval(tx *ledger.Tx, i int, endorsers ...party) (ok, undecided bool, detail string) {
	ok = true
	for _, ns := range validatedNamespaces(tx) {
		for _, pc := range f.a.fab().evaluateNamespace(f.tr, ns, i, tx.Height, endorsers) {
			detail += pc.what + ": " + pc.policy + errSuffix(pc.err) + "; "
			switch {
			case pc.err != nil && pc.policy == "":
				undecided = true
			case !pc.ok:
				ok = false
			}
		}
	}
	return ok, undecided, detail
}

func TestKeyLevelPolicies(t *testing.T) {
	f := newSBEFixture(t)
	put := func(keys ...string) ledger.NsRWSet {
		ns := ledger.NsRWSet{Namespace: "cc"}
		for _, k := range keys {
			ns.Writes = append(ns.Writes, ledger.KVWrite{Key: k, Value: []byte("v")})
		}
		return ns
	}
	withVP := func(ns ledger.NsRWSet, key string, msps ...string) ledger.NsRWSet {
		var entries []ledger.MetaEntry
		if len(msps) > 0 {
			entries = vp(t, msps...)
		}
		ns.MetaWrites = append(ns.MetaWrites, ledger.KVMetaWrite{Key: key, Entries: entries})
		return ns
	}
	// Each step is one block of transactions, evaluated then committed.
	type step struct {
		name      string
		ns        ledger.NsRWSet
		endorsers []party
		wantOK    bool
		undecided bool
	}
	p1, p2 := f.p1, f.p2
	blocks := [][]step{
		{{"no key policy: chaincode policy", put("a"), []party{p1}, false, false}},
		{{"create a with policy Org1", withVP(put("a"), "a", "Org1MSP"), []party{p1, p2}, true, false}},
		{
			{"a alone: key policy Org1", put("a"), []party{p1}, true, false},
			{"a and b: b needs the chaincode policy", put("a", "b"), []party{p1}, false, false},
			{"a by Org2 only", put("a"), []party{p2}, false, false},
		},
		{
			{"policy of a changed to Org2 by Org1", withVP(ledger.NsRWSet{Namespace: "cc"}, "a", "Org2MSP"), []party{p1}, true, false},
			{"a written after its policy changed in the same block", put("a"), []party{p1, p2}, false, false},
		},
		{{"a now needs Org2", put("a"), []party{p2}, true, false}},
		{{"delete a, governed by its policy", ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "a", IsDelete: true}}}, []party{p2}, true, false}},
		{{"a recreated: chaincode policy again", put("a"), []party{p2}, false, false}},
		{{"metadata-only update of never-seen key c", withVP(ledger.NsRWSet{Namespace: "cc"}, "c", "Org1MSP"), []party{p1, p2}, true, false}},
		{
			{"c by Org1: key policy or chaincode policy disagree", put("c"), []party{p1}, true, true},
			{"c by both: either policy holds", put("c"), []party{p1, p2}, true, false},
		},
		{{"metadata-only update of d read as missing", ledger.NsRWSet{Namespace: "cc", Reads: []ledger.KVRead{{Key: "d", Missing: true}},
			MetaWrites: []ledger.KVMetaWrite{{Key: "d", Entries: vp(t, "Org1MSP")}}}, []party{p1, p2}, true, false}},
		{{"d's policy was ignored", put("d"), []party{p1}, false, false}},
		{{"clear c's policy", withVP(ledger.NsRWSet{Namespace: "cc"}, "c"), []party{p1, p2}, true, false}},
		{{"c cleared: chaincode policy", put("c"), []party{p1}, false, false}},
		{{"read-only invocation: chaincode policy", ledger.NsRWSet{Namespace: "cc", Reads: []ledger.KVRead{{Key: "a"}}}, []party{p1}, false, false}},
	}
	for _, block := range blocks {
		for i, st := range block {
			t.Run(st.name, func(t *testing.T) {
				tx := sbeTx(st.ns)
				ok, undecided, detail := f.eval(tx, i, st.endorsers...)
				if undecided != st.undecided || (!undecided && ok != st.wantOK) {
					t.Errorf("ok %v, undecided %v, want %v, %v: %s", ok, undecided, st.wantOK, st.undecided, detail)
				}
				if st.wantOK {
					f.a.fab().endorse.record(tx, i)
				}
			})
		}
		f.a.fab().endorse.endBlock()
	}
}

// TestKeyPolicyDependency checks that a transaction whose endorsement
// validation passed but that failed the read checks still blocks later
// writes of the keys whose policy it updated, and commits nothing.
func TestKeyPolicyDependency(t *testing.T) {
	f := newSBEFixture(t)
	conflict := sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "a"}}, MetaWrites: []ledger.KVMetaWrite{{Key: "a", Entries: vp(t, "Org1MSP")}}})
	conflict.Valid, conflict.Fabric.ValidationCode = false, codeMVCCConflict
	f.a.fab().endorse.record(conflict, 0)
	ok, _, detail := f.eval(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "a"}}}), 1, f.p1, f.p2)
	if ok || !strings.Contains(detail, "transaction 0 of the same block") {
		t.Errorf("write after a conflicting policy update = %v (%s), want a dependency violation", ok, detail)
	}
	f.a.fab().endorse.endBlock()
	if _, has := f.a.fab().endorse.keyPolicy(keyID{"cc", "", "a"}, 1); has {
		t.Error("a policy written by an invalid transaction was committed")
	}
}

func TestCollectionPolicies(t *testing.T) {
	f := newSBEFixture(t)
	pkg := &peer.CollectionConfigPackage{Config: []*peer.CollectionConfig{
		{Payload: &peer.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &peer.StaticCollectionConfig{Name: "org2only",
			EndorsementPolicy: &peer.ApplicationPolicy{Type: &peer.ApplicationPolicy_SignaturePolicy{SignaturePolicy: peersOf(t, "Org2MSP")}}}}},
		{Payload: &peer.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &peer.StaticCollectionConfig{Name: "plain"}}},
	}}
	sd := &lifecycle.StateData{Type: &lifecycle.StateData_Bytes{Bytes: mustMarshal(t, pkg)}}
	def := sbeTx(ledger.NsRWSet{Namespace: lifecycleNS, Writes: []ledger.KVWrite{{Key: "namespaces/fields/cc/Collections", Value: mustMarshal(t, sd)}}})
	f.a.fab().endorse.record(def, 0)
	f.a.fab().endorse.endBlock()
	write := func(coll string) ledger.NsRWSet {
		return ledger.NsRWSet{Namespace: "cc", Collections: []ledger.CollHashedRW{{Collection: coll, HashedWrites: []ledger.HashedWrite{{KeyHash: []byte{1, 2}}}}}}
	}
	tests := []struct {
		name      string
		ns        ledger.NsRWSet
		endorsers []party
		want      bool
	}{
		{"collection policy Org2", write("org2only"), []party{f.p2}, true},
		{"collection policy, Org1 only", write("org2only"), []party{f.p1}, false},
		{"collection without policy: chaincode policy", write("plain"), []party{f.p2}, false},
		{"implicit collection of Org1", write("_implicit_org_Org1MSP"), []party{f.p1}, true},
		{"implicit collection of Org1 endorsed by Org2", write("_implicit_org_Org1MSP"), []party{f.p2}, false},
		{"implicit collection of an unknown org", write("_implicit_org_Org9MSP"), []party{f.p1, f.p2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, undecided, detail := f.eval(sbeTx(tt.ns), 0, tt.endorsers...)
			if undecided || ok != tt.want {
				t.Errorf("ok %v (undecided %v), want %v: %s", ok, undecided, tt.want, detail)
			}
		})
	}
	// The state survives a checkpoint round trip.
	f.a.fab().endorse.record(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "k"}}, MetaWrites: []ledger.KVMetaWrite{{Key: "k", Entries: vp(t, "Org1MSP")}}}), 0)
	f.a.fab().endorse.endBlock()
	cp := f.a.Checkpoint(fixedNow)
	g := newSBEFixture(t)
	g.a.fab().endorse = newEndorsementState()
	g.a.Restore(roundTrip(t, cp))
	if !g.a.fab().endorse.complete || len(g.a.fab().endorse.keys) != 1 || len(g.a.fab().endorse.colls["cc"]) != 2 || g.a.fab().endorse.cc["cc"].Err != nil {
		t.Fatalf("restored state = %+v", g.a.fab().endorse)
	}
	if ok, _, detail := g.eval(sbeTx(write("org2only")), 0, g.p2); !ok {
		t.Errorf("restored collection policy: %s", detail)
	}
	if ok, _, detail := g.eval(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "k"}}}), 0, g.p1); !ok {
		t.Errorf("restored key policy: %s", detail)
	}
}

// roundTrip stores a checkpoint in a real index and reads it back.
func roundTrip(t *testing.T, cp record.AuditCheckpoint) record.AuditCheckpoint {
	t.Helper()
	db := openTestIndex(t)
	if err := db.PutAudit(t.Context(), "test", nil, nil, cp); err != nil {
		t.Fatal(err)
	}
	out, err := db.AuditCheckpoint(t.Context(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if out.KeyPolicies, err = db.AuditKeyPolicies(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	return out
}

// openTestIndex opens an index on the memory backend with the chain
// "test".
func openTestIndex(t *testing.T) *index.DB {
	t.Helper()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutChain(t.Context(), ledger.Chain{ID: "test", Kind: ledger.KindFabric}); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestKeyPolicyCheckpoints stores key-level policies through successive
// checkpoints: the first in full, later ones as changes, and an audit
// that did not resume replaces them all.
func TestKeyPolicyCheckpoints(t *testing.T) {
	db := openTestIndex(t)
	ctx := t.Context()
	f := newSBEFixture(t)
	set := func(a *Auditor, key string, msps ...string) {
		var entries []ledger.MetaEntry
		if len(msps) > 0 {
			entries = vp(t, msps...)
		}
		a.fab().endorse.record(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: key}},
			MetaWrites: []ledger.KVMetaWrite{{Key: key, Entries: entries}}}), 0)
		a.fab().endorse.endBlock()
	}
	stored := func(want ...string) {
		t.Helper()
		kps, err := db.AuditKeyPolicies(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, kp := range kps {
			got = append(got, string(kp.Key))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("stored key policies = %v, want %v", got, want)
		}
	}
	save := func(a *Auditor, wantEntries int, wantReset bool) {
		t.Helper()
		cp := a.Checkpoint(fixedNow)
		if len(cp.KeyPolicies) != wantEntries || cp.ResetKeyPolicies != wantReset {
			t.Errorf("checkpoint has %d key policies (reset %v), want %d (reset %v)", len(cp.KeyPolicies), cp.ResetKeyPolicies, wantEntries, wantReset)
		}
		if err := db.PutAudit(ctx, "test", nil, nil, cp); err != nil {
			t.Fatal(err)
		}
	}
	set(f.a, "k1", "Org1MSP")
	set(f.a, "k2", "Org2MSP")
	save(f.a, 2, true)
	stored("k1", "k2")
	set(f.a, "k1") // cleared
	set(f.a, "k3", "Org1MSP")
	save(f.a, 2, false)
	stored("k2", "k3")
	save(f.a, 0, false)
	stored("k2", "k3")

	resumed := newSBEFixture(t)
	cp, err := db.AuditCheckpoint(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if cp.KeyPolicies, err = db.AuditKeyPolicies(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	resumed.a.fab().endorse = newEndorsementState()
	resumed.a.Restore(cp)
	set(resumed.a, "k4", "Org2MSP")
	save(resumed.a, 1, false)
	stored("k2", "k3", "k4")

	fresh := newSBEFixture(t) // an audit that did not continue the stored one
	set(fresh.a, "k5", "Org1MSP")
	save(fresh.a, 1, true)
	stored("k5")
}

// TestImplicitCollectionPolicies covers how an org's implicit collection
// is governed: its application Endorsement policy, found by MSP id even
// when the same MSP also defines an orderer org, and any member of the
// org when it defines no Endorsement policy.
func TestImplicitCollectionPolicies(t *testing.T) {
	f := newSBEFixture(t)
	// Org1MSP also runs the orderers, under an orderer org of the same id
	// listed after the application orgs.
	f.tr = newTrust(&ledger.Config{MSPs: []ledger.MSP{
		{ID: "Org1MSP", Group: "Application", Org: "Org1"}, {ID: "Org2MSP", Group: "Application", Org: "Org2"},
		{ID: "Org1MSP", Group: "Orderer", Org: "Org1Orderers"}}})
	path := "/Channel/Application/Org1/Endorsement"
	f.tr.policies[path] = ledger.Policy{Path: path}
	f.tr.parsed[path] = policyEntry{rule: fabric.PolicyRule{Signature: &fabric.SignaturePolicy{
		Rule: outOf(1, leaf(0)), Principals: []fabric.Principal{rolePrincipal("Org1MSP", rolePeer)}}}}
	write := func(coll string) ledger.NsRWSet {
		return ledger.NsRWSet{Namespace: "cc", Collections: []ledger.CollHashedRW{{Collection: coll, HashedWrites: []ledger.HashedWrite{{KeyHash: []byte{9}}}}}}
	}
	member2 := party{mspID: "Org2MSP", cert: testCert(t, "client2", "client"), roles: []string{roleMember, roleClient}}
	for _, tt := range []struct {
		name      string
		coll      string
		endorsers []party
		want      bool
	}{
		{"Org1 Endorsement policy, by Org1's peer", "_implicit_org_Org1MSP", []party{f.p1}, true},
		{"Org1 Endorsement policy, by Org2's peer", "_implicit_org_Org1MSP", []party{f.p2}, false},
		{"Org2 defines no Endorsement policy: any member", "_implicit_org_Org2MSP", []party{member2}, true},
		{"Org2 defines no Endorsement policy, by Org1", "_implicit_org_Org2MSP", []party{f.p1}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, undecided, detail := f.eval(sbeTx(write(tt.coll)), 0, tt.endorsers...)
			if undecided || ok != tt.want {
				t.Errorf("ok %v (undecided %v), want %v: %s", ok, undecided, tt.want, detail)
			}
		})
	}
}

// TestIncompleteState checks that an audit that did not start at genesis
// reports failed chaincode and collection policies as not evaluated (an
// unknown key-level policy may govern the key), but still holds writes to
// the key-level policies it saw being set.
func TestIncompleteState(t *testing.T) {
	f := newSBEFixture(t)
	f.a.fab().endorse.complete = false
	f.a.fab().endorse.colls["cc"] = map[string]fabric.Collection{"org2only": {Policy: f.a.fab().endorse.cc["cc"], HasPolicy: true}}
	f.a.fab().endorse.record(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "k"}},
		MetaWrites: []ledger.KVMetaWrite{{Key: "k", Entries: vp(t, "Org2MSP")}}}), 0)
	f.a.fab().endorse.endBlock()
	for _, tt := range []struct {
		name string
		ns   ledger.NsRWSet
		want ledger.Status
	}{
		{"chaincode policy", ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "other"}}}, ""},
		{"collection policy", ledger.NsRWSet{Namespace: "cc", Collections: []ledger.CollHashedRW{{Collection: "org2only", HashedWrites: []ledger.HashedWrite{{KeyHash: []byte{1}}}}}}, ""},
		{"known key-level policy", ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "k"}}}, "finding"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := &BlockResult{}
			var v ledger.Verdict
			tx := sbeTx(tt.ns)
			tx.ID, tx.Height = "tx1", 5
			f.a.fab().checkEndorsement(res, &v, f.tr, tx, 0, []party{f.p1}, "block 5 tx 0", map[string]string{})
			if got := len(res.Findings) > 0; got != (tt.want == "finding") {
				t.Errorf("findings %+v, verdict %+v", res.Findings, v)
			}
		})
	}
}

// TestCustomValidationPlugin checks that a chaincode validated by a plugin
// other than Fabric's built-in one is not held to any endorsement policy.
func TestCustomValidationPlugin(t *testing.T) {
	f := newSBEFixture(t)
	vi := &lifecycle.ChaincodeValidationInfo{ValidationPlugin: "my-vscc", ValidationParameter: mustMarshal(t, &peer.ApplicationPolicy{
		Type: &peer.ApplicationPolicy_SignaturePolicy{SignaturePolicy: peersOf(t, "Org1MSP", "Org2MSP")}})}
	sd := &lifecycle.StateData{Type: &lifecycle.StateData_Bytes{Bytes: mustMarshal(t, vi)}}
	f.a.fab().endorse.record(sbeTx(ledger.NsRWSet{Namespace: lifecycleNS, Writes: []ledger.KVWrite{{Key: "namespaces/fields/cc/ValidationInfo", Value: mustMarshal(t, sd)}}}), 0)
	f.a.fab().endorse.endBlock()
	ok, undecided, detail := f.eval(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "k"}}}), 0, f.p1)
	if !undecided || !strings.Contains(detail, "my-vscc") {
		t.Errorf("ok %v, undecided %v: %s; want not evaluated, naming the plugin", ok, undecided, detail)
	}
	cp := roundTrip(t, f.a.Checkpoint(fixedNow))
	if cp.CustomValidation["cc"] != "my-vscc" {
		t.Errorf("checkpoint custom validation = %v", cp.CustomValidation)
	}
}

// TestPrivateKeyExpiry checks key-level policies of private keys against
// their collection's BlockToLive: in force while the data lives (Fabric
// purges it while committing block written+BlockToLive+1, after
// validating it) and gone after; a write after the purge recreates the
// key without a policy, and a write before it re-arms the expiry.
func TestPrivateKeyExpiry(t *testing.T) {
	f := newSBEFixture(t)
	pkg := &peer.CollectionConfigPackage{Config: []*peer.CollectionConfig{
		{Payload: &peer.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &peer.StaticCollectionConfig{Name: "short", BlockToLive: 2}}},
		{Payload: &peer.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &peer.StaticCollectionConfig{Name: "forever"}}},
	}}
	sd := &lifecycle.StateData{Type: &lifecycle.StateData_Bytes{Bytes: mustMarshal(t, pkg)}}
	f.a.fab().endorse.record(sbeTx(ledger.NsRWSet{Namespace: lifecycleNS, Writes: []ledger.KVWrite{{Key: "namespaces/fields/cc/Collections", Value: mustMarshal(t, sd)}}}), 0)
	f.a.fab().endorse.endBlock()
	// At block 10, private keys of three collections get the policy
	// "a peer of Org1".
	for _, coll := range []string{"short", "forever", "unknown"} {
		tx := sbeTx(ledger.NsRWSet{Namespace: "cc", Collections: []ledger.CollHashedRW{{Collection: coll,
			HashedWrites: []ledger.HashedWrite{{KeyHash: []byte{7}}}, MetaWrites: []ledger.HashedMetaWrite{{KeyHash: []byte{7}, Entries: vp(t, "Org1MSP")}}}}})
		tx.Height = 10
		f.a.fab().endorse.record(tx, 0)
	}
	f.a.fab().endorse.endBlock()
	write := func(coll string, height uint64) *ledger.Tx {
		tx := sbeTx(ledger.NsRWSet{Namespace: "cc", Collections: []ledger.CollHashedRW{{Collection: coll, HashedWrites: []ledger.HashedWrite{{KeyHash: []byte{7}}}}}})
		tx.Height = height
		return tx
	}
	for _, tt := range []struct {
		name      string
		tx        *ledger.Tx
		wantOK    bool
		undecided bool
	}{
		{"short-lived key, alive: its policy", write("short", 12), true, false},
		{"short-lived key, in the block that purges it: still its policy", write("short", 13), true, false},
		{"short-lived key, purged: chaincode policy", write("short", 14), false, false},
		{"key of a collection kept forever: its policy", write("forever", 1000), true, false},
		{"key of an unknown collection: unknown", write("unknown", 12), false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, undecided, detail := f.eval(tt.tx, 0, f.p1)
			if undecided != tt.undecided || (!undecided && ok != tt.wantOK) {
				t.Errorf("ok %v, undecided %v; want %v, %v: %s", ok, undecided, tt.wantOK, tt.undecided, detail)
			}
		})
	}
	// A value written at block 20, after the purge, recreates the key
	// without its policy; one written at block 12 keeps it alive.
	rewrite := func(coll string, height uint64) {
		f.a.fab().endorse.record(write(coll, height), 0)
		f.a.fab().endorse.endBlock()
	}
	rewrite("short", 20)
	if ok, undecided, detail := f.eval(write("short", 21), 0, f.p1); ok || undecided {
		t.Errorf("write after the purge and a rewrite = ok %v, undecided %v: %s; want the chaincode policy", ok, undecided, detail)
	}
	rewrite("forever", 12)
	if ok, undecided, detail := f.eval(write("forever", 2000), 0, f.p1); !ok || undecided {
		t.Errorf("key kept forever after a rewrite = ok %v, undecided %v: %s", ok, undecided, detail)
	}
	// The collection configuration and write heights survive a checkpoint.
	g := newSBEFixture(t)
	g.a.fab().endorse = newEndorsementState()
	g.a.Restore(roundTrip(t, f.a.Checkpoint(fixedNow)))
	g.a.fab().endorse.complete = true
	if ok, undecided, detail := g.eval(write("short", 21), 0, g.p1); ok || undecided {
		t.Errorf("restored: rewritten key = ok %v, undecided %v: %s", ok, undecided, detail)
	}
	if ok, undecided, detail := g.eval(write("forever", 3000), 0, g.p1); !ok || undecided {
		t.Errorf("restored: live key = ok %v, undecided %v: %s", ok, undecided, detail)
	}
}

// TestLifecycleEndorsementFallback checks `_lifecycle` writes on a
// channel that defines no LifecycleEndorsement policy: Fabric requires
// members of a majority of the application orgs.
func TestLifecycleEndorsementFallback(t *testing.T) {
	f := newSBEFixture(t)
	ns := ledger.NsRWSet{Namespace: lifecycleNS, Writes: []ledger.KVWrite{{Key: "namespaces/fields/cc/Sequence"}}}
	if ok, undecided, detail := f.eval(sbeTx(ns), 0, f.p1); ok || undecided {
		t.Errorf("one of two orgs = ok %v, undecided %v: %s", ok, undecided, detail)
	}
	if ok, undecided, detail := f.eval(sbeTx(ns), 0, f.p1, f.p2); !ok || undecided {
		t.Errorf("both orgs = ok %v, undecided %v: %s", ok, undecided, detail)
	}
}

// TestUnreadableTransaction checks that a committed transaction that does
// not decode makes every known key-level policy uncertain: it may have
// changed them.
func TestUnreadableTransaction(t *testing.T) {
	f := newSBEFixture(t)
	f.a.fab().endorse.record(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "k"}},
		MetaWrites: []ledger.KVMetaWrite{{Key: "k", Entries: vp(t, "Org2MSP")}}}), 0)
	f.a.fab().endorse.endBlock()
	bad := sbeTx(ledger.NsRWSet{})
	bad.Fabric.DecodeError = "payload: malformed"
	f.a.fab().endorse.record(bad, 0)
	f.a.fab().endorse.endBlock()
	if kp, ok := f.a.fab().endorse.keyPolicy(keyID{"cc", "", "k"}, 5); !ok || !kp.uncertain || f.a.fab().endorse.complete {
		t.Errorf("after an unreadable transaction: policy %+v, %v, complete %v; want uncertain, incomplete", kp, ok, f.a.fab().endorse.complete)
	}
	if _, undecided, detail := f.eval(sbeTx(ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "k"}}}), 0, f.p1); !undecided {
		t.Errorf("write of k = undecided %v: %s; want not evaluated", undecided, detail)
	}
}

// TestKeyPolicyCopied checks that the endorsement state keeps a copy of
// a key-level policy and of a collection config: the decoder's byte
// fields point into the block's bytes, which a kept slice of them would
// keep in memory whole for as long as the key has its policy.
func TestKeyPolicyCopied(t *testing.T) {
	e := newEndorsementState()
	entries := vp(t, "Org1MSP")
	colls := mustMarshal(t, &peer.CollectionConfigPackage{Config: []*peer.CollectionConfig{{Payload: &peer.CollectionConfig_StaticCollectionConfig{
		StaticCollectionConfig: &peer.StaticCollectionConfig{Name: "c1", BlockToLive: 9}}}}})
	tx := sbeTx(ledger.NsRWSet{Namespace: "cc",
		Writes:     []ledger.KVWrite{{Key: "k", Value: []byte("v")}},
		MetaWrites: []ledger.KVMetaWrite{{Key: "k", Entries: entries}}})
	tx.Fabric.RWSets = append(tx.Fabric.RWSets, ledger.NsRWSet{Namespace: "_lifecycle",
		Writes: []ledger.KVWrite{{Key: "namespaces/fields/cc2/Collections", Value: colls}}})
	e.record(tx, 0)
	e.endBlock()
	ks, ok := e.keys[keyID{"cc", "", "k"}]
	raw, have := e.collRaw["cc2"]
	if !ok || !have {
		t.Fatalf("key policy %v, collection config %v; want both kept", ok, have)
	}
	for name, pair := range map[string][2][]byte{"key-level policy": {ks.policy, entries[0].Value}, "collection config": {raw, colls}} {
		kept, decoded := pair[0], pair[1]
		if len(kept) == 0 || &kept[0] == &decoded[0] {
			t.Errorf("the %s kept is the decoded bytes themselves, not a copy", name)
		}
	}
}
