package fabric

import (
	"bytes"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// TestDecodeCommitHash checks the COMMIT_HASH metadata (index 4, a
// common.Metadata whose value is the hash): decoded when well formed,
// recorded in CommitHashError without failing the block when not, absent
// when empty.
func TestDecodeCommitHash(t *testing.T) {
	raw := readFixture(t, "fabric-2.5.9/peer/mychannel_3.block")
	var pb common.Block
	if err := proto.Unmarshal(raw, protoadapt.MessageV2Of(&pb)); err != nil {
		t.Fatal(err)
	}
	withCommitHash := func(md []byte) []byte {
		b := proto.Clone(protoadapt.MessageV2Of(&pb))
		protoadapt.MessageV1Of(b).(*common.Block).Metadata.Metadata[common.BlockMetadataIndex_COMMIT_HASH] = md
		out, err := proto.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var m common.Metadata
	if err := proto.Unmarshal(pb.Metadata.Metadata[common.BlockMetadataIndex_COMMIT_HASH], protoadapt.MessageV2Of(&m)); err != nil || len(m.Value) != 32 {
		t.Fatalf("fixture COMMIT_HASH = %x, %v; want 32 bytes", m.Value, err)
	}
	for _, tt := range []struct {
		name    string
		md      []byte
		want    []byte
		wantErr bool
	}{
		{"peer's", pb.Metadata.Metadata[common.BlockMetadataIndex_COMMIT_HASH], m.Value, false},
		{"empty", nil, nil, false},
		{"truncated", []byte{0x0a, 0x20, 1, 2}, nil, true},
		{"bad wire type", []byte{0x0b}, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := DecodeBlock("test", withCommitHash(tt.md))
			if err != nil {
				t.Fatalf("DecodeBlock = %v, want the block decoded", err)
			}
			if !bytes.Equal(b.Fabric.CommitHash, tt.want) || (b.Fabric.CommitHashError != "") != tt.wantErr {
				t.Errorf("CommitHash = %x, error %q; want %x, error %v", b.Fabric.CommitHash, b.Fabric.CommitHashError, tt.want, tt.wantErr)
			}
			if len(b.Txs) != 1 || b.Txs[0].Fabric.DecodeError != "" || len(b.Signatures) != 1 {
				t.Errorf("rest of the block: %d txs, %d signatures", len(b.Txs), len(b.Signatures))
			}
		})
	}
}
