package index

import (
	"bytes"
	"os"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/memdb"
)

func TestKeyPartition(t *testing.T) {
	const c = "shu-xin.1"
	chainKeys := [][]byte{
		chainKey(c), checkpointKey(c), blockKey(c, 7), undoKey(c, 7), hashKey(c, []byte("h/sh")),
		txKey(c, "tx/1"), txChainKey("tx1", c), addrKey(c, "0xab", 3, 1, "from"), contractKey(c, "0xab"),
		reorgKey(c, 3, 9), findingChainKey(c, "f1"), fabricConfigKey(c, 1), fabricIdentityKey(c, "fp"),
		fabricIDDeltaKey(c, 1), chaincodeDefKey(c, "cc", 1, 2), verdictKey(c, 1), auditCheckpointKey(c),
		versionKey(stateVersionGenPrefix(c, 1), versionID("ns/", "", []byte("k/")), 3),
		versionKey(keyPolicyVersionGenPrefix(c, 1), versionID("ns", "c/", []byte("k")), 3), auditHistoryKey(c, 3),
		contractScanKey(c, "ref", 0), contractScanCheckpointKey(c), governanceKey(c, 1, 0),
		searchKey("term", c, "tx", "ref/1"), rawBlockKey(c, 7),
	}
	for _, k := range chainKeys {
		if got := KeyPartition(k); got != c {
			t.Errorf("KeyPartition(%q) = %q, want %q", k, got, c)
		}
	}
	global := [][]byte{
		findingKey("f1"), tokenKey("t"), changeKey("f1", 1), stateKey("f1"), auditKey(1), auditHeadKey(1),
		deliveryKey(1, "d"), nodeKey("org", "peer0"), nodeRevKey("org", "peer0", 1), probeKey("org", "peer0", 1),
		riskKey("chain/"+c, 1), journalKey(1, 1), formatKey(), {}, {'c'}, []byte("c/"),
	}
	for _, k := range global {
		if got := KeyPartition(k); got != "" {
			t.Errorf("KeyPartition(%q) = %q, want \"\"", k, got)
		}
	}
	prefixes := []struct {
		p    []byte
		part string
		ok   bool
	}{
		{blockPrefix(c), c, true},
		{addrPrefix(c, "0xab"), c, true},
		{chaincodeDefPrefix(c, "cc"), c, true},
		{stateVersionGenPrefix(c, 2), c, true},
		{append(stateVersionGenPrefix(c, 2), versionID("ns", "", []byte("k"))...), c, true},
		{keyPolicyVersionPrefix(c), c, true},
		{auditHistoryPrefix(c), c, true},
		{auditStatePrefix(c), c, true},
		{keyPolicyPrefix(c), c, true},
		{findingChainPrefix(c), c, true},
		{append(searchPrefix("term"), c+"/"...), c, true},
		{searchPrefix("term"), "", false},
		{txChainPrefix("tx1"), "", false},
		{[]byte("c/"), "", false},
		{[]byte("b/" + c), "", false},
		{[]byte("K/"), "", false},
		{journalPrefix(), "", true},
		{changePrefix("f1"), "", true},
		{[]byte{tagNode, '/'}, "", true},
		{nil, "", false},
	}
	for _, tc := range prefixes {
		part, ok := PrefixPartition(tc.p)
		if part != tc.part || ok != tc.ok {
			t.Errorf("PrefixPartition(%q) = %q, %v; want %q, %v", tc.p, part, ok, tc.part, tc.ok)
		}
	}
	// A decided prefix decides every key under it.
	for _, k := range append(chainKeys, global...) {
		for n := range len(k) + 1 {
			if part, ok := PrefixPartition(k[:n]); ok && part != KeyPartition(k) {
				t.Errorf("PrefixPartition(%q) = %q but KeyPartition(%q) = %q", k[:n], part, k, KeyPartition(k))
			}
		}
	}
	if !ledger.ValidChainID(c) || chainOf([]byte("Bad")) != "" || chainOf(bytes.Repeat([]byte("a"), 64)) != "" {
		t.Error("chainOf disagrees with ledger.ValidChainID")
	}
}

// keyRecorder is a store that records the keys every update writes.
type keyRecorder struct {
	*memdb.DB
	keys [][]byte
}

func (r *keyRecorder) Update(fn func(rw storage.ReadWriter) error) error {
	return r.DB.Update(func(rw storage.ReadWriter) error { return fn(recordingRW{rw, r}) })
}

type recordingRW struct {
	storage.ReadWriter
	r *keyRecorder
}

func (w recordingRW) Set(k, v []byte) error {
	w.r.keys = append(w.r.keys, bytes.Clone(k))
	return w.ReadWriter.Set(k, v)
}

// TestCommitWritesOnePartition commits the real Fabric fixture and checks
// that every key the commits write, whatever table a later change adds,
// lies in the chain's partition, but for the findings, which belong to no
// chain.
func TestCommitWritesOnePartition(t *testing.T) {
	if _, err := os.Stat(fixtures); err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	rec := &keyRecorder{DB: memdb.New()}
	db, err := OpenStore(rec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const c = "f259"
	ingestFixture(t, db, c, "fabric-2.5.9")
	tags := map[byte]bool{}
	for _, k := range rec.keys {
		tags[k[0]] = true
		want := c
		if k[0] == tagFinding || k[0] == tagMeta || k[0] == tagChange || k[0] == tagState {
			want = ""
		}
		if got := KeyPartition(k); got != want {
			t.Errorf("KeyPartition(%q) = %q, want %q", k, got, want)
		}
	}
	for _, tag := range []byte{tagRawBlock, tagBlock, tagTx, tagFabricIdentity} {
		if !tags[tag] {
			t.Errorf("the fixture's commits wrote no %q key", tag)
		}
	}
}
