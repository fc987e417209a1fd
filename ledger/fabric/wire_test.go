package fabric

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/hyperledger/fabric-protos-go/ledger/rwset"
	"google.golang.org/protobuf/encoding/protowire"
)

// inside reports whether s lies in buf's memory and is capped at its
// length, so that appending to it cannot write into buf.
func inside(buf, s []byte) bool {
	if len(s) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(buf)) && cap(s) == len(s)
}

// TestDecodeAliasesInput checks that the decoder does not copy bytes
// fields: they alias the block it was given, capped at their length.
func TestDecodeAliasesInput(t *testing.T) {
	raw := synthBlock(t, []byte{0}, synthEndorserTx(t))
	b, msgs, err := defaultDecoder.decode("test", raw, true)
	if err != nil {
		t.Fatal(err)
	}
	tx := b.Txs[0]
	ns := tx.Fabric.RWSets[1]
	for _, c := range []struct {
		name string
		s    []byte
	}{
		{"Block.ParentHash", b.ParentHash},
		{"Block.DataHash", b.DataHash},
		{"Tx.Raw", tx.Raw},
		{"FabricTx.Nonce", tx.Fabric.Nonce},
		{"FabricTx.Args[0]", tx.Fabric.Args[0]},
		{"creator signature", tx.Sigs[0].Value},
		{"endorsement signature", tx.Fabric.Endorsements[0].Value},
		{"event payload", tx.Fabric.Events[0].Payload},
		{"write value", ns.Writes[0].Value},
		{"merkle hash", ns.RangeReads[1].MerkleHashes[0]},
		{"metadata entry value", ns.MetaWrites[0].Entries[0].Value},
		{"private read key hash", ns.Collections[0].ReadHashes[0]},
		{"private write value hash", ns.Collections[0].HashedWrites[0].ValueHash},
		{"private rwset hash", ns.Collections[0].PvtRWHash},
		{"creator signed message", msgs[len(msgs)-3].Message},
		{"creator identity", msgs[len(msgs)-3].Identity},
	} {
		if !inside(raw, c.s) {
			t.Errorf("%s (%d bytes) is a copy, want a capped slice of the block", c.name, len(c.s))
		}
	}
}

// TestRangeQueryOneof checks the reads_info oneof of a range query
// against the reference: a repeated member merges, the other member
// replaces it, and the last one set wins.
func TestRangeQueryOneof(t *testing.T) {
	field := func(num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
	}
	read := func(key string) []byte { return field(1, field(1, []byte(key))) } // QueryReads{KvReads: [{Key: key}]}
	raw := func(key string) []byte { return field(4, read(key)) }
	merkle := func(degree uint64) []byte {
		return field(5, append(protowire.AppendVarint([]byte{0x08}, degree), field(3, []byte{byte(degree)})...))
	}
	cat := func(parts ...[]byte) []byte { return concat(parts...) }
	for _, tc := range []struct {
		name  string
		query []byte
	}{
		{"raw twice", cat(raw("a"), raw("b"))},
		{"merkle twice", cat(merkle(2), merkle(3))},
		{"raw then merkle", cat(raw("a"), merkle(2))},
		{"merkle then raw", cat(merkle(2), raw("a"))},
		{"raw, merkle, raw", cat(raw("a"), merkle(2), raw("b"))},
		{"merkle, raw, merkle", cat(merkle(2), raw("a"), merkle(3))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := field(2, tc.query)
			got, err := nsRWSet(nsMsg{rwset: kv})
			want, werr := refNsRWSet(&rwset.NsReadWriteSet{Rwset: kv})
			if err != nil || werr != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("nsRWSet = %+v, %v; want %+v, %v", got, err, want, werr)
			}
		})
	}
}
