package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// Block metadata indexes (common.BlockMetadataIndex).
const (
	mdTxFilter   = 2
	mdCommitHash = 4
)

// commitHashFindings returns the FAB-COMMIT-HASH findings.
func commitHashFindings(fs []ledger.Finding) []ledger.Finding {
	var out []ledger.Finding
	for _, f := range fs {
		if f.Rule == RuleCommitHash.ID {
			out = append(out, f)
		}
	}
	return out
}

// commitVerdict returns the commit-hash check of a block verdict.
func commitVerdict(v ledger.Verdict) (ledger.Check, bool) {
	for _, c := range v.Checks {
		if c.Name == commitCheck {
			return c, true
		}
	}
	return ledger.Check{}, false
}

// checkCommitHashes fails unless every block of a clean peer ledger from
// block 1 on has its commit hash recomputed and matching, with no finding.
func checkCommitHashes(t *testing.T, rs []*BlockResult) {
	t.Helper()
	for _, f := range commitHashFindings(findings(rs)) {
		t.Errorf("clean ledger: %s: %s", f.Rule, f.Message)
	}
	for _, r := range rs {
		c, ok := commitVerdict(r.Verdict)
		switch {
		case r.Height == 0 && ok:
			t.Errorf("Block(0) has a commit-hash check %+v; Fabric writes none at block 0", c)
		case r.Height > 0 && (!ok || !c.OK || c.Detail != ""):
			t.Errorf("Block(%d) commit-hash check = %+v (present %v), want recomputed and matching", r.Height, c, ok)
		}
	}
}

// TestCommitHashClean recomputes the commit-hash chain of the real peer
// ledgers: `_lifecycle` blocks with hashed writes to implicit private
// collections, puts, a delete, MVCC conflicts and a config update. Every
// block matches. Orderer copies carry no commit hash and get no check.
func TestCommitHashClean(t *testing.T) {
	for _, nw := range networks {
		t.Run(nw.name, func(t *testing.T) {
			blocks := readChain(t, nw.dir+"/peer", "mychannel_")
			rs := auditAll(t, newAuditor(t, nw.crypto), blocks)
			checkCommitHashes(t, rs)
			// The ledger exercises what the commit hash covers.
			b1, err := fabric.DecodeBlock("x", blocks[1])
			if err != nil {
				t.Fatal(err)
			}
			hashed := 0
			for _, ns := range b1.Txs[0].Fabric.RWSets {
				for _, c := range ns.Collections {
					hashed += len(c.HashedWrites)
				}
			}
			if hashed == 0 {
				t.Errorf("block 1 has no hashed private writes")
			}
			seq := newAuditor(t, nw.crypto)
			for i, raw := range blocks {
				if r := seq.Block(raw); len(commitHashFindings(r.Findings)) != 0 {
					t.Errorf("Block(%d) sequential: %v", i, r.Findings)
				}
			}
		})
		t.Run(nw.name+"/orderer", func(t *testing.T) {
			prefix := "mychannel_"
			if nw.crypto == ledger.CryptoGM {
				prefix = "gm_mychannel_"
			}
			rs := auditAll(t, newAuditor(t, nw.crypto), readChain(t, nw.dir+"/orderer", prefix))
			for _, r := range rs {
				if c, ok := commitVerdict(r.Verdict); ok {
					t.Errorf("orderer Block(%d) commit-hash check = %+v, want none", r.Height, c)
				}
			}
			if fs := commitHashFindings(findings(rs)); len(fs) != 0 {
				t.Errorf("orderer copy: %s", listFindings(fs))
			}
		})
	}
	// Block 10 of the 2.5.9 ledger holds the MVCC conflicts, block 11 the
	// config update.
	b10, err := fabric.DecodeBlock("x", readChain(t, "fabric-2.5.9/peer", "mychannel_")[10])
	if err != nil || !bytes.Equal(b10.Fabric.TxFilter, []byte{0, 11, 11}) {
		t.Fatalf("fixture block 10 filter = %v, %v; want VALID, MVCC_READ_CONFLICT x2", b10.Fabric.TxFilter, err)
	}
}

// setFilterCode returns a block with the validation code of tx i changed,
// its commit hash untouched.
func setFilterCode(t *testing.T, block []byte, i int, code byte) []byte {
	t.Helper()
	filter := slices.Clone(get(t, block, pMetadata(mdTxFilter)...))
	filter[i] = code
	return set(t, block, filter, pMetadata(mdTxFilter)...)
}

// flipCommitHash flips bits of byte i of a block's stored commit hash
// (the value of its Metadata; from the end when i is negative).
func flipCommitHash(t *testing.T, block []byte, i int, bits byte) []byte {
	t.Helper()
	path := append(pMetadata(mdCommitHash), sel{1, 0})
	ch := slices.Clone(get(t, block, path...))
	if i < 0 {
		i += len(ch)
	}
	ch[i] ^= bits
	return set(t, block, ch, path...)
}

// TestCommitHashTamper alters the validation codes and commit hashes of
// the real peer ledgers: each alteration is caught by FAB-COMMIT-HASH at
// the block altered, once, and by no other rule.
func TestCommitHashTamper(t *testing.T) {
	for _, nw := range networks {
		tests := []struct {
			name string
			// mutate alters blocks and returns the heights the findings
			// must name.
			mutate func(t *testing.T, blocks [][]byte) []uint64
		}{
			{"flipped commit hash byte", func(t *testing.T, blocks [][]byte) []uint64 {
				blocks[target] = flipCommitHash(t, blocks[target], -1, 0x01)
				return []uint64{target}
			}},
			{"flipped commit hash byte of block 1", func(t *testing.T, blocks [][]byte) []uint64 {
				blocks[1] = flipCommitHash(t, blocks[1], 5, 0x80)
				return []uint64{1}
			}},
			{"flipped commit hash byte of the last block", func(t *testing.T, blocks [][]byte) []uint64 {
				last := len(blocks) - 1
				blocks[last] = flipCommitHash(t, blocks[last], 2, 0x10)
				return []uint64{uint64(last)}
			}},
			{"VALID tx marked MVCC_READ_CONFLICT", func(t *testing.T, blocks [][]byte) []uint64 {
				blocks[target] = setFilterCode(t, blocks[target], 0, codeMVCCConflict)
				return []uint64{target}
			}},
			{"two altered blocks", func(t *testing.T, blocks [][]byte) []uint64 {
				blocks[2] = setFilterCode(t, blocks[2], 0, codeMVCCConflict)
				blocks[4] = flipCommitHash(t, blocks[4], 0, 0x01)
				return []uint64{2, 4}
			}},
			{"altered code and commit hash in consecutive blocks", func(t *testing.T, blocks [][]byte) []uint64 {
				blocks[3] = setFilterCode(t, blocks[3], 0, codeMVCCConflict)
				blocks[4] = flipCommitHash(t, blocks[4], 0, 0x01)
				return []uint64{3, 4}
			}},
			{"stripped commit hash", func(t *testing.T, blocks [][]byte) []uint64 {
				blocks[target] = set(t, blocks[target], nil, pMetadata(mdCommitHash)...)
				return []uint64{target}
			}},
			{"commit hashes stripped from block 1 on", func(t *testing.T, blocks [][]byte) []uint64 {
				for i := 1; i < len(blocks); i++ {
					blocks[i] = set(t, blocks[i], nil, pMetadata(mdCommitHash)...)
				}
				return []uint64{1}
			}},
			{"malformed commit hash metadata", func(t *testing.T, blocks [][]byte) []uint64 {
				blocks[target] = set(t, blocks[target], []byte{0x0a, 0xff, 0x01}, pMetadata(mdCommitHash)...)
				return []uint64{target}
			}},
		}
		for _, tt := range tests {
			t.Run(nw.name+"/"+tt.name, func(t *testing.T) {
				blocks := readChain(t, nw.dir+"/peer", "mychannel_")
				want := tt.mutate(t, blocks)
				rs := auditAll(t, newAuditor(t, nw.crypto), blocks)
				fs := findings(rs)
				var got []uint64
				for _, f := range fs {
					switch {
					case f.Rule == RuleCommitHash.ID:
						got = append(got, f.Subject.Height)
						if f.Subject.Kind != "block" || !strings.Contains(f.Message, "block ") || f.Evidence["block"] == "" {
							t.Errorf("finding does not name its block: %+v", f)
						}
					case f.Rule == RuleMVCCInvalid.ID && slices.Contains(want, f.Subject.Height) && f.Evidence["tx"] == "0":
						// A VALID transaction marked as a conflict: the
						// re-validation names it too (TestMVCCReplay).
					case f.Category == ledger.CatIntegrity:
						t.Errorf("unexpected %s: %s", f.Rule, f.Message)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("FAB-COMMIT-HASH at blocks %v, want %v; got:\n%s", got, want, listFindings(fs))
				}
				for _, r := range rs {
					if c, ok := commitVerdict(r.Verdict); ok && strings.HasPrefix(c.Detail, "not verifiable") {
						t.Errorf("Block(%d) commit hash %q: the chain must recover from the tamper", r.Height, c.Detail)
					}
				}
			})
		}
	}
}

// TestCommitHashMismatchEvidence checks what a mismatch finding names:
// the block, the stored and the recomputed value and the previous one.
func TestCommitHashMismatchEvidence(t *testing.T) {
	blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
	b, err := fabric.DecodeBlock("x", blocks[10])
	if err != nil {
		t.Fatal(err)
	}
	prev, err := fabric.DecodeBlock("x", blocks[9])
	if err != nil {
		t.Fatal(err)
	}
	// The peer lies: tx 1 lost its MVCC conflict. Its endorsements are
	// genuine, so only the commit hash and the MVCC re-validation catch it.
	blocks[10] = setFilterCode(t, blocks[10], 1, codeValid)
	all := findings(auditAll(t, newAuditor(t, ledger.CryptoIntl), blocks))
	fs := commitHashFindings(all)
	if len(fs) != 1 || len(all) != 2 {
		t.Fatalf("findings = %s, want one %s and one %s", listFindings(all), RuleCommitHash.ID, RuleMVCCValid.ID)
	}
	f := fs[0]
	if f.Subject.Height != 10 || f.Severity != ledger.Critical || f.Evidence["block"] != "10" ||
		f.Evidence["have"] != hex.EncodeToString(b.Fabric.CommitHash) || f.Evidence["previous"] != hex.EncodeToString(prev.Fabric.CommitHash) ||
		len(f.Evidence["want"]) != 64 || f.Evidence["want"] == f.Evidence["have"] {
		t.Errorf("finding = %+v", f)
	}
	for _, s := range []string{"block 10", hex.EncodeToString(b.Fabric.CommitHash), f.Evidence["want"], "(2 VALID)"} {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message %q does not name %q", f.Message, s)
		}
	}
}

// TestCommitHashPartial audits parts of a real peer ledger: a primed
// resume verifies from its first block, an audit starting mid-chain or
// after missing blocks marks one block not verifiable and resumes.
func TestCommitHashPartial(t *testing.T) {
	blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
	detail := func(r *BlockResult) string {
		c, ok := commitVerdict(r.Verdict)
		if !ok || !c.OK {
			return "missing or failed"
		}
		if strings.HasPrefix(c.Detail, "not verifiable") {
			return "not verifiable"
		}
		return c.Detail
	}
	t.Run("primed", func(t *testing.T) {
		a := newAuditor(t, ledger.CryptoIntl)
		if err := a.Prime(blocks[0], blocks[5]); err != nil {
			t.Fatal(err)
		}
		for _, r := range auditAll(t, a, blocks[6:]) {
			if d := detail(r); d != "" {
				t.Errorf("Block(%d) commit hash %s, want verified", r.Height, d)
			}
		}
	})
	t.Run("mid-chain", func(t *testing.T) {
		rs := auditAll(t, newAuditor(t, ledger.CryptoIntl), blocks[5:])
		for i, r := range rs {
			want := ""
			if i == 0 {
				want = "not verifiable"
			}
			if d := detail(r); d != want {
				t.Errorf("Block(%d) commit hash %s, want %q", r.Height, d, want)
			}
		}
	})
	t.Run("missing block", func(t *testing.T) {
		rs := auditAll(t, newAuditor(t, ledger.CryptoIntl), slices.Delete(slices.Clone(blocks), 6, 7))
		for _, r := range rs {
			want := ""
			if r.Height == 7 {
				want = "not verifiable"
			}
			if d := detail(r); r.Height > 0 && d != want {
				t.Errorf("Block(%d) commit hash %s, want %q", r.Height, d, want)
			}
		}
		if fs := commitHashFindings(findings(rs)); len(fs) != 0 {
			t.Errorf("missing block: %s", listFindings(fs))
		}
	})
}

// kvw is a KVWrite as Fabric's updates.proto defines it.
type kvw struct {
	ns, coll  string
	key, val  []byte
	del       bool
	block, tx uint64
}

// updatesBytes marshals Updates{repeated KVWrite kvwrites = 1} field by
// field: KVWrite{1 namespace, 2 collection, 3 key, 4 isDelete, 5 value,
// 6 version_bytes}, proto3 (empty fields left out).
func updatesBytes(ws ...kvw) []byte {
	var out []byte
	for _, w := range ws {
		var m []byte
		for _, f := range []struct {
			num protowire.Number
			v   []byte
		}{{1, []byte(w.ns)}, {2, []byte(w.coll)}, {3, w.key}} {
			if len(f.v) > 0 {
				m = protowire.AppendBytes(protowire.AppendTag(m, f.num, protowire.BytesType), f.v)
			}
		}
		if w.del {
			m = protowire.AppendVarint(protowire.AppendTag(m, 4, protowire.VarintType), 1)
		}
		if len(w.val) > 0 {
			m = protowire.AppendBytes(protowire.AppendTag(m, 5, protowire.BytesType), w.val)
		}
		m = protowire.AppendBytes(protowire.AppendTag(m, 6, protowire.BytesType), versionBytes(w.block, w.tx))
		out = protowire.AppendBytes(protowire.AppendTag(out, 1, protowire.BytesType), m)
	}
	return out
}

// byteSink collects what is written to it.
type byteSink struct{ bytes.Buffer }

func (*byteSink) Sum(b []byte) []byte { return b }
func (*byteSink) Size() int           { return 0 }
func (*byteSink) BlockSize() int      { return 1 }

func batchBytes(u *updateBatch) []byte {
	var s byteSink
	u.writeUpdates(&s)
	return s.Bytes()
}

// endorserTx is a VALID endorser transaction with the given read/write
// sets.
func endorserTx(valid bool, rws ...ledger.NsRWSet) ledger.Tx {
	return ledger.Tx{Type: typeEndorser, Valid: valid, Fabric: &ledger.FabricTx{RWSets: rws}}
}

func TestVersionBytes(t *testing.T) {
	for _, tt := range []struct {
		block, tx uint64
		want      []byte
	}{
		{0, 0, []byte{0, 0}},
		{1, 2, []byte{1, 1, 1, 2}},
		{256, 70000, []byte{2, 1, 0, 3, 1, 0x11, 0x70}},
		{1<<64 - 1, 255, []byte{8, 255, 255, 255, 255, 255, 255, 255, 255, 1, 255}},
	} {
		if got := versionBytes(tt.block, tt.tx); !bytes.Equal(got, tt.want) {
			t.Errorf("versionBytes(%d, %d) = %x, want %x", tt.block, tt.tx, got, tt.want)
		}
	}
}

// TestUpdateBatchBytes checks the deterministic update bytes against
// Fabric's rules: namespaces sorted, public keys before collections,
// collections and keys sorted, namespace and collection named once, later
// writes replace earlier ones with their version, empty values delete,
// invalid transactions and the channel-config namespace left out.
func TestUpdateBatchBytes(t *testing.T) {
	hk := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	b := &ledger.Block{Height: 7, Txs: []ledger.Tx{
		endorserTx(true, ledger.NsRWSet{Namespace: "ns3", Writes: []ledger.KVWrite{{Key: "key5", Value: []byte("value5")}, {Key: "key4", Value: []byte("value4")}}},
			ledger.NsRWSet{Namespace: "ns1", Writes: []ledger.KVWrite{{Key: "key2", Value: []byte("old")}}}),
		endorserTx(false, ledger.NsRWSet{Namespace: "ns0", Writes: []ledger.KVWrite{{Key: "invalid", Value: []byte("x")}}}),
		endorserTx(true,
			ledger.NsRWSet{Namespace: "ns1", Writes: []ledger.KVWrite{{Key: "key2", Value: []byte("value2")}, {Key: "key1", Value: []byte("value1")}},
				Collections: []ledger.CollHashedRW{
					{Collection: "coll2", HashedWrites: []ledger.HashedWrite{{KeyHash: hk("k6"), IsDelete: true}, {KeyHash: hk("k5"), ValueHash: hk("v5")}}},
					{Collection: "coll1", HashedWrites: []ledger.HashedWrite{{KeyHash: hk("k3"), ValueHash: hk("v3")}, {KeyHash: hk("k4"), ValueHash: sha256Empty[:]}}},
				}},
			ledger.NsRWSet{Namespace: "ns3", Writes: []ledger.KVWrite{{Key: "key6", IsDelete: true}, {Key: "key7"}}},
			ledger.NsRWSet{Namespace: "ns4", Collections: []ledger.CollHashedRW{{Collection: "c", HashedWrites: []ledger.HashedWrite{{KeyHash: hk("p"), ValueHash: hk("q"), IsPurge: true, IsDelete: true}}}}}),
		{Type: typeConfig, Valid: true, Fabric: &ledger.FabricTx{}},
	}}
	// The peer keeps the channel config under the empty namespace.
	b.Txs[3].Fabric.RWSets = []ledger.NsRWSet{{Namespace: "", Writes: []ledger.KVWrite{{Key: "CHANNEL_CONFIG_ENV_BYTES", Value: []byte("cfg")}}}}
	u := buildBatch(b, func(stateKey) ([]byte, bool, bool) { t.Fatal("state read"); return nil, false, false }, nil)
	if u.unknown != "" {
		t.Fatal(u.unknown)
	}
	sorted := func(a, b []byte) ([]byte, []byte) {
		if bytes.Compare(a, b) > 0 {
			return b, a
		}
		return a, b
	}
	k3, k4 := sorted(hk("k3"), hk("k4"))
	var c1 []kvw
	for i, k := range [][]byte{k3, k4} {
		w := kvw{key: k, block: 7, tx: 2}
		if bytes.Equal(k, hk("k3")) {
			w.val = hk("v3")
		} else {
			w.del = true
		}
		if i == 0 {
			w.coll = "coll1"
		}
		c1 = append(c1, w)
	}
	k5, k6 := sorted(hk("k5"), hk("k6"))
	var c2 []kvw
	for i, k := range [][]byte{k5, k6} {
		w := kvw{key: k, block: 7, tx: 2}
		if bytes.Equal(k, hk("k5")) {
			w.val = hk("v5")
		} else {
			w.del = true
		}
		if i == 0 {
			w.coll = "coll2"
		}
		c2 = append(c2, w)
	}
	want := slices.Concat(
		[]kvw{{ns: "ns1", key: []byte("key1"), val: []byte("value1"), block: 7, tx: 2}, {key: []byte("key2"), val: []byte("value2"), block: 7, tx: 2}},
		c1, c2,
		[]kvw{
			{ns: "ns3", key: []byte("key4"), val: []byte("value4"), block: 7}, {key: []byte("key5"), val: []byte("value5"), block: 7},
			{key: []byte("key6"), del: true, block: 7, tx: 2}, {key: []byte("key7"), del: true, block: 7, tx: 2},
			{ns: "ns4", coll: "c", key: hk("p"), del: true, block: 7, tx: 2},
		})
	if got, w := batchBytes(u), updatesBytes(want...); !bytes.Equal(got, w) {
		t.Errorf("update bytes =\n%x\nwant\n%x", got, w)
	}
	if n := u.count(); n != 11 {
		t.Errorf("count = %d, want 11", n)
	}
	// Only the channel config: empty bytes.
	cfg := &ledger.Block{Height: 1, Txs: b.Txs[3:]}
	if got := batchBytes(buildBatch(cfg, nil, nil)); len(got) != 0 {
		t.Errorf("config-only update bytes = %x, want none", got)
	}
}

// TestMetadataOnlyUpdates checks how a metadata-only write enters the
// update batch: with the key's latest value (from an earlier transaction
// of the block or from state) at the new version, dropped when the key
// does not exist, not verifiable when the audit does not know the value.
// Duplicate writes of one key in a transaction are summed as Fabric does.
func TestMetadataOnlyUpdates(t *testing.T) {
	vp := []ledger.MetaEntry{{Name: "VALIDATION_PARAMETER", Value: []byte("policy")}}
	meta := func(key string) ledger.NsRWSet {
		return ledger.NsRWSet{Namespace: "cc", MetaWrites: []ledger.KVMetaWrite{{Key: key, Entries: vp}}}
	}
	put := func(key, val string) ledger.NsRWSet {
		return ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: key, Value: []byte(val)}}}
	}
	var s commitState
	s.start()
	s.apply(&updateBatch{height: 3, writes: map[stateKey]stateWrite{{"cc", "", "a"}: {value: []byte("va")}}})
	tests := []struct {
		name    string
		txs     []ledger.Tx
		state   *commitState
		want    []kvw
		unknown bool
	}{
		{"from state", []ledger.Tx{endorserTx(true, meta("a"))}, &s, []kvw{{ns: "cc", key: []byte("a"), val: []byte("va"), block: 9}}, false},
		{"missing key dropped", []ledger.Tx{endorserTx(true, meta("b"))}, &s, nil, false},
		{"from an earlier tx", []ledger.Tx{endorserTx(true, put("b", "vb")), endorserTx(true, meta("b"))}, &s,
			[]kvw{{ns: "cc", key: []byte("b"), val: []byte("vb"), block: 9, tx: 1}}, false},
		{"metadata delete", []ledger.Tx{endorserTx(true, ledger.NsRWSet{Namespace: "cc", MetaWrites: []ledger.KVMetaWrite{{Key: "a"}}})}, &s,
			[]kvw{{ns: "cc", key: []byte("a"), val: []byte("va"), block: 9}}, false},
		{"value and metadata", []ledger.Tx{endorserTx(true, ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "a", Value: []byte("new")}},
			MetaWrites: []ledger.KVMetaWrite{{Key: "a", Entries: vp}}})}, &s, []kvw{{ns: "cc", key: []byte("a"), val: []byte("new"), block: 9}}, false},
		{"unknown value", []ledger.Tx{endorserTx(true, meta("a"))}, &commitState{}, nil, true},
		{"invalid tx ignored", []ledger.Tx{endorserTx(false, meta("a"))}, &commitState{}, nil, false},
		{"written twice in one tx", []ledger.Tx{endorserTx(true, ledger.NsRWSet{Namespace: "cc", Writes: []ledger.KVWrite{
			{Key: "a", Value: []byte("x")}, {Key: "a", Value: []byte("y")}}})}, &s, []kvw{{ns: "cc", key: []byte("a"), val: []byte("va"), block: 9}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := buildBatch(&ledger.Block{Height: 9, Txs: tt.txs}, func(k stateKey) ([]byte, bool, bool) { return tt.state.get(k, 9) }, nil)
			if (u.unknown != "") != tt.unknown {
				t.Fatalf("unknown = %q, want %v", u.unknown, tt.unknown)
			}
			if tt.unknown {
				return
			}
			if got, want := batchBytes(u), updatesBytes(tt.want...); !bytes.Equal(got, want) {
				t.Errorf("update bytes = %x, want %x", got, want)
			}
		})
	}
}

// TestCommitStateExpiry checks private key hashes expire as Fabric purges
// them: still present while block written+BlockToLive+1 is validated.
func TestCommitStateExpiry(t *testing.T) {
	var s commitState
	s.start()
	k := stateKey{"cc", "coll", "h"}
	s.apply(&updateBatch{height: 10, writes: map[stateKey]stateWrite{k: {value: []byte("vh")}}})
	if _, found, known := s.get(k, 12); found || known {
		t.Errorf("get without collection config = %v %v, want unknown", found, known)
	}
	implicit := stateKey{"cc", implicitOrgPrefix + "Org1MSP", "h"}
	s.apply(&updateBatch{height: 10, writes: map[stateKey]stateWrite{implicit: {value: []byte("vh")}}})
	if _, found, known := s.get(implicit, 1000); !found || !known {
		t.Errorf("implicit collection key = %v %v, want found", found, known)
	}
	s.apply(&updateBatch{height: 11, writes: map[stateKey]stateWrite{
		{lifecycleNS, "", lifecycleFieldsPrefix + "cc" + collectionsField}: {value: collectionsState(t, "coll", 3)},
	}})
	for h, want := range map[uint64]bool{13: true, 14: true, 15: false} {
		if _, found, known := s.get(k, h); found != want || !known {
			t.Errorf("get at block %d = %v %v, want %v", h, found, known, want)
		}
	}
}

// TestCommitStateBudget checks that a replay over its memory budget drops
// keys and then answers unknown for them, never a wrong value; and that a
// delete seen by an incomplete replay is known.
func TestCommitStateBudget(t *testing.T) {
	s := commitState{budget: 10 * (stateEntryOverhead + 8)}
	s.start()
	writes := map[stateKey]stateWrite{}
	for i := range 20 {
		writes[stateKey{"cc", "", string(rune('a' + i))}] = stateWrite{value: []byte("1234567")}
	}
	s.apply(&updateBatch{height: 1, writes: writes})
	if s.complete || s.size > s.budget || len(s.vals) == 0 {
		t.Fatalf("after 20 writes: complete %v, size %d (budget %d), %d keys", s.complete, s.size, s.budget, len(s.vals))
	}
	kept := 0
	for k := range writes {
		v, found, known := s.get(k, 2)
		switch {
		case found && known && string(v) == "1234567":
			kept++
		case !found && !known:
		default:
			t.Errorf("get(%s) = %q %v %v, want the value or unknown", k, v, found, known)
		}
	}
	if kept != len(s.vals) {
		t.Errorf("%d keys answered, %d kept", kept, len(s.vals))
	}
	gone := stateKey{"cc", "", "gone"}
	s.apply(&updateBatch{height: 3, writes: map[stateKey]stateWrite{gone: {}}})
	if _, found, known := s.get(gone, 4); found || !known {
		t.Errorf("deleted key = %v %v, want known absent", found, known)
	}
}

// collectionsState is a `_lifecycle` Collections field: StateData{2 bytes:
// CollectionConfigPackage{1 config: CollectionConfig{1 static:
// StaticCollectionConfig{1 name, 5 block_to_live}}}}.
func collectionsState(t *testing.T, name string, btl uint64) []byte {
	t.Helper()
	static := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte(name))
	static = protowire.AppendVarint(protowire.AppendTag(static, 5, protowire.VarintType), btl)
	cfg := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), static)
	pkg := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), cfg)
	return protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), pkg)
}

func TestCapabilityAtLeast(t *testing.T) {
	for name, want := range map[string]bool{"V1_4_2": true, "V1_4_3": true, "V2_0": true, "V2_5": true, "V3_0": true,
		"V1_4": false, "V1_3": false, "V1_1": false, "V1_4_1": false, "X2_0": false, "V2_x": false} {
		if got := capabilityAtLeast(name, 1, 4, 2); got != want {
			t.Errorf("capabilityAtLeast(%s) = %v, want %v", name, got, want)
		}
	}
}

// FuzzCommitHashMetadata audits a real peer ledger whose block 3 carries
// arbitrary COMMIT_HASH metadata: never a panic, never a finding of
// another rule, and a FAB-COMMIT-HASH finding at block 3 (only) unless the
// bytes still hold the peer's hash.
func FuzzCommitHashMetadata(f *testing.F) {
	blocks := readChain(f, "fabric-2.5.9/peer", "mychannel_")[:6]
	orig := get(f, blocks[target], pMetadata(mdCommitHash)...)
	b, err := fabric.DecodeBlock("x", blocks[target])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x20})
	f.Add(append(slices.Clone(orig), 0x12, 0x00))
	f.Fuzz(func(t *testing.T, md []byte) {
		bs := slices.Clone(blocks)
		bs[target] = set(t, bs[target], md, pMetadata(mdCommitHash)...)
		a := newAuditor(t, ledger.CryptoIntl)
		var fs []ledger.Finding
		for _, raw := range bs {
			fs = append(fs, a.Block(raw).Findings...)
		}
		d, err := fabric.DecodeBlock("x", bs[target])
		if err != nil {
			t.Fatalf("block with COMMIT_HASH %x does not decode: %v", md, err)
		}
		intact := d.Fabric.CommitHashError == "" && bytes.Equal(d.Fabric.CommitHash, b.Fabric.CommitHash)
		var at []uint64
		for _, f := range fs {
			if f.Rule != RuleCommitHash.ID {
				t.Fatalf("COMMIT_HASH %x: %s: %s", md, f.Rule, f.Message)
			}
			at = append(at, f.Subject.Height)
		}
		if want := []uint64{target}; !intact && !slices.Equal(at, want) || intact && len(at) != 0 {
			t.Fatalf("COMMIT_HASH %x (intact %v): findings at %v", md, intact, at)
		}
	})
}
