package console_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lianjian/lianjian/api/console"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/compliance"
	"github.com/lianjian/lianjian/ledger/ruletext"
)

// dashboardCharts checks the dashboard's charts: every axis tick sits at
// the height of the value it names, the EVM per-minute chart starts at a
// real minute (geth's genesis has time 0), and a chain kind without orgs
// says per-org counts do not apply.
func dashboardCharts(t *testing.T, tb *tab) {
	t.Helper()
	bad := js[string](tb, "chart ticks", `(() => {
		const bad = [];
		for (const s of document.querySelectorAll('#dash-chains .chart svg')) {
			const pts = [...s.querySelectorAll('line.axis')].map((l) => [l.nextElementSibling?.textContent ?? '', Number(l.getAttribute('y1'))]);
			if (!pts.length) continue; // a ranking (hbars) has no y axis
			if (pts.length < 2) { bad.push('one tick only'); continue; }
			const vs = pts.map(([v]) => Number(v));
			if (vs.some((v) => !Number.isInteger(v))) { bad.push('ticks ' + pts.map(([v]) => v).join('/')); continue; }
			const zero = pts[vs.indexOf(0)], top = pts[vs.indexOf(Math.max(...vs))];
			if (!zero) { bad.push('no 0 tick'); continue; }
			for (const [i, [, y]] of pts.entries()) {
				const want = zero[1] - ((zero[1] - top[1]) * vs[i]) / vs[vs.indexOf(Math.max(...vs))];
				if (Math.abs(y - want) > 0.5) bad.push('tick ' + vs[i] + ' at y ' + y + ', want ' + want.toFixed(1) + ' (ticks ' + vs.join('/') + ')');
			}
		}
		return bad.join('; ');
	})()`)
	if bad != "" {
		t.Errorf("dashboard chart ticks: %s", bad)
	}
	card := `[data-chain="` + evmChain + `"]`
	from := js[string](tb, "EVM tx/min from", `document.querySelector('`+card+` .tx-per-minute')?.dataset.from ?? ''`)
	if ts, err := time.Parse("2006-01-02T15:04", from); err != nil || ts.Year() < 2020 {
		t.Errorf("EVM tx/min chart starts at %q, want the minute of a block with a time (no 1970 bucket)", from)
	}
	if got := tb.text(card + " .tx-per-org"); !strings.Contains(got, "不适用") || strings.Contains(got, "未提供") {
		t.Errorf("EVM per-org counts = %q, want 不适用 (not applicable), not 未提供", got)
	}
}

// findingsOrder checks the findings list: most severe first, then newest
// last seen, with rule ids and objects in full (shown or in the tooltip).
func findingsOrder(t *testing.T, w *world, tb *tab) {
	t.Helper()
	all := w.findings(t, ledger.FindingFilter{})
	first := func(a, b *ledger.Finding) bool {
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if !a.LastSeen.Equal(b.LastSeen) {
			return a.LastSeen.After(b.LastSeen)
		}
		return a.ID < b.ID
	}
	top := all[0]
	for _, f := range all {
		if first(f, top) {
			top = f
		}
	}
	if got := js[string](tb, "first finding", `document.querySelector('#findings .vt-row[data-i="0"]')?.getAttribute('href') ?? ''`); got != "#/findings/"+top.ID {
		t.Errorf("first row of the findings list links %q, want the most severe, newest finding %s (%s %s)", got, top.ID, top.Severity, top.LastSeen)
	}
	cut := js[string](tb, "cut cells", `(() => {
		const bad = [];
		for (const r of document.querySelectorAll('#findings .vt-row')) {
			const [rule, subject] = [r.children[2], r.children[4]];
			if (rule.scrollWidth > rule.clientWidth && rule.title !== rule.textContent) bad.push('rule ' + rule.textContent);
			if (subject.scrollWidth > subject.clientWidth && subject.title !== subject.textContent) bad.push('subject ' + subject.textContent);
		}
		return bad.join('; ');
	})()`)
	if cut != "" {
		t.Errorf("findings list cuts off: %s", cut)
	}
	// The object is named in full: the subject's whole ref.
	ref := js[string](tb, "first subject", `document.querySelector('#findings .vt-row[data-i="0"]')?.children[4]?.title ?? ''`)
	if top.Subject.Ref != "" && !strings.Contains(ref, top.Subject.Ref) {
		t.Errorf("first row's object = %q, want the full ref %q", ref, top.Subject.Ref)
	}
}

// untranslatedJS lists the visible text of the page that a Chinese
// reader would find untranslated: a text node (or a placeholder or
// tooltip) with no Chinese character that runs three or more English
// words together. Data is exempt: what sits in .mono, code, pre, svg or
// under translate="no" (hashes, ids, certificate subjects, library
// errors quoted as evidence), and single words or pairs (MSP ids,
// algorithm names, "ANY Readers").
const untranslatedJS = `(() => {
	const prose = /[A-Za-z]{2,}[a-z]*\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}/;
	const han = /[\u4e00-\u9fff]/;
	const exempt = (el) => el.closest('.mono, code, pre, svg, [translate="no"], script, style, #lang');
	const bad = new Set();
	const check = (s, el) => {
		s = (s || '').trim();
		if (s && !han.test(s) && prose.test(s) && !exempt(el)) bad.add(s.slice(0, 120));
	};
	const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = w.nextNode(); n; n = w.nextNode()) {
		const el = n.parentElement;
		if (!el || el.closest('[hidden]') || el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
		check(n.textContent, el);
	}
	for (const el of document.querySelectorAll('main [placeholder], main [title], #nav [title]')) {
		check(el.getAttribute('placeholder'), el);
		check(el.getAttribute('title'), el);
	}
	return [...bad].join(' | ');
})()`

// chinese fails the test when the page shows a string a Chinese reader
// would find untranslated (see untranslatedJS).
func chinese(t *testing.T, tb *tab, view string) {
	t.Helper()
	if bad := js[string](tb, "untranslated on "+view, untranslatedJS); bad != "" {
		t.Errorf("%s view shows untranslated text in zh-CN: %s", view, bad)
	}
}

var hanRE = regexp.MustCompile(`\p{Han}`)

// htmlReport makes the HTML supervision report of chain in the reports
// view and waits for its download link.
func htmlReport(tb *tab, chain string) {
	tb.t.Helper()
	tb.open("/reports")
	tb.do("html report of "+chain,
		chromedp.SetValue(chromedp.CSS("#report-form [name=chain]"), chain),
		chromedp.SetValue(chromedp.CSS("#report-form [name=format]"), "html"),
		chromedp.Click(chromedp.CSS("#report-form button[type=submit]")))
	tb.wait("report ready", `document.querySelector('#report-download')`)
}

// reportPage opens the HTML report the reports view just made (its
// download link) in the tab, screenshots it as name, checks it is in the
// console's language, and comes back to the console.
func reportPage(t *testing.T, tb *tab, name string) {
	t.Helper()
	lang := js[string](tb, "console language", `document.getElementById('lang').value`)
	href := js[string](tb, "report link", `document.querySelector('#report-download').href`)
	tb.do("open report "+name, chromedp.Navigate(href))
	tb.wait("report page", `document.querySelector('h1')`)
	head := tb.text("h1")
	if lang == "en" && !strings.Contains(strings.ToLower(head), "report") || lang != "en" && !hanRE.MatchString(head) {
		t.Errorf("%s report page title %q, want the %s report", name, head, lang)
	}
	if lang != "en" {
		if bad := js[string](tb, "untranslated report", untranslatedJS); bad != "" {
			t.Errorf("zh-CN HTML report shows untranslated text: %s", bad)
		}
	}
	tb.shot(name)
	tb.do("back to the console", chromedp.Navigate(tb.base+console.Path+"#/reports"))
	tb.wait("console again", `document.querySelector('main .view') && !document.querySelector('main .loading')`)
}

// compliancePage assesses the tampered Fabric chain against GM/T 0111:
// every clause of the catalogue has a row with an outcome, the summary
// counts them, a clause whose checks name the endorsement-signature rule
// fails with that finding as evidence, and the printable page downloads.
func compliancePage(t *testing.T, tb *tab, name string) {
	t.Helper()
	std, ok := compliance.Lookup("gmt0111")
	if !ok {
		t.Fatal("no gmt0111 in the compliance catalogue")
	}
	tb.open("/compliance?chain=" + fabChain + "&standard=gmt0111")
	tb.wait("assessment", `document.querySelector('#compliance-clauses tbody tr')`)
	if n := tb.count("#compliance-clauses tbody tr"); n != len(std.Clauses) {
		t.Errorf("compliance view lists %d clauses, want the catalogue's %d", n, len(std.Clauses))
	}
	if n := tb.count("#compliance-clauses tbody tr .badge.cs"); n != len(std.Clauses) {
		t.Errorf("compliance view shows %d outcomes, want one per clause (%d)", n, len(std.Clauses))
	}
	var endorse string
	for _, c := range std.Clauses {
		for _, k := range c.Checks {
			if slices.Contains(k.Rules["fabric"], "FAB-SIG-ENDORSER") && endorse == "" {
				endorse = c.Number
			}
		}
	}
	if endorse == "" {
		t.Fatal("no GM/T 0111 clause checks FAB-SIG-ENDORSER")
	}
	row := `#compliance-clauses tr[data-clause="` + endorse + `"]`
	if got := js[string](tb, "clause status", `document.querySelector('`+row+` .badge.cs')?.dataset.status ?? ''`); got != "fail" {
		t.Errorf("clause %s (checks FAB-SIG-ENDORSER) on the tampered chain = %q, want fail", endorse, got)
	}
	if got := tb.text(row); !strings.Contains(got, "FAB-SIG-ENDORSER") {
		t.Errorf("clause %s row = %q, want the endorsement finding as evidence", endorse, got)
	}
	tb.shot(name)
	size := js[int](tb, "printable assessment", `(async () => {
		const r = await fetch('/api/v1/chains/`+fabChain+`/compliance?standard=gmt0111&format=html&lang=' + document.getElementById('lang').value,
			{ headers: { Authorization: 'Bearer ' + sessionStorage.getItem('lianjian.token') } });
		const s = await r.text();
		return r.ok && s.includes('GM/T 0111-2021') && s.includes('FAB-SIG-ENDORSER') ? s.length : 0;
	})()`)
	if size == 0 {
		t.Error("the printable assessment lacks the standard or the endorsement finding")
	}
}

// findingTexts holds every finding of the real chains to the Chinese
// catalogue: its message renders in Chinese from its rule's template
// with every name filled, and each of its evidence keys has a label in
// both languages.
func findingTexts(t *testing.T, w *world) {
	t.Helper()
	unlabelled := map[string]string{}
	bad := map[string]string{}
	for _, f := range w.findings(t, ledger.FindingFilter{}) {
		if _, ok := ruletext.Exact(f.Rule, ruletext.ZH); !ok {
			continue // a rule the test declares (the 10,000-finding fixture)
		}
		if m := f.MessageIn(ruletext.ZH); !hanRE.MatchString(m) {
			bad[f.Rule] = m
		}
		for k := range f.Evidence {
			if !ruletext.Labelled(k, ruletext.ZH) || !ruletext.Labelled(k, ruletext.EN) {
				unlabelled[k] = f.Rule
			}
		}
	}
	for rule, m := range bad {
		t.Errorf("a %s finding's zh-CN message is not Chinese: %q", rule, m)
	}
	for k, rule := range unlabelled {
		t.Errorf("evidence key %q (a %s finding) has no label in zh-CN and en", k, rule)
	}
}
