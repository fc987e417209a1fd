package supervise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// testKey is one SM2 key pair for the package's tests.
func testKey(t testing.TB) *Signer {
	t.Helper()
	priv, _, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testLog is a log of n entries, one a minute from t0.
func testLog(n int) []Entry {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	es := make([]Entry, n)
	var prev *Entry
	for i := range es {
		es[i] = Entry{Action: Action{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "cli:alice", Op: "cli users create", Target: fmt.Sprint(i), Remote: "cli", Outcome: "ok"}}
		es[i].Seal(prev)
		prev = &es[i]
	}
	return es
}

// sign makes checkpoint seq of the first size entries of es.
func sign(t testing.TB, s *Signer, es []Entry, seq, size uint64) Checkpoint {
	t.Helper()
	c := Checkpoint{Seq: seq, Size: size, Head: make([]byte, 32), Time: time.Date(2026, 3, 2, 0, 0, int(seq), 0, time.UTC)}
	if size > 0 {
		c.Head = bytes.Clone(es[size-1].Hash)
	}
	if err := s.Sign(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheckpointSignature(t *testing.T) {
	s, other := testKey(t), testKey(t)
	es := testLog(3)
	c := sign(t, s, es, 1, 3)
	if err := s.Public().Verify(&c); err != nil {
		t.Fatalf("Verify(genuine) = %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(c *Checkpoint)
		key  PublicKey
		want ProblemKind
	}{
		{"size changed", func(c *Checkpoint) { c.Size = 2 }, s.Public(), ProblemBadSignature},
		{"head changed", func(c *Checkpoint) { c.Head[0] ^= 1 }, s.Public(), ProblemBadSignature},
		{"time changed", func(c *Checkpoint) { c.Time = c.Time.Add(time.Second) }, s.Public(), ProblemBadSignature},
		{"signature flipped", func(c *Checkpoint) { c.Sig[len(c.Sig)-1] ^= 1 }, s.Public(), ProblemBadSignature},
		{"other key", func(*Checkpoint) {}, other.Public(), ProblemWrongKey},
		{"key id swapped", func(c *Checkpoint) { c.KeyID = other.Public().ID() }, other.Public(), ProblemBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sign(t, s, es, 1, 3)
			tc.edit(&c)
			var p *Problem
			err := tc.key.Verify(&c)
			if !errors.As(err, &p) || p.Kind != tc.want || !errors.Is(err, ErrForgedCheckpoint) {
				t.Fatalf("Verify = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	priv, pub, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{pub, priv} {
		k, err := ParsePublicKey(in)
		if err != nil || k.ID() != s.Public().ID() || len(k.ID()) != 64 {
			t.Errorf("ParsePublicKey = %s, %v; want %s", k.ID(), err, s.Public().ID())
		}
	}
	for _, bad := range []string{"", "not pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		if _, err := ParsePublicKey([]byte(bad)); !errors.Is(err, ErrKey) {
			t.Errorf("ParsePublicKey(%q) = %v, want ErrKey", bad, err)
		}
	}
}

func TestReadCheckpoints(t *testing.T) {
	s := testKey(t)
	es := testLog(4)
	var buf bytes.Buffer
	var want []Checkpoint
	for i, size := range []uint64{0, 2, 4} {
		c := sign(t, s, es, uint64(i+1), size)
		line, err := c.MarshalLine()
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(line)
		buf.WriteString("\n") // blank lines are skipped
		want = append(want, c)
	}
	have, err := ReadCheckpoints(bytes.NewReader(buf.Bytes()))
	if err != nil || !slices.EqualFunc(have, want, func(a, b Checkpoint) bool { return a.Equal(&b) }) {
		t.Fatalf("ReadCheckpoints = %+v, %v\nwant %+v", have, err, want)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"garbage", "{\n", "line 1"},
		{"unknown field", strings.Replace(buf.String(), `"seq":2`, `"seq":2,"extra":1`, 1), "line 3"},
		{"short head", strings.Replace(buf.String(), `"head":"`, `"head":"AAAA`, 1), "line 1"},
		{"zero seq", strings.Replace(buf.String(), `"seq":3`, `"seq":0`, 1), "line 5"},
		{"long line", strings.Repeat("x", 5000) + "\n", "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCheckpoints(strings.NewReader(tc.body))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadCheckpoints = %v, want ErrFormat naming %q", err, tc.want)
			}
		})
	}
}

// kinds lists the kinds of r's problems, for comparison.
func kinds(r *Report) []ProblemKind {
	var ks []ProblemKind
	for _, p := range r.Problems {
		ks = append(ks, p.Kind)
	}
	return ks
}

// check walks es with a's Verifier as the index does.
func check(a Anchors, es []Entry) *Report {
	v, probs := a.Verifier()
	for i := range es {
		_ = v.Check(&es[i])
	}
	r := v.Report()
	r.Problems = append(probs, r.Problems...)
	return r
}

func TestAnchoredLog(t *testing.T) {
	s, other := testKey(t), testKey(t)
	log := testLog(50)
	// A checkpoint every ten entries: seq k covers 10k entries.
	var cps []Checkpoint
	for k := uint64(1); k <= 5; k++ {
		cps = append(cps, sign(t, s, log, k, 10*k))
	}
	rewrite := func(es []Entry, seq int, recompute bool) []Entry {
		es = slices.Clone(es)
		es[seq-1].Detail = "edited"
		if !recompute {
			return es
		}
		for i := seq - 1; i < len(es); i++ {
			var prev *Entry
			if i > 0 {
				prev = &es[i-1]
			}
			es[i].Seal(prev)
		}
		return es
	}
	for _, tc := range []struct {
		name     string
		entries  []Entry
		external []Checkpoint // nil: no external copy
		stored   []Checkpoint
		want     []ProblemKind
		check    func(t *testing.T, r *Report)
	}{
		{name: "intact", entries: log, stored: cps, check: func(t *testing.T, r *Report) {
			if r.Latest == nil || r.Latest.Seq != 5 || r.Unanchored != 0 || r.Checkpoints != 5 || r.Entries != 50 {
				t.Errorf("report = %+v", r)
			}
		}},
		{name: "entries after the last checkpoint", entries: log, stored: cps[:4], check: func(t *testing.T, r *Report) {
			if r.Latest.Seq != 4 || r.Unanchored != 10 {
				t.Errorf("Latest %d, Unanchored %d; want 4, 10", r.Latest.Seq, r.Unanchored)
			}
		}},
		{name: "tail deleted", entries: log[:45], stored: cps, want: []ProblemKind{ProblemTruncated}, check: func(t *testing.T, r *Report) {
			if p := r.Problems[0]; p.Checkpoint != 5 || p.Missing() != 5 || p.Count != 45 || !strings.Contains(p.Error(), "5 entries missing after checkpoint 5") {
				t.Errorf("problem = %v", p)
			}
		}},
		{name: "entry rewritten, chain recomputed", entries: rewrite(log, 33, true), stored: cps, want: []ProblemKind{ProblemRewritten}, check: func(t *testing.T, r *Report) {
			if p := r.Problems[0]; p.Checkpoint != 4 || p.Entry != 40 || p.From != 31 || p.Have == "" {
				t.Errorf("problem = %v; want checkpoint 4, entries 31-40", p)
			}
		}},
		{name: "entry rewritten", entries: rewrite(log, 33, false), stored: cps, want: []ProblemKind{ProblemBrokenChain}, check: func(t *testing.T, r *Report) {
			if p := r.Problems[0]; p.Entry != 33 || p.Reason != ReasonHash {
				t.Errorf("problem = %v; want entry 33's hash", p)
			}
		}},
		{name: "middle deleted", entries: slices.Delete(slices.Clone(log), 11, 13), stored: cps, want: []ProblemKind{ProblemBrokenChain}, check: func(t *testing.T, r *Report) {
			if p := r.Problems[0]; p.Entry != 12 || p.Reason != ReasonSeq {
				t.Errorf("problem = %v; want entry 12's sequence number", p)
			}
		}},
		{name: "tail deleted and new entries appended", entries: rewrite(log[:47], 46, true), stored: cps, want: []ProblemKind{ProblemTruncated}},
		{name: "truncated and rewritten, checkpoints dropped from the index", entries: rewrite(log[:35], 15, true), external: cps, stored: cps[:1],
			want: []ProblemKind{ProblemMissingCheckpoint, ProblemMissingCheckpoint, ProblemMissingCheckpoint, ProblemMissingCheckpoint, ProblemRewritten, ProblemTruncated},
			check: func(t *testing.T, r *Report) {
				if p := r.Problems[4]; p.Checkpoint != 2 || p.From != 11 || p.Entry != 20 {
					t.Errorf("problem = %v; want checkpoint 2, entries 11-20", p)
				}
			}},
		{name: "bad signature", entries: log, stored: withSig(cps, 2), want: []ProblemKind{ProblemBadSignature}},
		{name: "signed by another key", entries: log, stored: append(slices.Clone(cps), sign(t, other, log, 6, 50)), want: []ProblemKind{ProblemWrongKey}},
		{name: "later checkpoint smaller", entries: log, stored: append(slices.Clone(cps), sign(t, s, log, 6, 45)), want: []ProblemKind{ProblemShrunk}},
		{name: "same size, another head", entries: log, stored: append(slices.Clone(cps), forkAt(t, s, 6, 50)), want: []ProblemKind{ProblemForked, ProblemRewritten}},
		{name: "later checkpoint does not extend the earlier", entries: log, stored: []Checkpoint{forkAt(t, s, 1, 10), cps[1]}, want: []ProblemKind{ProblemForked}, check: func(t *testing.T, r *Report) {
			if p := r.Problems[0]; p.Checkpoint != 2 || p.Other != 1 {
				t.Errorf("problem = %v; want checkpoint 2 not extending 1", p)
			}
		}},
		{name: "out of order", entries: log, stored: []Checkpoint{cps[1], cps[0]}, want: []ProblemKind{ProblemOutOfOrder}},
		{name: "no checkpoint", entries: log, stored: nil, want: []ProblemKind{ProblemNoCheckpoint}},
		{name: "external copy ahead of the index", entries: log, external: cps, stored: cps[:3], want: []ProblemKind{ProblemMissingCheckpoint, ProblemMissingCheckpoint}},
		{name: "index ahead of the external copy", entries: log, external: cps[:3], stored: cps},
		{name: "index checkpoint replaced by a forgery", entries: log, external: cps, stored: withSig(cps, 4), want: []ProblemKind{ProblemBadSignature, ProblemMissingCheckpoint}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Anchors{Key: s.Public(), External: tc.external, HaveExternal: tc.external != nil, Stored: tc.stored}
			r := check(a, tc.entries)
			if !slices.Equal(kinds(r), tc.want) {
				t.Fatalf("problems = %v\nwant kinds %v", r.Problems, tc.want)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
	t.Run("not anchored", func(t *testing.T) {
		r := check(Anchors{Stored: cps}, rewrite(log[:45], 33, true))
		if len(r.Problems) != 0 || r.Anchored {
			t.Fatalf("unanchored report = %+v: only the chain can be checked", r)
		}
	})
}

// withSig returns cps with checkpoint seq's signature damaged.
func withSig(cps []Checkpoint, seq uint64) []Checkpoint {
	out := slices.Clone(cps)
	c := &out[seq-1]
	c.Sig = bytes.Clone(c.Sig)
	c.Sig[len(c.Sig)-1] ^= 1
	return out
}

// forkAt signs a checkpoint of size entries of another log.
func forkAt(t *testing.T, s *Signer, seq, size uint64) Checkpoint {
	fork := testLog(int(size))
	fork[0].Detail = "another history"
	for i := range fork {
		var prev *Entry
		if i > 0 {
			prev = &fork[i-1]
		}
		fork[i].Seal(prev)
	}
	return sign(t, s, fork, seq, size)
}

// memLog is a LogReader over slices.
type memLog struct {
	es  []Entry
	cps []Checkpoint
}

func (m *memLog) AuditEntries(_ context.Context, from uint64, fn func(e *Entry) bool) error {
	for i := range m.es {
		if m.es[i].Seq >= from && !fn(&m.es[i]) {
			break
		}
	}
	return nil
}

func (m *memLog) AuditCheckpoints(_ context.Context, from uint64, fn func(c *Checkpoint) bool) error {
	for i := range m.cps {
		if m.cps[i].Seq >= from && !fn(&m.cps[i]) {
			break
		}
	}
	return nil
}

func TestSegment(t *testing.T) {
	s := testKey(t)
	log := &memLog{es: testLog(50)}
	for k := uint64(1); k <= 5; k++ {
		log.cps = append(log.cps, sign(t, s, log.es, k, 10*k))
	}
	at := func(i int) time.Time { return log.es[i-1].Time }
	seg, err := Export(context.Background(), log, at(15), at(23), at(50))
	if err != nil {
		t.Fatal(err)
	}
	// Entries 15-22, Prev 14, After 23-30 up to checkpoint 3; checkpoints
	// 2 (at 20) and 3 (at 30).
	if seg.Prev.Seq != 14 || seg.Entries[0].Seq != 15 || len(seg.Entries) != 8 || len(seg.After) != 8 || len(seg.Checkpoints) != 2 {
		t.Fatalf("Export = prev %d, %d entries from %d, %d after, %d checkpoints", seg.Prev.Seq, len(seg.Entries), seg.Entries[0].Seq, len(seg.After), len(seg.Checkpoints))
	}
	var buf bytes.Buffer
	if _, err := seg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	a := Anchors{Key: s.Public(), External: log.cps, HaveExternal: true}
	if r := decodeVerify(t, raw, a); len(r.Problems) != 0 || r.Latest.Seq != 3 || r.Unanchored != 0 || r.First != 15 || r.Last != 30 {
		t.Fatalf("Verify(exported) = %+v, %v", r, r.Problems)
	}
	if _, err := Export(context.Background(), log, at(50).Add(time.Hour), at(50).Add(2*time.Hour), at(50)); !errors.Is(err, ErrNoEntries) {
		t.Errorf("Export(empty range) = %v, want ErrNoEntries", err)
	}
	first, err := Export(context.Background(), log, at(1), at(3), at(50))
	if err != nil || first.Prev != nil || len(first.Checkpoints) != 1 || len(first.After) != 8 {
		t.Fatalf("Export(from the start) = %+v, %v", first, err)
	}
	for _, tc := range []struct {
		name string
		edit func(s *Segment)
		a    Anchors
		want []ProblemKind
	}{
		{"entry edited", func(s *Segment) { s.Entries[3].Outcome = "denied" }, a, []ProblemKind{ProblemBrokenChain}},
		{"entry rewritten with its hash", func(s *Segment) { s.Entries[3].Outcome = "denied"; s.Entries[3].Hash = s.Entries[3].Sum() }, a, []ProblemKind{ProblemBrokenChain}},
		{"prev edited", func(s *Segment) { s.Prev.Actor = "mallory" }, a, []ProblemKind{ProblemBrokenChain}},
		{"after dropped", func(s *Segment) { s.After = s.After[:2] }, a, []ProblemKind{ProblemTruncated}},
		{"checkpoint forged", func(s *Segment) { s.Checkpoints[1].Size = 29 }, a, []ProblemKind{ProblemBadSignature, ProblemMissingCheckpoint}},
		{"checkpoints dropped, chain recomputed", func(s *Segment) {
			s.Checkpoints = nil
			s.Entries[3].Outcome = "denied"
			reseal(s)
		}, a, []ProblemKind{ProblemRewritten}},
		// Offline with no checkpoint at all only the chain can be checked;
		// the report then has no Latest (the CLI says so).
		{"checkpoints dropped, no external copy", func(s *Segment) { s.Checkpoints = nil }, Anchors{Key: s.Public()}, nil},
		{"chain recomputed", func(s *Segment) { s.Entries[3].Outcome = "denied"; reseal(s) }, a, []ProblemKind{ProblemRewritten}},
		{"without the external copy", func(s *Segment) {}, Anchors{Key: s.Public()}, nil},
		{"another key", func(s *Segment) {}, Anchors{Key: testKey(t).Public()}, []ProblemKind{ProblemWrongKey, ProblemWrongKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seg, err := DecodeSegment(raw)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(seg)
			var buf bytes.Buffer
			if _, err := seg.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			r := decodeVerify(t, buf.Bytes(), tc.a)
			if !slices.Equal(kinds(r), tc.want) {
				t.Fatalf("problems = %v\nwant kinds %v", r.Problems, tc.want)
			}
		})
	}
}

// reseal recomputes a segment's chain from its first entry.
func reseal(s *Segment) {
	prev := s.Prev
	for _, list := range [][]Entry{s.Entries, s.After} {
		for i := range list {
			list[i].Seal(prev)
			prev = &list[i]
		}
	}
}

func decodeVerify(t *testing.T, raw []byte, a Anchors) *Report {
	t.Helper()
	seg, err := DecodeSegment(raw)
	if err != nil {
		t.Fatal(err)
	}
	return seg.Verify(a)
}

func TestDecodeSegmentErrors(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"not json", "segment"},
		{"other format", `{"format":"x/1","entries":[{}]}`},
		{"no entries", `{"format":"` + SegmentFormat + `","entries":[]}`},
		{"unknown field", `{"format":"` + SegmentFormat + `","entries":[{}],"x":1}`},
		{"trailing data", `{"format":"` + SegmentFormat + `","entries":[{}]} {}`},
		{"bad checkpoint", `{"format":"` + SegmentFormat + `","entries":[{}],"checkpoints":[{"seq":1}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeSegment([]byte(tc.body)); !errors.Is(err, ErrFormat) {
				t.Fatalf("DecodeSegment(%q) = %v, want ErrFormat", tc.body, err)
			}
		})
	}
}
