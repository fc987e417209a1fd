package fabric

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/lianjian/lianjian/ledger"
)

// fixtures is the shared fixture directory, beside the repository.
const fixtures = "../../../shared/fixtures"

// fixtureDirs are the directories of real blocks.
var fixtureDirs = []string{
	"fabric-2.5.9/peer", "fabric-2.5.9/orderer",
	"fabric-gm-sm2/peer", "fabric-gm-sm2/orderer",
}

// readFixture reads one fixture block, rel to fixtures.
func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return raw
}

// fixtureFiles lists the .block files of every fixture directory, relative
// to fixtures.
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, d := range fixtureDirs {
		m, err := filepath.Glob(filepath.Join(fixtures, d, "*.block"))
		if err != nil || len(m) == 0 {
			t.Fatalf("no fixtures in %s: %v", d, err)
		}
		for _, f := range m {
			out = append(out, filepath.Join(d, filepath.Base(f)))
		}
	}
	slices.Sort(out)
	return out
}

// decodeFixture decodes one fixture block with the default decoder.
func decodeFixture(t testing.TB, rel string) *ledger.Block {
	t.Helper()
	b, err := DecodeBlock("test", readFixture(t, rel))
	if err != nil {
		t.Fatalf("DecodeBlock(%s): %v", rel, err)
	}
	return b
}

// peerChain reads the peer copies of one fixture network in height order.
func peerChain(t testing.TB, network string) [][]byte {
	t.Helper()
	var out [][]byte
	for i := 0; ; i++ {
		raw, err := os.ReadFile(filepath.Join(fixtures, network, "peer", "mychannel_"+strconv.Itoa(i)+".block"))
		if os.IsNotExist(err) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
}

// serialize writes a marshalled common.Block in Fabric's blockfile record
// layout: varint record length, then the block serialization.
func serialize(t testing.TB, raw []byte) []byte {
	t.Helper()
	var b common.Block
	if err := proto.Unmarshal(raw, protoadapt.MessageV2Of(&b)); err != nil {
		t.Fatal(err)
	}
	var rec []byte
	rec = protowire.AppendVarint(rec, b.Header.Number)
	rec = protowire.AppendBytes(rec, b.Header.DataHash)
	rec = protowire.AppendBytes(rec, b.Header.PreviousHash)
	rec = protowire.AppendVarint(rec, uint64(len(b.Data.Data)))
	for _, d := range b.Data.Data {
		rec = protowire.AppendBytes(rec, d)
	}
	rec = protowire.AppendVarint(rec, uint64(len(b.Metadata.Metadata)))
	for _, m := range b.Metadata.Metadata {
		rec = protowire.AppendBytes(rec, m)
	}
	return protowire.AppendBytes(nil, rec)
}

// marshal marshals a legacy Fabric protobuf message.
func marshal(t testing.TB, m protoadapt.MessageV1) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoadapt.MessageV2Of(m))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
