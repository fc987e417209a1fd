// Package storagetest is the conformance suite every storage.Store
// backend passes.
package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/lianjian/lianjian/ledger/storage"
)

// Run runs the suite; open returns a new, empty store, which the suite
// closes.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"GetHas", testGetHas},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"EmptyValue", testEmptyValue},
		{"LargeValue", testLargeValue},
		{"Iterate", testIterate},
		{"IterateStart", testIterateStart},
		{"IterateInUpdate", testIterateInUpdate},
		{"UpdateAtomic", testUpdateAtomic},
		{"Batch", testBatch},
		{"ViewIsolation", testViewIsolation},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

func set(t *testing.T, s storage.Store, kv ...string) {
	t.Helper()
	err := s.Update(func(rw storage.ReadWriter) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if err := rw.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
}

// want checks key's value in r; value nil means absent.
func want(t *testing.T, r storage.Reader, key string, value []byte) {
	t.Helper()
	v, err := r.Get([]byte(key))
	has, herr := r.Has([]byte(key))
	if herr != nil {
		t.Fatalf("Has(%q): %v", key, herr)
	}
	if value == nil {
		if !errors.Is(err, storage.ErrNotFound) || has {
			t.Fatalf("Get(%q) = %q, %v, Has %v; want ErrNotFound, false", key, v, err, has)
		}
		return
	}
	if err != nil || !bytes.Equal(v, value) || !has {
		t.Fatalf("Get(%q) = %q, %v, Has %v; want %q, true", key, v, err, has, value)
	}
}

func testGetHas(t *testing.T, s storage.Store) {
	want(t, s, "a", nil)
	set(t, s, "a", "1", "ab", "2")
	want(t, s, "a", []byte("1"))
	want(t, s, "ab", []byte("2"))
	want(t, s, "b", nil)
	want(t, s, "a\x00", nil)
	// Get returns a copy.
	v, _ := s.Get([]byte("a"))
	v[0] = 'x'
	want(t, s, "a", []byte("1"))
	// Set does not keep the caller's slices.
	k, val := []byte("c"), []byte("3")
	if err := s.Update(func(rw storage.ReadWriter) error { return rw.Set(k, val) }); err != nil {
		t.Fatal(err)
	}
	k[0], val[0] = 'd', '4'
	want(t, s, "c", []byte("3"))
	want(t, s, "d", nil)
}

func testOverwrite(t *testing.T, s storage.Store) {
	set(t, s, "k", "old")
	set(t, s, "k", "new, longer")
	want(t, s, "k", []byte("new, longer"))
	set(t, s, "k", "n")
	want(t, s, "k", []byte("n"))
	set(t, s, "k", "one", "k", "two") // the last write in an update wins
	want(t, s, "k", []byte("two"))
}

func testDelete(t *testing.T, s storage.Store) {
	set(t, s, "a", "1", "b", "2")
	err := s.Update(func(rw storage.ReadWriter) error {
		if err := rw.Delete([]byte("a")); err != nil {
			return err
		}
		if _, err := rw.Get([]byte("a")); !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("get of a key deleted in the update: %v, want ErrNotFound", err)
		}
		return rw.Delete([]byte("missing")) // deleting a missing key is no error
	})
	if err != nil {
		t.Fatal(err)
	}
	want(t, s, "a", nil)
	want(t, s, "b", []byte("2"))
	set(t, s, "a", "again")
	want(t, s, "a", []byte("again"))
}

func testEmptyValue(t *testing.T, s storage.Store) {
	err := s.Update(func(rw storage.ReadWriter) error {
		if err := rw.Set([]byte("e"), []byte{}); err != nil {
			return err
		}
		return rw.Set([]byte("n"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"e", "n"} {
		v, err := s.Get([]byte(k))
		has, _ := s.Has([]byte(k))
		if err != nil || len(v) != 0 || !has {
			t.Fatalf("Get(%q) = %q, %v, Has %v; want empty, nil, true", k, v, err, has)
		}
	}
	if got := keys(t, s, "", nil, false); !slices.Equal(got, []string{"e", "n"}) {
		t.Fatalf("iteration over empty values: %q", got)
	}
}

// testLargeValue stores values just under 1 MiB: the most in-memory
// badger holds in one value (at exactly its 1 MiB value threshold it
// panics).
func testLargeValue(t *testing.T, s storage.Store) {
	big := make([]byte, 1<<20-1)
	for i := range big {
		big[i] = byte(i * 7)
	}
	err := s.Update(func(rw storage.ReadWriter) error {
		if err := rw.Set([]byte("big"), big); err != nil {
			return err
		}
		return rw.Set([]byte("big2"), big[1:])
	})
	if err != nil {
		t.Fatalf("%.200s", err) // badger's error holds the value
	}
	if v, err := s.Get([]byte("big")); err != nil || !bytes.Equal(v, big) {
		t.Fatalf("Get of the large value: %d bytes, %v", len(v), err)
	}
	if v, err := s.Get([]byte("big2")); err != nil || !bytes.Equal(v, big[1:]) {
		t.Fatalf("Get of the second large value: %d bytes, %v", len(v), err)
	}
	it := s.NewIterator([]byte("b"), nil, false)
	defer it.Release()
	if !it.Next() {
		t.Fatal("iteration does not find the large value")
	}
	if v, err := it.Value(); err != nil || !bytes.Equal(v, big) {
		t.Fatalf("iteration returns %d bytes, %v for the large value", len(v), err)
	}
}

// keys iterates prefix from start and returns the keys, checking that
// each value is "v"+key.
func keys(t *testing.T, r storage.Reader, prefix string, start []byte, reverse bool) []string {
	t.Helper()
	it := r.NewIterator([]byte(prefix), start, reverse)
	defer it.Release()
	var out []string
	for it.Next() {
		out = append(out, string(it.Key()))
		// Keys stay valid until Next, whatever is read.
		if _, err := it.Value(); err != nil {
			t.Fatalf("value of %q: %v", it.Key(), err)
		}
	}
	if err := it.Error(); err != nil {
		t.Fatalf("iterate %q: %v", prefix, err)
	}
	return out
}

// ordered is a set of keys that share prefixes and hold 0xff bytes, in
// order.
var ordered = []string{
	"\x00", "\x01", "\x01\x00", "\x01\xfe\xff", "\x01\xff", "\x01\xff\x00", "\x01\xff\xff", "\x01\xff\xff\xff\x01",
	"\x02", "a", "ab", "ab\x00", "abc", "ab\xff", "ac", "b", "\xff", "\xff\xff", "\xff\xff\x00",
}

func fill(t *testing.T, s storage.Store) {
	t.Helper()
	var kv []string
	for _, i := range []int{5, 0, 18, 3, 12, 7, 1, 16, 9, 14, 2, 11, 6, 17, 4, 10, 8, 15, 13} { // out of order
		kv = append(kv, ordered[i], "v"+ordered[i])
	}
	set(t, s, kv...)
}

func under(prefix string) []string {
	var out []string
	for _, k := range ordered {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			out = append(out, k)
		}
	}
	return out
}

func reversed(s []string) []string {
	s = slices.Clone(s)
	slices.Reverse(s)
	return s
}

func testIterate(t *testing.T, s storage.Store) {
	if !slices.IsSorted(ordered) {
		t.Fatal("the suite's keys are not in order")
	}
	fill(t, s)
	for _, p := range []string{"", "\x01", "\x01\xff", "\x01\xff\xff", "a", "ab", "abc", "abcd", "\xff", "\xff\xff", "\x03", "z"} {
		w := under(p)
		if got := keys(t, s, p, nil, false); !slices.Equal(got, w) {
			t.Errorf("prefix %q forward: %q, want %q", p, got, w)
		}
		if got := keys(t, s, p, nil, true); !slices.Equal(got, reversed(w)) {
			t.Errorf("prefix %q reverse: %q, want %q", p, got, reversed(w))
		}
	}
	// Keys and values stay valid after Next.
	it := s.NewIterator([]byte("a"), nil, false)
	defer it.Release()
	var ks, vs [][]byte
	for it.Next() {
		v, err := it.Value()
		if err != nil {
			t.Fatal(err)
		}
		ks, vs = append(ks, it.Key()), append(vs, v)
	}
	for i, k := range ks {
		if string(k) != under("a")[i] || string(vs[i]) != "v"+string(k) {
			t.Fatalf("entry %d kept from the iteration is %q = %q", i, k, vs[i])
		}
	}
}

func testIterateStart(t *testing.T, s storage.Store) {
	fill(t, s)
	cases := []struct {
		prefix, start    string
		forward, reverse []string
	}{
		{"", "ab", []string{"ab", "ab\x00", "abc", "ab\xff", "ac", "b", "\xff", "\xff\xff", "\xff\xff\x00"},
			[]string{"ab", "a", "\x02", "\x01\xff\xff\xff\x01", "\x01\xff\xff", "\x01\xff\x00", "\x01\xff", "\x01\xfe\xff", "\x01\x00", "\x01", "\x00"}},
		{"a", "b\x01", []string{"abc", "ab\xff", "ac"}, []string{"ab\x00", "ab", "a"}},
		{"\x01", "\xff", []string{"\x01\xff", "\x01\xff\x00", "\x01\xff\xff", "\x01\xff\xff\xff\x01"}, []string{"\x01\xff", "\x01\xfe\xff", "\x01\x00", "\x01"}},
		{"\x01", "\xff\xff\xff\xff", nil, []string{"\x01\xff\xff\xff\x01", "\x01\xff\xff", "\x01\xff\x00", "\x01\xff", "\x01\xfe\xff", "\x01\x00", "\x01"}},
		{"\x01\xff", "\x00", []string{"\x01\xff\x00", "\x01\xff\xff", "\x01\xff\xff\xff\x01"}, []string{"\x01\xff\x00", "\x01\xff"}},
		{"\xff", "\x00", []string{"\xff\xff", "\xff\xff\x00"}, []string{"\xff"}},
		{"b", "zz", nil, []string{"b"}},
	}
	for _, c := range cases {
		if got := keys(t, s, c.prefix, []byte(c.start), false); !slices.Equal(got, c.forward) {
			t.Errorf("prefix %q start %q forward: %q, want %q", c.prefix, c.start, got, c.forward)
		}
		if got := keys(t, s, c.prefix, []byte(c.start), true); !slices.Equal(got, c.reverse) {
			t.Errorf("prefix %q start %q reverse: %q, want %q", c.prefix, c.start, got, c.reverse)
		}
	}
}

// testIterateInUpdate checks that an update's reads and iterators see its
// own writes and deletes, merged in order with the committed keys.
func testIterateInUpdate(t *testing.T, s storage.Store) {
	fill(t, s)
	err := s.Update(func(rw storage.ReadWriter) error {
		for _, k := range []string{"ab\x00", "\x01\xff\xff"} {
			if err := rw.Delete([]byte(k)); err != nil {
				return err
			}
		}
		for _, k := range []string{"aa", "ab\x01", "\x01\xff\xff\x00", "a"} {
			if err := rw.Set([]byte(k), []byte("v"+k)); err != nil {
				return err
			}
		}
		checks := []struct {
			prefix, start string
			reverse       bool
			want          []string
		}{
			{"a", "", false, []string{"a", "aa", "ab", "ab\x01", "abc", "ab\xff", "ac"}},
			{"a", "", true, []string{"ac", "ab\xff", "abc", "ab\x01", "ab", "aa", "a"}},
			{"a", "b", false, []string{"ab", "ab\x01", "abc", "ab\xff", "ac"}},
			{"a", "b\x01", true, []string{"ab\x01", "ab", "aa", "a"}},
			{"\x01\xff", "", false, []string{"\x01\xff", "\x01\xff\x00", "\x01\xff\xff\x00", "\x01\xff\xff\xff\x01"}},
			{"\x01\xff", "", true, []string{"\x01\xff\xff\xff\x01", "\x01\xff\xff\x00", "\x01\xff\x00", "\x01\xff"}},
		}
		for _, c := range checks {
			var start []byte
			if c.start != "" {
				start = []byte(c.start)
			}
			if got := keys(t, rw, c.prefix, start, c.reverse); !slices.Equal(got, c.want) {
				return fmt.Errorf("in update, prefix %q start %q reverse %v: %q, want %q", c.prefix, c.start, c.reverse, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want(t, s, "ab\x00", nil)
	want(t, s, "aa", []byte("vaa"))
	if got := keys(t, s, "\x01\xff\xff", nil, false); !slices.Equal(got, []string{"\x01\xff\xff\x00", "\x01\xff\xff\xff\x01"}) {
		t.Fatalf("after the update: %q", got)
	}
}

var errAbort = errors.New("abort")

func testUpdateAtomic(t *testing.T, s storage.Store) {
	set(t, s, "keep", "1", "gone", "2")
	err := s.Update(func(rw storage.ReadWriter) error {
		for i := range 100 {
			if err := rw.Set(fmt.Appendf(nil, "new%03d", i), []byte("x")); err != nil {
				return err
			}
		}
		if err := rw.Set([]byte("keep"), []byte("changed")); err != nil {
			return err
		}
		if err := rw.Delete([]byte("gone")); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	want(t, s, "keep", []byte("1"))
	want(t, s, "gone", []byte("2"))
	want(t, s, "new000", nil)
	if got := keys(t, s, "new", nil, false); len(got) != 0 {
		t.Fatalf("a failed update left %d keys", len(got))
	}
}

func testBatch(t *testing.T, s storage.Store) {
	set(t, s, "a", "1", "b", "2")
	var b storage.Batch
	_ = b.Set([]byte("c"), []byte("3"))
	_ = b.Delete([]byte("a"))
	_ = b.Set([]byte("b"), []byte("22"))
	if b.Len() != 3 {
		t.Fatalf("Len = %d", b.Len())
	}
	want(t, s, "c", nil) // nothing is written before Write
	if err := b.Write(s); err != nil {
		t.Fatal(err)
	}
	want(t, s, "a", nil)
	want(t, s, "b", []byte("22"))
	want(t, s, "c", []byte("3"))
	b.Reset()
	if b.Len() != 0 {
		t.Fatalf("Len after Reset = %d", b.Len())
	}
	// A batch that fails (an empty key) writes nothing.
	_ = b.Set([]byte("d"), []byte("4"))
	_ = b.Set(nil, []byte("bad"))
	if err := b.Write(s); err == nil {
		t.Fatal("a batch with an empty key was written")
	}
	want(t, s, "d", nil)
}

// testViewIsolation checks that readers do not see an update before it
// commits, and that a view keeps its state while an update commits.
func testViewIsolation(t *testing.T, s storage.Store) {
	set(t, s, "k", "old")
	written, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(func(rw storage.ReadWriter) error {
			if err := rw.Set([]byte("k"), []byte("new")); err != nil {
				return err
			}
			if err := rw.Set([]byte("k2"), []byte("new")); err != nil {
				return err
			}
			close(written)
			<-release
			return nil
		})
	}()
	<-written
	want(t, s, "k", []byte("old"))
	want(t, s, "k2", nil)
	err := s.View(func(r storage.Reader) error {
		want(t, r, "k", []byte("old"))
		close(release)
		if err := <-done; err != nil {
			return err
		}
		// Committed now, but not in this view.
		want(t, r, "k", []byte("old"))
		want(t, r, "k2", nil)
		if got := keys(t, r, "k", nil, false); !slices.Equal(got, []string{"k"}) {
			return fmt.Errorf("the view iterates %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want(t, s, "k", []byte("new"))
	want(t, s, "k2", []byte("new"))
}

func testClose(t *testing.T, s storage.Store) {
	set(t, s, "k", "v")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Get([]byte("k")); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	if _, err := s.Has([]byte("k")); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Has after Close: %v", err)
	}
	if err := s.View(func(storage.Reader) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	if err := s.Update(func(storage.ReadWriter) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	it := s.NewIterator(nil, nil, false)
	if it.Next() || !errors.Is(it.Error(), storage.ErrClosed) {
		t.Errorf("iterator after Close: Next true or error %v", it.Error())
	}
	it.Release()
}
