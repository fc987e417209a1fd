package fabric

import (
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// benchBlocks reads the peer copies of both fixture networks.
func benchBlocks(b *testing.B) [][]byte {
	b.Helper()
	return append(peerChain(b, "fabric-2.5.9"), peerChain(b, "fabric-gm-sm2")...)
}

// BenchmarkDecode measures full decoding of every peer fixture block per
// iteration. Compare with BenchmarkUnmarshal, the bare protobuf cost.
func BenchmarkDecode(b *testing.B) {
	blocks := benchBlocks(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range blocks {
			if _, err := DecodeBlock("bench", raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkUnmarshal is the baseline for BenchmarkDecode: unmarshalling
// each block and its envelopes, nothing more.
func BenchmarkUnmarshal(b *testing.B) {
	blocks := benchBlocks(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range blocks {
			var blk common.Block
			if err := proto.Unmarshal(raw, protoadapt.MessageV2Of(&blk)); err != nil {
				b.Fatal(err)
			}
			for _, d := range blk.Data.Data {
				var env common.Envelope
				if err := proto.Unmarshal(d, protoadapt.MessageV2Of(&env)); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
