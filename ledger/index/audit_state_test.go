package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// TestVersionIDOrder checks the escape of state keys: byte order of the
// escaped ids is the order of (namespace, collection, key), whatever
// zero and 0xff bytes they hold, and the key is read back.
func TestVersionIDOrder(t *testing.T) {
	parts := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "a", "a\x00", "a\x00\xff", "a\x01", "a\xff", "ab", "\xff", "\xff\x00"}
	type id struct{ ns, coll, key string }
	var ids []id
	for _, ns := range []string{"cc", "cc\x00x", "ccx"} {
		for _, coll := range []string{"", "\x00", "c1"} {
			for _, k := range parts {
				ids = append(ids, id{ns, coll, k})
			}
		}
	}
	cmp := func(a, b id) int {
		if c := strings.Compare(a.ns, b.ns); c != 0 {
			return c
		}
		if c := strings.Compare(a.coll, b.coll); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	}
	for _, a := range ids {
		ea := versionID(a.ns, a.coll, []byte(a.key))
		for _, b := range ids {
			if got, want := bytes.Compare(ea, versionID(b.ns, b.coll, []byte(b.key))), cmp(a, b); got != want {
				t.Errorf("versionID(%q) vs versionID(%q) = %d, want %d", a, b, got, want)
			}
		}
		rest := ea
		var got []string
		for range 3 {
			v, r, ok := cutEsc(rest)
			if !ok {
				t.Fatalf("cutEsc(%q) failed", rest)
			}
			got, rest = append(got, string(v)), r
		}
		if len(rest) != 0 || got[0] != a.ns || got[1] != a.coll || got[2] != a.key {
			t.Errorf("cutEsc(versionID(%q)) = %q, rest %q", a, got, rest)
		}
		if p := escPrefix(nil, []byte(a.key)); !bytes.HasPrefix(appendEsc(nil, []byte(a.key+"\x00")), p) || bytes.Compare(p, appendEsc(nil, []byte(a.key))) > 0 {
			t.Errorf("escPrefix(%q) = %q does not start the keys at or after it", a.key, p)
		}
	}
}

// testAuditStateVersions stores world-state changes with three
// checkpoints and reads them back, newest and as of each checkpoint: a
// key's versions, deletes and doubts, keys holding zero and 0xff bytes
// and composite keys, range scans in key order; then a reset, after
// which the earlier checkpoints are no longer restorable.
func testAuditStateVersions(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	const ch = "ch"
	composite := "\x00asset\x00k1\x00"
	pub := func(k, v string, blk uint64) record.StateEntry {
		return record.StateEntry{Namespace: "cc", Key: []byte(k), Value: []byte(v), Block: blk}
	}
	del := func(k string) record.StateEntry {
		return record.StateEntry{Namespace: "cc", Key: []byte(k), Deleted: true}
	}
	doubt := func(k string) record.StateEntry {
		return record.StateEntry{Namespace: "cc", Key: []byte(k), Doubt: true}
	}
	kp := func(k string, p []byte) record.KeyPolicy {
		return record.KeyPolicy{Namespace: "cc", Key: []byte(k), Policy: p}
	}
	saves := []record.AuditCheckpoint{
		{Height: 1, ResetState: true, ResetKeyPolicies: true, StateComplete: true, Chaincodes: map[string][]byte{"cc": {1}},
			State: []record.StateEntry{
				pub("a", "a1", 1), pub("a\x00", "z1", 1), pub("a\x00\xff", "zf1", 1), pub("a\xff", "f1", 1), pub("b", "b1", 1),
				pub(composite, "c1", 1), {Namespace: "cc", Collection: "c1", Key: []byte("a"), Value: []byte("h1"), Block: 1},
				{Namespace: "n\x00s", Key: []byte("a"), Value: []byte("x1"), Block: 1},
			},
			KeyPolicies: []record.KeyPolicy{kp("a", []byte{1})}},
		{Height: 5, State: []record.StateEntry{pub("a", "a5", 5), del("b"), doubt("a\xff")}, KeyPolicies: []record.KeyPolicy{kp("a", nil), kp("b", []byte{5})},
			Chaincodes: map[string][]byte{"cc": {5}}},
		{Height: 9, State: []record.StateEntry{pub("a", "a9", 9), pub("b", "b9", 9)}},
	}
	for _, cp := range saves {
		if err := db.PutAudit(ctx, ch, nil, nil, cp); err != nil {
			t.Fatal(err)
		}
	}
	at := func(h uint64) *record.AuditCheckpoint {
		t.Helper()
		cp, err := db.AuditCheckpointAt(ctx, ch, h)
		if err != nil {
			t.Fatalf("AuditCheckpointAt(%d) = %v", h, err)
		}
		return &cp
	}
	read := func(cp *record.AuditCheckpoint, ns, coll, k string) string {
		t.Helper()
		var e record.StateEntry
		var found bool
		var err error
		if cp == nil {
			e, found, err = db.AuditState(ctx, ch, ns, coll, []byte(k))
		} else {
			e, found, err = db.AuditStateAt(ctx, ch, *cp, ns, coll, []byte(k))
		}
		switch {
		case err != nil:
			return "error: " + err.Error()
		case !found:
			return "absent"
		case e.Doubt:
			return "doubt"
		}
		return fmt.Sprintf("%s@%d", e.Value, e.Block)
	}
	scan := func(cp *record.AuditCheckpoint, ns, start string) string {
		t.Helper()
		var out []string
		err := db.AuditStateRange(ctx, ch, cp, ns, "", []byte(start), func(e record.StateEntry) bool {
			s := fmt.Sprintf("%q=%s", e.Key, e.Value)
			if e.Doubt {
				s = fmt.Sprintf("%q?", e.Key)
			}
			out = append(out, s)
			return true
		})
		if err != nil {
			t.Fatalf("AuditStateRange = %v", err)
		}
		return strings.Join(out, " ")
	}
	cp1, cp5, cp9 := at(4), at(5), at(100)
	if cp1.Height != 1 || cp5.Height != 5 || cp9.Height != 9 || cp1.Chaincodes["cc"][0] != 1 || cp5.Chaincodes["cc"][0] != 5 {
		t.Fatalf("AuditCheckpointAt = %d %v, %d %v, %d; want 1, 5, 9 with their chaincodes", cp1.Height, cp1.Chaincodes, cp5.Height, cp5.Chaincodes, cp9.Height)
	}
	if _, err := db.AuditCheckpointAt(ctx, ch, 0); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("AuditCheckpointAt(0) = %v, want ErrNotFound", err)
	}
	policies := func(cp *record.AuditCheckpoint) string {
		var out []string
		for _, p := range cp.KeyPolicies {
			out = append(out, fmt.Sprintf("%s=%v", p.Key, p.Policy))
		}
		return strings.Join(out, " ")
	}
	if got1, got5 := policies(cp1), policies(cp5); got1 != "a=[1]" || got5 != "b=[5]" {
		t.Errorf("key-level policies at 1 = %s, at 5 = %s; want a=[1], b=[5]", got1, got5)
	}
	for _, tt := range []struct {
		name        string
		cp          *record.AuditCheckpoint
		ns, coll, k string
		want        string
	}{
		{"newest", nil, "cc", "", "a", "a9@9"},
		{"as of 1", cp1, "cc", "", "a", "a1@1"},
		{"as of 5", cp5, "cc", "", "a", "a5@5"},
		{"as of 9", cp9, "cc", "", "a", "a9@9"},
		{"deleted at 5", cp5, "cc", "", "b", "absent"},
		{"written again at 9", nil, "cc", "", "b", "b9@9"},
		{"before the delete", cp1, "cc", "", "b", "b1@1"},
		{"doubt", nil, "cc", "", "a\xff", "doubt"},
		{"before the doubt", cp1, "cc", "", "a\xff", "f1@1"},
		{"zero byte", nil, "cc", "", "a\x00", "z1@1"},
		{"zero and 0xff bytes", cp5, "cc", "", "a\x00\xff", "zf1@1"},
		{"composite key", nil, "cc", "", composite, "c1@1"},
		{"private key hash", cp5, "cc", "c1", "a", "h1@1"},
		{"namespace with a zero byte", nil, "n\x00s", "", "a", "x1@1"},
		{"never written", nil, "cc", "", "a\x00\x00", "absent"},
		{"prefix of a key", nil, "c", "", "ca", "absent"},
	} {
		if got := read(tt.cp, tt.ns, tt.coll, tt.k); got != tt.want {
			t.Errorf("%s: state of %q/%q/%q = %s, want %s", tt.name, tt.ns, tt.coll, tt.k, got, tt.want)
		}
	}
	for _, tt := range []struct {
		cp          *record.AuditCheckpoint
		start, want string
	}{
		{nil, "a", `"a"=a9 "a\x00"=z1 "a\x00\xff"=zf1 "a\xff"? "b"=b9`},
		{cp1, "", `"\x00asset\x00k1\x00"=c1 "a"=a1 "a\x00"=z1 "a\x00\xff"=zf1 "a\xff"=f1 "b"=b1`},
		{cp5, "a\x00", `"a\x00"=z1 "a\x00\xff"=zf1 "a\xff"?`},
		{cp9, "a\x01", `"a\xff"? "b"=b9`},
	} {
		h := "newest"
		if tt.cp != nil {
			h = fmt.Sprint(tt.cp.Height)
		}
		if got := scan(tt.cp, "cc", tt.start); got != tt.want {
			t.Errorf("AuditStateRange(%s, from %q) = %s, want %s", h, tt.start, got, tt.want)
		}
	}

	// A reset starts a new generation: the checkpoints before it are no
	// longer restorable, and their state is not read.
	if err := db.PutAudit(ctx, ch, nil, nil, record.AuditCheckpoint{Height: 12, ResetState: true, State: []record.StateEntry{pub("z", "z12", 12)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AuditCheckpointAt(ctx, ch, 9); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("AuditCheckpointAt(9) after a reset at 12 = %v, want ErrNotFound", err)
	}
	if got := read(cp9, "cc", "", "a"); !strings.Contains(got, ErrNoState.Error()) {
		t.Errorf("state at 9 after a reset at 12 = %s, want ErrNoState", got)
	}
	if got, want := read(nil, "cc", "", "a")+" "+read(nil, "cc", "", "z"), "absent z12@12"; got != want {
		t.Errorf("newest state after a reset = %s, want %s", got, want)
	}
	if got := at(12); got.Height != 12 || got.HistorySince != 12 || got.StateGen != cp9.StateGen+1 {
		t.Errorf("AuditCheckpointAt(12) = height %d since %d generation %d, want 12, 12, %d", got.Height, got.HistorySince, got.StateGen, cp9.StateGen+1)
	}
}

// testAuditStateLegacy stores a checkpoint of the layout before states
// were kept by height: its state is not read, no earlier checkpoint is
// restorable, and the next checkpoint starts new generations and deletes
// the old keys.
func testAuditStateLegacy(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	const ch = "ch"
	err := db.update(ctx, func(txn kv) error {
		old := record.AuditCheckpoint{Height: 20, StateGen: 3, KeyPolicyGen: 2, StateComplete: true}
		if err := put(txn, auditCheckpointKey(ch), old); err != nil {
			return err
		}
		if err := put(txn, key(tagAuditState, []byte(ch), be64(3), []byte("cc\x00\x00a")), record.StateEntry{Namespace: "cc", Key: []byte("a"), Block: 4}); err != nil {
			return err
		}
		return put(txn, key(tagKeyPolicy, []byte(ch), be64(2), []byte("\x02cc\x00\x01a")), record.KeyPolicy{Namespace: "cc", Key: []byte("a"), Policy: []byte{1}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AuditState(ctx, ch, "cc", "", []byte("a")); !errors.Is(err, ErrNoState) {
		t.Errorf("AuditState of a checkpoint before states by height = %v, want ErrNoState", err)
	}
	if _, err := db.AuditCheckpointAt(ctx, ch, 20); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("AuditCheckpointAt(20) = %v, want ErrNotFound", err)
	}
	if kps, err := db.AuditKeyPolicies(ctx, ch); err != nil || len(kps) != 0 {
		t.Errorf("AuditKeyPolicies = %v, %v; want none", kps, err)
	}
	if err := db.PutAudit(ctx, ch, nil, nil, record.AuditCheckpoint{Height: 21, State: []record.StateEntry{{Namespace: "cc", Key: []byte("b"), Block: 21}}}); err != nil {
		t.Fatal(err)
	}
	cp, err := db.AuditCheckpoint(ctx, ch)
	if err != nil || !cp.ByHeight || cp.StateGen != 4 || cp.KeyPolicyGen != 3 || cp.HistorySince != 21 {
		t.Errorf("AuditCheckpoint after the legacy one = %+v, %v; want by height, generations 4 and 3, history since 21", cp, err)
	}
	if got, found, err := db.AuditState(ctx, ch, "cc", "", []byte("a")); found || err != nil {
		t.Errorf("AuditState(a) = %+v, %v, %v; want absent (the old layout is not read)", got, found, err)
	}
	var left []string
	err = db.view(func(txn kv) error {
		for _, p := range [][]byte{auditStatePrefix(ch), keyPolicyPrefix(ch)} {
			if err := scan(txn, p, nil, func(k, _ []byte) (bool, error) { left = append(left, string(k)); return true, nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(left) != 0 {
		t.Errorf("keys of the old layout left = %q, %v", left, err)
	}
}
