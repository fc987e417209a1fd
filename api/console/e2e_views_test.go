package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
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
