package fabric

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/lianjian/lianjian/ledger"
)

// garbledEnvelope returns the fixture block rel with the payload of its
// first envelope replaced by bytes that do not decode, and its data hash
// recomputed so that only the envelope is wrong.
func garbledEnvelope(t *testing.T, rel string) []byte {
	t.Helper()
	var b common.Block
	if err := proto.Unmarshal(readFixture(t, rel), protoadapt.MessageV2Of(&b)); err != nil {
		t.Fatal(err)
	}
	var env common.Envelope
	if err := proto.Unmarshal(b.Data.Data[0], protoadapt.MessageV2Of(&env)); err != nil {
		t.Fatal(err)
	}
	env.Payload = []byte{0xff, 0xff, 0xff}
	b.Data.Data[0] = marshal(t, &env)
	h := sha256.New()
	for _, d := range b.Data.Data {
		h.Write(d)
	}
	b.Header.DataHash = h.Sum(nil)
	return marshal(t, &b)
}

// writeBlocks copies fixture blocks of dir into a new directory, with
// files replaced or added by extra (file name to bytes; nil removes).
func writeBlocks(t *testing.T, dir string, extra map[string][]byte) string {
	t.Helper()
	out := t.TempDir()
	paths, err := filepath.Glob(filepath.Join(fixtures, dir, "*.block"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if err := os.WriteFile(filepath.Join(out, filepath.Base(p)), readFixture(t, filepath.Join(dir, filepath.Base(p))), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, raw := range extra {
		p := filepath.Join(out, name)
		if raw == nil {
			os.Remove(p)
			continue
		}
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// breakAt is one break expected from a reader.
type breakAt struct {
	rule   *ledger.RuleInfo
	height uint64
	tx     int
}

func TestBlockDirBreaks(t *testing.T) {
	const up = "fabric-2.5.9/orderer"
	tests := []struct {
		name   string
		extra  map[string][]byte
		blocks int
		want   []breakAt
	}{
		{"clean", nil, 9, nil},
		{"only envelope of the last block", map[string][]byte{"mychannel_8.block": garbledEnvelope(t, up+"/mychannel_8.block")}, 9,
			[]breakAt{{ledger.RuleBreakUndecodable, 8, 0}}},
		{"only envelope of the first block", map[string][]byte{"mychannel_0.block": garbledEnvelope(t, up+"/mychannel_0.block")}, 9,
			[]breakAt{{ledger.RuleBreakUndecodable, 0, 0}}},
		{"unnamed file with a bad envelope joins its neighbours", map[string][]byte{
			"mychannel_4.block": nil, "copy.block": garbledEnvelope(t, up+"/mychannel_4.block")}, 9,
			[]breakAt{{ledger.RuleBreakUndecodable, 4, 0}}},
		{"truncated block placed by its name", map[string][]byte{"mychannel_3.block": readFixture(t, up+"/mychannel_3.block")[:100]}, 9,
			[]breakAt{{ledger.RuleBreakUndecodable, 3, ledger.NoTx}}},
		{"name says 9, header 8", map[string][]byte{"mychannel_8.block": nil, "mychannel_9.block": readFixture(t, up+"/mychannel_8.block")}, 9,
			[]breakAt{{ledger.RuleBreakNumber, 8, ledger.NoTx}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeBlocks(t, up, tt.extra)
			var got []breakAt
			n := 0
			for rb, err := range BlockDir(context.Background(), dir) {
				if err != nil {
					t.Fatalf("BlockDir: %v", err)
				}
				if rb.Channel != "mychannel" {
					t.Errorf("block %d (%s) in channel %q, want mychannel", rb.Number, rb.File, rb.Channel)
				}
				if rb.Number != uint64(n) {
					t.Errorf("block %d yielded at position %d", rb.Number, n)
				}
				for _, b := range rb.Breaks {
					if b.File != rb.File || b.Height != rb.Number {
						t.Errorf("break %v names %s block %d, want %s block %d", b, b.File, b.Height, rb.File, rb.Number)
					}
					got = append(got, breakAt{b.Rule, b.Height, b.Tx})
				}
				n++
			}
			if n != tt.blocks {
				t.Errorf("BlockDir yielded %d blocks, want %d", n, tt.blocks)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("breaks = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("break %d = %s at %d tx %d, want %s at %d tx %d", i, got[i].rule.ID, got[i].height, got[i].tx,
						tt.want[i].rule.ID, tt.want[i].height, tt.want[i].tx)
				}
			}
		})
	}
}

// TestChannelBlocksBreaks reads blockfiles made from the real blocks: an
// undecodable envelope is a break on its block, a zero-byte blockfile an
// error after the blocks before it.
func TestChannelBlocksBreaks(t *testing.T) {
	const up = "fabric-2.5.9/orderer"
	dir := filepath.Join(t.TempDir(), "mychannel")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var file []byte
	for _, n := range []string{"0", "1", "2"} {
		raw := readFixture(t, up+"/mychannel_"+n+".block")
		if n == "2" {
			raw = garbledEnvelope(t, up+"/mychannel_2.block")
		}
		file = append(file, serialize(t, raw)...)
	}
	if err := os.WriteFile(filepath.Join(dir, "blockfile_000000"), file, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blockfile_000001"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var n int
	var last error
	for rb, err := range ChannelBlocks(context.Background(), dir) {
		if err != nil {
			last = err
			break
		}
		if want := n == 2; (len(rb.Breaks) == 1 && rb.Breaks[0].Rule == ledger.RuleBreakUndecodable && rb.Breaks[0].Tx == 0) != want {
			t.Errorf("block %d breaks = %v, want an undecodable envelope: %v", rb.Number, rb.Breaks, want)
		}
		n++
	}
	if n != 3 || !errors.Is(last, ErrEmptyFile) {
		t.Errorf("ChannelBlocks = %d blocks then %v, want 3 then %v", n, last, ErrEmptyFile)
	}
}

// TestBlockDirNeighbours checks that a block whose envelopes do not
// decode takes the channel of the files sharing its name prefix, which
// need not be the channel's name (the GM orderer copies are named
// gm_mychannel_N.block), and never becomes a chain of its own.
func TestBlockDirNeighbours(t *testing.T) {
	const gm = "fabric-gm-sm2/orderer"
	dir := writeBlocks(t, gm, map[string][]byte{"gm_mychannel_3.block": garbledEnvelope(t, gm+"/gm_mychannel_3.block")})
	got := map[string][]uint64{}
	for rb, err := range BlockDir(context.Background(), dir) {
		if err != nil {
			t.Fatal(err)
		}
		got[rb.Channel] = append(got[rb.Channel], rb.Number)
	}
	if len(got) != 2 || len(got["mychannel"]) != 6 || len(got["system-channel"]) != 1 {
		t.Errorf("BlockDir channels = %v, want mychannel 0..5 and system-channel 0", got)
	}
}
