package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/api/console"
	"github.com/lianjian/lianjian/contracts"
	evmscan "github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/internal/testnet/repo"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ruletext"
	"github.com/lianjian/lianjian/ledger/supervise"
	"github.com/lianjian/lianjian/nodes"
)

// chromiumPath finds the system Chromium. Outside CI a missing browser
// skips the test; in CI (CI=true) it fails it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but Chromium is missing: apt-get install -y chromium")
	}
	t.Skip("Chromium is not installed (apt-get install -y chromium); skipping the browser test outside CI")
	return ""
}

// serve runs the API server, which mounts the console, on a loopback
// port as lianjian serve does, and returns its base URL.
func serve(t *testing.T, w *world) string {
	t.Helper()
	srv, err := api.New(api.Config{RateLimit: -1}, api.Deps{Index: w.db, Heads: w.heads, Auth: api.NewTokenAuth(w.db)})
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
	return "http://" + l.Addr().String()
}

// outDir is where screenshots go: testout/console under the repository.
func outDir(t *testing.T) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "testout", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is one browser tab with its own session storage.
type tab struct {
	t      *testing.T
	ctx    context.Context
	base   string
	out    string
	role   string
	mu     sync.Mutex
	errors []string // uncaught exceptions and missing translations
}

func newTab(t *testing.T, browser context.Context, base, out, role string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, base: base, out: out, role: role}
	if err := chromedp.Listen(ctx, tb.event); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *tab) event(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeWarning || len(e.Args) == 0 || !strings.Contains(string(e.Args[0].Value), "missing translation") {
			return
		}
		msg = "console: missing translation"
		if len(e.Args) > 1 {
			msg += " " + string(e.Args[1].Value)
		}
	default:
		return
	}
	tb.mu.Lock()
	tb.errors = append(tb.errors, msg)
	tb.mu.Unlock()
}

// do runs steps with a deadline and fails the test, with a screenshot,
// when one fails.
func (tb *tab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.shot("FAILED-" + step)
		tb.t.Fatalf("%s: %s: %v", tb.role, step, err)
	}
}

// js evaluates an expression (awaiting a promise) and returns its value.
func js[T any](tb *tab, step, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.shot("FAILED-" + step)
		tb.t.Fatalf("%s: %s: %s = %v", tb.role, step, expr, err)
	}
	return v
}

// wait polls a JavaScript predicate until it holds.
func (tb *tab) wait(step, predicate string) {
	tb.t.Helper()
	tb.do(step, chromedp.Steps(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(25*time.Second))(ctx, t)
		return chromedp.Void{}, err
	}))
}

// idle waits until nothing in the page is loading.
func (tb *tab) idle(step string) {
	tb.t.Helper()
	tb.wait(step, `document.querySelector('main .view') && !document.querySelector('main .loading')`)
}

// open navigates to a console route and waits for its new view, even
// when the route is the one already shown.
func (tb *tab) open(route string) {
	tb.t.Helper()
	how := js[string](tb, "mark "+route, fmt.Sprintf(`(() => {
		const v = document.querySelector('main .view');
		if (v) v.dataset.stale = '1';
		if (location.pathname === %q && location.hash === %q) { window.dispatchEvent(new HashChangeEvent('hashchange')); return 'same'; }
		return 'navigate';
	})()`, console.Path, "#"+route))
	if how == "navigate" {
		tb.do("open "+route, chromedp.Navigate(tb.base+console.Path+"#"+route))
	}
	tb.wait("load "+route, `document.querySelector('main .view:not([data-stale])') && !document.querySelector('main .loading')`)
}

// shot saves a full-page PNG screenshot.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	// Full-page captures draw the sticky header where the page is
	// scrolled to: start from the top.
	var png []byte
	err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	if err == nil {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	}
	if err != nil {
		tb.t.Errorf("%s: screenshot %s: %v", tb.role, name, err)
		return
	}
	path := filepath.Join(tb.out, tb.role+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Error(err)
	}
}

// login signs in through the form with secret.
func (tb *tab) login(secret string) {
	tb.t.Helper()
	tb.do("login form", chromedp.WaitVisible(chromedp.CSS("#login #token")),
		chromedp.SetValue(chromedp.CSS("#token"), secret),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")))
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return js[string](tb, "text of "+sel, fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? '')`, sel))
}

func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return js[int](tb, "count "+sel, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

func (tb *tab) checkErrors() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errors {
		tb.t.Errorf("%s: page error: %s", tb.role, e)
	}
}

// TestConsoleBrowser drives the console in headless Chromium against the
// API on loopback over real chain data, as each role.
func TestConsoleBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts geth and Chromium (skipped with -short)")
	}
	bin := chromiumPath(t)
	w := buildWorld(t)
	base := serve(t, w)
	out := outDir(t)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1440, 1000))...)
	defer cancel()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // start the browser once, without a deadline
		t.Fatalf("start Chromium: %v", err)
	}

	t.Run("regulator", func(t *testing.T) { regulator(t, w, newTab(t, browser, base, out, "regulator")) })
	t.Run("operator", func(t *testing.T) { operator(t, w, newTab(t, browser, base, out, "operator")) })
	t.Run("auditor", func(t *testing.T) { auditor(t, w, newTab(t, browser, base, out, "auditor")) })
	t.Run("session", func(t *testing.T) { session(t, w, browser, base, out) })
}

// auditBadge returns the text of the audit row's verdict badge on a block
// or transaction page.
func auditBadge(tb *tab) string {
	tb.t.Helper()
	return js[string](tb, "audit badge", `([...document.querySelectorAll('main dl.kv dt')].find((e) => e.textContent === '审计结论')?.nextElementSibling?.querySelector('.badge')?.textContent ?? '')`)
}

// apiServesAudit reports whether the API's transaction view carries the
// audit verdict.
func apiServesAudit(t *testing.T, base string, w *world, chain, id string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+api.Version+"/chains/"+chain+"/txs/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.tokens[supervise.RoleRegulator])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET tx %s: %v", id, err)
	}
	_, ok := v["audit"]
	return ok
}

func one(t *testing.T, w *world, f ledger.FindingFilter) *ledger.Finding {
	t.Helper()
	fs := w.findings(t, f)
	if len(fs) == 0 {
		t.Fatalf("no finding matches %+v", f)
	}
	return fs[0]
}

func regulator(t *testing.T, w *world, tb *tab) {
	// The console asks for a token first.
	tb.do("console", chromedp.Navigate(tb.base+console.Path), chromedp.WaitVisible(chromedp.CSS("#login #token")))
	if loc, _ := chromedp.Run(tb.ctx, chromedp.Location()); !strings.Contains(loc, console.Path+"#/login") {
		t.Errorf("%s led to %s, want the console's login", console.Path, loc)
	}
	tb.shot("01-login")
	tb.login("lj_0123456789abcdef_" + strings.Repeat("A", 43))
	tb.wait("bad token refused", `document.querySelector('#login-msg.error')`)
	if got := tb.text("#login-msg"); !strings.Contains(got, "令牌无效") {
		t.Errorf("bad token message = %q, want the invalid-token message", got)
	}

	tb.login(w.tokens[supervise.RoleRegulator])
	tb.wait("dashboard", `document.querySelectorAll('#dash-chains [data-chain]').length === 4`)
	tb.idle("dashboard charts")
	if n := tb.count("#dash-chains svg"); n < 6 {
		t.Errorf("dashboard draws %d charts, want at least 6 (severity trend and tx/min per chain)", n)
	}
	dashboardCharts(t, tb)
	cp, err := w.db.Checkpoint(context.Background(), evmChain)
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.text(`[data-chain="` + evmChain + `"] .stats`); !strings.Contains(got, fmt.Sprint(cp.Height)) {
		t.Errorf("dashboard card of %s = %q, want ingested height %d", evmChain, got, cp.Height)
	}
	tb.shot("02-dashboard")
	chinese(t, tb, "dashboard")

	// Follow the replay-risk finding to its transaction.
	replay := one(t, w, ledger.FindingFilter{Chain: evmChain, Rule: "EVM-REPLAY-UNPROTECTED"})
	tb.open("/findings?rule=" + replay.Rule)
	tb.wait("filtered list", `document.querySelector('#findings')?.dataset.done === 'true'`)
	if n := tb.count("#findings .vt-row"); n != 1 {
		t.Errorf("findings filtered by rule %s show %d rows, want 1", replay.Rule, n)
	}
	tb.shot("03-findings-filtered")
	chinese(t, tb, "findings list")
	tb.do("open finding", chromedp.Click(chromedp.CSS("#findings .vt-row")))
	tb.wait("finding page", `location.hash === '#/findings/`+replay.ID+`' && document.querySelector('#finding-subject')`)
	tb.idle("finding page")
	// The finding says it is a risk beside the verification status, with
	// its rule's remediation and clauses.
	if got := js[string](tb, "finding effect", `document.querySelector('#finding-effect')?.dataset.risk ?? ''`); got != "true" {
		t.Errorf("replay-risk finding effect risk = %q, want true", got)
	}
	if got := tb.text("#finding-effect"); !strings.Contains(got, "风险提示") {
		t.Errorf("replay-risk finding effect = %q, want the risk explanation", got)
	}
	// In Chinese: the rule's title, description and remediation
	// (ledger/ruletext), citing its clause.
	zh, _ := ruletext.For(replay.Rule, ruletext.ZH)
	if got := tb.text("main"); !strings.Contains(got, zh.Title) {
		t.Errorf("replay-risk finding page = %q, want the Chinese rule title %q", got, zh.Title)
	}
	if got := tb.text("#finding-description"); got != zh.Description {
		t.Errorf("replay-risk finding description = %q, want %q", got, zh.Description)
	}
	if got := tb.text("#finding-advice"); !strings.Contains(got, zh.Advice) || !strings.Contains(got, "依据条款") || !strings.Contains(got, "EIP-155") {
		t.Errorf("replay-risk finding advice = %q, want the rule's Chinese remediation %q and clause", got, zh.Advice)
	}
	tb.shot("04-finding")
	chinese(t, tb, "finding")
	// The message is the rule's Chinese template filled with the finding's
	// values, and the evidence is labelled in Chinese.
	if got := tb.text("main dl.kv dd"); !hanRE.MatchString(got) || !strings.Contains(got, replay.Subject.Ref) {
		t.Errorf("replay-risk finding message = %q, want Chinese naming the transaction %s", got, replay.Subject.Ref)
	}
	if bad := js[string](tb, "evidence labels", `[...document.querySelectorAll('#evidence th')].filter((th) => !/[\u4e00-\u9fff]/.test(th.textContent)).map((th) => th.textContent).join(', ')`); bad != "" {
		t.Errorf("finding evidence labels not in Chinese: %s", bad)
	}
	tb.do("follow subject", chromedp.Click(chromedp.CSS("#finding-subject")))
	tb.wait("transaction page", `document.querySelector('#tx-sigs .sig')`)
	tb.idle("transaction page")
	// EVM ids read 0x-prefixed, like the chain's block hashes.
	if got := tb.text("#tx-id"); got != "0x"+replay.Subject.Ref {
		t.Errorf("finding's subject link opened tx %q, want %q", got, "0x"+replay.Subject.Ref)
	}
	if got := tb.text("#tx-sigs"); !strings.Contains(got, "secp256k1") {
		t.Errorf("signature badge = %q, want the algorithm", got)
	}
	// One verdict model: every integrity and signature check of the
	// unprotected transaction passed, so it is verified; its replay risk
	// is shown beside the status, never as a failure.
	if got := tb.text("main h1 .badge"); got != "验证通过" {
		t.Errorf("unprotected tx header verdict = %q, want 验证通过 (a replay risk is not a failed check)", got)
	}
	tb.wait("risk beside the verdict", `document.querySelector('#tx-risks [data-rule="EVM-REPLAY-UNPROTECTED"]')`)
	if got := tb.text("#tx-risks"); !strings.Contains(got, "风险提示") {
		t.Errorf("unprotected tx risks = %q, want the replay risk beside the verdict", got)
	}
	tb.shot("05-transaction")
	chinese(t, tb, "transaction")
	// Its block, and every EVM block listed, verified.
	tb.open(fmt.Sprintf("/chains/%s/blocks/%d", evmChain, replay.Subject.Height))
	if got := tb.text("main h1 .badge"); got != "验证通过" {
		t.Errorf("block %d of the unprotected tx: verdict %q, want 验证通过", replay.Subject.Height, got)
	}
	tb.open("/chains/" + evmChain + "/blocks")
	tb.wait("EVM block list", `document.querySelector('#blocks .vt-row .badge')`)
	if n, bad := tb.count("#blocks .vt-row .badge.verified"), tb.count("#blocks .vt-row .badge:not(.verified)"); n == 0 || bad != 0 {
		t.Errorf("EVM block list: %d rows verified, %d not; want every row verified", n, bad)
	}

	// Move the finding through the workflow with a comment.
	tb.open("/findings/" + replay.ID)
	tb.do("acknowledge",
		chromedp.SetValue(chromedp.CSS("#transition-status"), "acknowledged"),
		chromedp.SendKeys(chromedp.CSS("#transition-comment"), "已通知运营方关闭未受保护的签名"),
		chromedp.Click(chromedp.CSS("#transition button[type=submit]")))
	tb.wait("status shown", `document.querySelector('#finding-status')?.textContent === '已受理' && document.querySelectorAll('#finding-history li').length === 1`)
	tb.shot("06-finding-acknowledged")
	if f, err := w.db.Finding(context.Background(), replay.ID); err != nil || f.Status != ledger.StatusAcknowledged {
		t.Errorf("stored finding after the browser's transition = %+v, %v; want acknowledged", f, err)
	}

	// A tampered Fabric transaction: every signature has a badge and says why it fails.
	endorse := one(t, w, ledger.FindingFilter{Chain: fabChain, Rule: "FAB-SIG-ENDORSER"})
	txID, _, _ := strings.Cut(endorse.Subject.Ref, "/")
	tb.open("/chains/" + fabChain + "/txs/" + txID)
	if n := tb.count("#tx-sigs .sig"); n != 2 {
		t.Errorf("tampered Fabric tx shows %d signature badges, want creator and endorser", n)
	}
	if got := tb.text("#tx-sigs"); !strings.Contains(got, "Org1MSP") || !strings.Contains(got, "ECDSA-P256") || !strings.Contains(got, "CN=ca.org1.example.com") {
		t.Errorf("tampered tx signatures = %q, want signer MSP, algorithm and certificate chain", got)
	}
	// The audit's verdicts reach the badges once the API serves them with
	// the transaction ("audit"); until then the badges say "unverified".
	if apiServesAudit(t, tb.base, w, fabChain, txID) {
		if n := tb.count("#tx-sigs .sig.failed"); n == 0 {
			t.Error("tampered Fabric tx shows no failed signature badge")
		}
		if got := tb.text("#tx-sigs"); !strings.Contains(got, "未通过原因") {
			t.Errorf("tampered tx signatures = %q, want why they fail", got)
		}
	} else {
		t.Log("the API serves no audit verdict with transactions: signature badges stay unverified")
	}
	if got := tb.text("#tx-findings"); !strings.Contains(got, "FAB-SIG-ENDORSER") || !strings.Contains(got, "FAB-SIG-CREATOR") {
		t.Errorf("tampered tx findings = %q, want the creator and endorser signature findings", got)
	}
	// The header and the audit row say the same: one status.
	if head, audit := tb.text("main h1 .badge"), auditBadge(tb); head != "验证失败" || audit != head {
		t.Errorf("tampered Fabric tx: header %q, audit %q; want one status, 验证失败", head, audit)
	}
	tb.shot("07-fabric-tx-tampered")
	chinese(t, tb, "tampered Fabric transaction")
	// The Fabric block list: every block the auditor verified says so, the
	// tampered one failed; none "unverified" beside a verified audit.
	tb.open("/chains/" + fabChain + "/blocks")
	tb.wait("Fabric block list", `document.querySelector('#blocks .vt-row .badge')`)
	if ok, failed, unverified := tb.count("#blocks .vt-row .badge.verified"), tb.count("#blocks .vt-row .badge.failed"), tb.count("#blocks .vt-row .badge.unverified"); ok == 0 || failed != 1 || unverified != 0 {
		t.Errorf("Fabric block list: %d verified, %d failed, %d unverified; want all audited blocks verified but the tampered one", ok, failed, unverified)
	}
	tb.shot("07b-fabric-blocks")
	chinese(t, tb, "Fabric block list")
	clean := js[string](tb, "a clean Fabric tx", `fetch('/api/v1/chains/`+fabChain+`/blocks/3', { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('lianjian.token') } }).then((r) => r.json()).then((b) => b.txs[0].id)`)
	tb.open("/chains/" + fabChain + "/txs/" + clean)
	if head, audit := tb.text("main h1 .badge"), auditBadge(tb); head != "验证通过" || audit != head {
		t.Errorf("clean Fabric tx: header %q, audit %q; want one status, 验证通过", head, audit)
	}

	// Channel config at block 11 against the genesis config.
	tb.open("/chains/" + fabChain + "/config?at=11&vs=0")
	tb.wait("config diff", `document.querySelector('#config-diff table.diff')`)
	if got := tb.text("#config-diff"); !strings.Contains(got, "timeout") || !strings.Contains(got, "2s") {
		t.Errorf("config diff 0→11 = %q, want the batch timeout change to 2s", got)
	}
	tb.shot("08-config-diff")
	chinese(t, tb, "config diff")
	// The console's own diff (used when the server has no diff route)
	// finds the same change in the same two configs.
	n := js[int](tb, "client diff", `(async () => {
		const m = await import('./js/views/config.js');
		const get = (h) => fetch('/api/v1/chains/`+fabChain+`/config?height=' + h, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('lianjian.token') } }).then((r) => r.json());
		const d = m.diffConfigs(m.flatten(await get(0)), m.flatten(await get(11)));
		return d.filter((c) => c.section === 'batch' && c.path === 'timeout' && c.from === '1s' && c.to === '2s').length * 100 + d.length;
	})()`)
	if n != 101 {
		t.Errorf("client-side config diff 0→11 = %d (100 × batch timeout changes + changes), want exactly the batch timeout", n)
	}

	// The GM chain: SM2 identities and a block with its orderer signature.
	tb.open("/chains/" + gmChain + "/identities")
	tb.wait("identities", `document.querySelector('#identities')?.dataset.done === 'true'`)
	if got := tb.text("#identities"); tb.count("#identities .vt-row") == 0 || !strings.Contains(got, "SM2") {
		t.Errorf("GM identities = %q, want SM2 certificates", got)
	}
	tb.shot("08b-gm-identities")
	chinese(t, tb, "identities")
	tb.open("/chains/" + gmChain + "/blocks/3")
	if got := tb.text("main"); !strings.Contains(got, "SM2") || tb.count(".sig") == 0 {
		t.Errorf("GM block 3 = %q, want SM2 signature badges", got)
	}
	tb.shot("08c-gm-block")
	chinese(t, tb, "GM block")

	// The FISCO BCOS chain: sealers, quorum, governance (e2e_fisco_test.go).
	fiscoPages(t, tb)

	// 10,000+ rows: load every page, the DOM keeps only what is in view.
	total := len(w.findings(t, ledger.FindingFilter{}))
	tb.open("/findings")
	tb.wait("first page", `document.querySelector('#findings .vt-row')`)
	findingsOrder(t, w, tb)
	findingTexts(t, w)
	rows := js[int](tb, "load all", `document.getElementById('findings').loadAll().then(() => Number(document.getElementById('findings').dataset.rows))`)
	if rows != total || rows < 10_000 {
		t.Errorf("findings list loaded %d rows, want all %d (> 10,000)", rows, total)
	}
	js[bool](tb, "scroll", `(() => { const b = document.querySelector('#findings .vt-body'); b.scrollTop = b.scrollHeight; b.dispatchEvent(new Event('scroll')); return true; })()`)
	tb.wait("last rows drawn", fmt.Sprintf(`document.querySelector('#findings .vt-row[data-i="%d"]')`, total-1))
	if n := tb.count("#findings .vt-row"); n > 200 {
		t.Errorf("the findings table keeps %d rows in the DOM, want at most 200", n)
	}
	tb.shot("09-findings-10k")
	chinese(t, tb, "findings list (10,000 rows)")

	// English, then back to Chinese (the choice is per browser).
	js[bool](tb, "english", `(() => { const s = document.getElementById('lang'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true; })()`)
	tb.wait("english nav", `document.querySelector('#nav a[data-nav=dashboard]').textContent === 'Dashboard'`)
	tb.idle("english page")
	tb.shot("10-english")
	// The finding page speaks English too.
	en, _ := ruletext.For(replay.Rule, ruletext.EN)
	tb.open("/findings/" + replay.ID)
	tb.wait("english finding", `document.querySelector('#finding-advice')`)
	if got := tb.text("#finding-advice"); !strings.Contains(got, en.Advice) || !strings.Contains(got, "Clauses:") {
		t.Errorf("English finding advice = %q, want %q", got, en.Advice)
	}
	if got := tb.text("#finding-description"); got != en.Description {
		t.Errorf("English finding description = %q, want %q", got, en.Description)
	}
	tb.shot("10-english-finding")
	js[bool](tb, "chinese", `(() => { const s = document.getElementById('lang'); s.value = 'zh-CN'; s.dispatchEvent(new Event('change')); return true; })()`)
	tb.wait("chinese nav", `document.querySelector('#nav a[data-nav=dashboard]').textContent === '总览'`)

	// Search by transaction id names the chain.
	tb.open("/search?q=" + replay.Subject.Ref)
	if got := tb.text("main"); !strings.Contains(got, evmChain) {
		t.Errorf("search for %s = %q, want a match on %s", replay.Subject.Ref, got, evmChain)
	}
	tb.shot("11-search")
	chinese(t, tb, "search")

	// A supervision report for one chain, as HTML and as JSON.
	htmlReport(tb, fabChain)
	if href := js[string](tb, "report link", `document.querySelector('#report-download').href`); !strings.HasPrefix(href, "blob:") {
		t.Errorf("report download link = %q, want a blob URL", href)
	}
	size := js[int](tb, "report size", `fetch(document.querySelector('#report-download').href).then((r) => r.text()).then((s) => s.includes('FAB-SIG-ENDORSER') ? s.length : 0)`)
	if size == 0 {
		t.Error("the downloaded HTML report does not list the endorsement finding")
	}
	tb.shot("12-report")
	chinese(t, tb, "reports")
	reportPage(t, tb, "12b-report-page")

	// The views not walked above, in Chinese: the explorer's home, an
	// address, the node and contract lists, the rule catalogue's use in
	// findings filtered by severity.
	tb.open("/explorer")
	chinese(t, tb, "explorer")
	tb.open("/chains/" + evmChain + "/addresses/" + strings.ToLower(w.traffic.Contracts["Killable"].Hex()))
	chinese(t, tb, "address")
	tb.open("/nodes")
	chinese(t, tb, "nodes")
	tb.open("/contracts")
	tb.wait("contracts", `document.querySelector('#contracts')?.dataset.done === 'true'`)
	chinese(t, tb, "contracts")
	tb.open("/findings?severity=critical")
	tb.wait("critical findings", `document.querySelector('#findings')?.dataset.done === 'true'`)
	chinese(t, tb, "critical findings")

	// The compliance assessment of the tampered Fabric chain.
	compliancePage(t, tb, "14-compliance")
	chinese(t, tb, "compliance")

	// The same views in English: dashboard, finding, transaction, report
	// and compliance.
	js[bool](tb, "english again", `(() => { const s = document.getElementById('lang'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true; })()`)
	tb.wait("english nav again", `document.querySelector('#nav a[data-nav=dashboard]').textContent === 'Dashboard'`)
	tb.open("/chains/" + evmChain + "/txs/" + replay.Subject.Ref)
	tb.wait("english tx", `document.querySelector('#tx-sigs .sig')`)
	tb.idle("english tx")
	tb.shot("15-english-transaction")
	htmlReport(tb, fabChain)
	tb.shot("15-english-reports")
	reportPage(t, tb, "15-english-report-page")
	compliancePage(t, tb, "15-english-compliance")
	js[bool](tb, "chinese again", `(() => { const s = document.getElementById('lang'); s.value = 'zh-CN'; s.dispatchEvent(new Event('change')); return true; })()`)
	tb.wait("chinese nav again", `document.querySelector('#nav a[data-nav=dashboard]').textContent === '总览'`)
	tb.checkErrors()
}

func operator(t *testing.T, w *world, tb *tab) {
	tb.do("console", chromedp.Navigate(tb.base+console.Path))
	tb.login(w.tokens[supervise.RoleOperator])
	tb.wait("dashboard", `document.querySelector("#dash-chains .notice, #dash-chains [data-chain]")`)
	tb.idle("dashboard")
	if got := tb.text("#dash-chains"); !strings.Contains(got, "403") {
		t.Errorf("operator dashboard = %q, want the API's 403 for chains shown", got)
	}
	tb.shot("01-dashboard-403")

	own := w.findings(t, ledger.FindingFilter{Org: opOrg})
	tb.open("/findings")
	tb.wait("own findings", `document.querySelector('#findings')?.dataset.done === 'true'`)
	if n := tb.count("#findings .vt-row"); n != len(own) {
		t.Errorf("operator sees %d findings, want the %d of %s", n, len(own), opOrg)
	}
	tb.shot("02-findings-own-org")
	chinese(t, tb, "operator findings")

	f := one(t, w, ledger.FindingFilter{Org: opOrg, Rule: "FAB-SIG-ENDORSER"})
	tb.open("/findings/" + f.ID)
	tb.do("accept risk (regulators only)",
		chromedp.SetValue(chromedp.CSS("#transition-status"), "accepted-risk"),
		chromedp.SendKeys(chromedp.CSS("#transition-comment"), "不是我们的问题"),
		chromedp.Click(chromedp.CSS("#transition button[type=submit]")))
	tb.wait("refused", `document.querySelector('#transition-msg .error, #transition-msg .notice')`)
	tb.shot("03-transition-refused")
	tb.do("rectify",
		chromedp.SetValue(chromedp.CSS("#transition-status"), "rectifying"),
		chromedp.SetValue(chromedp.CSS("#transition-comment"), "正在更换背书节点证书"),
		chromedp.Click(chromedp.CSS("#transition button[type=submit]")))
	tb.wait("rectifying", `document.querySelector('#finding-status')?.textContent === '整改中'`)
	tb.shot("04-rectifying")

	// Register the geth node through the form, probe it, retire it.
	tb.open("/nodes")
	tb.do("register node",
		chromedp.SetValue(chromedp.CSS("#node-register [name=id]"), "geth-rpc-1"),
		chromedp.SetValue(chromedp.CSS("#node-register [name=chain]"), evmChain),
		chromedp.SetValue(chromedp.CSS("#node-register [name=org]"), opOrg),
		chromedp.SetValue(chromedp.CSS("#node-register [name=kind]"), "evm-rpc"),
		chromedp.SetValue(chromedp.CSS("#node-register [name=endpoint]"), w.rpc),
		chromedp.Click(chromedp.CSS("#node-register button[type=submit]")))
	tb.wait("node page", `location.hash === '#/nodes/geth-rpc-1?org=`+opOrg+`' && document.querySelector('#node-probes')`)
	sup, err := nodes.NewSupervisor(nodes.Config{}, w.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := sup.Round(context.Background()); err != nil {
			t.Fatalf("probe round: %v", err)
		}
	}
	tb.open("/nodes/geth-rpc-1")
	if got := tb.text("#node-probes"); !strings.Contains(got, "可达") || !strings.Contains(got, "Geth") && !strings.Contains(got, "geth") {
		t.Errorf("node probes = %q, want a reachable geth", got)
	}
	tb.shot("05-node-probed")
	chinese(t, tb, "node")
	tb.do("retire node",
		chromedp.SetValue(chromedp.CSS("#node-retire [name=reason]"), "迁移到新机房"),
		chromedp.Click(chromedp.CSS("#node-retire button[type=submit]")))
	tb.wait("retired", `document.querySelector('h1')?.textContent.includes('已退役') && document.querySelectorAll('#node-history tbody tr').length === 2`)
	tb.idle("retired node")
	tb.shot("06-node-retired")
	chinese(t, tb, "retired node")

	// Another org's finding is not visible to an operator.
	other := one(t, w, ledger.FindingFilter{Chain: evmChain, Rule: "EVM-REPLAY-UNPROTECTED"})
	tb.open("/findings/" + other.ID)
	if got := tb.text("main"); !strings.Contains(got, "未找到") {
		t.Errorf("operator opening another org's finding = %q, want not found", got)
	}
	tb.checkErrors()
}

func auditor(t *testing.T, w *world, tb *tab) {
	tb.do("console", chromedp.Navigate(tb.base+console.Path))
	tb.login(w.tokens[supervise.RoleAuditor])
	tb.wait("dashboard", `document.querySelector("#dash-chains .notice, #dash-chains [data-chain]")`)
	tb.idle("dashboard")
	tb.shot("01-dashboard")
	f := one(t, w, ledger.FindingFilter{Chain: gmChain})
	tb.open("/findings?chain=" + gmChain)
	tb.wait("findings", `document.querySelector('#findings')?.dataset.done === 'true'`)
	if n := tb.count("#findings .vt-row"); n == 0 {
		t.Error("auditor sees no findings of the GM chain")
	}
	tb.open("/findings/" + f.ID)
	tb.do("comment (not allowed)",
		chromedp.SendKeys(chromedp.CSS("#transition-comment"), "审计意见"),
		chromedp.Click(chromedp.CSS("#transition button[type=submit]")))
	tb.wait("forbidden", `document.querySelector('#transition-msg .notice')`)
	if got := tb.text("#transition-msg"); !strings.Contains(got, "403") {
		t.Errorf("auditor's transition answer = %q, want 403", got)
	}
	tb.shot("02-finding-403")

	// Upload the real scanner's report on the self-destructing contract.
	report := scanReport(t, w, "Killable")
	tb.open("/contracts?chain=" + evmChain)
	tb.wait("contracts", `document.querySelector('#contracts')?.dataset.done === 'true'`)
	if n := tb.count("#contracts .vt-row"); n < 3 {
		t.Errorf("auditor sees %d contracts on %s, want the 3 deployed", n, evmChain)
	}
	tb.do("upload scan",
		chromedp.SetUploadFiles(chromedp.CSS("#scan-file"), []string{report}),
		chromedp.Click(chromedp.CSS("#scan-upload button[type=submit]")))
	tb.wait("scan stored", `document.querySelector('#scan-msg .badge.ok, #scan-msg .error, #scan-msg .notice')`)
	if got := tb.text("#scan-msg"); !strings.Contains(got, "已保存") {
		t.Errorf("scan upload answer = %q, want findings stored", got)
	}
	tb.shot("03-scan-uploaded")
	chinese(t, tb, "contracts")

	// An EVM contract has no chaincode definition: the page neither asks
	// for one nor shows an error for it.
	tb.do("open contract", chromedp.Click(chromedp.CSS("#contracts .vt-row")))
	tb.wait("contract page", `document.querySelector('#contract-findings') && !document.querySelector('main .loading')`)
	tb.idle("contract page")
	if got := tb.text("main"); strings.Contains(got, "链码定义") || tb.count("main .error") != 0 {
		t.Errorf("EVM contract page = %q, want no chaincode-definition section and no error", got)
	}
	tb.shot("04-evm-contract")
	chinese(t, tb, "EVM contract")
	tb.checkErrors()
}

// scanReport scans a deployed contract's runtime code with the real
// bytecode scanner and writes its JSON report, as lianjian scan does.
func scanReport(t *testing.T, w *world, name string) string {
	t.Helper()
	addr := strings.ToLower(w.traffic.Contracts[name].Hex())
	c, err := w.db.Contract(context.Background(), evmChain, addr)
	if err != nil {
		t.Fatalf("contract %s (%s): %v", name, addr, err)
	}
	res, err := evmscan.Scan(c.Code, evmscan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) == 0 {
		t.Fatalf("the scanner finds nothing in %s", name)
	}
	for i := range res.Findings {
		res.Findings[i].Location.Path = addr
	}
	path := filepath.Join(t.TempDir(), strings.ToLower(name)+".json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := contracts.WriteJSON(f, res.Findings); err != nil {
		t.Fatal(err)
	}
	return path
}

// session checks deep links through the login and a token revoked while
// signed in.
func session(t *testing.T, w *world, browser context.Context, base, out string) {
	f := one(t, w, ledger.FindingFilter{Chain: fabChain, Rule: "FAB-DATA-HASH"})
	tb := newTab(t, browser, base, out, "session")
	tb.do("deep link", chromedp.Navigate(base+console.Path+"#/findings/"+f.ID))
	tb.login(w.revSec)
	tb.wait("lands on the finding", `location.hash === '#/findings/`+f.ID+`' && document.querySelector('#finding-subject')`)
	tb.idle("finding")
	if got := tb.text("#finding-subject"); !strings.Contains(got, "12") {
		t.Errorf("data-hash finding subject = %q, want block 12", got)
	}
	tb.shot("01-deep-link")
	if _, err := w.db.RevokeToken(context.Background(), w.revoke, time.Now()); err != nil {
		t.Fatal(err)
	}
	tb.open("/dashboard")
	tb.wait("expired", `location.hash.startsWith('#/login') && document.querySelector('#login-msg.error')`)
	if got := tb.text("#login-msg"); !strings.Contains(got, "已过期") {
		t.Errorf("after revocation the login says %q, want the session-expired message", got)
	}
	tb.shot("02-revoked")
	tb.checkErrors()

	// The demo link carries a token once; the console keeps it in the
	// tab's session storage and drops it from the address bar.
	demo := newTab(t, browser, base, out, "demo")
	demo.do("demo link", chromedp.Navigate(base+console.Path+"#/login?token="+w.tokens[supervise.RoleRegulator]+"&next=/findings"))
	demo.wait("findings", `location.hash === '#/findings' && document.querySelector('#findings .vt-row')`)
	if loc, _ := chromedp.Run(demo.ctx, chromedp.Location()); strings.Contains(loc, "lj_") {
		t.Errorf("the demo token stays in the address bar: %s", loc)
	}
	dashboardRisk(t, w, demo)
	demo.checkErrors()
}

// levelZH are the dashboard's Chinese risk level labels.
var levelZH = map[ledger.Severity]string{ledger.Critical: "严重", ledger.High: "高", ledger.Medium: "中", ledger.Low: "低"}

// dashboardRisk checks the risk score of every chain on the dashboard
// after a supervision round: its level is the worst open finding of the
// chain (the label matches the findings), and a chain with a critical
// finding never ranks below one without.
func dashboardRisk(t *testing.T, w *world, tb *tab) {
	t.Helper()
	sup, err := nodes.NewSupervisor(nodes.Config{}, w.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Round(context.Background()); err != nil {
		t.Fatalf("supervision round: %v", err)
	}
	tb.open("/dashboard")
	tb.wait("risk scores", `document.querySelectorAll('#dash-chains [data-chain]').length === 4 && ![...document.querySelectorAll('#dash-chains [data-chain] .stat:last-child b')].some((b) => b.textContent === '…')`)
	tb.shot("13-dashboard-risk")
	withCritical, without := 101, -1 // lowest score with a critical finding, highest without
	for _, chain := range []string{evmChain, fabChain, gmChain, fiscoChain} {
		worst := ledger.Info
		for _, f := range w.findings(t, ledger.FindingFilter{Chain: chain}) {
			if !supervise.Closed(f.Status) && f.Severity.Rank() > worst.Rank() {
				worst = f.Severity
			}
		}
		got := tb.text(`[data-chain="` + chain + `"] .stat:last-child b`)
		var score int
		var label string
		if n, _ := fmt.Sscanf(got, "%d · %s", &score, &label); n < 1 {
			t.Errorf("dashboard risk of %s = %q, want a score", chain, got)
			continue
		}
		if want := levelZH[worst]; want != "" && label != want || want == "" && score != 0 {
			t.Errorf("dashboard risk of %s = %q; its worst open finding is %s, want the level %q", chain, got, worst, want)
		}
		if worst == ledger.Critical {
			withCritical = min(withCritical, score)
		} else {
			without = max(without, score)
		}
		t.Logf("dashboard risk of %s: %s (worst open finding %s)", chain, got, worst)
	}
	if withCritical <= without {
		t.Errorf("a chain with a critical finding scores %d, one without %d; want every chain with one ranked first", withCritical, without)
	}
}
