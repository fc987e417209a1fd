package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

func testNodeRevisions(t *testing.T, open opener) {
	db := open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Concurrent updates each build on the revision before: no lost update.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.UpdateNode(ctx, "Org1MSP", "n1", t0.Add(time.Duration(i)*time.Second), func(cur *record.NodeRevision) (json.RawMessage, error) {
				count := 0
				if cur != nil {
					if err := json.Unmarshal(cur.Doc, &count); err != nil {
						return nil, err
					}
				}
				return json.Marshal(count + 1)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	cur, err := db.Node(ctx, "Org1MSP", "n1")
	if err != nil || cur.Rev != 8 || string(cur.Doc) != "8" {
		t.Fatalf("Node(n1) = rev %d doc %s, %v; want rev 8 doc 8", cur.Rev, cur.Doc, err)
	}
	hist, err := db.NodeHistory(ctx, "Org1MSP", "n1")
	if err != nil || len(hist) != 8 {
		t.Fatalf("NodeHistory = %d, %v; want 8", len(hist), err)
	}
	for i, h := range hist {
		if h.Rev != uint64(i+1) || string(h.Doc) != fmt.Sprint(i+1) {
			t.Errorf("NodeHistory[%d] = rev %d doc %s", i, h.Rev, h.Doc)
		}
	}
	refuse := errors.New("refused")
	if _, err := db.UpdateNode(ctx, "Org1MSP", "n1", t0, func(*record.NodeRevision) (json.RawMessage, error) { return nil, refuse }); !errors.Is(err, refuse) {
		t.Errorf("UpdateNode(refusing fn) = %v", err)
	}
	if _, err := db.UpdateNode(ctx, "Org1MSP", "Bad/Id", t0, nil); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("UpdateNode(bad id) = %v, want ErrInvalid", err)
	}
	if _, err := db.NodeHistory(ctx, "Org1MSP", "none"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("NodeHistory(none) = %v, want ErrNotFound", err)
	}
	if _, err := db.UpdateNode(ctx, "Org1MSP", "n0", t0, func(*record.NodeRevision) (json.RawMessage, error) { return json.RawMessage(`"x"`), nil }); err != nil {
		t.Fatal(err)
	}
	all, err := db.Nodes(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "n0" || all[1].ID != "n1" {
		t.Errorf("Nodes = %v, %v; want n0, n1", all, err)
	}
}

func testProbesAndRisk(t *testing.T, open opener) {
	db := open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		p := record.ProbeRecord{Org: "Org1MSP", Node: "n1", Time: t0.Add(time.Duration(i) * time.Minute), Doc: json.RawMessage(fmt.Sprint(i))}
		if err := db.PutProbe(ctx, p, 3); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := db.Probes(ctx, "Org1MSP", "n1", 0)
	if err != nil || len(ps) != 3 || string(ps[0].Doc) != "4" || string(ps[2].Doc) != "2" {
		t.Fatalf("Probes = %v, %v; want the newest 3, newest first", ps, err)
	}
	if ps, _ := db.Probes(ctx, "Org1MSP", "n1", 1); len(ps) != 1 {
		t.Errorf("Probes(limit 1) = %d", len(ps))
	}
	var pts []record.RiskPoint
	for i := range 4 {
		pts = append(pts, record.RiskPoint{Subject: "node/n1", Time: t0.Add(time.Duration(i) * time.Hour), Doc: json.RawMessage(fmt.Sprint(i))})
	}
	pts = append(pts, record.RiskPoint{Subject: "node/n10", Time: t0, Doc: json.RawMessage("99")})
	if err := db.PutRisk(ctx, pts); err != nil {
		t.Fatal(err)
	}
	tr, err := db.RiskTrend(ctx, "node/n1", t0.Add(time.Hour), 0)
	if err != nil || len(tr) != 3 || string(tr[0].Doc) != "1" || string(tr[2].Doc) != "3" {
		t.Fatalf("RiskTrend(since 1h) = %v, %v; want 1..3 oldest first", tr, err)
	}
	if tr, _ := db.RiskTrend(ctx, "node/n1", t0, 2); len(tr) != 2 || string(tr[1].Doc) != "3" {
		t.Errorf("RiskTrend(limit 2) = %v, want the newest two", tr)
	}
	if err := db.PutRisk(ctx, []record.RiskPoint{{Time: t0}}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("PutRisk(no subject) = %v, want ErrInvalid", err)
	}
}
