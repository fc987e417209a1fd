package fabric

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// The wire decoder must decode exactly as the proto-based reference in
// reference_test.go, valid input or not.

// protoSpace undoes the proto library's randomised error prefix
// ("proto:" and a space or a no-break space, chosen per binary).
var protoSpace = strings.NewReplacer("proto:\u00a0", "proto: ")

// normTx normalises the error texts a transaction records.
func normTx(tx *ledger.Tx) {
	if tx != nil && tx.Fabric != nil {
		tx.Fabric.DecodeError = protoSpace.Replace(tx.Fabric.DecodeError)
		tx.Fabric.EnvelopeError = protoSpace.Replace(tx.Fabric.EnvelopeError)
	}
}

// errText is the normalised text of err, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return protoSpace.Replace(err.Error())
}

// diffBlock decodes raw with both decoders in every mode and reports the
// first difference.
func diffBlock(t *testing.T, name string, raw []byte) {
	t.Helper()
	strict, err := NewDecoder(Config{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*Decoder{defaultDecoder, strict} {
		for _, collect := range []bool{false, true} {
			b, msgs, err := d.decode("diff", raw, collect)
			rb, rmsgs, rerr := d.refDecode("diff", raw, collect)
			if errText(err) != errText(rerr) {
				t.Fatalf("%s: decode(strict %v) error = %v, want %v", name, d.strict, err, rerr)
			}
			if b != nil {
				for i := range b.Txs {
					normTx(&b.Txs[i])
				}
			}
			if rb != nil {
				for i := range rb.Txs {
					normTx(&rb.Txs[i])
				}
			}
			if !reflect.DeepEqual(b, rb) {
				t.Fatalf("%s: decode(strict %v) block differs from the reference:\n%s", name, d.strict, firstDiff(b, rb))
			}
			if !reflect.DeepEqual(msgs, rmsgs) {
				t.Fatalf("%s: decode(strict %v) signed messages differ from the reference", name, d.strict)
			}
		}
	}
}

// diffEnvelope decodes raw as an envelope with both decoders, collecting
// signed messages, and reports the first difference.
func diffEnvelope(t *testing.T, raw []byte) {
	t.Helper()
	s := &state{d: defaultDecoder, collect: true}
	tx, cfg, err := s.envelope(raw)
	r := &state{d: defaultDecoder, collect: true}
	rtx, rcfg, rerr := r.refEnvelope(raw)
	if errText(err) != errText(rerr) {
		t.Fatalf("envelope error = %v, want %v", err, rerr)
	}
	normTx(tx)
	normTx(rtx)
	if !reflect.DeepEqual(tx, rtx) {
		t.Fatalf("envelope differs from the reference:\n%s", firstDiff(tx, rtx))
	}
	if !reflect.DeepEqual(cfg, rcfg) {
		t.Fatal("envelope config differs from the reference")
	}
	if !reflect.DeepEqual(s.msgs, r.msgs) {
		t.Fatal("envelope signed messages differ from the reference")
	}
}

// firstDiff describes where two values first differ, for failures.
func firstDiff(a, b any) string {
	var walk func(path string, x, y reflect.Value) string
	walk = func(path string, x, y reflect.Value) string {
		if x.IsValid() != y.IsValid() {
			return path + ": one side invalid"
		}
		if !x.IsValid() {
			return ""
		}
		switch x.Kind() {
		case reflect.Pointer, reflect.Interface:
			if x.IsNil() != y.IsNil() {
				return fmt.Sprintf("%s: nil %v, want nil %v", path, x.IsNil(), y.IsNil())
			}
			if x.IsNil() {
				return ""
			}
			return walk(path, x.Elem(), y.Elem())
		case reflect.Struct:
			for i := range x.NumField() {
				if d := walk(path+"."+x.Type().Field(i).Name, x.Field(i), y.Field(i)); d != "" {
					return d
				}
			}
			return ""
		case reflect.Slice:
			if x.IsNil() != y.IsNil() {
				return fmt.Sprintf("%s: nil %v, want nil %v", path, x.IsNil(), y.IsNil())
			}
			if x.Len() != y.Len() {
				return fmt.Sprintf("%s: len %d, want %d", path, x.Len(), y.Len())
			}
			for i := range x.Len() {
				if d := walk(fmt.Sprintf("%s[%d]", path, i), x.Index(i), y.Index(i)); d != "" {
					return d
				}
			}
			return ""
		}
		if x.CanInterface() && !reflect.DeepEqual(x.Interface(), y.Interface()) {
			return fmt.Sprintf("%s: %v, want %v", path, x.Interface(), y.Interface())
		}
		return ""
	}
	return walk("", reflect.ValueOf(a), reflect.ValueOf(b))
}

// TestDecodeDiffFixtures compares both decoders on every real block: the
// shared fixtures (upstream and national-crypto networks), synthetic
// blocks, and the bulk ledger of .cache when it was built.
func TestDecodeDiffFixtures(t *testing.T) {
	for _, rel := range fixtureFiles(t) {
		raw := readFixture(t, rel)
		diffBlock(t, rel, raw)
		b, err := DecodeBlock("test", raw)
		if err != nil {
			t.Fatal(err)
		}
		for i, tx := range b.Txs {
			diffEnvelope(t, tx.Raw)
			_ = i
		}
	}
	good := synthEndorserTx(t)
	diffBlock(t, "synthetic", synthBlock(t, []byte{0, 11}, good, good))
	diffEnvelope(t, good)
	for name, seed := range envelopeMutations(t) {
		t.Run(name, func(t *testing.T) { diffEnvelope(t, seed) })
	}

	if testing.Short() {
		return
	}
	dir := bulkLedgerDir()
	chans, err := Channels(dir)
	if err != nil {
		t.Logf("no bulk ledger at %s: %v", dir, err)
		return
	}
	n := 0
	for _, ch := range chans {
		for rb, err := range ChannelBlocks(context.Background(), ch.Dir) {
			if err != nil {
				t.Fatal(err)
			}
			diffBlock(t, fmt.Sprintf("%s block %d", ch.Name, rb.Number), rb.Bytes)
			n++
		}
	}
	t.Logf("%d blocks of %s decode alike", n, dir)
}

// bulkLedgerDir is the bulk ledger of the benchmarks.
func bulkLedgerDir() string {
	if d := os.Getenv("LIANJIAN_FABRIC_LEDGER"); d != "" {
		return d
	}
	return filepath.Join("..", "..", ".cache", "fabric-ledger", "peer0.org1.example.com")
}

// FuzzDecodeEnvelopeDiff decodes arbitrary bytes as an envelope with both
// decoders: transactions, errors and signed messages must be the same.
func FuzzDecodeEnvelopeDiff(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		diffEnvelope(t, data)
	})
}

// FuzzDecodeBlockDiff decodes arbitrary bytes as a block with both
// decoders in every mode.
func FuzzDecodeBlockDiff(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		diffBlock(t, "fuzz", data)
	})
}
