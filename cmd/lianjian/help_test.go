package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger/index"
)

// helpNames lists every command and subcommand, as "nodes list".
func helpNames() []string {
	var names []string
	for n := range commands {
		names = append(names, n)
		for _, s := range subcommands[n] {
			names = append(names, n+" "+s)
		}
	}
	slices.Sort(names)
	return names
}

// runMain runs the lianjian command as a child process in dir and returns
// its stdout, stderr and exit code.
func runMain(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LIANJIAN_TEST_MAIN=1", "LIANJIAN_TEST_ARGS="+strings.Join(args, " "))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// TestHelp runs every command's and subcommand's -h and --help, in both
// languages, as a process in an empty directory: each exits 0, prints on
// stdout its description, its usage and the global flags, and creates
// nothing.
func TestHelp(t *testing.T) {
	for _, name := range append([]string{""}, helpNames()...) {
		for _, flagArgs := range [][]string{{"-h"}, {"--help"}, {"-h", "--lang", "en"}} {
			args := append(strings.Fields(name), flagArgs...)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				out, errOut, code := runMain(t, dir, args...)
				l := helpLang(args)
				want := helpTexts[l][cmp.Or(name, "lianjian")]
				usage := fmt.Sprintf("%s: lianjian %s", helpTexts[l]["usage"], cmp.Or(name, "COMMAND"))
				switch {
				case code != 0:
					t.Errorf("lianjian %s: exit %d, want 0 (stderr %q)", strings.Join(args, " "), code, errOut)
				case errOut != "":
					t.Errorf("lianjian %s: stderr %q, want nothing", strings.Join(args, " "), errOut)
				case want == "" || !strings.HasPrefix(out, want+"\n"):
					t.Errorf("lianjian %s = %q, want it to start with the description %q", strings.Join(args, " "), out, want)
				case !strings.Contains(out, usage):
					t.Errorf("lianjian %s = %q, want the usage %q", strings.Join(args, " "), out, usage)
				}
				for _, g := range []string{"-config", "-data-dir", "-log-level", "-log-json", helpTexts[l]["global"] + ":"} {
					if !strings.Contains(out, g) {
						t.Errorf("lianjian %s does not show the global flag %s:\n%s", strings.Join(args, " "), g, out)
					}
				}
				if ents, err := os.ReadDir(dir); err != nil || len(ents) > 0 {
					t.Errorf("lianjian %s created %v (%v), want nothing", strings.Join(args, " "), ents, err)
				}
			})
		}
	}
}

// TestHelpTexts checks that every command and subcommand has a
// description in both languages.
func TestHelpTexts(t *testing.T) {
	for _, name := range helpNames() {
		for _, l := range []lang{report.LangZH, report.LangEN} {
			d := helpTexts[l][name]
			if d == "" || (l == report.LangZH) != hasHan(d) {
				t.Errorf("helpTexts[%s][%q] = %q, want a description in %s", l, name, d, l)
			}
		}
	}
}

// TestNoIndex runs the commands that need an index where there is none:
// each says so and how to make one, in its language, and creates nothing.
func TestNoIndex(t *testing.T) {
	for _, args := range [][]string{
		{"users", "list"},
		{"users", "revoke", "tok"},
		{"nodes", "list"},
		{"nodes", "show", "--id", "peer0"},
		{"nodes", "retire", "--id", "peer0"},
		{"report", "--format", "json"},
		{"audit", "--chain", "c"},
		{"auditlog", "list"},
		{"auditlog", "verify"},
		{"auditlog", "export", "--from", "2026-01-01", "--to", "2026-01-02"},
		{"auditlog", "checkpoint"},
		{"index", "check"},
	} {
		for _, l := range []string{report.LangZH, report.LangEN} {
			t.Run(strings.Join(args, " ")+" "+l, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "data")
				_, _, err := runCmd(t, append(args, "--data-dir", dir, "--lang", l)...)
				want := fmt.Sprintf(helpTexts[lang(l)]["noindex"], dir)
				if err == nil || err.Error() != want {
					t.Errorf("lianjian %s = %v, want %q", strings.Join(args, " "), err, want)
				}
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("lianjian %s created %s (%v)", strings.Join(args, " "), dir, err)
				}
			})
		}
	}
	if !strings.Contains(helpTexts[report.LangEN]["noindex"], "run lianjian ingest") ||
		!strings.Contains(helpTexts[report.LangZH]["noindex"], "lianjian ingest") {
		t.Errorf("the no-index message does not say how to make an index")
	}
}

// TestPlurals checks that English summaries count in the singular for one
// and the plural otherwise, and that Chinese is left alone.
func TestPlurals(t *testing.T) {
	en, zh := lang(report.LangEN), lang(report.LangZH)
	for _, tt := range []struct {
		l      lang
		format string
		args   []any
		want   string
	}{
		{en, verifyTexts[en].Failed, []any{1}, "integrity FAILED: 1 finding"},
		{en, verifyTexts[en].Failed, []any{2}, "integrity FAILED: 2 findings"},
		{en, reportWritten[en], []any{1, "r.html"}, "report: 1 finding written to r.html\n"},
		{en, ingestTexts[en].Fisco, []any{1, 1, "c", "GM", 0, 1, 1},
			"imported 1 block (1 tx) of FISCO BCOS chain c (GM), 0 already indexed, 1 standalone item verified, 1 finding\n"},
		{en, ingestTexts[en].Backfilled, []any{1, 2, "c", uint64(1), 1.0, 1.0, 2.0}, "ingested 1 block (2 txs) of c up to height 1 in 1.0s (1 block/s, 2 tx/s)\n"},
		{en, "%d problem(s); %d entries", []any{1, 1}, "1 problem; 1 entry"},
		{en, "%d problem(s); %d entries", []any{3, 11}, "3 problems; 11 entries"},
		{zh, verifyTexts[zh].Failed, []any{1}, fmt.Sprintf(verifyTexts[zh].Failed, 1)},
	} {
		if got := tt.l.sprintf(tt.format, tt.args...); got != tt.want {
			t.Errorf("%s.sprintf(%q, %v) = %q, want %q", tt.l, tt.format, tt.args, got, tt.want)
		}
	}
}

// TestFormatMessage checks what a command says, in each language, about
// an index written in another record format.
func TestFormatMessage(t *testing.T) {
	for _, l := range []string{report.LangZH, report.LangEN} {
		old := &formatError{fe: &index.FormatError{Dir: "/srv/lj", Have: 1, Want: 2}, lang: lang(l)}
		if s := old.Error(); !strings.Contains(s, "/srv/lj") || !strings.Contains(s, "lianjian ingest") ||
			!strings.Contains(s, "--data-dir") || !strings.Contains(s, "1") || !strings.Contains(s, "2") {
			t.Errorf("%s: old format = %q, want the directory, both formats and what to do", l, s)
		}
		newer := &formatError{fe: &index.FormatError{Dir: "/srv/lj", Have: 3, Want: 2}, lang: lang(l)}
		if s := newer.Error(); !strings.Contains(s, "/srv/lj") || !strings.Contains(s, "3") || strings.Contains(s, "lianjian ingest") {
			t.Errorf("%s: newer format = %q", l, s)
		}
		if !errors.Is(old, index.ErrFormat) {
			t.Errorf("%s: the CLI error does not wrap index.ErrFormat", l)
		}
	}
}
