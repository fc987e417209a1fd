package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger/supervise"
)

func init() {
	commands["auditlog"] = command{run: runAuditLog}
}

// auditFlags are the auditlog subcommands' flags.
type auditFlags struct {
	common
	lang        string
	pubkey      string // PEM verifying checkpoints (default auditlog.pubkey, else auditlog.key)
	checkpoints string // external checkpoint file (default auditlog.checkpoints)
	file        string // verify: an exported segment instead of the index
	from, to    string // export: time range
	out         string // export: output file (default stdout)
	fromSeq     uint64 // list: first entry
}

func runAuditLog(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: auditlog: want verify, list, export or checkpoint", errUsage)
	}
	var f auditFlags
	fs := flag.NewFlagSet("auditlog "+args[0], flag.ContinueOnError)
	f.register(fs)
	fs.StringVar(&f.lang, "lang", report.LangZH, "zh-CN or en")
	switch args[0] {
	case "verify":
		fs.StringVar(&f.pubkey, "pubkey", "", "SM2 public key (PEM) that signed the checkpoints (default auditlog.pubkey, else auditlog.key)")
		fs.StringVar(&f.checkpoints, "checkpoints", "", "external checkpoint file, the authority (default auditlog.checkpoints)")
		fs.StringVar(&f.file, "file", "", "verify an exported segment offline instead of the index")
	case "list":
		fs.Uint64Var(&f.fromSeq, "from", 1, "first entry to print")
	case "export":
		fs.StringVar(&f.from, "from", "", "start of the range: RFC 3339 time or date (YYYY-MM-DD, local time), inclusive (required)")
		fs.StringVar(&f.to, "to", "", "end of the range: RFC 3339 time (exclusive) or date (inclusive) (required)")
		fs.StringVar(&f.out, "out", "", "output file (default stdout)")
	case "checkpoint":
	default:
		return fmt.Errorf("%w: auditlog: unknown subcommand %q (want verify, list, export or checkpoint)", errUsage, args[0])
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	t, ok := auditTexts[f.lang]
	if !ok {
		return fmt.Errorf("%w: auditlog %s: --lang %q is not zh-CN or en", errUsage, args[0], f.lang)
	}
	switch args[0] {
	case "verify":
		if f.file != "" {
			return verifySegment(e, &f, &t)
		}
		return verifyLog(ctx, e, &f, &t)
	case "list":
		return listLog(ctx, e, &f)
	case "export":
		return exportLog(ctx, e, &f, &t)
	}
	return checkpointLog(ctx, e, &f, &t)
}

// anchors reads the key and the external checkpoints that verify takes,
// from the flags or else the config.
func (f *auditFlags) anchors(cfg *Config) (supervise.Anchors, error) {
	var a supervise.Anchors
	var err error
	if f.pubkey != "" {
		a.Key, err = readPublicKey(f.pubkey, "", "--pubkey", "")
	} else {
		a.Key, err = cfg.AuditLog.publicKey()
	}
	if err != nil {
		return a, err
	}
	path := f.checkpoints
	if path == "" {
		path = cfg.AuditLog.Checkpoints
	}
	if path == "" {
		return a, nil
	}
	if a.Key.IsZero() {
		return a, fmt.Errorf("%w: auditlog verify: checking %s needs the public key: --pubkey PEM, or auditlog.pubkey or auditlog.key", errUsage, path)
	}
	if err := a.ReadExternal(path); err != nil {
		return a, err
	}
	f.checkpoints = path
	return a, nil
}

func verifyLog(ctx context.Context, e *env, f *auditFlags, t *auditText) error {
	cfg, err := f.load(e)
	if err != nil {
		return err
	}
	a, err := f.anchors(cfg)
	if err != nil {
		return err
	}
	db, err := openIndexCLI(cfg, lang(f.lang), nil, readIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := supervise.VerifyLog(ctx, db, a)
	if err != nil {
		return err
	}
	return printReport(e.stdout, t, f.lang, r, false, f.checkpoints)
}

func verifySegment(e *env, f *auditFlags, t *auditText) error {
	cfg, err := f.load(e)
	if err != nil {
		return err
	}
	a, err := f.anchors(cfg)
	if err != nil {
		return err
	}
	fh, err := os.Open(f.file)
	if err != nil {
		return fmt.Errorf("segment: %w", err)
	}
	defer fh.Close()
	s, err := supervise.ReadSegment(fh)
	if err != nil {
		return fmt.Errorf("segment %s: %w", f.file, err)
	}
	first, last := s.Entries[0].Seq, s.Entries[len(s.Entries)-1].Seq
	fmt.Fprintf(e.stdout, t.Segment, first, last, s.From.Format(time.RFC3339), s.To.Format(time.RFC3339), s.Exported.Format(time.RFC3339))
	if len(s.After) > 0 {
		fmt.Fprintf(e.stdout, t.SegmentAfter, len(s.After))
	}
	fmt.Fprintln(e.stdout)
	return printReport(e.stdout, t, f.lang, s.Verify(a), true, f.checkpoints)
}

// printReport writes r, of the whole log or of a segment, in t's words
// (problems in lang) and returns an error when r has problems.
func printReport(w io.Writer, t *auditText, lang string, r *supervise.Report, segment bool, external string) error {
	fmt.Fprintf(w, t.Entries, r.Entries)
	if r.Entries > 0 {
		fmt.Fprintf(w, t.Range, r.First, r.Last)
	}
	fmt.Fprintln(w, t.Chain)
	switch {
	case !r.Anchored && r.Stored > 0:
		fmt.Fprintln(w, t.NoPubKey)
	case !r.Anchored:
		fmt.Fprintln(w, t.NotAnchored)
	default:
		fmt.Fprintf(w, t.Anchored, r.Checkpoints, short(r.KeyID))
		if r.External {
			fmt.Fprintf(w, t.AgainstExternal, external)
		} else if !segment {
			fmt.Fprint(w, t.IndexOnly)
		}
		fmt.Fprintln(w)
		if r.Latest != nil {
			fmt.Fprintf(w, t.Latest, r.Latest.Seq, r.Latest.Size, r.Latest.Time.Local().Format(time.RFC3339))
			fmt.Fprintln(w)
		}
		switch {
		case r.Latest == nil && r.Entries > 0:
			fmt.Fprintln(w, t.NoneYet)
		case r.Unanchored > 0:
			fmt.Fprintf(w, t.Pending+"\n", r.Unanchored)
		}
		if r.Unpublished > 0 {
			fmt.Fprintf(w, t.Unpublished+"\n", r.Unpublished)
		}
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(w, t.OK)
		return nil
	}
	fmt.Fprintln(w, t.ProblemsHead)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", p.Text(lang))
	}
	if r.More > 0 {
		fmt.Fprintf(w, "  "+t.More+"\n", r.More)
	}
	return fmt.Errorf(t.Failed, len(r.Problems)+r.More)
}

func listLog(ctx context.Context, e *env, f *auditFlags) error {
	db, err := openForCLI(e, &f.common, lang(f.lang), readIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.AuditEntries(ctx, f.fromSeq, func(en *supervise.Entry) bool {
		fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%x\n", en.Seq, en.Time.Format(time.RFC3339),
			en.Actor, en.Op, en.Target, en.Remote, en.Outcome, en.Hash)
		return true
	})
}

func exportLog(ctx context.Context, e *env, f *auditFlags, t *auditText) error {
	from, _, err := parseWhen(f.from, "--from")
	if err != nil {
		return err
	}
	to, date, err := parseWhen(f.to, "--to")
	if err != nil {
		return err
	}
	if date {
		to = to.AddDate(0, 0, 1) // a date ends the range inclusively
	}
	if !from.Before(to) {
		return fmt.Errorf("%w: auditlog export: --from %s is not before --to %s", errUsage, f.from, f.to)
	}
	cfg, err := f.load(e)
	if err != nil {
		return err
	}
	db, err := openIndexCLI(cfg, lang(f.lang), nil, readIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := supervise.Export(ctx, db, from, to, time.Now())
	if errors.Is(err, supervise.ErrNoEntries) {
		return fmt.Errorf(t.NoEntries, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if err != nil {
		return err
	}
	if f.out == "" {
		if _, err := s.WriteTo(e.stdout); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(e.stderr, t.Exported+"\n", s.Entries[0].Seq, s.Entries[len(s.Entries)-1].Seq, len(s.Entries), len(s.After), len(s.Checkpoints), "stdout")
		return nil
	}
	if err := writeSegment(f.out, s); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, t.Exported+"\n", s.Entries[0].Seq, s.Entries[len(s.Entries)-1].Seq, len(s.Entries), len(s.After), len(s.Checkpoints), f.out)
	return nil
}

// writeSegment writes s to the file path, readable by its owner only.
func writeSegment(path string, s *supervise.Segment) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	_, werr := s.WriteTo(fh)
	if err := errors.Join(werr, fh.Close()); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return nil
}

// parseWhen parses an RFC 3339 time or a date (local midnight) and says
// which it was.
func parseWhen(s, flagName string) (time.Time, bool, error) {
	if s == "" {
		return time.Time{}, false, fmt.Errorf("%w: auditlog export: %s is required", errUsage, flagName)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("%w: auditlog export: %s %q is not an RFC 3339 time or a YYYY-MM-DD date", errUsage, flagName, s)
}

func checkpointLog(ctx context.Context, e *env, f *auditFlags, t *auditText) error {
	db, err := openForCLI(e, &f.common, lang(f.lang), updateIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	anc, err := e.auditlog.anchor(db, nil)
	if err != nil {
		return err
	}
	if anc == nil {
		return errors.New(t.NotAnchored)
	}
	c, fresh, err := anc.Checkpoint(ctx)
	if err != nil {
		return err
	}
	if fresh {
		fmt.Fprintf(e.stdout, t.Checkpointed+"\n", c.Seq, c.Size, c.Head)
	} else {
		fmt.Fprintf(e.stdout, t.Unchanged+"\n", c.Seq, c.Size)
	}
	return nil
}
