package fabric

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpora in testdata/fuzz from the fixtures")

// seedBlocks are the fixture blocks the seed corpora are made of.
var seedBlocks = []string{
	"fabric-2.5.9/peer/mychannel_0.block",
	"fabric-2.5.9/peer/mychannel_1.block",
	"fabric-2.5.9/peer/mychannel_10.block",
	"fabric-2.5.9/peer/mychannel_11.block",
	"fabric-2.5.9/orderer/mychannel_8.block",
	"fabric-gm-sm2/peer/mychannel_2.block",
	"fabric-gm-sm2/orderer/system-channel_0.block",
}

// TestWriteSeeds rewrites the seed corpora with -update.
func TestWriteSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	write := func(target, name string, data []byte) { writeSeed(t, target, name, data) }
	var blocks [][]byte
	for i, rel := range seedBlocks {
		raw := readFixture(t, rel)
		blocks = append(blocks, raw)
		write("FuzzDecodeBlock", fmt.Sprintf("fixture-%d", i), raw)
		b := decodeFixture(t, rel)
		write("FuzzDecodeEnvelope", fmt.Sprintf("fixture-%d", i), b.Txs[0].Raw)
	}
	synth := synthBlock(t, []byte{0}, synthEndorserTx(t))
	write("FuzzDecodeBlock", "synthetic", synth)
	write("FuzzDecodeEnvelope", "synthetic", synthEndorserTx(t))
	file, offsets := blockfileOf(t, [][]byte{blocks[1], blocks[5], synth})
	write("FuzzBlockfile", "three-blocks", file)
	write("FuzzBlockfile", "truncated", file[:offsets[2]+40])
}

// FuzzDecodeBlock decodes arbitrary bytes as a block in both modes. It
// must never panic; errors must match ErrMalformed; a decoded block must
// yield one signed message per signature.
func FuzzDecodeBlock(f *testing.F) {
	strict, err := NewDecoder(Config{Strict: true, HashAlgorithm: SM3})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range []*Decoder{defaultDecoder, strict} {
			b, err := d.DecodeBlock("fuzz", data)
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("DecodeBlock error %v does not match ErrMalformed", err)
				}
				continue
			}
			if !bytes.Equal(b.Raw, data) {
				t.Fatal("Block.Raw is not the input")
			}
			msgs, err := SignedMessages(b)
			if err != nil {
				t.Fatalf("SignedMessages of a decoded block: %v", err)
			}
			n := len(b.Signatures)
			for _, tx := range b.Txs {
				n += len(tx.Sigs)
			}
			if len(msgs) != n {
				t.Fatalf("SignedMessages = %d, want %d", len(msgs), n)
			}
		}
	})
}

// FuzzDecodeEnvelope decodes arbitrary bytes as an envelope.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := DecodeEnvelope(data)
		if tx == nil || tx.Fabric == nil {
			t.Fatal("DecodeEnvelope returned no transaction")
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("DecodeEnvelope error %v does not match ErrMalformed", err)
		}
	})
}

// FuzzBlockfile scans arbitrary bytes as a blockfile. Errors must be
// FileErrors inside the input; yielded blocks must re-parse with the
// number they were read with.
func FuzzBlockfile(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for rb, err := range ScanBlockfile(context.Background(), bytes.NewReader(data), "fuzz") {
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(len(data)) || !errors.Is(err, ErrCorrupt) {
					t.Fatalf("ScanBlockfile error = %v", err)
				}
				return
			}
			var b common.Block
			if err := proto.Unmarshal(rb.Bytes, protoadapt.MessageV2Of(&b)); err != nil || b.GetHeader().GetNumber() != rb.Number {
				t.Fatalf("yielded block %d does not re-parse: %v", rb.Number, err)
			}
			_, _ = DecodeBlock("fuzz", rb.Bytes)
		}
	})
}
