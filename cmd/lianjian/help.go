package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/api/report"
)

// helpError is what parse returns when the flags ask for help: run
// prints the help of fs and exits 0. Commands parse their flags before
// they touch anything, so asking for help never creates or changes a
// file.
type helpError struct{ fs *flag.FlagSet }

func (h *helpError) Error() string { return h.fs.Name() + ": help requested" }

// Unwrap makes a helpError match flag.ErrHelp.
func (h *helpError) Unwrap() error { return flag.ErrHelp }

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// wantsHelp reports whether args ask for help before a "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelp(a) {
			return true
		}
	}
	return false
}

// helpLang is the language of the help: --lang as the command would read
// it, zh-CN by default.
func helpLang(args []string) lang {
	for i, a := range args {
		switch {
		case a == "--":
			return report.LangZH
		case (a == "--lang" || a == "-lang") && i+1 < len(args):
			if args[i+1] == report.LangEN {
				return report.LangEN
			}
		case a == "--lang="+report.LangEN || a == "-lang="+report.LangEN:
			return report.LangEN
		}
	}
	return report.LangZH
}

// help answers -h and --help for the command name: the subcommands of a
// command that has them, else the command's own flags, which it reports
// by parsing args and returning a *helpError.
func help(ctx context.Context, e *env, name string, c command, args []string) error {
	l := helpLang(args)
	if subs := subcommands[name]; subs != nil && (len(args) == 0 || !slices.Contains(subs, args[0])) {
		commandHelp(e.stdout, l, name, subs)
		return nil
	}
	err := c.run(ctx, e, args)
	var h *helpError
	if !errors.As(err, &h) {
		// Every command's flags answer -h; reaching here is a bug.
		return fmt.Errorf("%s: -h did not print the help: %w", name, err)
	}
	flagsHelp(e.stdout, l, h.fs)
	return nil
}

// commandHelp prints the help of a command with subcommands.
func commandHelp(w io.Writer, l lang, name string, subs []string) {
	t := helpTexts[l]
	fmt.Fprintf(w, "%s\n\n%s: lianjian %s %s [flags]\n\n%s:\n", t[name], t["usage"], name, strings.Join(subs, "|"), t["subcommands"])
	for _, s := range subs {
		fmt.Fprintf(w, "  %-11s %s\n", s, t[name+" "+s])
	}
	fmt.Fprintf(w, "\n%s\n", fmt.Sprintf(t["more"], name+" "+subs[0]))
	globalFlags(w, l)
}

// flagsHelp prints the help of a command or subcommand from its flags,
// the global ones apart.
func flagsHelp(w io.Writer, l lang, fs *flag.FlagSet) {
	t := helpTexts[l]
	name := fs.Name()
	fmt.Fprintf(w, "%s\n\n%s: lianjian %s %s\n", t[name], t["usage"], name, cmp.Or(t[name+" args"], "[flags]"))
	if n := t[name+" note"]; n != "" {
		fmt.Fprintf(w, "\n%s\n", n)
	}
	global := flag.NewFlagSet("", flag.ContinueOnError)
	new(common).register(global)
	fmt.Fprintf(w, "\n%s:\n", t["flags"])
	fs.VisitAll(func(f *flag.Flag) {
		if global.Lookup(f.Name) == nil {
			printFlag(w, l, name, f)
		}
	})
	globalFlags(w, l)
}

// globalFlags prints the flags every command takes.
func globalFlags(w io.Writer, l lang) {
	global := flag.NewFlagSet("", flag.ContinueOnError)
	new(common).register(global)
	fmt.Fprintf(w, "\n%s:\n", helpTexts[l]["global"])
	global.VisitAll(func(f *flag.Flag) { printFlag(w, l, "", f) })
}

// printFlag prints the flag f of the command or subcommand cmd ("" for
// a global flag) as the flag package's PrintDefaults does, described in
// l: by its usage in English, by its flagTexts entry in Chinese, where
// the default reads "（默认：…）".
func printFlag(w io.Writer, l lang, cmd string, f *flag.Flag) {
	usage := f.Usage
	if l != report.LangEN {
		if s, ok := flagText(cmd, f.Name); ok {
			usage = s
		}
	}
	one := flag.NewFlagSet(cmd, flag.ContinueOnError)
	one.Var(f.Value, f.Name, usage)
	// The default, not the value flags before the -h may have set.
	one.Lookup(f.Name).DefValue = f.DefValue
	var b strings.Builder
	one.SetOutput(&b)
	one.PrintDefaults()
	s := b.String()
	if l != report.LangEN {
		for _, d := range []string{strconv.Quote(f.DefValue), f.DefValue} {
			if t, ok := strings.CutSuffix(s, " (default "+d+")\n"); ok {
				s = t + "（默认：" + f.DefValue + "）\n"
				break
			}
		}
	}
	io.WriteString(w, s)
}

// usage prints the command list.
func usage(w io.Writer, l lang) {
	t := helpTexts[l]
	fmt.Fprintf(w, "%s\n\n%s: lianjian COMMAND [flags]\n\n%s:\n", t["lianjian"], t["usage"], t["commands"])
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, t[n])
	}
	fmt.Fprintf(w, "\n%s\n", fmt.Sprintf(t["more"], "COMMAND"))
	globalFlags(w, l)
}
