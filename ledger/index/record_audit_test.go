package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// sampleAudit is the audit record of a block of n transactions, each
// with the checks an endorser transaction gets, one of them failed.
func sampleAudit(n int) record.AuditRecord {
	var bv ledger.Verdict
	bv.Add("data-hash", true, "")
	bv.Add("orderer-signature", true, "")
	rec := record.AuditRecord{Chain: "big-mychannel", Height: 7, Hash: []byte{1, 2, 3}, Verdict: bv,
		Findings: []string{"FAB-SIG-CREATOR/big-mychannel/7/3"}, Signatures: 2*n + 1,
		At: time.Date(2026, 12, 7, 23, 0, 0, 123, time.FixedZone("", 8*3600))}
	for i := range n {
		var v ledger.Verdict
		v.Add("creator-signature", i != 3, map[bool]string{true: "", false: "signature does not verify"}[i != 3])
		v.Add("endorsement-policy", true, "")
		v.Add("mvcc", true, "")
		id := fmt.Sprintf("%064x", i*7919)
		if i == 5 {
			id = "not-hex-id"
		}
		rec.Txs = append(rec.Txs, record.TxAudit{Index: i, ID: id, Verdict: v})
	}
	return rec
}

// TestAuditRecordRoundTrip checks that the binary audit record decodes to
// what was encoded, that a JSON record of an index before format 5 still
// decodes, and that the binary one is much smaller.
func TestAuditRecordRoundTrip(t *testing.T) {
	for _, rec := range []record.AuditRecord{sampleAudit(500), sampleAudit(0), {Chain: "c", Height: 1}} {
		v := encodeAudit(nil, &rec)
		var got record.AuditRecord
		if err := decodeAudit(v, rec.Chain, rec.Height, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Fatalf("decodeAudit(encodeAudit(rec)) = %+v, want %+v", got, rec)
		}
		js, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		var old record.AuditRecord
		if err := decodeAudit(js, rec.Chain, rec.Height, &old); err != nil || old.Height != rec.Height || len(old.Txs) != len(rec.Txs) {
			t.Fatalf("decodeAudit of the JSON record = %+v, %v", old, err)
		}
		if len(rec.Txs) == 500 && len(v)*3 > len(js) {
			t.Errorf("binary record of 500 transactions: %d bytes, JSON %d; want under a third", len(v), len(js))
		}
	}
	rec := sampleAudit(2)
	v := encodeAudit(nil, &rec)
	for _, bad := range [][]byte{nil, {2}, v[:len(v)-1], append(v[:len(v):len(v)], 0), []byte("{not json")} {
		var got record.AuditRecord
		if err := decodeAudit(bad, "c", 1, &got); !errors.Is(err, ErrRecordFormat) {
			t.Errorf("decodeAudit(%q) = %v, want ErrRecordFormat", bad, err)
		}
	}
}

func FuzzDecodeAudit(f *testing.F) {
	for _, n := range []int{0, 1, 6} {
		rec := sampleAudit(n)
		f.Add(encodeAudit(nil, &rec))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var rec record.AuditRecord
		if err := decodeAudit(v, "c", 1, &rec); err != nil {
			if !errors.Is(err, ErrRecordFormat) {
				t.Fatalf("decodeAudit = %v, want ErrRecordFormat", err)
			}
			return
		}
		if v[0] == '{' {
			return
		}
		again := encodeAudit(nil, &rec)
		var rec2 record.AuditRecord
		if err := decodeAudit(again, "c", 1, &rec2); err != nil || !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("a re-encoded record does not decode the same: %v", err)
		}
	})
}
