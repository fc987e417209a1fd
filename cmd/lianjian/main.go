// Command lianjian is the Lianjian supervision service and its tools:
// serve (ingest, verify and serve the API), ingest (one-shot backfill),
// rules (the rule catalogue) and version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/lianjian/lianjian/api/report"
)

// command is one subcommand; its description and its own subcommands
// are in labels_help.go.
type command struct {
	run func(ctx context.Context, env *env, args []string) error
}

// commands holds the subcommands; each file registers its own in init,
// so a new subcommand is one new file.
var commands = map[string]command{}

// env carries the process's outside world, so tests can run commands
// in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// auditlog is the loaded config's audit-log anchoring, so that
	// recordCLI can sign a checkpoint at the end of a command.
	auditlog *AuditLogConfig
}

// errUsage marks command-line mistakes; main exits 2 for them.
var errUsage = errors.New("usage")

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// GOMEMLIMIT sets another: the garbage collector works harder near it, so
// the heap badger's memtables and table builders churn through does not
// double before it is collected (README: Memory).
const defaultMemoryLimit = 288 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	err := run(ctx, e, os.Args[1:])
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "lianjian:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "lianjian:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		usage(e.stderr, report.LangZH)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	if isHelp(args[0]) || args[0] == "help" {
		usage(e.stdout, helpLang(args))
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(e.stderr, helpLang(args))
		return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	if wantsHelp(args[1:]) {
		return help(ctx, e, args[0], c, args[1:])
	}
	return indexAdvice(c.run(ctx, e, args[1:]))
}

// common holds the flags every command shares.
type common struct {
	config   string
	dataDir  string
	store    string
	logLevel string
	logJSON  bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "configuration file (YAML)")
	fs.StringVar(&c.dataDir, "data-dir", "", "index directory (overrides data_dir in the config)")
	fs.StringVar(&c.store, "store", "", "PostgreSQL DSN (postgres://...) keeping the index instead of the data directory (overrides index.store in the config)")
	fs.StringVar(&c.logLevel, "log-level", "", "log level: debug, info, warn, error (overrides the config)")
	fs.BoolVar(&c.logJSON, "log-json", false, "log as JSON lines")
}

// parse parses args, turning flag errors into usage errors and -h into
// a *helpError. Every command takes the global flags, as the README says;
// one that uses neither the config nor the index ignores them.
func parse(fs *flag.FlagSet, args []string) error {
	if fs.Lookup("config") == nil {
		new(common).register(fs)
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpError{fs}
		}
		return fmt.Errorf("%w: %s: %w", errUsage, fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, fs.Name(), fs.Arg(0))
	}
	return nil
}

// load reads the config file (if any) and applies flag overrides.
func (c *common) load(e *env) (*Config, error) {
	cfg := &Config{}
	if c.config != "" {
		var err error
		if cfg, err = LoadConfig(c.config); err != nil {
			return nil, err
		}
	} else {
		cfg.Defaults()
	}
	if c.dataDir != "" {
		cfg.DataDir = c.dataDir
	}
	if c.store != "" {
		cfg.Index.Store = c.store
	}
	if c.logLevel != "" {
		cfg.Log.Level = c.logLevel
	}
	if c.logJSON {
		cfg.Log.Format = "json"
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e.auditlog = &cfg.AuditLog
	return cfg, nil
}

func newLogger(w io.Writer, lc LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(lc.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if lc.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
