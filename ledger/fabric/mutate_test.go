package fabric

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// Mutations of real and synthetic envelopes at every nesting level of the
// hot path, the seeds of the differential fuzz tests: duplicated fields,
// known fields with other wire types, empty and unknown fields, groups,
// invalid UTF-8 and truncations.

// mutationPath names a nested message by the field numbers leading to it
// from the envelope, and its string fields.
type mutationPath struct {
	name    string
	path    []int
	strings []int
}

var (
	pathAction   = []int{1, 2, 1, 2}                   // envelope > payload.data > transaction.actions > action.payload
	pathCCAction = []int{1, 2, 1, 2, 2, 1, 2}          // ... > endorsed action > response payload > extension
	pathKV       = []int{1, 2, 1, 2, 2, 1, 2, 1, 2, 2} // ... > results > ns_rwset > rwset
	pathColl     = []int{1, 2, 1, 2, 2, 1, 2, 1, 2, 3} // ... > results > ns_rwset > collection_hashed_rwset
)

// join appends field numbers to a path.
func join(base []int, more ...int) []int {
	return append(append([]int(nil), base...), more...)
}

var mutationPaths = []mutationPath{
	{"envelope", nil, nil},
	{"payload", []int{1}, nil},
	{"header", []int{1, 1}, nil},
	{"channel-header", []int{1, 1, 1}, []int{4, 5}},
	{"timestamp", []int{1, 1, 1, 3}, nil},
	{"header-extension", []int{1, 1, 1, 7}, nil},
	{"extension-chaincode-id", []int{1, 1, 1, 7, 2}, []int{1, 2, 3}},
	{"signature-header", []int{1, 1, 2}, nil},
	{"transaction", []int{1, 2}, nil},
	{"transaction-action", []int{1, 2, 1}, nil},
	{"action-payload", pathAction, nil},
	{"proposal-payload", join(pathAction, 1), nil},
	{"invocation-spec", join(pathAction, 1, 1), nil},
	{"chaincode-spec", join(pathAction, 1, 1, 1), nil},
	{"spec-chaincode-id", join(pathAction, 1, 1, 1, 2), []int{1, 2, 3}},
	{"chaincode-input", join(pathAction, 1, 1, 1, 3), nil},
	{"endorsed-action", join(pathAction, 2), nil},
	{"endorsement", join(pathAction, 2, 2), nil},
	{"response-payload", join(pathAction, 2, 1), nil},
	{"chaincode-action", pathCCAction, nil},
	{"response", join(pathCCAction, 3), []int{2}},
	{"action-chaincode-id", join(pathCCAction, 4), []int{1, 2, 3}},
	{"event", join(pathCCAction, 2), []int{1, 2, 3}},
	{"tx-rwset", join(pathCCAction, 1), nil},
	{"ns-rwset", join(pathCCAction, 1, 2), []int{1}},
	{"kv-rwset", pathKV, nil},
	{"kv-read", join(pathKV, 1), []int{1}},
	{"version", join(pathKV, 1, 2), nil},
	{"range-query", join(pathKV, 2), []int{1, 2}},
	{"raw-reads", join(pathKV, 2, 4), nil},
	{"merkle-summary", join(pathKV, 2, 5), nil},
	{"kv-write", join(pathKV, 3), []int{1}},
	{"metadata-write", join(pathKV, 4), []int{1}},
	{"metadata-entry", join(pathKV, 4, 2), []int{1}},
	{"collection", pathColl, []int{1}},
	{"hashed-rwset", join(pathColl, 2), nil},
	{"hashed-read", join(pathColl, 2, 1), nil},
	{"hashed-write", join(pathColl, 2, 2), nil},
	{"hashed-metadata-write", join(pathColl, 2, 3), nil},
}

// rebuild re-encodes the fields of a well-formed message m, each
// through fn: given its number, wire type and value (the contents of a
// length-delimited field), fn returns the fields to write in its place.
func rebuild(m []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) []byte) []byte {
	var out []byte
	_ = eachField(m, func(num protowire.Number, typ protowire.Type, v []byte) {
		out = append(out, fn(num, typ, v)...)
	})
	return out
}

// same encodes a field as it was.
func same(num protowire.Number, typ protowire.Type, v []byte) []byte {
	if typ == protowire.BytesType {
		return lenField(num, v)
	}
	return append(protowire.AppendTag(nil, num, typ), v...)
}

// lenField encodes a length-delimited field.
func lenField(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

// mutateAll replaces every message reached by path in m (each
// length-delimited occurrence of each field number in turn) by fn of it,
// fixing the lengths on the way up.
func mutateAll(m []byte, path []int, fn func([]byte) []byte) []byte {
	if len(path) == 0 {
		return fn(m)
	}
	return rebuild(m, func(num protowire.Number, typ protowire.Type, v []byte) []byte {
		if int(num) != path[0] || typ != protowire.BytesType {
			return same(num, typ, v)
		}
		return lenField(num, mutateAll(v, path[1:], fn))
	})
}

// mutations are what each mutation does to a message; strs are its
// string fields.
func mutations(strs []int) map[string]func([]byte) []byte {
	return map[string]func([]byte) []byte{
		// Every field twice: scalars and bytes take the last, messages
		// merge, repeated fields double.
		"dup": func(m []byte) []byte { return append(append([]byte(nil), m...), m...) },
		"truncated": func(m []byte) []byte {
			if len(m) == 0 {
				return []byte{0x0a}
			}
			return m[:len(m)-1]
		},
		// Fields 1-5 again with other wire types.
		"wire-types": func(m []byte) []byte { return otherWireTypes(append([]byte(nil), m...)) },
		// Only those: a message field of a Fabric type is then present
		// though empty.
		"only-wire-types": func([]byte) []byte { return otherWireTypes(nil) },
		"empty-bytes": func(m []byte) []byte {
			out := append([]byte(nil), m...)
			for n := protowire.Number(1); n <= 5; n++ {
				out = protowire.AppendTag(out, n, protowire.BytesType)
				out = protowire.AppendBytes(out, nil)
			}
			return out
		},
		// Every length-delimited field whose value is a sequence of
		// fields split in two occurrences: a message field merges them,
		// a bytes field keeps the second.
		"split": splitFields,
		"end-group": func(m []byte) []byte {
			return protowire.AppendTag(append([]byte(nil), m...), 9, protowire.EndGroupType)
		},
		"bad-utf8": func(m []byte) []byte {
			out := append([]byte(nil), m...)
			for _, n := range strs {
				out = protowire.AppendTag(out, protowire.Number(n), protowire.BytesType)
				out = protowire.AppendBytes(out, []byte("k\xff"))
			}
			if len(strs) == 0 {
				out = protowire.AppendTag(out, protowire.MaxValidNumber+1, protowire.VarintType)
				out = protowire.AppendVarint(out, 0)
			}
			return out
		},
	}
}

// otherWireTypes appends fields 1-5 as varints and as fixed32, and an
// unknown group: unknown fields wherever the field is not a varint.
func otherWireTypes(out []byte) []byte {
	for n := protowire.Number(1); n <= 5; n++ {
		out = protowire.AppendTag(out, n, protowire.VarintType)
		out = protowire.AppendVarint(out, 1)
		out = protowire.AppendTag(out, n, protowire.Fixed32Type)
		out = protowire.AppendFixed32(out, 7)
	}
	out = protowire.AppendTag(out, 9, protowire.StartGroupType)
	out = protowire.AppendTag(out, 1, protowire.VarintType)
	out = protowire.AppendVarint(out, 3)
	out = protowire.AppendTag(out, 9, protowire.EndGroupType)
	return out
}

// splitFields writes each length-delimited field of m whose value parses
// as two or more fields as two occurrences of it, the first holding the
// value's first field and the second the rest.
func splitFields(m []byte) []byte {
	return rebuild(m, func(num protowire.Number, typ protowire.Type, v []byte) []byte {
		if typ != protowire.BytesType {
			return same(num, typ, v)
		}
		fnum, ftyp, fn := protowire.ConsumeTag(v)
		if fn < 0 {
			return same(num, typ, v)
		}
		first := fn + protowire.ConsumeFieldValue(fnum, ftyp, v[fn:])
		if first <= fn || first >= len(v) {
			return same(num, typ, v)
		}
		return append(lenField(num, v[:first]), lenField(num, v[first:])...)
	})
}

// envelopeMutations returns every mutation of the synthetic envelope and
// of a real one at every path, by name.
func envelopeMutations(t testing.TB) map[string][]byte {
	t.Helper()
	bases := map[string][]byte{
		"synthetic": synthEndorserTx(t),
		"fabric":    decodeFixture(t, "fabric-2.5.9/peer/mychannel_10.block").Txs[0].Raw,
	}
	out := make(map[string][]byte)
	for bname, base := range bases {
		for _, p := range mutationPaths {
			for mname, fn := range mutations(p.strings) {
				if mname == "bad-utf8" && len(p.strings) == 0 && bname != "synthetic" {
					continue
				}
				out[fmt.Sprintf("%s-%s-%s", bname, p.name, mname)] = mutateAll(base, p.path, fn)
			}
		}
	}
	return out
}

// writeSeed writes one seed of a fuzz target's corpus in testdata/fuzz.
func writeSeed(t *testing.T, target, name string, data []byte) {
	t.Helper()
	path := filepath.Join("testdata", "fuzz", target, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteDiffSeeds rewrites the seed corpora of the differential fuzz
// tests with -update.
func TestWriteDiffSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	write := func(target, name string, data []byte) { writeSeed(t, target, name, data) }
	for name, env := range envelopeMutations(t) {
		if strings.HasPrefix(name, "synthetic-") { // the real envelope's are alike and larger
			write("FuzzDecodeEnvelopeDiff", name, env)
		}
	}
	write("FuzzDecodeEnvelopeDiff", "fabric", decodeFixture(t, "fabric-2.5.9/peer/mychannel_10.block").Txs[0].Raw)
	good := synthEndorserTx(t)
	block := synthBlock(t, []byte{0, 11}, good, good)
	write("FuzzDecodeBlockDiff", "synthetic", block)
	for _, rel := range []string{"fabric-2.5.9/peer/mychannel_10.block", "fabric-gm-sm2/peer/mychannel_1.block"} {
		write("FuzzDecodeBlockDiff", filepath.Base(filepath.Dir(filepath.Dir(rel)))+"-"+filepath.Base(rel), readFixture(t, rel))
	}
	for i, part := range []string{"block", "header", "data", "metadata"} {
		var path []int
		if i > 0 {
			path = []int{i}
		}
		for mname, fn := range mutations(nil) {
			write("FuzzDecodeBlockDiff", part+"-"+mname, mutateAll(block, path, fn))
		}
	}
}
