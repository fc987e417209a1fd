package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"slices"
	"time"

	"github.com/lianjian/lianjian/audit"
	"github.com/lianjian/lianjian/internal/textcol"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// errIntegrity makes verify exit non-zero when a ledger fails a check.
var errIntegrity = errors.New("integrity check failed")

func init() {
	commands["verify"] = command{run: runVerify}
}

// verifyFlags are the options of verify.
type verifyFlags struct {
	chain    string
	gm       bool
	preHash  string
	workers  int
	quiet    bool
	findings bool
	lang     lang
}

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var f verifyFlags
	fs.StringVar(&f.chain, "chain", "", "chain id used in findings (default: the channel name)")
	fs.BoolVar(&f.gm, "gm", false, "the chain is declared national-crypto (SM2/SM3): apply the GM compliance rules")
	fs.StringVar(&f.preHash, "sm2-prehash", "", "impose the SM2 pre-hash convention (none, SM3, SHA256) instead of detecting it")
	fs.IntVar(&f.workers, "workers", 0, "verification goroutines (default: one per CPU)")
	fs.BoolVar(&f.quiet, "q", false, "print only the summary, not each finding")
	l := langFlag(fs)
	new(common).register(fs) // accepted like every command's; verify uses neither config nor index
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpError{fs}
		}
		return fmt.Errorf("%w: verify: %w", errUsage, err)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: verify: no ledger path given", errUsage)
	}
	f.findings, f.lang = !f.quiet, *l
	integrity := 0
	if isFiscoPath(fs.Arg(0)) {
		n, err := verifyFisco(ctx, e.stdout, f, fs.Args())
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: %d integrity findings", errIntegrity, n)
		}
		return nil
	}
	for src, err := range verifySources(ctx, fs.Args()) {
		if err != nil {
			return err
		}
		sum, err := verifyChain(ctx, e.stdout, f, src)
		if err != nil {
			return err
		}
		integrity += sum.Integrity
	}
	if integrity > 0 {
		return fmt.Errorf("%w: %d integrity findings", errIntegrity, integrity)
	}
	return nil
}

// verifySource is the blocks of one channel.
type verifySource struct {
	channel string
	blocks  iter.Seq2[fabric.RawBlock, error]
}

// verifySources yields one source per channel found at paths, whatever
// their layouts (see fabric.Scan): the scan reads block numbers alone to
// group and order the blocks, and each channel's blocks are then read
// one at a time as they are verified, so memory does not grow with the
// ledger. Files that can be placed in no channel are an error after the
// channels.
func verifySources(ctx context.Context, paths []string) iter.Seq2[verifySource, error] {
	return func(yield func(verifySource, error) bool) {
		led, err := fabric.Scan(ctx, paths...)
		if err != nil {
			yield(verifySource{}, fmt.Errorf("verify: %w", err))
			return
		}
		for _, f := range led.Channels {
			if !yield(verifySource{channel: f.Channel, blocks: f.Blocks(ctx)}, nil) {
				return
			}
		}
		if led.Unplaced != nil {
			yield(verifySource{}, fmt.Errorf("verify: %w", led.Unplaced))
		}
	}
}

// verifyChain audits one channel and prints its summary.
func verifyChain(ctx context.Context, w io.Writer, f verifyFlags, src verifySource) (audit.Summary, error) {
	id := cmp.Or(f.chain, src.channel, "fabric")
	chain := ledger.Chain{ID: id, Kind: ledger.KindFabric, Channel: src.channel, Crypto: ledger.CryptoIntl}
	if f.gm {
		chain.Crypto = ledger.CryptoGM
	}
	a, err := audit.New(audit.Config{Chain: chain, Workers: f.workers, SM2PreHash: f.preHash})
	if err != nil {
		return audit.Summary{}, fmt.Errorf("%w: verify: %w", errUsage, err)
	}
	start := time.Now()
	var breaks []ledger.Finding
	blocks := func(yield func(fabric.RawBlock, error) bool) {
		for rb, err := range src.blocks {
			for _, b := range rb.Breaks {
				fd := b.Finding(id, start.UTC())
				if f.findings {
					printFinding(w, f.lang, &fd, 24)
				}
				breaks = append(breaks, fd)
			}
			if !yield(rb, err) {
				return
			}
		}
	}
	err = a.Run(ctx, blocks, func(r *audit.BlockResult) error {
		if f.findings {
			for _, fd := range r.Findings {
				printFinding(w, f.lang, &fd, 24)
			}
		}
		return nil
	})
	sum := addBreaks(a.Summary(), breaks)
	printSummary(w, f.lang, sum, time.Since(start), err)
	if err != nil {
		return sum, fmt.Errorf("verify %s: %w", id, err)
	}
	return sum, nil
}

// addBreaks counts the breaks the reader found in the summary's findings.
func addBreaks(s audit.Summary, breaks []ledger.Finding) audit.Summary {
	for _, fd := range breaks {
		s.Findings[fd.Rule]++
		if fd.Category == ledger.CatIntegrity {
			s.Integrity++
		}
	}
	return s
}

// sigRules are the rules whose findings are signatures that failed.
var sigRules = []*ledger.RuleInfo{audit.RuleCreatorSig, audit.RuleEndorserSig, audit.RuleOrdererSig, audit.RuleConfigSig}

// failedSignatures counts the signatures of s that did not verify.
func failedSignatures(s audit.Summary) int {
	n := 0
	for _, r := range sigRules {
		n += s.Findings[r.ID]
	}
	return n
}

// printSummary writes the totals of one audited chain in l. Signatures
// checked are split into those that verified and those that failed. A
// run that ended with runErr has no integrity verdict: it is incomplete.
func printSummary(w io.Writer, l lang, s audit.Summary, took time.Duration, runErr error) {
	t := verifyTexts[l]
	failed := failedSignatures(s)
	fmt.Fprintf(w, t.Chain, s.Chain, s.First, s.Last, s.Blocks, s.Txs, s.Signatures, max(s.Signatures-failed, 0), failed, s.Verifies, s.Tabled, s.Reused)
	if s.SM2PreHash != "" {
		fmt.Fprintf(w, t.PreHash, cmp.Or(t.PreHashes[s.SM2PreHash], s.SM2PreHash))
	}
	fmt.Fprintf(w, t.Took, took.Round(time.Millisecond))
	printFindingCounts(w, l, s.Findings, s.Integrity, runErr != nil)
}

// printFinding writes one finding on a line, its rule padded to ruleWidth.
func printFinding(w io.Writer, l lang, f *ledger.Finding, ruleWidth int) {
	fmt.Fprintf(w, "%s %s %s\n", textcol.Pad(l.severity(f.Severity), 8), textcol.Pad(f.Rule, ruleWidth), f.MessageIn(string(l)))
}

// printFindingCounts writes the findings per rule, sorted, with their
// severity, then the integrity verdict, in l: incomplete when the run
// did not reach the end of the ledger.
func printFindingCounts(w io.Writer, l lang, counts map[string]int, failing int, incomplete bool) {
	rules := make([]string, 0, len(counts))
	for r := range counts {
		rules = append(rules, r)
	}
	slices.Sort(rules)
	for _, r := range rules {
		sev := ""
		if info, ok := ledger.LookupRule(r); ok {
			sev = l.severity(info.Severity)
		}
		fmt.Fprintf(w, "  %s %s %d\n", textcol.Pad(r, 24), textcol.Pad(sev, 8), counts[r])
	}
	t := verifyTexts[l]
	verdict := t.OK
	switch {
	case failing > 0:
		verdict = l.sprintf(t.Failed, failing)
	case incomplete:
		verdict = t.Incomplete
	}
	fmt.Fprintf(w, "  %s\n", verdict)
}
