package fabric

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// blockfileOf serializes blocks into one blockfile and returns it with
// the offset of each record.
func blockfileOf(t testing.TB, blocks [][]byte) ([]byte, []int64) {
	t.Helper()
	var file []byte
	var offsets []int64
	for _, raw := range blocks {
		offsets = append(offsets, int64(len(file)))
		file = append(file, serialize(t, raw)...)
	}
	return file, offsets
}

// collect runs an iterator to its end.
func collect(t testing.TB, seq func(func(RawBlock, error) bool)) ([]RawBlock, error) {
	t.Helper()
	var out []RawBlock
	for rb, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, rb)
	}
	return out, nil
}

// TestScanBlockfile reads a blockfile built from the fixture chain and
// checks that every block comes back byte for byte.
func TestScanBlockfile(t *testing.T) {
	for _, network := range []string{"fabric-2.5.9", "fabric-gm-sm2"} {
		t.Run(network, func(t *testing.T) {
			chain := peerChain(t, network)
			file, offsets := blockfileOf(t, chain)
			got, err := collect(t, ScanBlockfile(context.Background(), bytes.NewReader(file), "blockfile_000000"))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(chain) {
				t.Fatalf("ScanBlockfile = %d blocks, want %d", len(got), len(chain))
			}
			for i, rb := range got {
				if rb.Number != uint64(i) || rb.Offset != offsets[i] || rb.File != "blockfile_000000" {
					t.Errorf("Block(%d) number %d offset %d file %s, want offset %d", i, rb.Number, rb.Offset, rb.File, offsets[i])
				}
				if !bytes.Equal(rb.Bytes, chain[i]) {
					t.Errorf("Block(%d) bytes differ from the fixture", i)
				}
			}
		})
	}
}

// TestScanBlockfileDamage cuts and corrupts a blockfile at various
// offsets and checks that the error names the file and offset.
func TestScanBlockfileDamage(t *testing.T) {
	chain := peerChain(t, "fabric-2.5.9")[:4]
	file, offsets := blockfileOf(t, chain)
	// Record 2 starts with a two-byte length, then block number 2 (one
	// byte), then the data hash length.
	dataHashLen := offsets[2] + 3
	corrupt := func(at int64, b ...byte) []byte {
		out := bytes.Clone(file)
		copy(out[at:], b)
		return out
	}
	tests := []struct {
		name       string
		data       []byte
		wantBlocks int
		wantOffset int64
		wantErr    string
	}{
		{"empty", nil, 0, -1, ""},
		{"whole", file, 4, -1, ""},
		{"cut at record boundary", file[:offsets[2]], 2, -1, ""},
		{"cut inside length", file[:offsets[2]+1], 2, offsets[2], "truncated record length"},
		{"cut after length", file[:offsets[2]+2], 2, offsets[2], "truncated record: 0 of"},
		{"cut inside block", file[:offsets[3]-1], 2, offsets[2], "truncated record"},
		{"cut one byte short", file[:len(file)-1], 3, offsets[3], "truncated record"},
		{"first byte only", file[:1], 0, 0, "truncated record length"},
		{"zero length", corrupt(offsets[1], 0), 1, offsets[1], "bad record length 0"},
		{"length overflow", corrupt(offsets[1], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 1, offsets[1], "record length overflows"},
		{"data hash too long", corrupt(dataHashLen, 0xff, 0x7f), 2, dataHashLen, "data hash: length 16383 exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, ScanBlockfile(context.Background(), bytes.NewReader(tt.data), "bf"))
			if len(got) != tt.wantBlocks {
				t.Errorf("ScanBlockfile = %d blocks, want %d", len(got), tt.wantBlocks)
			}
			if tt.wantOffset < 0 {
				if err != nil {
					t.Fatalf("ScanBlockfile error = %v", err)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "bf" || fe.Offset != tt.wantOffset {
				t.Fatalf("ScanBlockfile error = %v, want a FileError of bf at offset %d", err, tt.wantOffset)
			}
			if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ScanBlockfile error = %v, want ErrCorrupt with %q", err, tt.wantErr)
			}
		})
	}
}

// TestScanBlockfileCancel checks that a cancelled context stops the scan.
func TestScanBlockfileCancel(t *testing.T) {
	file, _ := blockfileOf(t, peerChain(t, "fabric-2.5.9"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var err error
	for _, err = range ScanBlockfile(ctx, bytes.NewReader(file), "bf") {
		if err != nil {
			break
		}
		n++
		cancel()
	}
	if n != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %d blocks, error %v", n, err)
	}
}

// writeFile writes data to dir/name, creating directories.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLedgerDirs checks layout detection, channel discovery and reading
// blocks from a peer ledger, a channel directory and .block directories.
func TestLedgerDirs(t *testing.T) {
	chain := peerChain(t, "fabric-2.5.9")
	root := t.TempDir()
	chanDir := filepath.Join(root, "ledgersData", "chains", "chains", "mychannel")
	first, _ := blockfileOf(t, chain[:5])
	second, _ := blockfileOf(t, chain[5:])
	writeFile(t, filepath.Join(chanDir, "blockfile_000000"), first)
	writeFile(t, filepath.Join(chanDir, "blockfile_000001"), second)
	writeFile(t, filepath.Join(root, "ledgersData", "chains", "index", "000001.log"), []byte("not a channel"))

	blockDir := filepath.Join(root, "fetched")
	for i, raw := range chain {
		// Names sort differently from heights on purpose.
		writeFile(t, filepath.Join(blockDir, strings.Repeat("z", len(chain)-i)+".block"), raw)
	}
	tests := []struct {
		path       string
		layout     Layout
		wantBlocks int
	}{
		{root, LayoutLedgerRoot, len(chain)},
		{filepath.Join(root, "ledgersData"), LayoutLedgerRoot, len(chain)},
		{chanDir, LayoutChannelDir, len(chain)},
		{filepath.Join(chanDir, "blockfile_000001"), LayoutBlockfile, len(chain) - 5},
		{blockDir, LayoutBlockDir, len(chain)},
		{filepath.Join(blockDir, "z.block"), LayoutBlockFile, 1},
		{filepath.Join(fixtures, "fabric-2.5.9", "peer"), LayoutBlockDir, len(chain)},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, root), func(t *testing.T) {
			layout, err := DetectLayout(tt.path)
			if err != nil || layout != tt.layout {
				t.Fatalf("DetectLayout = %v, %v, want %v", layout, err, tt.layout)
			}
			got, err := collect(t, Open(context.Background(), tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.wantBlocks {
				t.Fatalf("Open = %d blocks, want %d", len(got), tt.wantBlocks)
			}
			start := uint64(len(chain) - tt.wantBlocks)
			for i, rb := range got {
				if rb.Number != start+uint64(i) || rb.Channel != "mychannel" || !bytes.Equal(rb.Bytes, chain[rb.Number]) {
					t.Errorf("block %d: number %d channel %q", i, rb.Number, rb.Channel)
				}
			}
		})
	}
	chans, err := Channels(root)
	if err != nil || len(chans) != 1 || chans[0].Name != "mychannel" || chans[0].Dir != chanDir {
		t.Errorf("Channels = %+v, %v", chans, err)
	}
	if _, err := DetectLayout(t.TempDir()); !errors.Is(err, ErrUnknownLayout) {
		t.Errorf("DetectLayout(empty) error = %v, want ErrUnknownLayout", err)
	}
}

// TestBlockDirChannels checks that a .block directory of two channels is
// ordered by channel, then by number.
func TestBlockDirChannels(t *testing.T) {
	got, err := collect(t, BlockDir(context.Background(), filepath.Join(fixtures, "fabric-gm-sm2", "orderer")))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, rb := range got {
		order = append(order, rb.Channel+"/"+filepath.Base(rb.File))
	}
	want := "mychannel/gm_mychannel_0.block mychannel/gm_mychannel_1.block mychannel/gm_mychannel_2.block " +
		"mychannel/gm_mychannel_3.block mychannel/gm_mychannel_4.block mychannel/gm_mychannel_5.block system-channel/system-channel_0.block"
	if strings.Join(order, " ") != want {
		t.Errorf("BlockDir order = %v", order)
	}
}

// TestBlockDirCorrupt checks that a bad .block file is named.
func TestBlockDirCorrupt(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.block"), []byte{0x0f})
	_, err := collect(t, BlockDir(context.Background(), dir))
	var fe *FileError
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.File, "bad.block") || !errors.Is(err, ErrCorrupt) {
		t.Errorf("BlockDir error = %v, want a FileError naming bad.block", err)
	}
}
