package fabric

import (
	"errors"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"

	"github.com/lianjian/lianjian/ledger"
)

// TestDecodeMalformed checks that broken input fails with an error that
// names what was wrong, or, for a broken envelope in lenient mode, that
// the transaction records it.
func TestDecodeMalformed(t *testing.T) {
	good := synthEndorserTx(t)
	garbage := []byte{0x0f} // field 1 with the invalid wire type 7
	payloadOnly := func(pl *common.Payload) []byte {
		return marshal(t, &common.Envelope{Payload: marshal(t, pl)})
	}
	tests := []struct {
		name      string
		raw       []byte
		strict    bool
		wantErr   string // error of DecodeBlock
		wantTxErr string // FabricTx.DecodeError of tx 1
	}{
		{"not a block", []byte("not a block"), false, "block: malformed", ""},
		{"no header", marshal(t, &common.Block{}), false, "block: malformed: no header", ""},
		{"bad signatures metadata", marshal(t, &common.Block{Header: &common.BlockHeader{}, Metadata: &common.BlockMetadata{Metadata: [][]byte{garbage}}}),
			false, "block 0: metadata SIGNATURES: malformed", ""},
		{"unsigned block signature", marshal(t, &common.Block{Header: &common.BlockHeader{Number: 3}, Metadata: &common.BlockMetadata{Metadata: [][]byte{
			marshal(t, &common.Metadata{Signatures: []*common.MetadataSignature{{Signature: []byte("s")}}}),
		}}}), false, "block 3: metadata SIGNATURES: signature 0: malformed: neither signature nor identifier header", ""},
		{"bad envelope lenient", synthBlock(t, nil, good, garbage), false, "", "envelope 1: envelope: malformed"},
		{"bad envelope strict", synthBlock(t, nil, good, garbage), true, "block 7: envelope 1: envelope: malformed", ""},
		{"bad payload", synthBlock(t, nil, good, marshal(t, &common.Envelope{Payload: garbage})), false, "", "envelope 1: payload: malformed"},
		{"no payload header", synthBlock(t, nil, good, payloadOnly(&common.Payload{})), false, "", "envelope 1: payload: malformed: no header"},
		{"bad creator", synthBlock(t, nil, good, payloadOnly(&common.Payload{Header: &common.Header{
			SignatureHeader: marshal(t, &common.SignatureHeader{Creator: []byte("junk")}),
		}})), false, "", "envelope 1: payload: creator: identity: malformed"},
		{"bad certificate", synthBlock(t, nil, good, payloadOnly(&common.Payload{Header: &common.Header{
			SignatureHeader: marshal(t, &common.SignatureHeader{Creator: marshal(t, &common.SignatureHeader{Creator: []byte("x")})}),
		}})), false, "", "envelope 1: payload: creator: identity"},
		{"endorser tx without actions", synthBlock(t, nil, good, payloadOnly(&common.Payload{Header: &common.Header{
			ChannelHeader: marshal(t, &common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION)}),
		}})), false, "", "envelope 1: payload: transaction: malformed: no actions"},
		{"config without config", synthBlock(t, nil, good, payloadOnly(&common.Payload{Header: &common.Header{
			ChannelHeader: marshal(t, &common.ChannelHeader{Type: int32(common.HeaderType_CONFIG)}),
		}})), false, "", "envelope 1: payload: config envelope: malformed: no config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDecoder(Config{Strict: tt.strict})
			if err != nil {
				t.Fatal(err)
			}
			b, err := d.DecodeBlock("test", tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DecodeBlock error = %v, want %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrMalformed) || !errors.Is(err, ledger.ErrInvalid) {
					t.Errorf("DecodeBlock error %v does not match ErrMalformed and ledger.ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeBlock error = %v", err)
			}
			if len(b.Txs) != 2 || b.Txs[0].Fabric.DecodeError != "" {
				t.Fatalf("txs = %d, first error %q", len(b.Txs), b.Txs[0].Fabric.DecodeError)
			}
			tx := b.Txs[1]
			if !strings.Contains(tx.Fabric.DecodeError, tt.wantTxErr) || tx.Raw == nil || tx.Index != 1 {
				t.Errorf("Tx(1).DecodeError = %q, want %q", tx.Fabric.DecodeError, tt.wantTxErr)
			}
			if _, err := SignedMessages(b); err != nil {
				t.Errorf("SignedMessages: %v", err)
			}
		})
	}
}

// TestDecodeEnvelope checks the stand-alone envelope decoder.
func TestDecodeEnvelope(t *testing.T) {
	tx, err := DecodeEnvelope(synthEndorserTx(t))
	if err != nil || tx.ID != "abcdef01" || tx.Creator == nil || tx.Creator.MSPID != "Org1MSP" {
		t.Fatalf("DecodeEnvelope = %+v, %v", tx, err)
	}
	if _, err := DecodeEnvelope([]byte{0xff}); !errors.Is(err, ErrMalformed) {
		t.Errorf("DecodeEnvelope(garbage) error = %v, want ErrMalformed", err)
	}
}

// TestDecoderConcurrent decodes from several goroutines with one decoder,
// sharing its identity cache; run with -race.
func TestDecoderConcurrent(t *testing.T) {
	chain := peerChain(t, "fabric-gm-sm2")
	d, err := NewDecoder(Config{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, len(chain))
	for _, raw := range chain {
		go func() {
			b, err := d.DecodeBlock("test", raw)
			if err == nil && len(b.Txs) > 0 && b.Txs[0].Creator == nil {
				err = errors.New("no creator")
			}
			errs <- err
		}()
	}
	for range chain {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
