package console_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/audit"
	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// fixtures is the shared folder of real Fabric blocks beside the repository.
const fixtures = "../../../shared/fixtures"

// Chains of the end-to-end index.
const (
	evmChain = "geth-dev"
	fabChain = "fab-259" // upstream Fabric 2.5.9: MVCC conflicts and a config update at block 11
	gmChain  = "fab-gm"  // SM2/SM3 Fabric fork
	opOrg    = "Org1MSP"
	// scaleFindings is how many extra findings make the triage list long.
	scaleFindings = 10_500
)

// world is the real data the console is tested against.
type world struct {
	db      *index.DB
	heads   heads
	tokens  map[supervise.Role]string // secret per role
	revoke  string                    // id of a token the test revokes
	revSec  string                    // its secret
	rpc     string                    // geth's HTTP endpoint
	traffic *geth.Traffic             // what was sent to geth
}

// heads reports the node heads seen at ingest.
type heads map[string]uint64

func (h heads) Head(chain string) (uint64, bool) { v, ok := h[chain]; return v, ok }

// scaleRule is a rule of this test only: the long list of findings it
// raises on real addresses checks that the console pages 10,000+ rows.
var scaleRule = &ledger.RuleInfo{
	ID: "TEST-CONSOLE-SCALE", Title: "Console scale fixture", Doc: "Raised by the console end-to-end test to fill a long findings list.",
	Severity: ledger.Info, Category: ledger.CatConsortium,
}

// buildWorld ingests a real geth --dev chain driven with traffic and the
// real Fabric fixtures into a fresh in-memory index, audits the Fabric
// chains, and creates one token per role.
func buildWorld(t *testing.T) *world {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{db: db, heads: heads{}, tokens: map[supervise.Role]string{}}

	node, err := geth.Start(ctx, geth.Options{Dir: t.TempDir(), AllowUnprotected: true})
	if err != nil {
		t.Fatalf("geth.Start = %v", err)
	}
	t.Cleanup(node.Stop)
	w.rpc = node.HTTP
	if w.traffic, err = node.Drive(ctx, geth.TrafficOptions{Unprotected: true, Bulk: 30}); err != nil {
		t.Fatalf("Drive = %v", err)
	}
	src, err := evm.Dial(ctx, evm.Config{Chain: evmChain, HTTP: node.HTTP, FetchCode: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := db.PutChain(ctx, ledger.Chain{ID: evmChain, Kind: ledger.KindEVM, Name: "geth --dev", Crypto: ledger.CryptoIntl, ChainID: src.ChainID()}); err != nil {
		t.Fatal(err)
	}
	in, err := ledger.NewIngester(evmChain, src, db, ledger.IngestConfig{Batch: 16}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(ctx); err != nil {
		t.Fatalf("ingest %s = %v", evmChain, err)
	}
	w.heads[evmChain] = in.Head()

	for _, f := range []struct{ id, dir string }{{fabChain, "fabric-2.5.9"}, {gmChain, "fabric-gm-sm2"}} {
		w.heads[f.id] = importFabric(ctx, t, db, f.id, filepath.Join(fixtures, f.dir, "peer"))
	}
	w.heads[fiscoChain] = importFisco(ctx, t, db)
	w.attributeOrgs(ctx, t)
	w.addScaleFindings(ctx, t)
	w.addTokens(ctx, t)
	return w
}

// importFabric decodes the peer's blocks of one fixture network, commits
// them and audits them; it returns the last height.
func importFabric(ctx context.Context, t *testing.T, db *index.DB, chain, dir string) uint64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "mychannel_*.block"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Fabric fixture blocks in %s (%v)", dir, err)
	}
	num := func(f string) int {
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "mychannel_"), ".block"))
		return n
	}
	slices.SortFunc(files, func(a, b string) int { return num(a) - num(b) })
	m := ledger.Chain{ID: chain, Kind: ledger.KindFabric, Name: chain, Network: chain, Channel: "mychannel", Crypto: ledger.CryptoIntl}
	if chain == gmChain {
		m.Crypto = ledger.CryptoGM
	}
	if err := db.PutChain(ctx, m); err != nil {
		t.Fatal(err)
	}
	dec, err := fabric.NewChannelDecoder(chain, "", false)
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if chain == fabChain && num(f) == tamperedBlock {
			raw = tamperEndorsement(t, raw)
		}
		b, err := dec.Decode(raw)
		if err != nil {
			t.Fatalf("decode %s: %v", f, err)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("commit %s: %v", f, err)
		}
		last = b.Height
	}
	sum, err := audit.Reaudit(ctx, db, audit.Config{Chain: m}, 0, last)
	if err != nil {
		t.Fatalf("audit %s: %v", chain, err)
	}
	t.Logf("audited %s: %d blocks, %d txs, findings %v", chain, sum.Blocks, sum.Txs, sum.Findings)
	return last
}

// tamperedBlock is the block of fabChain whose endorsement signature the
// test flips, as a peer serving forged history would: the audit must flag
// the endorsement (an Org1MSP finding) and the block's data hash.
const tamperedBlock = 12

// tamperEndorsement flips one bit of the first endorsement signature in a
// marshalled block.
func tamperEndorsement(t *testing.T, raw []byte) []byte {
	t.Helper()
	b, err := fabric.DecodeBlock("tamper", raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range b.Txs {
		for _, s := range tx.Sigs {
			if s.Role != "endorser" || len(s.Value) == 0 {
				continue
			}
			i := bytes.Index(raw, s.Value)
			if i < 0 {
				t.Fatal("endorsement signature not found in the raw block")
			}
			out := bytes.Clone(raw)
			out[i+len(s.Value)-2] ^= 0x01
			return out
		}
	}
	t.Fatal("no endorsement in the block to tamper with")
	return nil
}

// attributeOrgs gives Fabric transaction findings that name no org the
// creator's MSP, so that operators have findings of their own. (The audit
// leaves Subject.Org empty; the API scopes operators by it.)
func (w *world) attributeOrgs(ctx context.Context, t *testing.T) {
	t.Helper()
	var fix []ledger.Finding
	for _, f := range w.findings(t, ledger.FindingFilter{}) {
		if f.Subject.Org != "" || f.Subject.Kind != "tx" {
			continue
		}
		id, _, _ := strings.Cut(f.Subject.Ref, "/") // audit refs are txid/creator, txid/endorsement-N, …
		tx, err := w.db.Tx(ctx, f.Chain, id)
		if err != nil || tx.Creator == nil {
			continue
		}
		f.Subject.Org = tx.Creator.MSPID
		fix = append(fix, *f)
	}
	if err := w.db.PutFindings(ctx, fix); err != nil {
		t.Fatal(err)
	}
}

// addScaleFindings raises scaleFindings info findings on addresses, so
// that the triage list runs past 10,000 rows.
func (w *world) addScaleFindings(ctx context.Context, t *testing.T) {
	t.Helper()
	t0 := time.Now().Add(-7 * 24 * time.Hour).UTC()
	batch := make([]ledger.Finding, 0, 1000)
	for i := range scaleFindings {
		subj := ledger.Subject{Kind: "identity", Ref: fmt.Sprintf("0x%040x", 0x1000+i)}
		batch = append(batch, ledger.NewFinding(scaleRule, evmChain, subj, t0.Add(time.Duration(i)*time.Minute), "scale fixture", nil))
		if len(batch) == cap(batch) || i == scaleFindings-1 {
			if err := w.db.PutFindings(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func (w *world) addTokens(ctx context.Context, t *testing.T) {
	t.Helper()
	now := time.Now()
	for _, r := range []struct {
		role supervise.Role
		org  string
	}{{supervise.RoleRegulator, ""}, {supervise.RoleOperator, opOrg}, {supervise.RoleAuditor, ""}} {
		tok, secret, err := supervise.NewToken("e2e-"+string(r.role), r.role, r.org, "e2e", now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.db.PutToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		w.tokens[r.role] = secret
	}
	tok, secret, err := supervise.NewToken("e2e-revoked", supervise.RoleRegulator, "", "e2e", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.PutToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	w.revoke, w.revSec = tok.ID, secret
}

// findings lists every finding matching f.
func (w *world) findings(t *testing.T, f ledger.FindingFilter) []*ledger.Finding {
	t.Helper()
	var out []*ledger.Finding
	p := ledger.Page{Limit: 1000}
	for {
		fs, next, err := w.db.Findings(context.Background(), f, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fs...)
		if next == "" {
			return out
		}
		p.Cursor = next
	}
}

// TestWorld builds the end-to-end data alone and reports what it holds,
// so that a failing browser test can be told apart from missing data.
func TestWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts geth (skipped with -short)")
	}
	w := buildWorld(t)
	byRule := map[string]int{}
	orgs := map[string]int{}
	for _, f := range w.findings(t, ledger.FindingFilter{}) {
		if f.Rule != scaleRule.ID {
			byRule[f.Chain+" "+f.Rule+" "+f.Subject.Kind]++
			orgs[f.Subject.Org]++
		}
	}
	t.Logf("findings by chain/rule/kind: %v; by org: %v", byRule, orgs)
	if len(byRule) == 0 {
		t.Fatal("no findings from the real chains")
	}
}
