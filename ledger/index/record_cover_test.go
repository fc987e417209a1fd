package index

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// filler sets every exported field of a value, recursively, to a
// non-zero value that differs from field to field, so that a codec that
// forgets a field of the model fails a round trip.
type filler struct{ n int }

func (f *filler) next() int { f.n++; return f.n }

func (f *filler) fill(v reflect.Value, depth int) {
	if t, ok := v.Addr().Interface().(*time.Time); ok {
		*t = time.Unix(int64(1_700_000_000+f.next()), int64(f.next())).UTC()
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.next()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.next()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.next()) / 4)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		f.fill(k, depth+1)
		f.fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		if depth > 6 {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

// TestRecordsCoverModel fills every field of the model's block and
// transaction and checks that the binary records give each back: a field
// added to ledger.Block or ledger.Tx (or any type they hold) that the
// codecs of record_block.go and record_tx.go do not carry fails here
// instead of vanishing from every stored block.
func TestRecordsCoverModel(t *testing.T) {
	var f filler
	var b ledger.Block
	f.fill(reflect.ValueOf(&b).Elem(), 0)
	// Not in the block record: the transactions and raw block have their
	// own records, findings theirs, and the count is the transactions'.
	b.Txs = make([]ledger.Tx, 2)
	for i := range b.Txs {
		f.fill(reflect.ValueOf(&b.Txs[i]).Elem(), 0)
	}
	b.Findings, b.TxCount = nil, len(b.Txs)
	v, err := encodeBlock(nil, &b)
	if err != nil {
		t.Fatal(err)
	}
	var rec blockRecord
	if err := decodeBlock(v, &rec, true); err != nil {
		t.Fatalf("decodeBlock = %v", err)
	}
	want := b
	want.Txs, want.Raw = nil, nil
	if !reflect.DeepEqual(rec.Block, want) {
		t.Errorf("block record drops or changes %v", diffPaths(reflect.ValueOf(rec.Block), reflect.ValueOf(want), "Block"))
	}
	for i := range b.Txs {
		tx := b.Txs[i]
		// Endorsements repeat the endorser signatures of Sigs and are
		// not stored (json:"-" in the model).
		tx.Fabric.Endorsements = nil
		var got ledger.Tx
		// Raw bytes not found in the block stay in the record.
		ref, err := decodeTx(encodeTx(nil, &tx, b.Chain, rawRef{kind: rawInline}, nil), b.Chain, tx.ID, &got)
		if err != nil {
			t.Fatalf("decodeTx(tx %d) = %v", i, err)
		}
		if err := fillRaw(&got, ref, b.Raw); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tx) {
			t.Errorf("tx record %d drops or changes %v", i, diffPaths(reflect.ValueOf(got), reflect.ValueOf(tx), "Tx"))
		}
	}
}

// diffPaths lists the paths of the fields where got and want differ.
func diffPaths(got, want reflect.Value, path string) []string {
	if reflect.DeepEqual(got.Interface(), want.Interface()) {
		return nil
	}
	switch want.Kind() {
	case reflect.Pointer:
		if !got.IsNil() && !want.IsNil() {
			return diffPaths(got.Elem(), want.Elem(), path)
		}
	case reflect.Struct:
		if _, ok := want.Interface().(time.Time); ok {
			break
		}
		var out []string
		for i := range want.NumField() {
			if want.Type().Field(i).IsExported() {
				out = append(out, diffPaths(got.Field(i), want.Field(i), path+"."+want.Type().Field(i).Name)...)
			}
		}
		return out
	case reflect.Slice:
		if got.Len() == want.Len() {
			var out []string
			for i := range want.Len() {
				out = append(out, diffPaths(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
			}
			return out
		}
	}
	return []string{fmt.Sprintf("%s = %v, want %v", path, got.Interface(), want.Interface())}
}
