package fabric

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// TestScanBlockfileNumbers checks that the scan of a blockfile finds the
// blocks ScanBlockfile yields, by their numbers alone, and stops where a
// record is cut short with the same file and offset.
func TestScanBlockfileNumbers(t *testing.T) {
	chain := peerChain(t, "fabric-2.5.9")[:4]
	file, offsets := blockfileOf(t, chain)
	tests := []struct {
		name       string
		data       []byte
		wantBlocks int
		wantOffset int64 // -1: no error
	}{
		{"whole", file, 4, -1},
		{"cut at record boundary", file[:offsets[2]], 2, -1},
		{"cut inside length", file[:offsets[2]+1], 2, offsets[2]},
		{"cut after length", file[:offsets[2]+2], 2, offsets[2]},
		{"cut inside block", file[:offsets[3]-1], 2, offsets[2]},
		{"cut one byte short", file[:len(file)-1], 3, offsets[3]},
		{"first byte only", file[:1], 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "mychannel")
			writeFile(t, filepath.Join(dir, "blockfile_000000"), tt.data)
			led, err := Scan(context.Background(), dir)
			if err != nil || len(led.Channels) != 1 {
				t.Fatalf("Scan = %+v, %v", led, err)
			}
			f := led.Channels[0]
			if f.Count != tt.wantBlocks || f.Channel != "mychannel" || (f.Count > 0 && (f.First != 0 || f.Last != uint64(tt.wantBlocks-1))) {
				t.Errorf("Scan found %d blocks %d..%d of %s, want %d from 0", f.Count, f.First, f.Last, f.Channel, tt.wantBlocks)
			}
			var fe *FileError
			switch {
			case tt.wantOffset < 0 && f.Err != nil:
				t.Errorf("Scan error = %v, want none", f.Err)
			case tt.wantOffset >= 0 && (!errors.As(f.Err, &fe) || fe.Offset != tt.wantOffset || !errors.Is(f.Err, ErrCorrupt)):
				t.Errorf("Scan error = %v, want ErrCorrupt at offset %d", f.Err, tt.wantOffset)
			}
			got, err := collect(t, f.Blocks(context.Background()))
			if len(got) != tt.wantBlocks || (err == nil) != (tt.wantOffset < 0) {
				t.Errorf("Blocks = %d blocks, %v; want %d", len(got), err, tt.wantBlocks)
			}
		})
	}
	dir := filepath.Join(t.TempDir(), "mychannel")
	writeFile(t, filepath.Join(dir, "blockfile_000000"), file)
	writeFile(t, filepath.Join(dir, "blockfile_000001"), nil)
	led, err := Scan(context.Background(), dir)
	if err != nil || led.Channels[0].Count != 4 || !errors.Is(led.Channels[0].Err, ErrEmptyFile) {
		t.Errorf("Scan with an empty blockfile = %+v, %v; want 4 blocks and ErrEmptyFile", led.Channels[0], err)
	}
}

// ingestFiles imports the blocks of files into db as chain "c" up to to
// (0: all), through the ingester, and returns the source.
func ingestFiles(t *testing.T, db *index.DB, files *Files, to uint64) (*FileSource, error) {
	t.Helper()
	ctx := context.Background()
	if err := db.PutChain(ctx, ledger.Chain{ID: "c", Kind: ledger.KindFabric, Channel: files.Channel}); err != nil {
		t.Fatal(err)
	}
	from := files.First
	if cp, err := db.Checkpoint(ctx, "c"); err == nil {
		from = cp.Height + 1
	}
	src, err := NewFileSource(files, FileConfig{Chain: "c", From: from,
		Indexed: func(ctx context.Context, h uint64) ([]byte, error) { return db.RawBlock(ctx, "c", h) },
		Config: func(ctx context.Context, h uint64) (*ledger.Config, error) {
			c, err := db.ChannelConfig(ctx, "c", h)
			if errors.Is(err, ledger.ErrNotFound) {
				return nil, nil
			}
			return c, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	in, err := ledger.NewIngester("c", src, db, ledger.IngestConfig{From: files.First, To: to, MaxRetries: 1, MaxBackoff: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return src, in.Run(ctx)
}

// TestFileSourceResume imports a blockfile ledger in two runs, the second
// resuming from the first's checkpoint, and checks every block against
// the files; a third run finds nothing to do.
func TestFileSourceResume(t *testing.T) {
	chain := peerChain(t, "fabric-2.5.9")
	file, _ := blockfileOf(t, chain)
	root := filepath.Join(t.TempDir(), "chains", "chains", "mychannel")
	writeFile(t, filepath.Join(root, "blockfile_000000"), file)
	led, err := Scan(context.Background(), filepath.Dir(filepath.Dir(filepath.Dir(root))))
	if err != nil || len(led.Channels) != 1 || led.Channels[0].Last != uint64(len(chain)-1) {
		t.Fatalf("Scan = %+v, %v", led, err)
	}
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, to := range []uint64{5, 0, 0} {
		if _, err := ingestFiles(t, db, led.Channels[0], to); err != nil {
			t.Fatalf("ingest to %d: %v", to, err)
		}
	}
	for h, raw := range chain {
		if got, err := db.RawBlock(ctx, "c", uint64(h)); err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("RawBlock(%d) = %d bytes, %v; want the file's block", h, len(got), err)
		}
	}
}

// TestFileSourceSecondBlock checks that a second, different block with a
// number already imported stops the import with a BRK-NUMBER break, even
// as the last file, and that the same block found twice is skipped.
func TestFileSourceSecondBlock(t *testing.T) {
	for _, tt := range []struct {
		name, copyOf string
		want         *ledger.RuleInfo
		skipped      int
	}{
		{"same block twice", "fabric-2.5.9/orderer/mychannel_8.block", nil, 1},
		{"another block 8", "fabric-2.5.9/peer/mychannel_8.block", ledger.RuleBreakNumber, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeBlocks(t, "fabric-2.5.9/orderer", map[string][]byte{"zz.block": readFixture(t, tt.copyOf)})
			led, err := Scan(context.Background(), dir)
			if err != nil || len(led.Channels) != 1 {
				t.Fatalf("Scan = %+v, %v", led, err)
			}
			db, err := index.OpenMemory(index.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			src, err := ingestFiles(t, db, led.Channels[0], 0)
			var brk *ledger.Break
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("ingest = %v", err)
			case tt.want != nil && (!errors.As(err, &brk) || brk.Rule != tt.want || brk.Height != 8):
				t.Fatalf("ingest = %v, want a %s break at 8", err, tt.want.ID)
			}
			if src.Skipped() != tt.skipped {
				t.Errorf("Skipped = %d, want %d", src.Skipped(), tt.skipped)
			}
			if cp, err := db.Checkpoint(context.Background(), "c"); err != nil || cp.Height != 8 {
				t.Errorf("Checkpoint = %d, %v; want 8", cp.Height, err)
			}
		})
	}
}
