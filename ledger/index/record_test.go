package index

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// sampleIdentity fills every field of an identity.
func sampleIdentity(n byte) ledger.Identity {
	return ledger.Identity{
		MSPID: "Org1MSP", Address: "0xabc", Cert: []byte{0x30, 0x82, n}, Subject: "CN=peer0,O=Org1",
		Issuer: "CN=ca.org1", Serial: "0a0b", Fingerprint: "ff00" + string('a'+rune(n%26)),
		NotBefore: time.Unix(1_600_000_000, 5).UTC(), NotAfter: time.Unix(1_900_000_000, 0).UTC(),
		KeyAlgorithm: "SM2", OUs: []string{"peer", "org1"},
	}
}

// sampleTx fills every field of a transaction, Fabric and FISCO BCOS
// parts included.
func sampleTx() ledger.Tx {
	creator := sampleIdentity(1)
	w := uint64(7)
	v := ledger.Verdict{}
	v.Add("signature", true, "")
	v.Add("policy", false, "two of three")
	return ledger.Tx{
		ID: "ab01", Chain: "c1", Height: 9, Index: 2, Type: "ENDORSER_TRANSACTION",
		Time: time.Unix(1_700_000_000, 123_456_789).UTC(), Creator: &creator,
		From: "0x1", To: "0x2", Contract: "basic", Function: "Transfer", Value: "1000", Nonce: 3,
		Gas: 21000, GasUsed: 20000, GasPrice: "1", Status: "VALID", Valid: true,
		Logs: []ledger.Log{{Address: "0x3", Topics: []string{"t0", "t1"}, Data: []byte{1, 2}, Index: 4}, {Address: "0x4", Topics: []string{}, Data: []byte{}}},
		Sigs: []ledger.Signature{{Role: "endorser", Signer: sampleIdentity(2), Algorithm: "SM2-SM3", Value: []byte{9, 9}, Verdict: v}},
		Fabric: &ledger.FabricTx{
			Channel: "ch", HeaderType: "ENDORSER_TRANSACTION", Nonce: []byte{5}, ValidationCode: -3,
			Chaincode: "basic", ChaincodeVersion: "1.0", Args: [][]byte{[]byte("a"), {}, nil},
			RWSets: []ledger.NsRWSet{{
				Namespace: "basic",
				Reads:     []ledger.KVRead{{Key: "k", BlockNum: 1, TxNum: 2, Missing: true}},
				Writes:    []ledger.KVWrite{{Key: "k", IsDelete: true, Value: []byte("v")}},
				RangeReads: []ledger.RangeRead{{StartKey: "a", EndKey: "z", ItrExhausted: true,
					Keys: []ledger.KVRead{{Key: "b"}}, MerkleHashes: [][]byte{{1}}, MerkleLevel: 2, MerkleDegree: 3}},
				MetaWrites: []ledger.KVMetaWrite{{Key: "m", Entries: []ledger.MetaEntry{{Name: "VALIDATION_PARAMETER", Value: []byte{7}}}}},
				Collections: []ledger.CollHashedRW{{
					Collection: "pdc", ReadHashes: [][]byte{{1}}, WriteHashes: [][]byte{{2}}, PvtRWHash: []byte{3},
					HashedReads:  []ledger.HashedRead{{KeyHash: []byte{1}, BlockNum: 7, TxNum: 8, Missing: true}},
					HashedWrites: []ledger.HashedWrite{{KeyHash: []byte{4}, ValueHash: []byte{5}, IsDelete: true, IsPurge: true}},
					MetaWrites:   []ledger.HashedMetaWrite{{KeyHash: []byte{6}, Entries: []ledger.MetaEntry{{Name: "n"}}}},
				}},
			}},
			Events:      []ledger.FabricEvent{{Chaincode: "basic", TxID: "ab01", Name: "ev", Payload: []byte("p")}},
			Response:    &ledger.Response{Status: 200, Message: "ok", Payload: []byte("r")},
			DecodeError: "none",
		},
		Fisco: &ledger.FiscoTx{
			TxVersion: 1, ChainID: "chain0", GroupID: "group0", BlockLimit: 500, Nonce: "n", ABI: "[]",
			Input: []byte{1}, ImportTime: 2, Attribute: 3, ExtraData: "x", Extension: []byte{4},
			Signature: []byte{5}, PublicKey: []byte{6}, ReceiptStatus: -1, ReceiptHash: []byte{7},
			Output: []byte{8}, ContractAddress: "0x5",
			Governance: &ledger.Governance{Contract: "consensus", Action: "set-weight", Method: "setWeight(string,uint256)",
				NodeID: "nid", Weight: &w, Key: "k", Value: "v", Account: "a", Table: "t",
				Args: map[string]string{"b": "2", "a": "1"}, Error: "e"},
		},
		Verdict: v,
		Raw:     []byte("envelope"),
	}
}

// sampleBlock fills every field of a block the block record keeps.
func sampleBlock() *ledger.Block {
	tx := sampleTx()
	tx2 := sampleTx()
	tx2.ID, tx2.Index, tx2.Raw = "ab02", 3, nil
	var v ledger.Verdict
	v.Add("hash", true, "")
	return &ledger.Block{
		Chain: "c1", Height: 9, Hash: []byte{1, 2}, ParentHash: []byte{3}, DataHash: []byte{}, StateRoot: []byte{4},
		Time: time.Unix(1_700_000_001, 0).UTC(), Proposer: "0x6", GasUsed: 5, GasLimit: 6, BaseFee: "7",
		TxCount: 2, Signatures: []ledger.Signature{{Role: "orderer", Signer: sampleIdentity(3), Algorithm: "ECDSA-P256-SHA256"}},
		Txs: []ledger.Tx{tx, tx2},
		Contracts: []ledger.Contract{{Chain: "c1", Address: "basic", Version: "1", Sequence: 2, Creator: "Org1MSP",
			DeployTx: "ab01", Height: 9, Time: time.Unix(5, 0).UTC(), CodeHash: []byte{1}, CodeAt: "latest",
			Code: []byte{2}, Policy: "AND('A.member')", Collections: []string{"pdc"}}},
		Config: &ledger.Config{Channel: "ch", Height: 9, Sequence: 1, Time: time.Unix(6, 0).UTC(), HashingAlgo: "SHA256",
			Capabilities: map[string][]string{"Channel": {"V2_0"}}, Batch: ledger.BatchConfig{MaxMessageCount: 10}},
		Fabric: &ledger.FabricBlock{Channel: "ch", LastConfig: 1, TxFilter: []byte{0, 0}, CommitHash: []byte{8}, IsConfig: true,
			ConsenterIDs: []uint32{1, 2}, OrdererType: "etcdraft", HeaderHashAlgo: "SHA256", CommitHashError: "x"},
		Fisco: &ledger.FiscoBlock{Version: 3, HeaderVer: 1, Group: "group0", ReceiptsRoot: []byte{1}, DBHash: []byte{2},
			ExtraData: []byte{3}, SealerIndex: 1, SealerList: []string{"n1", "n2"}, Weights: []uint64{1, 1},
			SignerIndexes: []uint64{0, 1}, Quorum: 2, SignedWeight: 2, Receipts: true},
		Verdict: v,
		Raw:     []byte("header|envelope|envelope|meta"),
	}
}

func TestTxRecordRoundTrip(t *testing.T) {
	b := sampleBlock()
	refs := rawRefs(b)
	if refs[0].kind != rawBlock || refs[0].off != 7 || refs[0].length != 8 || refs[1].kind != rawNone {
		t.Fatalf("rawRefs = %+v, want the first tx at 7+8 in the block and the second without raw bytes", refs)
	}
	for i := range b.Txs {
		want := b.Txs[i]
		var got ledger.Tx
		ref, err := decodeTx(encodeTx(nil, &want, b.Chain, refs[i], nil), b.Chain, want.ID, &got)
		if err != nil {
			t.Fatalf("decodeTx(tx %d) = %v", i, err)
		}
		if err := fillRaw(&got, ref, b.Raw); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeTx(encodeTx(tx %d)) = %+v, want %+v", i, got, want)
		}
	}
	// Bytes not in the block stay in the record.
	tx := sampleTx()
	tx.Raw = []byte("elsewhere")
	var got ledger.Tx
	ref, err := decodeTx(encodeTx(nil, &tx, tx.Chain, rawRefs(&ledger.Block{Raw: []byte("x"), Txs: []ledger.Tx{tx}})[0], nil), tx.Chain, tx.ID, &got)
	if err != nil || ref.raw.kind != rawInline || string(got.Raw) != "elsewhere" {
		t.Errorf("inline raw bytes = %q, %v, kind %d; want %q inline", got.Raw, err, ref.raw.kind, "elsewhere")
	}
}

// TestTxRecordIdentityByReference checks that an identity the identity
// table holds is named by its fingerprint, one whose certificate it holds
// is kept without the certificate, and both come back as references.
func TestTxRecordIdentityByReference(t *testing.T) {
	tx := sampleTx()
	tx.Creator.Fingerprint, tx.Creator.Subject = strings.Repeat("0f", 32), "CN=creator"
	endorser := &tx.Sigs[0].Signer
	stored := func(id *ledger.Identity) byte {
		switch id.Fingerprint {
		case tx.Creator.Fingerprint:
			return idStored
		case endorser.Fingerprint:
			return idCert
		}
		return idInline
	}
	v := encodeTx(nil, &tx, tx.Chain, rawRef{}, stored)
	if bytes.Contains(v, []byte(tx.Creator.Subject)) || bytes.Contains(v, []byte(tx.Creator.Fingerprint)) {
		t.Errorf("the record copies the stored identity, or its fingerprint as text")
	}
	if bytes.Contains(v, endorser.Cert) || !bytes.Contains(v, []byte(endorser.Subject)) {
		t.Errorf("the record holds the endorser's certificate or lacks its subject")
	}
	var got ledger.Tx
	refs, err := decodeTx(v, tx.Chain, tx.ID, &got)
	if err != nil {
		t.Fatal(err)
	}
	want := []idRef{{id: got.Creator, whole: true}, {id: &got.Sigs[0].Signer}}
	if !reflect.DeepEqual(refs.ids, want) || !reflect.DeepEqual(*got.Creator, ledger.Identity{Fingerprint: tx.Creator.Fingerprint}) {
		t.Fatalf("identity references = %+v, creator %+v; want the creator whole and the endorser's certificate", refs.ids, got.Creator)
	}
	if got.Sigs[0].Signer.Cert != nil || got.Sigs[0].Signer.Subject != endorser.Subject {
		t.Errorf("endorser = %+v, want it without its certificate", got.Sigs[0].Signer)
	}
	// A block record names no certificate by reference.
	bv, err := encodeBlock(nil, &ledger.Block{Signatures: []ledger.Signature{{Signer: *endorser}}})
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(bv, []byte(endorser.MSPID)); i < 1 || bv[i-2] != 0 {
		t.Fatalf("block signer at %d of %x, want after a zero flag", i, bv)
	} else {
		bv[i-2] = 1
	}
	if err := decodeBlock(bv, new(blockRecord), true); !errors.Is(err, ErrRecordFormat) {
		t.Errorf("a block record naming a certificate by reference: %v, want ErrRecordFormat", err)
	}
}

// TestTxRecordBlobsInRaw checks that byte fields found in the
// transaction's raw bytes are named by offset, not copied, and come back
// from the raw bytes; a short field stays in the record.
func TestTxRecordBlobsInRaw(t *testing.T) {
	tx := sampleTx()
	sig := []byte("a signature of 24 bytes.")
	tx.Sigs[0].Value = sig
	tx.Fabric.RWSets[0].Writes[0].Value = []byte("value written")
	tx.Raw = append(append([]byte("head"), tx.Fabric.RWSets[0].Writes[0].Value...), sig...)
	v := encodeTx(nil, &tx, tx.Chain, rawRef{kind: rawInline}, nil)
	if bytes.Count(v, sig) != 1 || bytes.Count(v, []byte("value written")) != 1 {
		t.Errorf("the record copies fields its raw bytes hold")
	}
	var got ledger.Tx
	refs, err := decodeTx(v, tx.Chain, tx.ID, &got)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs.blobs) != 2 || got.Sigs[0].Value != nil {
		t.Fatalf("blob references = %+v, want the signature's and the write's", refs.blobs)
	}
	if err := fillRaw(&got, refs, nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tx) {
		t.Errorf("tx = %+v, want %+v", got, tx)
	}
	refs.blobs[0].off = uint64(len(got.Raw))
	if err := fillRaw(&got, refs, nil); !errors.Is(err, ErrRecordFormat) {
		t.Errorf("fillRaw of a field past the raw bytes = %v, want ErrRecordFormat", err)
	}
}

// txRecordV1Sample is a transaction record of version 1, as indexes
// written before version 2 hold: sampleBlock's first transaction with
// the creator's certificate named by reference.
func txRecordV1Sample(t *testing.T) []byte { return txRecordSample(t, "v1.bin") }

// txRecordSample reads a stored transaction record of testdata/txrecord.
func txRecordSample(t *testing.T, name string) []byte {
	t.Helper()
	v, err := os.ReadFile("testdata/txrecord/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// withoutHashedReads is tx as records before version 3 hold it: its
// private reads without versions.
func withoutHashedReads(tx ledger.Tx) ledger.Tx {
	f := *tx.Fabric
	f.RWSets = slices.Clone(f.RWSets)
	for i := range f.RWSets {
		f.RWSets[i].Collections = slices.Clone(f.RWSets[i].Collections)
		for j := range f.RWSets[i].Collections {
			f.RWSets[i].Collections[j].HashedReads = nil
		}
	}
	tx.Fabric = &f
	return tx
}

// TestTxRecordV1 checks that records of version 1 read as they did.
func TestTxRecordV1(t *testing.T) {
	b := sampleBlock()
	want := withoutHashedReads(b.Txs[0])
	var got ledger.Tx
	refs, err := decodeTx(txRecordV1Sample(t), "other", "other", &got)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs.ids) != 1 || refs.ids[0].id != got.Creator || refs.ids[0].whole || got.Creator.Cert != nil {
		t.Fatalf("identity references = %+v, want the creator's certificate", refs.ids)
	}
	got.Creator.Cert = want.Creator.Cert
	if err := fillRaw(&got, refs, b.Raw); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("version 1 record = %+v, want %+v", got, want)
	}
}

// txRecordV2Sample is a transaction record of version 2: sampleBlock's
// first transaction as version 2 wrote it.
func txRecordV2Sample(t *testing.T) []byte { return txRecordSample(t, "v2.bin") }

// TestTxRecordV2 checks that records of version 2
// (testdata/txrecord/v2.bin: sampleBlock's first transaction as version 2
// wrote it) read as they did, their private reads without versions.
func TestTxRecordV2(t *testing.T) {
	b := sampleBlock()
	want := withoutHashedReads(b.Txs[0])
	var got ledger.Tx
	refs, err := decodeTx(txRecordV2Sample(t), b.Chain, want.ID, &got)
	if err != nil {
		t.Fatal(err)
	}
	if err := fillRaw(&got, refs, b.Raw); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("version 2 record = %+v, want %+v", got, want)
	}
}

func TestBlockRecordRoundTrip(t *testing.T) {
	b := sampleBlock()
	v, err := encodeBlock(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	var rec blockRecord
	if err := decodeBlock(v, &rec, true); err != nil {
		t.Fatalf("decodeBlock = %v", err)
	}
	want := *b
	want.Txs, want.Raw = nil, nil
	if !reflect.DeepEqual(rec.Block, want) {
		t.Errorf("decodeBlock(encodeBlock(b)) = %+v, want %+v", rec.Block, want)
	}
	if !reflect.DeepEqual(rec.TxIDs, []string{"ab01", "ab02"}) {
		t.Errorf("tx ids = %q", rec.TxIDs)
	}
	if want := summariesOf(b.Txs); !reflect.DeepEqual(rec.Sums, want) {
		t.Errorf("tx summaries = %+v, want %+v", rec.Sums, want)
	}
	var summary blockRecord
	if err := decodeBlock(v, &summary, false); err != nil || summary.TxIDs != nil || summary.Sums != nil || summary.Height != 9 {
		t.Errorf("decodeBlock without ids = %+v, %v", summary, err)
	}
}

// summariesOf returns what a block record keeps of txs beside their ids.
func summariesOf(txs []ledger.Tx) []txSummary {
	out := make([]txSummary, len(txs))
	for i, tx := range txs {
		out[i] = txSummary{Index: tx.Index, Type: tx.Type, Status: tx.Status, Valid: tx.Valid, Verdict: tx.Verdict.Status}
	}
	return out
}

// encodeBlockV1 encodes a block record of version 1, as indexes before
// format 4 hold them: the head of version 2 and the transaction ids.
func encodeBlockV1(t *testing.T, b *ledger.Block) []byte {
	t.Helper()
	w := recWriter{b: []byte{blockRecordV1}}
	if err := w.blockHead(b); err != nil {
		t.Fatal(err)
	}
	w.count(len(b.Txs), false)
	for i := range b.Txs {
		w.str(b.Txs[i].ID)
	}
	return w.b
}

// TestBlockRecordV1 checks that block records of version 1 read as they
// did, without summaries. testdata/blockrecord/v1.bin is the record of
// sampleBlock written by the version 1 encoder (before format 4).
func TestBlockRecordV1(t *testing.T) {
	v, err := os.ReadFile("testdata/blockrecord/v1.bin")
	if err != nil {
		t.Fatal(err)
	}
	b := sampleBlock()
	if again := encodeBlockV1(t, b); !bytes.Equal(again, v) {
		t.Fatalf("encodeBlockV1(sampleBlock) = %x, want testdata/blockrecord/v1.bin %x", again, v)
	}
	var rec blockRecord
	if err := decodeBlock(v, &rec, true); err != nil {
		t.Fatalf("decodeBlock(v1) = %v", err)
	}
	want := *b
	want.Txs, want.Raw = nil, nil
	if !reflect.DeepEqual(rec.Block, want) {
		t.Errorf("decodeBlock(v1) = %+v, want %+v", rec.Block, want)
	}
	if !reflect.DeepEqual(rec.TxIDs, []string{"ab01", "ab02"}) || rec.Sums != nil {
		t.Errorf("decodeBlock(v1): tx ids %q, summaries %+v; want the ids and no summaries", rec.TxIDs, rec.Sums)
	}
	var head blockRecord
	if err := decodeBlock(v, &head, false); err != nil || head.TxIDs != nil || !reflect.DeepEqual(head.Block, want) {
		t.Errorf("decodeBlock(v1) without ids = %+v, %v", head, err)
	}
}

func TestUndoRecordRoundTrip(t *testing.T) {
	keys := [][]byte{[]byte("h/c/x"), []byte("t/c/ab01"), {0, 1, '/', 0xff}}
	got, err := decodeUndo(encodeUndo(keys))
	if err != nil || !reflect.DeepEqual(got, keys) {
		t.Errorf("decodeUndo(encodeUndo(%q)) = %q, %v", keys, got, err)
	}
}

// TestUndoRecordAllocs checks that encodeUndo allocates its record and
// nothing else: a block's undo list holds thousands of keys, longer than
// the stack buffer of a string conversion.
func TestUndoRecordAllocs(t *testing.T) {
	keys := make([][]byte, 100)
	for i := range keys {
		keys[i] = append(bytes.Repeat([]byte{'a'}, 80), byte(i))
	}
	if n := testing.AllocsPerRun(10, func() { encodeUndo(keys) }); n != 1 {
		t.Errorf("encodeUndo(%d keys) allocates %v times, want 1", len(keys), n)
	}
}

func TestRecordTimeZone(t *testing.T) {
	tx := ledger.Tx{ID: "a", Time: time.Date(2026, 12, 7, 8, 0, 0, 1, time.FixedZone("CST", 8*3600))}
	var got ledger.Tx
	if _, err := decodeTx(encodeTx(nil, &tx, tx.Chain, rawRef{}, nil), tx.Chain, tx.ID, &got); err != nil {
		t.Fatal(err)
	}
	if _, off := got.Time.Zone(); !got.Time.Equal(tx.Time) || off != 8*3600 {
		t.Errorf("time = %v, want %v in the same offset", got.Time, tx.Time)
	}
}

// TestRecordsRejectDamage cuts and flips the records: every damaged
// record is an ErrRecordFormat error or decodes, never a panic, and a
// cut one never decodes.
func TestRecordsRejectDamage(t *testing.T) {
	b := sampleBlock()
	bv, err := encodeBlock(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	blobTx := sampleTx()
	blobTx.Sigs[0].Value = []byte("signature bytes")
	blobTx.Raw = append([]byte("raw:"), blobTx.Sigs[0].Value...)
	records := map[string]struct {
		v      []byte
		decode func([]byte) error
	}{
		"tx": {encodeTx(nil, &b.Txs[0], b.Chain, rawRefs(b)[0], nil), decodeTxRecord},
		"tx-refs": {encodeTx(nil, &b.Txs[0], "other", rawRefs(b)[0], func(id *ledger.Identity) byte {
			return map[bool]byte{true: idStored, false: idCert}[id == b.Txs[0].Creator]
		}), decodeTxRecord},
		"tx-v1":    {txRecordV1Sample(t), decodeTxRecord},
		"tx-v2":    {txRecordV2Sample(t), decodeTxRecord},
		"tx-blobs": {encodeTx(nil, &blobTx, "c", rawRef{kind: rawInline}, nil), decodeTxRecord},
		"block":    {bv, func(v []byte) error { return decodeBlock(v, new(blockRecord), true) }},
		"undo":     {encodeUndo([][]byte{[]byte("a/b"), []byte("c/d")}), func(v []byte) error { _, err := decodeUndo(v); return err }},
	}
	for name, r := range records {
		for n := range len(r.v) {
			if err := r.decode(r.v[:n]); !errors.Is(err, ErrRecordFormat) {
				t.Errorf("%s record cut to %d of %d bytes: %v, want ErrRecordFormat", name, n, len(r.v), err)
			}
		}
		for i := range r.v {
			v := bytes.Clone(r.v)
			v[i] ^= 0xff
			if err := r.decode(v); err != nil && !errors.Is(err, ErrRecordFormat) {
				t.Errorf("%s record with byte %d flipped: %v, want ErrRecordFormat or nil", name, i, err)
			}
		}
		if err := r.decode(append(bytes.Clone(r.v), 0)); !errors.Is(err, ErrRecordFormat) {
			t.Errorf("%s record with a trailing byte: %v, want ErrRecordFormat", name, err)
		}
	}
}

func decodeTxRecord(v []byte) error {
	_, err := decodeTx(v, "c", "id", new(ledger.Tx))
	return err
}

func TestFillRawOutOfRange(t *testing.T) {
	tx := ledger.Tx{ID: "a"}
	if err := fillRaw(&tx, txRefs{raw: rawRef{kind: rawBlock, off: 3, length: 5}}, []byte("short")); !errors.Is(err, ErrRecordFormat) {
		t.Errorf("fillRaw past the block = %v, want ErrRecordFormat", err)
	}
}

func TestTxIDValue(t *testing.T) {
	for _, id := range []string{strings.Repeat("0f", 32), strings.Repeat("0F", 32), "0x" + strings.Repeat("ab", 32), "ab01", ""} {
		v := txIDValue(id)
		if got, err := parseTxIDValue(v); err != nil || got != id {
			t.Errorf("parseTxIDValue(txIDValue(%q)) = %q, %v", id, got, err)
		}
		if want := id == strings.Repeat("0f", 32); (len(v) == 33) != want {
			t.Errorf("txIDValue(%q) has %d bytes; binary %v", id, len(v), want)
		}
	}
}

// TestIndexIn checks indexIn against bytes.Index on raw bytes of a small
// alphabet, where fields occur many times, partly and overlapping, so
// that only the first occurrence is right.
func TestIndexIn(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 2000 {
		raw := make([]byte, rng.IntN(300))
		for i := range raw {
			raw[i] = 'a' // mostly, so that fields overlap
			if rng.IntN(10+n%20) == 0 {
				raw[i] = "b0\x30\x44"[rng.IntN(1+n%4)]
			}
		}
		var p []byte
		if len(raw) > 0 && n%5 != 0 {
			i := rng.IntN(len(raw))
			p = bytes.Clone(raw[i:min(len(raw), i+1+rng.IntN(80))])
		} else {
			p = append(bytes.Repeat([]byte{'a'}, 1+rng.IntN(40)), 'b')
		}
		if got, want := indexIn(raw, p), bytes.Index(raw, p); got != want {
			t.Fatalf("indexIn(%q, %q) = %d, want %d", raw, p, got, want)
		}
	}
}
