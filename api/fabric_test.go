package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lianjian/lianjian/audit"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/record"
)

const sharedFixtures = "../../shared/fixtures"

// importFixture commits the peer blocks of a shared fixture network as
// chain, the way `lianjian ingest --fabric-dir` does.
func importFixture(t *testing.T, db *index.DB, chain, network string) {
	t.Helper()
	ctx := context.Background()
	m := ledger.Chain{ID: chain, Kind: ledger.KindFabric, Network: network, Channel: "mychannel", Crypto: ledger.CryptoIntl}
	if err := db.PutChain(ctx, m); err != nil {
		t.Fatal(err)
	}
	dec, err := fabric.NewChannelDecoder(chain, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for rb, err := range fabric.BlockDir(ctx, filepath.Join(sharedFixtures, network, "peer")) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := dec.Decode(rb.Bytes)
		if err != nil {
			t.Fatalf("Decode(%s) = %v", rb.File, err)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%s %d) = %v", chain, b.Height, err)
		}
	}
}

// fabricIndex opens an index holding both shared fixture networks, the
// first of them audited.
func fabricIndex(t *testing.T) *index.DB {
	t.Helper()
	if _, err := os.Stat(sharedFixtures); err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	db, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	importFixture(t, db, "f259", "fabric-2.5.9")
	importFixture(t, db, "gm", "fabric-gm-sm2")
	// The auditor re-verifies f259 only, so the gm chain shows responses
	// before any audit.
	f259, err := db.Chain(context.Background(), "f259")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Reaudit(context.Background(), db, audit.Config{Chain: f259}, 0, 12); err != nil {
		t.Fatalf("Reaudit = %v", err)
	}
	return db
}

// fabricServer serves the API over fabricIndex on a loopback port and
// returns its base URL.
func fabricServer(t *testing.T) string {
	t.Helper()
	srv, err := New(Config{}, Deps{Index: fabricIndex(t)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return "http://" + l.Addr().String() + Version
}

// getInto fetches url and decodes its JSON body into out, returning the
// status code.
func getInto(t *testing.T, url string, out any) int {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, body)
		}
	}
	return resp.StatusCode
}

func TestFabricRoutes(t *testing.T) {
	base := fabricServer(t)

	var nets List[NetworkView]
	getInto(t, base+"/networks", &nets)
	if len(nets.Items) != 2 || nets.Items[0].Name != "fabric-2.5.9" || len(nets.Items[0].Chains) != 1 ||
		nets.Items[0].Chains[0].Channel != "mychannel" || *nets.Items[0].Chains[0].Height != 12 {
		t.Errorf("networks = %+v, want fabric-2.5.9 and fabric-gm-sm2 with one channel each", nets.Items)
	}

	var versions List[ConfigVersionView]
	getInto(t, base+"/chains/f259/configs", &versions)
	if len(versions.Items) != 2 || versions.Items[1].Height != 11 {
		t.Errorf("configs = %+v, want heights 0 and 11", versions.Items)
	}
	for _, tc := range []struct {
		query   string
		height  uint64
		timeout string
	}{{"?height=0", 0, "1s"}, {"?height=10", 0, "1s"}, {"?height=11", 11, "2s"}, {"", 11, "2s"}} {
		var cfg ConfigView
		if code := getInto(t, base+"/chains/f259/config"+tc.query, &cfg); code != http.StatusOK {
			t.Fatalf("config%s = %d", tc.query, code)
		}
		if cfg.Height != tc.height || cfg.Batch.Timeout != tc.timeout || len(cfg.MSPs) == 0 {
			t.Errorf("config%s = height %d timeout %s, want %d %s", tc.query, cfg.Height, cfg.Batch.Timeout, tc.height, tc.timeout)
		}
	}

	var diff ConfigDiffView
	getInto(t, base+"/chains/f259/config/diff", &diff)
	want := ConfigChangeView{Section: "batch", Path: "timeout", Kind: "changed", From: "1s", To: "2s"}
	if diff.FromHeight != 0 || diff.ToHeight != 11 || len(diff.Changes) != 1 || diff.Changes[0] != want {
		t.Errorf("config/diff = %+v, want the batch timeout change 0 -> 11", diff)
	}

	var ids List[FabricIdentityView]
	getInto(t, base+"/chains/f259/identities?msp=Org1MSP", &ids)
	if len(ids.Items) == 0 {
		t.Fatal("identities?msp=Org1MSP is empty")
	}
	var created uint64
	for _, id := range ids.Items {
		if id.MSPID != "Org1MSP" || id.Subject == "" || id.Serial == "" || id.NotAfter == "" || id.KeyAlgorithm != "ECDSA-P256" {
			t.Errorf("identity %+v lacks certificate details", id)
		}
		created += id.Created
		var one FabricIdentityView
		if code := getInto(t, base+"/chains/f259/identities/"+id.Fingerprint+"?raw=1", &one); code != http.StatusOK || one.Cert == "" {
			t.Errorf("identities/%s?raw=1 = %d, cert %q", id.Fingerprint, code, one.Cert)
		}
	}
	if created == 0 {
		t.Error("Org1MSP identities created no transactions")
	}

	var orgs List[OrgView]
	getInto(t, base+"/chains/f259/orgs", &orgs)
	byMSP := map[string]OrgView{}
	for _, o := range orgs.Items {
		byMSP[o.MSPID] = o
	}
	if o := byMSP["OrdererMSP"]; !o.InConfig || o.BlocksSigned != 12 || o.RootCerts != 1 {
		t.Errorf("orgs OrdererMSP = %+v, want in config, 12 blocks signed, 1 root", o)
	}
	if o := byMSP["Org1MSP"]; !o.InConfig || o.Created != created || o.Endorsed == 0 || !o.NodeOUs {
		t.Errorf("orgs Org1MSP = %+v, want in config with %d created and endorsements", o, created)
	}

	var gmIDs List[FabricIdentityView]
	getInto(t, base+"/chains/gm/identities", &gmIDs)
	for _, id := range gmIDs.Items {
		if id.KeyAlgorithm != "SM2" {
			t.Errorf("gm identity %s key %s, want SM2", id.Subject, id.KeyAlgorithm)
		}
	}

	var hist List[ContractView]
	getInto(t, base+"/chains/f259/chaincodes/kvcc/history", &hist)
	if len(hist.Items) != 1 || hist.Items[0].Sequence != 1 || hist.Items[0].Version == "" || hist.Items[0].Policy == "" {
		t.Errorf("chaincodes/kvcc/history = %+v, want sequence 1 with version and policy", hist.Items)
	}
	var ccs List[ContractView]
	getInto(t, base+"/chains/gm/chaincodes", &ccs)
	if len(ccs.Items) != 1 || ccs.Items[0].Address != "kvcc" {
		t.Errorf("gm chaincodes = %+v, want kvcc", ccs.Items)
	}

	// Fabric blocks and transactions render through the common views.
	var blk BlockView
	getInto(t, base+"/chains/f259/blocks/10", &blk)
	if blk.Fabric == nil || len(blk.Txs) != 3 {
		t.Fatalf("blocks/10 = %+v, want 3 Fabric transactions", blk)
	}
}

func TestFabricRouteErrors(t *testing.T) {
	base := fabricServer(t)
	tests := []struct {
		path string
		want int
	}{
		{"/chains/f259/config?height=x", http.StatusBadRequest},
		{"/chains/f259/config?height=-1", http.StatusBadRequest},
		{"/chains/f259/config/diff?from=0&to=0", http.StatusOK},
		{"/chains/f259/config/diff?to=5", http.StatusBadRequest},
		{"/chains/f259/identities/xyz", http.StatusBadRequest},
		{"/chains/f259/identities/" + fmt.Sprintf("%064x", 7), http.StatusNotFound},
		{"/chains/nochain/configs", http.StatusNotFound},
		{"/chains/nochain/orgs", http.StatusNotFound},
		{"/chains/nochain/identities", http.StatusNotFound},
		{"/chains/f259/chaincodes/nocc/history", http.StatusNotFound},
		{"/chains/f259/config/diff?from=0&to=11", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if got := getInto(t, base+tc.path, nil); got != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.path, got, tc.want)
			}
		})
	}
}

// TestAuditVerdictsServed checks that blocks and transactions carry the
// auditor's stored verdict once it ran, and none before.
func TestAuditVerdictsServed(t *testing.T) {
	base := fabricServer(t)
	var blk struct {
		Audit *struct {
			Status string `json:"status"`
			At     string `json:"at"`
		} `json:"audit"`
		Txs []struct {
			ID    string `json:"id"`
			Audit string `json:"audit"`
		} `json:"txs"`
	}
	if code := getInto(t, base+"/chains/f259/blocks/3", &blk); code != http.StatusOK {
		t.Fatalf("GET block 3 = %d", code)
	}
	if blk.Audit == nil || blk.Audit.Status != "verified" || blk.Audit.At == "" || len(blk.Txs) != 1 || blk.Txs[0].Audit != "verified" {
		t.Fatalf("block 3 audit = %+v, txs %+v; want verified with its tx verified", blk.Audit, blk.Txs)
	}
	var tx struct {
		Audit *struct {
			Status string `json:"status"`
			Checks []struct {
				Name string `json:"name"`
				OK   bool   `json:"ok"`
			} `json:"checks"`
		} `json:"audit"`
	}
	if code := getInto(t, base+"/chains/f259/txs/"+blk.Txs[0].ID, &tx); code != http.StatusOK {
		t.Fatalf("GET tx = %d", code)
	}
	if tx.Audit == nil || tx.Audit.Status != "verified" || len(tx.Audit.Checks) == 0 {
		t.Fatalf("tx audit = %+v, want verified with checks", tx.Audit)
	}
	var ch struct {
		AuditHeight *uint64 `json:"auditHeight"`
	}
	if code := getInto(t, base+"/chains/f259", &ch); code != http.StatusOK || ch.AuditHeight == nil || *ch.AuditHeight != 12 {
		t.Fatalf("GET chain f259 = %d, auditHeight %v; want 12", code, ch.AuditHeight)
	}
	blk.Audit = nil
	if code := getInto(t, base+"/chains/gm/blocks/3", &blk); code != http.StatusOK || blk.Audit != nil {
		t.Fatalf("GET gm block 3 = %d, audit %+v; want no audit before the auditor ran", code, blk.Audit)
	}
}

// TestAuditFindingsServed: a block's audit names the findings the audit
// raised on it by the ids the findings routes serve, and a block the
// audit raised none on names none.
func TestAuditFindingsServed(t *testing.T) {
	db := openIndex(t, "")
	call := loopback(t, newTestServer(t, Config{RateLimit: -1}, db, nil))
	f := fabBlocks()[1].Findings[0]
	recs := []record.AuditRecord{
		{Chain: fabChain, Height: 0, Verdict: ledger.Verdict{Status: ledger.Verified}, At: fixT0},
		{Chain: fabChain, Height: 1, Verdict: ledger.Verdict{Status: ledger.Failed}, Findings: []string{f.ID}, At: fixT0},
	}
	if err := db.PutAudit(t.Context(), fabChain, recs, []ledger.Finding{f}, record.AuditCheckpoint{Height: 1, At: fixT0}); err != nil {
		t.Fatal(err)
	}
	for h, want := range [][]string{nil, {f.ID}} {
		code, b := call("GET", fmt.Sprintf("%s/chains/%s/blocks/%d", Version, fabChain, h), "")
		var blk struct {
			Audit *struct {
				Findings []string `json:"findings"`
			} `json:"audit"`
		}
		if err := json.Unmarshal(b, &blk); code != http.StatusOK || err != nil || blk.Audit == nil {
			t.Fatalf("GET block %d = %d %s", h, code, b)
		}
		if !slices.Equal(blk.Audit.Findings, want) {
			t.Errorf("block %d audit findings = %v, want %v", h, blk.Audit.Findings, want)
		}
		for _, id := range blk.Audit.Findings {
			if code, b := call("GET", Version+"/findings/"+id, ""); code != http.StatusOK {
				t.Errorf("GET finding %s named by block %d's audit = %d %s", id, h, code, b)
			}
		}
	}
}

// TestOneVerdict checks the verdict model over a real server on
// loopback: a block or transaction has one verification status, the
// same in the block list, the block, its transaction rows, the
// transaction and the any-chain lookup. Once the auditor verified a
// Fabric block it is "verified" there too, not "unverified" beside an
// audit that says "verified"; a chain the auditor has not reached stays
// unverified.
func TestOneVerdict(t *testing.T) {
	base := fabricServer(t)
	type summary struct {
		Height  uint64 `json:"height"`
		Verdict string `json:"verdict"`
	}
	var page struct {
		Items []summary `json:"items"`
	}
	if code := getInto(t, base+"/chains/f259/blocks?limit=100", &page); code != http.StatusOK || len(page.Items) != 13 {
		t.Fatalf("GET f259 blocks = %d, %d items; want 13", code, len(page.Items))
	}
	type status struct {
		Status string `json:"status"`
	}
	for _, it := range page.Items {
		var blk struct {
			Verdict status  `json:"verdict"`
			Audit   *status `json:"audit"`
			Txs     []struct {
				ID      string `json:"id"`
				Verdict string `json:"verdict"`
				Audit   string `json:"audit"`
			} `json:"txs"`
		}
		if code := getInto(t, fmt.Sprintf("%s/chains/f259/blocks/%d", base, it.Height), &blk); code != http.StatusOK || blk.Audit == nil {
			t.Fatalf("GET f259 block %d = %d, audit %v; want an audited block", it.Height, code, blk.Audit)
		}
		if it.Verdict == "unverified" || it.Verdict != blk.Verdict.Status || blk.Verdict.Status != blk.Audit.Status {
			t.Errorf("f259 block %d: listed %q, verdict %q, audit %q; want one status, the audit's", it.Height, it.Verdict, blk.Verdict.Status, blk.Audit.Status)
		}
		for _, x := range blk.Txs {
			if x.ID == "" { // a config transaction may have no id: check its row only
				if x.Verdict == "unverified" || x.Verdict != x.Audit {
					t.Errorf("f259 block %d config tx row: verdict %q audit %q; want one status, the audit's", it.Height, x.Verdict, x.Audit)
				}
				continue
			}
			var tx struct {
				Verdict status  `json:"verdict"`
				Audit   *status `json:"audit"`
			}
			if code := getInto(t, base+"/chains/f259/txs/"+x.ID, &tx); code != http.StatusOK || tx.Audit == nil {
				t.Fatalf("GET f259 tx %s = %d, audit %v", x.ID, code, tx.Audit)
			}
			if x.Verdict == "unverified" || x.Verdict != x.Audit || tx.Verdict.Status != x.Verdict || tx.Audit.Status != x.Audit {
				t.Errorf("f259 block %d tx %s: row verdict %q audit %q, page verdict %q audit %q; want one status, the audit's",
					it.Height, x.ID, x.Verdict, x.Audit, tx.Verdict.Status, tx.Audit.Status)
			}
			var any struct {
				Items []struct {
					Verdict status `json:"verdict"`
				} `json:"items"`
			}
			if code := getInto(t, base+"/txs/"+x.ID, &any); code != http.StatusOK || len(any.Items) != 1 || any.Items[0].Verdict.Status != x.Verdict {
				t.Errorf("GET txs/%s = %d %+v, want verdict %q", x.ID, code, any.Items, x.Verdict)
			}
		}
	}
	if page.Items[len(page.Items)-1].Verdict != "verified" {
		t.Errorf("f259 genesis block verdict = %q, want verified", page.Items[len(page.Items)-1].Verdict)
	}
	if code := getInto(t, base+"/chains/gm/blocks?limit=100", &page); code != http.StatusOK || len(page.Items) == 0 {
		t.Fatalf("GET gm blocks = %d, %d items", code, len(page.Items))
	}
	for _, it := range page.Items {
		if it.Verdict != "unverified" {
			t.Errorf("gm block %d verdict = %q before the auditor ran, want unverified", it.Height, it.Verdict)
		}
	}
}
