package supervise

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"
)

// checkLog is a LogChecker over slices: memLog that feeds a Verifier.
type checkLog struct {
	memLog
	err error // returned by AuditCheckpoints
}

func (m *checkLog) AuditCheckpoints(ctx context.Context, from uint64, fn func(c *Checkpoint) bool) error {
	if m.err != nil {
		return m.err
	}
	return m.memLog.AuditCheckpoints(ctx, from, fn)
}

func (m *checkLog) CheckAudit(_ context.Context, v *Verifier) error {
	for i := range m.es {
		_ = v.Check(&m.es[i])
	}
	return nil
}

func TestVerifyLog(t *testing.T) {
	s := testKey(t)
	es := testLog(30)
	cps := []Checkpoint{sign(t, s, es, 1, 10), sign(t, s, es, 2, 20), sign(t, s, es, 3, 25)}
	for _, tc := range []struct {
		name        string
		log         *checkLog
		a           Anchors
		keyID       string
		external    bool
		stored      int
		unpublished int
		uncovered   uint64
		want        []ProblemKind
	}{
		{name: "not anchored", log: &checkLog{memLog: memLog{es: es}}, uncovered: 30},
		{name: "not anchored, checkpoints stored", log: &checkLog{memLog: memLog{es: es, cps: cps}}, stored: 3, uncovered: 30},
		{name: "index copy only", log: &checkLog{memLog: memLog{es: es, cps: cps}}, a: Anchors{Key: s.Public()},
			keyID: s.Public().ID(), stored: 3, uncovered: 5},
		{name: "external copy behind the index", log: &checkLog{memLog: memLog{es: es, cps: cps}}, a: Anchors{Key: s.Public(), External: cps[:1], HaveExternal: true},
			keyID: s.Public().ID(), external: true, stored: 3, unpublished: 2, uncovered: 5},
		{name: "tail deleted", log: &checkLog{memLog: memLog{es: es[:22], cps: cps}}, a: Anchors{Key: s.Public(), External: cps, HaveExternal: true},
			keyID: s.Public().ID(), external: true, stored: 3, uncovered: 2, want: []ProblemKind{ProblemTruncated}},
		{name: "stored copy ignored in a.Stored", log: &checkLog{memLog: memLog{es: es, cps: cps[:2]}}, a: Anchors{Key: s.Public(), Stored: cps, Segment: true},
			keyID: s.Public().ID(), stored: 2, uncovered: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := VerifyLog(context.Background(), tc.log, tc.a)
			if err != nil {
				t.Fatalf("VerifyLog = %v", err)
			}
			var kinds []ProblemKind
			for _, p := range r.Problems {
				kinds = append(kinds, p.Kind)
			}
			if r.KeyID != tc.keyID || r.External != tc.external || r.Stored != tc.stored || r.Unpublished != tc.unpublished ||
				r.Unanchored != tc.uncovered || r.Anchored != (tc.keyID != "") || r.Entries != uint64(len(tc.log.es)) ||
				!equalKinds(kinds, tc.want) {
				t.Errorf("VerifyLog = %+v, problems %v; want key %.8s external %v stored %d unpublished %d uncovered %d problems %v",
					r, kinds, tc.keyID, tc.external, tc.stored, tc.unpublished, tc.uncovered, tc.want)
			}
		})
	}
	boom := errors.New("disk on fire")
	if _, err := VerifyLog(context.Background(), &checkLog{err: boom}, Anchors{}); !errors.Is(err, boom) {
		t.Errorf("VerifyLog(unreadable checkpoints) = %v, want %v", err, boom)
	}
}

func equalKinds(a, b []ProblemKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadExternal(t *testing.T) {
	var a Anchors
	if err := a.ReadExternal(t.TempDir() + "/none.jsonl"); err == nil || a.HaveExternal {
		t.Errorf("ReadExternal(missing file) = %v, HaveExternal %v; want an error", err, a.HaveExternal)
	}
}

// TestProblemText words a problem of every kind and reason in both
// languages: each has its text, with every argument used.
func TestProblemText(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	probs := []*Problem{
		{Kind: ProblemBrokenChain, Reason: ReasonSeq, Entry: 7, Have: "9", Want: "7"},
		{Kind: ProblemBrokenChain, Reason: ReasonPrev, Entry: 7, Have: hash, Want: hash},
		{Kind: ProblemBrokenChain, Reason: ReasonHash, Entry: 7, Have: hash, Want: hash},
		{Kind: ProblemBrokenChain, Reason: ReasonCorrupt, Entry: 7, Err: errors.New("unexpected EOF")},
		{Kind: ProblemTruncated, Checkpoint: 3, Size: 25, Count: 22},
		{Kind: ProblemRewritten, Checkpoint: 3, Entry: 25, From: 21, Have: hash, Want: hash},
		{Kind: ProblemRewritten, Checkpoint: 3, Entry: 25, From: 21, Want: hash},
		{Kind: ProblemBadSignature, Checkpoint: 3, Copy: CopyExternal},
		{Kind: ProblemWrongKey, Checkpoint: 3, Copy: CopyIndex, Have: hash, Want: hash},
		{Kind: ProblemShrunk, Checkpoint: 4, Size: 20, Other: 3, Count: 25, Copy: CopyExternal},
		{Kind: ProblemForked, Checkpoint: 4, Size: 25, Other: 3, Count: 25, Copy: CopySegment},
		{Kind: ProblemOutOfOrder, Checkpoint: 2, Other: 3, Copy: CopyIndex},
		{Kind: ProblemMissingCheckpoint, Reason: ReasonIndexMissing, Checkpoint: 3, Copy: CopyIndex},
		{Kind: ProblemMissingCheckpoint, Reason: ReasonDiffers, Checkpoint: 3, Copy: CopyIndex},
		{Kind: ProblemMissingCheckpoint, Reason: ReasonExternalMissing, Checkpoint: 3, Copy: CopySegment},
		{Kind: ProblemNoCheckpoint, Count: 12},
	}
	for _, p := range probs {
		for _, lang := range []string{LangZH, LangEN} {
			got := p.Text(lang)
			han := strings.ContainsFunc(got, func(r rune) bool { return unicode.Is(unicode.Han, r) })
			if got == "" || strings.Contains(got, "%!") || han != (lang == LangZH) {
				t.Errorf("Text(%s) of %s/%s = %q", lang, p.Kind, p.Reason, got)
			}
		}
		if got := p.Text("fr"); got != p.Error() {
			t.Errorf("Text(fr) = %q, want Error's %q", got, p.Error())
		}
	}
	if got := (&Problem{Kind: ProblemTruncated, Checkpoint: 3, Size: 25, Count: 22}).Text(LangEN); got != "log truncated: 3 entries missing after checkpoint 3 (it covers 25 entries, the log ends at entry 22)" {
		t.Errorf("Text(en) = %q", got)
	}
}
