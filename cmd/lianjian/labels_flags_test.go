package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/api/report"
)

// helpFlagSets returns the flags of every command and subcommand that
// has its own ("nodes list"), built as -h builds them: by running it
// with -h, which parses its flags and returns them in a *helpError. The
// global flags are under "".
func helpFlagSets(t *testing.T) map[string]*flag.FlagSet {
	t.Helper()
	global := flag.NewFlagSet("", flag.ContinueOnError)
	new(common).register(global)
	sets := map[string]*flag.FlagSet{"": global}
	for _, name := range helpNames() {
		args := strings.Fields(name)
		if len(args) == 1 && subcommands[name] != nil {
			continue // its -h lists its subcommands and the global flags
		}
		e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
		err := commands[args[0]].run(context.Background(), e, append(args[1:], "-h"))
		var h *helpError
		if !errors.As(err, &h) {
			t.Fatalf("lianjian %s -h: %v, want its flags", name, err)
		}
		if h.fs.Name() != name {
			t.Errorf("lianjian %s -h: flags of %q", name, h.fs.Name())
		}
		sets[name] = h.fs
	}
	return sets
}

// TestFlagTexts checks that every flag of every command and subcommand,
// and every global flag, has a zh-CN description in flagTexts, written
// in Chinese, so that a new flag without one fails.
func TestFlagTexts(t *testing.T) {
	n := 0
	for name, fs := range helpFlagSets(t) {
		fs.VisitAll(func(f *flag.Flag) {
			n++
			s, ok := flagText(name, f.Name)
			switch {
			case !ok:
				t.Errorf("flag -%s of %q has no zh-CN description: add %q to flagTexts (labels_flags.go)", f.Name, name, strings.TrimSpace(name+" -"+f.Name))
			case !hasHan(s):
				t.Errorf("flagTexts for -%s of %q = %q, want Chinese", f.Name, name, s)
			case strings.Contains(s, "`"):
				t.Errorf("flagTexts for -%s of %q = %q has a back quote, which the flag package takes for the type name", f.Name, name, s)
			}
			if hasHan(f.Usage) {
				t.Errorf("usage of -%s of %q = %q, want English (the zh-CN text goes in flagTexts)", f.Name, name, f.Usage)
			}
		})
	}
	t.Logf("%d flags", n)
}

// TestFlagTextsUsed checks that every flagTexts entry is that of a flag:
// a renamed or removed flag leaves none behind.
func TestFlagTextsUsed(t *testing.T) {
	keys := map[string]bool{}
	for name, fs := range helpFlagSets(t) {
		fs.VisitAll(func(f *flag.Flag) {
			keys["-"+f.Name] = true // a shared entry
			if name != "" {
				keys[name+" -"+f.Name] = true
			}
		})
	}
	for key := range flagTexts {
		if !keys[key] {
			t.Errorf("flagTexts[%q]: no such flag", key)
		}
	}
}

// TestFlagHelpLanguages runs -h of every command and subcommand: in
// zh-CN each flag shows its Chinese description and the defaults read
// "（默认：…）"; with --lang en, its English usage.
func TestFlagHelpLanguages(t *testing.T) {
	sets := helpFlagSets(t)
	global := sets[""]
	for _, name := range append([]string{""}, helpNames()...) {
		fs := sets[name]
		if name != "" && fs == nil {
			fs = global // a command with subcommands: the global flags
		}
		for _, l := range []lang{report.LangZH, report.LangEN} {
			args := append(strings.Fields(name), "-h")
			if l == report.LangEN {
				args = append(args, "--lang", "en")
			}
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, _, err := runCmd(t, args...)
				if err != nil {
					t.Fatalf("lianjian %s: %v", strings.Join(args, " "), err)
				}
				show := func(f *flag.Flag) {
					cmd := name
					if global.Lookup(f.Name) != nil {
						cmd = ""
					}
					want := f.Usage
					if l == report.LangZH {
						want, _ = flagText(cmd, f.Name)
					}
					if !strings.Contains(out, "  -"+f.Name) || !strings.Contains(out, "\t"+want) {
						t.Errorf("lianjian %s does not show -%s with %q:\n%s", strings.Join(args, " "), f.Name, want, out)
					}
				}
				fs.VisitAll(show)
				global.VisitAll(show)
				if l == report.LangZH && strings.Contains(out, "(default ") {
					t.Errorf("lianjian %s shows an English default:\n%s", strings.Join(args, " "), out)
				}
			})
		}
	}
}

// TestFlagHelpDefaults checks how -h prints defaults: the flag
// package's " (default …)" in English, "（默认：…）" in Chinese; and the
// default, not a value given before the -h.
func TestFlagHelpDefaults(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "-h"}, "\t输出格式：html、json 或 csv（默认：html）\n"},
		{[]string{"report", "-h"}, "\t摘要与消息的语言：zh-CN 或 en（默认：zh-CN）\n"},
		{[]string{"report", "--format", "csv", "-h"}, "（默认：html）\n"},
		{[]string{"report", "-h", "--lang", "en"}, "\thtml, json or csv (default \"html\")\n"},
		{[]string{"auditlog", "list", "-h"}, "\t从该序号的条目开始打印（默认：1）\n"},
		{[]string{"auditlog", "list", "-h", "--lang", "en"}, "\tfirst entry to print (default 1)\n"},
		{[]string{"verify", "-h"}, "  -q\t只打印摘要，不逐条列出问题\n"},
		{[]string{"ingest", "-h"}, "  -chain string\n    \t链 ID："},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out, _, err := runCmd(t, c.args...)
			if err != nil || !strings.Contains(out, c.want) {
				t.Errorf("lianjian %s = %q, %v; want it to contain %q", strings.Join(c.args, " "), out, err, c.want)
			}
		})
	}
}
