package audit

import (
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// TestMVCCHashedReadsReal re-validates the private reads of the real
// ledgers: in both, block 1 (Org1's approval) and block 2 (the commit of
// the definition) read Org1's implicit collection of _lifecycle by key
// hash, block 2 at the versions block 1 wrote. Marking either a conflict
// is caught.
func TestMVCCHashedReadsReal(t *testing.T) {
	for _, fx := range []struct {
		name, dir string
		crypto    ledger.Crypto
	}{
		{"2.5.9", "fabric-2.5.9/peer", ledger.CryptoIntl},
		{"national crypto", "fabric-gm-sm2/peer", ledger.CryptoGM},
	} {
		t.Run(fx.name, func(t *testing.T) {
			rs := auditAll(t, newAuditor(t, fx.crypto), readChain(t, fx.dir, "mychannel_"))
			if fs := mvccFindings(findings(rs)); len(fs) > 0 {
				t.Fatalf("clean ledger: %s", listFindings(fs))
			}
			for _, h := range []int{1, 2} {
				if c, ok := txCheck(rs[h], 0); !ok || !c.OK {
					t.Errorf("clean Block(%d) tx 0 re-validation = %+v, %v; want judged VALID", h, c, ok)
				}
			}
			for _, h := range []int{1, 2} {
				blocks := readChain(t, fx.dir, "mychannel_")
				blocks[h] = setFilterCode(t, blocks[h], 0, codeMVCCConflict)
				rs := auditAll(t, newAuditor(t, fx.crypto), blocks)
				fs := mvccFindings(findings(rs))
				if len(fs) != 1 || fs[0].Rule != RuleMVCCInvalid.ID || fs[0].Subject.Height != uint64(h) {
					t.Errorf("Block(%d) tx 0 marked MVCC_READ_CONFLICT: findings = %s, want one %s", h, listFindings(fs), RuleMVCCInvalid.ID)
				}
			}
		})
	}
}

// TestMVCCHashedRead judges private reads, named by key hash, against a
// small state as Fabric's validateKVReadHash does.
func TestMVCCHashedRead(t *testing.T) {
	const coll = implicitOrgPrefix + "Org1MSP"
	hashA, hashB := []byte{0xaa, 1}, []byte{0xbb, 2}
	newState := func() *commitState {
		s := &commitState{}
		s.start()
		s.apply(&updateBatch{height: 1, writes: map[stateKey]stateWrite{{"cc", coll, string(hashA)}: {value: []byte("h1"), tx: 3}}})
		return s
	}
	read := func(h []byte, blk, tx uint64, missing bool) []ledger.NsRWSet {
		return []ledger.NsRWSet{{Namespace: "cc", Collections: []ledger.CollHashedRW{{
			Collection: coll, ReadHashes: [][]byte{h},
			HashedReads: []ledger.HashedRead{{KeyHash: h, BlockNum: blk, TxNum: tx, Missing: missing}},
		}}}}
	}
	for _, tt := range []struct {
		name     string
		rws      []ledger.NsRWSet
		u        func() *updateBatch
		prepare  func(*commitState)
		conflict bool
		known    bool
		why      string
	}{
		{name: "same version", rws: read(hashA, 1, 3, false), known: true},
		{name: "absent and read as absent", rws: read(hashB, 0, 0, true), known: true},
		{name: "other version", rws: read(hashA, 1, 2, false), conflict: true, known: true,
			why: "private key hash aa01 of cc/" + coll + " was read at version 1:2, but is at 1:3"},
		{name: "read as absent, exists", rws: read(hashA, 0, 0, true), conflict: true, known: true, why: "was read as absent, but exists at version 1:3"},
		{name: "read at a version, absent", rws: read(hashB, 1, 0, false), conflict: true, known: true, why: "but does not exist"},
		{name: "written earlier in the block", rws: read(hashA, 1, 3, false), conflict: true, known: true,
			u: func() *updateBatch {
				u := emptyBatch()
				u.writes[stateKey{"cc", coll, string(hashA)}] = stateWrite{value: []byte("h2"), tx: 1}
				return u
			}, why: "was written by tx 1 of this block"},
		{name: "versions not kept", rws: []ledger.NsRWSet{{Namespace: "cc", Collections: []ledger.CollHashedRW{{Collection: coll, ReadHashes: [][]byte{hashA}}}}}},
		{name: "collection of unknown BlockToLive", rws: []ledger.NsRWSet{{Namespace: "cc", Collections: []ledger.CollHashedRW{{
			Collection: "pdc", ReadHashes: [][]byte{hashA}, HashedReads: []ledger.HashedRead{{KeyHash: hashA, BlockNum: 1, TxNum: 3}},
		}}}}, prepare: func(s *commitState) {
			s.apply(&updateBatch{height: 2, writes: map[stateKey]stateWrite{{"cc", "pdc", string(hashA)}: {value: []byte("h1"), tx: 3}}})
		}},
		{name: "a key in doubt", rws: read(hashA, 1, 3, false), prepare: func(s *commitState) {
			s.distrust([]ledger.NsRWSet{{Namespace: "cc", Collections: []ledger.CollHashedRW{{Collection: coll, HashedWrites: []ledger.HashedWrite{{KeyHash: hashA, ValueHash: []byte{1}}}}}}})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, u := stateCase(newState, tt.prepare, tt.u)
			c, known := s.judge(tt.rws, u, 9)
			if (c != nil) != tt.conflict || known != tt.known {
				t.Fatalf("judge = %+v, known %v; want conflict %v, known %v", c, known, tt.conflict, tt.known)
			}
			if c != nil && (c.phantom || !strings.Contains(c.why, tt.why)) {
				t.Errorf("conflict = %+v, want a read conflict naming %q", c, tt.why)
			}
		})
	}
}
