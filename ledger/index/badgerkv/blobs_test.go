package badgerkv_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/storagetest"
)

// TestConformanceEncrypted runs the suite on an encrypted store, whose
// large values are sealed in the segments.
func TestConformanceEncrypted(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return openEncrypted(t, t.TempDir(), bytes.Repeat([]byte{7}, 32))
	})
}

func openEncrypted(t *testing.T, dir string, key []byte) *badgerkv.Store {
	t.Helper()
	s, err := badgerkv.Open(badger.DefaultOptions(dir).WithLogger(nil).WithEncryptionKey(key).WithIndexCacheSize(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func segments(t *testing.T, dir string) []byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "blobs", "*.seg"))
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestBlobsOnDisk checks where a large value goes (a segment, once, in
// plain text only without encryption), that an aborted update neither
// leaves a pointer nor appends its value, that each session writes a
// segment of its own, and that a value reads back after a reopen.
func TestBlobsOnDisk(t *testing.T) {
	for _, key := range [][]byte{nil, bytes.Repeat([]byte{9}, 16)} {
		dir := t.TempDir()
		open := func() *badgerkv.Store {
			if key != nil {
				return openEncrypted(t, dir, key)
			}
			s, err := badgerkv.Open(badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(true))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		big := bytes.Repeat([]byte("大块数据 large value "), 20_000)
		s := open()
		if err := s.Update(func(rw storage.ReadWriter) error { return rw.Set([]byte("k"), big) }); err != nil {
			t.Fatal(err)
		}
		aborted := errors.New("abort")
		err := s.Update(func(rw storage.ReadWriter) error {
			if err := rw.Set([]byte("gone"), big); err != nil {
				return err
			}
			return aborted
		})
		if !errors.Is(err, aborted) {
			t.Fatalf("aborted Update = %v", err)
		}
		if ok, err := s.Has([]byte("gone")); ok || err != nil {
			t.Fatalf("Has(gone) = %v, %v after an aborted update", ok, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		seg := segments(t, dir)
		// Once: the aborted update appended nothing.
		if n := bytes.Count(seg, big); key == nil && n != 1 || key != nil && n != 0 {
			t.Errorf("key %x: the segments hold the value in plain text %d times", key, n)
		}
		s = open()
		if err := s.Update(func(rw storage.ReadWriter) error { return rw.Set([]byte("k2"), big) }); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"k", "k2"} {
			if v, err := s.Get([]byte(k)); err != nil || !bytes.Equal(v, big) {
				t.Errorf("key %x: Get(%s) after a reopen = %d bytes, %v", key, k, len(v), err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if paths, _ := filepath.Glob(filepath.Join(dir, "blobs", "*.seg")); len(paths) != 2 {
			t.Errorf("key %x: %d segments after two sessions that wrote, want 2", key, len(paths))
		}
	}
}

// TestBlobsWrongKey checks that a sealed value read with another key is
// damage naming the segment and the key, not garbage.
func TestBlobsWrongKey(t *testing.T) {
	dir := t.TempDir()
	b, err := badgerkv.OpenBlobs(dir, badgerkv.BlobOptions{EncryptionKey: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Append(bytes.Repeat([]byte{5}, 100_000))
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	other, err := badgerkv.OpenBlobs(dir, badgerkv.BlobOptions{EncryptionKey: bytes.Repeat([]byte{2}, 32), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Read(p)
	var be *badgerkv.BlobError
	if !errors.As(err, &be) || be.Kind != badgerkv.BlobChecksum || be.Segment != "00000001.seg" || !errors.Is(err, badgerkv.ErrBlobCorrupt) {
		t.Errorf("Read with another key = %v, want checksum damage in 00000001.seg", err)
	}
	if _, err := other.Read([]byte{1, 2}); !errors.As(err, &be) || be.Kind != badgerkv.BlobPointer {
		t.Errorf("Read of a cut pointer = %v, want pointer damage", err)
	}
}

// TestBlobsRotate checks that a segment over its size starts the next.
func TestBlobsRotate(t *testing.T) {
	dir := t.TempDir()
	b, err := badgerkv.OpenBlobs(dir, badgerkv.BlobOptions{SegmentSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ptrs [][]byte
	for i := range 5 {
		p, err := b.Append(bytes.Repeat([]byte{byte(i)}, 400_000))
		if err != nil {
			t.Fatal(err)
		}
		ptrs = append(ptrs, p)
	}
	for i, p := range ptrs {
		if v, err := b.Read(p); err != nil || len(v) != 400_000 || v[0] != byte(i) {
			t.Errorf("Read(%d) = %d bytes, %v", i, len(v), err)
		}
	}
	if paths, _ := filepath.Glob(filepath.Join(dir, "*.seg")); len(paths) != 3 {
		t.Errorf("%d segments of at most 1 MiB for 2 MB, want 3", len(paths))
	}
}

// TestPendingReadYourWrites checks that an update reads back the large
// values it set before they are appended, in Get and in iteration, and
// that one it deletes or sets small again is not appended at all.
func TestPendingReadYourWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := badgerkv.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	big := bytes.Repeat([]byte("未决 pending "), 10_000)
	gone := bytes.Repeat([]byte("删除 deleted "), 10_000)
	small := bytes.Repeat([]byte("改小 small "), 10_000)
	err = s.Update(func(rw storage.ReadWriter) error {
		for k, v := range map[string][]byte{"a": big, "b": gone, "c": small} {
			if err := rw.Set([]byte(k), v); err != nil {
				return err
			}
		}
		if v, err := rw.Get([]byte("a")); err != nil || !bytes.Equal(v, big) {
			t.Errorf("Get(a) in the update = %d bytes, %v", len(v), err)
		}
		it := rw.NewIterator([]byte("a"), nil, false)
		if !it.Next() {
			t.Error("iteration in the update does not find a")
		} else if v, err := it.Value(); err != nil || !bytes.Equal(v, big) {
			t.Errorf("iterated a = %d bytes, %v", len(v), err)
		}
		it.Release()
		if err := rw.Delete([]byte("b")); err != nil {
			return err
		}
		return rw.Set([]byte("c"), []byte("small"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get([]byte("c")); err != nil || string(v) != "small" {
		t.Errorf("Get(c) = %q, %v", v, err)
	}
	if v, err := s.Get([]byte("a")); err != nil || !bytes.Equal(v, big) {
		t.Errorf("Get(a) = %d bytes, %v", len(v), err)
	}
	seg := segments(t, dir)
	if bytes.Contains(seg, gone) || bytes.Contains(seg, small) || bytes.Count(seg, big) != 1 {
		t.Error("the segments hold a value deleted or replaced in its update, or not the one set")
	}
}

// TestPendingSetDeleteSet checks that a large value set, deleted and set
// again in one update is appended once, as its last value.
func TestPendingSetDeleteSet(t *testing.T) {
	dir := t.TempDir()
	s, err := badgerkv.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first := bytes.Repeat([]byte("第一 first "), 10_000)
	last := bytes.Repeat([]byte("最后 last "), 10_000)
	err = s.Update(func(rw storage.ReadWriter) error {
		if err := rw.Set([]byte("k"), first); err != nil {
			return err
		}
		if err := rw.Delete([]byte("k")); err != nil {
			return err
		}
		return rw.Set([]byte("k"), last)
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get([]byte("k")); err != nil || !bytes.Equal(v, last) {
		t.Errorf("Get(k) = %d bytes, %v; want the last value", len(v), err)
	}
	seg := segments(t, dir)
	if bytes.Contains(seg, first) || bytes.Count(seg, last) != 1 {
		t.Errorf("the segments hold the first value %d times and the last %d times, want 0 and 1",
			bytes.Count(seg, first), bytes.Count(seg, last))
	}
}

// TestBlobsRouted checks that the values of keys Route names go to the
// segments from RoutedMin bytes on, other small values stay in the tree,
// and that one flush of many values, small and large, across segment
// boundaries, reads every value back where its pointer says.
func TestBlobsRouted(t *testing.T) {
	dir := t.TempDir()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := badgerkv.OpenBlobs(filepath.Join(dir, "blobs"), badgerkv.BlobOptions{
		Threshold: 4 << 10, SegmentSize: 64 << 10,
		Route: func(k []byte) bool { return k[0] == 't' },
	})
	if err != nil {
		t.Fatal(err)
	}
	s := badgerkv.New(db, blobs)
	defer s.Close()
	want := map[string][]byte{}
	sizes := []int{badgerkv.RoutedMin - 1, badgerkv.RoutedMin, 450, 3000, 5000, 20_000}
	for i := range 60 {
		n := sizes[i%len(sizes)]
		for _, tag := range []string{"t", "o"} {
			want[fmt.Sprintf("%s/%03d", tag, i)] = bytes.Repeat([]byte{tag[0], byte(i), byte(n)}, n/3+1)[:n]
		}
	}
	if err := s.Update(func(rw storage.ReadWriter) error {
		for k, v := range want {
			if err := rw.Set([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inSegments := func(v []byte) bool { return bytes.Contains(segments(t, dir), v) }
	for k, v := range want {
		got, err := s.Get([]byte(k))
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get(%s) = %d bytes, %v; want the %d set", k, len(got), err, len(v))
		}
		routed := len(v) >= 4<<10 || k[0] == 't' && len(v) >= badgerkv.RoutedMin
		if len(v) >= badgerkv.RoutedMin && inSegments(v) != routed {
			t.Errorf("%s (%d bytes): in the segments %v, want %v", k, len(v), !routed, routed)
		}
	}
	if paths, _ := filepath.Glob(filepath.Join(dir, "blobs", "*.seg")); len(paths) < 3 {
		t.Errorf("%d segments of at most 64 KiB, want several", len(paths))
	}
}
