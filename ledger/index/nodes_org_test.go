package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// nodeDoc is a registry document as package nodes stores it.
func nodeDoc(org, id string, rev int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"node":{"id":%q,"org":%q,"chain":"fab","kind":"fabric-peer"},"actor":"t","change":"r%d"}`, id, org, rev))
}

// Two orgs may each register the same node id: the records are apart.
func testNodesOfTwoOrgs(t *testing.T, open opener) {
	db := open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, org := range []string{"Org2MSP", "Org1MSP", "Org1MSP"} {
		if _, err := db.UpdateNode(ctx, org, "peer0", t0, func(*record.NodeRevision) (json.RawMessage, error) { return nodeDoc(org, "peer0", i), nil }); err != nil {
			t.Fatal(err)
		}
	}
	for org, revs := range map[string]int{"Org1MSP": 2, "Org2MSP": 1} {
		cur, err := db.Node(ctx, org, "peer0")
		if err != nil || cur.Org != org || cur.Rev != uint64(revs) {
			t.Errorf("Node(%s, peer0) = %+v, %v; want rev %d", org, cur, err, revs)
		}
		hist, err := db.NodeHistory(ctx, org, "peer0")
		if err != nil || len(hist) != revs {
			t.Errorf("NodeHistory(%s, peer0) = %d, %v; want %d", org, len(hist), err, revs)
		}
		if err := db.PutProbe(ctx, record.ProbeRecord{Org: org, Node: "peer0", Time: t0, Doc: json.RawMessage(`"` + org + `"`)}, 5); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Node(ctx, "Org3MSP", "peer0"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Node(Org3MSP, peer0) = %v, want ErrNotFound", err)
	}
	all, err := db.Nodes(ctx)
	if err != nil || len(all) != 2 || all[0].Org != "Org1MSP" || all[1].Org != "Org2MSP" {
		t.Errorf("Nodes = %+v, %v; want peer0 of Org1MSP and of Org2MSP", all, err)
	}
	for _, org := range []string{"Org1MSP", "Org2MSP"} {
		ps, err := db.Probes(ctx, org, "peer0", 0)
		if err != nil || len(ps) != 1 || string(ps[0].Doc) != `"`+org+`"` || ps[0].Org != org {
			t.Errorf("Probes(%s, peer0) = %+v, %v; want its own run only", org, ps, err)
		}
	}
	if _, err := db.UpdateNode(ctx, "Bad/Org", "peer0", t0, nil); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("UpdateNode(bad org) = %v, want ErrInvalid", err)
	}
}

// writeLegacyNode stores a node as an index written before issue 15 did:
// keyed by id alone, revisions and probes without an org, risk points
// under node/ID.
func writeLegacyNode(t *testing.T, db *DB, org, id string, revs, probes int, t0 time.Time) {
	t.Helper()
	err := db.update(context.Background(), func(txn kv) error {
		for i := 1; i <= revs; i++ {
			r := map[string]any{"id": id, "rev": i, "time": t0.Add(time.Duration(i) * time.Minute), "doc": nodeDoc(org, id, i)}
			if err := put(txn, key(tagNodeRev, []byte(id), be64(uint64(i))), r); err != nil {
				return err
			}
			if i == revs {
				if err := put(txn, legacyNodeKey(id), r); err != nil {
					return err
				}
			}
		}
		for i := range probes {
			at := t0.Add(time.Duration(i) * time.Hour)
			p := map[string]any{"node": id, "time": at, "doc": json.RawMessage(fmt.Sprint(i))}
			if err := put(txn, key(tagProbe, []byte(id), be64(uint64(at.UnixNano()))), p); err != nil {
				return err
			}
		}
		p := record.RiskPoint{Subject: "node/" + id, Time: t0, Doc: json.RawMessage(`{"subject":"node/` + id + `","score":7}`)}
		return put(txn, riskKey(p.Subject, t0.UnixNano()), p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An index written before issue 15 (nodes keyed by bare id) still shows
// its nodes: read-only handles read the old keys, and the first writable
// Open moves them to (org, id) keys, history, probes and risk included,
// after which the other org may register the same id.
func TestLegacyNodeKeysUpgrade(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// The old version's index: written with the old key layout, and
	// closed before this version opens it.
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeLegacyNode(t, db, "Org1MSP", "peer0", 3, 2, t0)
	writeLegacyNode(t, db, "Org2MSP", "orderer0", 1, 0, t0)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	check := func(stage string, db *DB) {
		t.Helper()
		all, err := db.Nodes(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("%s: Nodes = %+v, %v; want 2", stage, all, err)
		}
		got := map[string]string{}
		for _, r := range all {
			got[r.ID] = r.Org
		}
		if got["peer0"] != "Org1MSP" || got["orderer0"] != "Org2MSP" {
			t.Errorf("%s: Nodes orgs = %v", stage, got)
		}
		cur, err := db.Node(ctx, "Org1MSP", "peer0")
		if err != nil || cur.Rev != 3 || cur.Org != "Org1MSP" {
			t.Errorf("%s: Node(Org1MSP, peer0) = %+v, %v; want rev 3", stage, cur, err)
		}
		if _, err := db.Node(ctx, "Org2MSP", "peer0"); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("%s: Node(Org2MSP, peer0) = %v, want ErrNotFound", stage, err)
		}
		hist, err := db.NodeHistory(ctx, "Org1MSP", "peer0")
		if err != nil || len(hist) != 3 || hist[0].Rev != 1 || hist[2].Org != "Org1MSP" {
			t.Errorf("%s: NodeHistory = %+v, %v; want 3 revisions", stage, hist, err)
		}
		if _, err := db.NodeHistory(ctx, "Org2MSP", "peer0"); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("%s: NodeHistory(Org2MSP, peer0) = %v, want ErrNotFound", stage, err)
		}
		ps, err := db.Probes(ctx, "Org1MSP", "peer0", 0)
		if err != nil || len(ps) != 2 || string(ps[0].Doc) != "1" {
			t.Errorf("%s: Probes = %+v, %v; want 2, newest first", stage, ps, err)
		}
	}
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	check("read-only, before migration", ro)
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check("migrated", db)
	err = db.view(func(txn kv) error {
		for _, k := range [][]byte{legacyNodeKey("peer0"), legacyNodeKey("orderer0"), key(tagNodeRev, []byte("peer0"), be64(1))} {
			if has(txn, k) {
				t.Errorf("legacy key %q left after migration", k)
			}
		}
		if !has(txn, nodeKey("Org1MSP", "peer0")) || !has(txn, nodeRevKey("Org1MSP", "peer0", 3)) {
			t.Error("migrated keys missing")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := db.RiskTrend(ctx, "node/Org1MSP/peer0", time.Time{}, 0)
	if err != nil || len(tr) != 1 || tr[0].Subject != "node/Org1MSP/peer0" {
		t.Errorf("RiskTrend(node/Org1MSP/peer0) = %+v, %v; want the migrated point", tr, err)
	} else {
		var doc struct{ Subject, Org string }
		if err := json.Unmarshal(tr[0].Doc, &doc); err != nil || doc.Subject != "node/Org1MSP/peer0" || doc.Org != "Org1MSP" {
			t.Errorf("migrated score document = %s, %v", tr[0].Doc, err)
		}
	}
	if tr, _ := db.RiskTrend(ctx, "node/peer0", time.Time{}, 0); len(tr) != 0 {
		t.Errorf("legacy risk points left: %+v", tr)
	}
	// The other org may now register peer0 too; the migrated node goes on
	// from its last revision.
	if _, err := db.UpdateNode(ctx, "Org2MSP", "peer0", t0, func(cur *record.NodeRevision) (json.RawMessage, error) {
		if cur != nil {
			return nil, errors.New("Org2MSP sees Org1MSP's peer0")
		}
		return nodeDoc("Org2MSP", "peer0", 1), nil
	}); err != nil {
		t.Fatal(err)
	}
	r, err := db.UpdateNode(ctx, "Org1MSP", "peer0", t0, func(cur *record.NodeRevision) (json.RawMessage, error) { return nodeDoc("Org1MSP", "peer0", 4), nil })
	if err != nil || r.Rev != 4 {
		t.Errorf("UpdateNode(migrated peer0) = rev %d, %v; want 4", r.Rev, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Opening again finds nothing left to move.
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if all, err := db.Nodes(ctx); err != nil || len(all) != 3 {
		t.Errorf("Nodes after reopen = %d, %v; want 3", len(all), err)
	}
}
