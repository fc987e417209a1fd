package index

import (
	"encoding/json"
	"fmt"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// The audit record (V/CHAIN/HEIGHT, keys.go): a record.AuditRecord in
// the binary layout of record_codec.go, version auditRecordVersion. The
// chain and the height are the key's. Field order after the version
// byte:
//
//	hash, block verdict, signatures, time, findings, the names of the
//	transactions' checks (each once, in order of first use), then the
//	transactions, each its index, id (hexStr), status and checks, a
//	check being its name's place in that list, ok and detail
//
// A block of 500 transactions has 500 verdicts of the same few checks:
// naming each check once makes the record about a fifth of its JSON
// (which wrote every name and id in full), and its encoding and
// decoding, on every audited block and every page that shows a
// verdict, a small fraction. Indexes before format 5 hold the record
// as JSON, whose first byte ('{') is no version; decodeAudit reads
// both.
const auditRecordVersion = 1

// encodeAudit appends the record of rec to dst.
func encodeAudit(dst []byte, rec *record.AuditRecord) []byte {
	w := recWriter{b: append(dst, auditRecordVersion)}
	w.bytes(rec.Hash)
	w.verdict(&rec.Verdict)
	w.int(int64(rec.Signatures))
	w.time(rec.At)
	w.strs(rec.Findings)
	names := map[string]uint64{}
	var order []string
	for i := range rec.Txs {
		for _, c := range rec.Txs[i].Verdict.Checks {
			if _, ok := names[c.Name]; !ok {
				names[c.Name] = uint64(len(order))
				order = append(order, c.Name)
			}
		}
	}
	w.strs(order)
	writeList(&w, rec.Txs, func(w *recWriter, t *record.TxAudit) {
		w.int(int64(t.Index))
		w.hexStr(t.ID)
		w.str(string(t.Verdict.Status))
		writeList(w, t.Verdict.Checks, func(w *recWriter, c *ledger.Check) {
			w.uint(names[c.Name])
			w.bool(c.OK)
			w.str(c.Detail)
		})
	})
	return w.b
}

// decodeAudit decodes the audit record v of the block of chain at
// height, binary or, as indexes before format 5 hold it, JSON.
func decodeAudit(v []byte, chain string, height uint64, rec *record.AuditRecord) error {
	if len(v) > 0 && v[0] == '{' {
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("%w: audit record of block %d of %s: %v", ErrRecordFormat, height, chain, err)
		}
		return nil
	}
	r := recReader{b: v, what: fmt.Sprintf("audit record of block %d of %s", height, chain)}
	r.version(auditRecordVersion)
	*rec = record.AuditRecord{Chain: chain, Height: height}
	rec.Hash = r.bytes()
	r.verdict(&rec.Verdict)
	rec.Signatures = r.intN()
	rec.At = r.time()
	rec.Findings = r.strs()
	names := r.strs()
	rec.Txs = readList(&r, func(r *recReader, t *record.TxAudit) {
		t.Index = r.intN()
		t.ID = r.hexStr()
		t.Verdict.Status = ledger.VerdictStatus(r.str())
		t.Verdict.Checks = readList(r, func(r *recReader, c *ledger.Check) {
			n := r.uint()
			if n >= uint64(len(names)) {
				r.fail("check name %d of %d", n, len(names))
				return
			}
			c.Name, c.OK, c.Detail = names[n], r.bool(), r.str()
		})
	})
	return r.end()
}
