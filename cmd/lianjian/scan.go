package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/chaincode"
	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/contracts/scan"
	"github.com/lianjian/lianjian/contracts/solc"
	"github.com/lianjian/lianjian/contracts/watch"
	"github.com/lianjian/lianjian/ledger"
)

func init() {
	commands["scan"] = command{run: runScan}
}

// errFindings reports findings at or above --fail-on; main exits 1.
var errFindings = errors.New("findings at or above the --fail-on severity")

// scanFlags are the flags of the scan command.
type scanFlags struct {
	common
	format, failOn        string
	hash                  string
	solcPath, solcVersion string
	solcCache             string
	noInstall             bool
	server, token         string
	chain, source         string
	attach, ccVersion     string
	sequence              uint64
	timeout               time.Duration
	lang                  *lang // of the text report
	dataDirSet            bool  // --data-dir given on the command line
}

func runScan(ctx context.Context, e *env, args []string) error {
	f, paths, err := parseScan(args)
	if err != nil {
		return err
	}
	var fail ledger.Severity
	if f.failOn != "" {
		fail = ledger.Severity(strings.ToLower(f.failOn))
		if fail.Rank() < 0 {
			return fmt.Errorf("%w: scan: --fail-on %q is not critical, high, medium, low or info", errUsage, f.failOn)
		}
	}
	if f.format != "text" && f.format != "json" && f.format != "sarif" {
		return fmt.Errorf("%w: scan: --format %q is not text, json or sarif", errUsage, f.format)
	}
	hash, err := evm.ParseHash(f.hash)
	if err != nil {
		return fmt.Errorf("%w: scan: --hash: %w", errUsage, err)
	}
	store := f.server != "" || f.dataDirSet || f.config != ""
	switch {
	case (store || f.attach != "") && f.chain == "":
		return fmt.Errorf("%w: scan: storing findings (--server, --data-dir, --config, --attach) needs --chain", errUsage)
	case f.chain != "" && !store:
		return fmt.Errorf("%w: scan: --chain needs --server, --data-dir or --config to store findings in", errUsage)
	}
	if f.attach != "" && f.sequence == 0 {
		return fmt.Errorf("%w: scan: --attach needs --sequence", errUsage)
	}
	cache := f.solcCache
	if cache == "" {
		cache = e.getenv("LIANJIAN_SOLC_CACHE")
	}
	if cache == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(dir, "lianjian", "solc")
		}
	}
	solcPath := f.solcPath
	if solcPath == "" {
		solcPath = e.getenv("LIANJIAN_SOLC")
	}
	s, err := scan.New(scan.Config{Hash: hash, Solc: solc.Config{
		Solc: solcPath, Version: f.solcVersion, CacheDir: cache, Install: !f.noInstall && cache != "",
	}}, newLogger(e.stderr, LogConfig{Level: f.logLevel}))
	if err != nil {
		return fmt.Errorf("%w: scan: %w", errUsage, err)
	}
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	rep, err := s.Scan(ctx, paths...)
	if err != nil {
		// Unreadable paths, compile errors and undecodable bytecode are
		// the caller's input: exit 2 like a usage error.
		return fmt.Errorf("%w: scan: %w", errUsage, err)
	}
	if err := writeReport(e.stdout, f.format, *f.lang, rep); err != nil {
		return err
	}
	// The coverage of Go code follows a text report; it goes to stderr
	// beside JSON and SARIF so that their output stays one document.
	cov := e.stdout
	if f.format != "text" {
		cov = e.stderr
	}
	if err := writeChaincodeCoverage(cov, *f.lang, paths, rep.Findings); err != nil {
		return err
	}
	if store {
		if err := storeScan(ctx, e, f, paths, rep.Findings); err != nil {
			return fmt.Errorf("%w: scan: store findings: %w", errUsage, err)
		}
	}
	if fail != "" {
		n := 0
		for _, x := range rep.Findings {
			if x.Severity.Rank() >= fail.Rank() {
				n++
			}
		}
		if n > 0 {
			return fmt.Errorf("%w (%s): %d", errFindings, fail, n)
		}
	}
	return nil
}

// parseScan parses flags that may come before, between or after the
// paths.
func parseScan(args []string) (*scanFlags, []string, error) {
	f := &scanFlags{}
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	f.register(fs)
	fs.StringVar(&f.format, "format", "text", "output format: text, json or sarif")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding has this severity or higher (critical, high, medium, low, info)")
	fs.StringVar(&f.hash, "hash", "keccak256", "selector and event-topic hash of the EVM code: keccak256, or sm3 (alias gm) for FISCO BCOS national-crypto chains, whose .sol sources need --solc naming FISCO's GM solc")
	fs.StringVar(&f.solcPath, "solc", "", "solc binary to compile every Solidity source with (default $LIANJIAN_SOLC, else chosen per pragma)")
	fs.StringVar(&f.solcVersion, "solc-version", "", "solc-js version to use instead of the one the pragmas choose")
	fs.StringVar(&f.solcCache, "solc-cache", "", "solc-js install cache (default $LIANJIAN_SOLC_CACHE, else the user cache dir)")
	fs.BoolVar(&f.noInstall, "no-install", false, "never run npm install; use installed compilers only")
	fs.StringVar(&f.server, "server", "", "Lianjian API base URL to store findings in (with --chain)")
	fs.StringVar(&f.token, "token", "", "API token for --server (default $LIANJIAN_TOKEN)")
	fs.StringVar(&f.chain, "chain", "", "chain the scanned code belongs to; stores findings with --server or --data-dir")
	fs.StringVar(&f.source, "source", "", "name of what was scanned in stored findings (default the paths)")
	fs.StringVar(&f.attach, "attach", "", "attach the scan to this chaincode definition (with --sequence)")
	fs.Uint64Var(&f.sequence, "sequence", 0, "sequence of the chaincode definition for --attach")
	fs.StringVar(&f.ccVersion, "cc-version", "", "version of the chaincode definition for --attach (checked when set)")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up after this long (0: no limit)")
	f.lang = langFlag(fs)
	fs.SetOutput(io.Discard)
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, &helpError{fs}
			}
			return nil, nil, fmt.Errorf("%w: scan: %w", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("%w: scan: no PATH given", errUsage)
	}
	f.dataDirSet = isSet(fs, "data-dir")
	return f, paths, nil
}

// writeReport renders the findings; JSON and SARIF record the selector
// hash as the "selectorHash" property. Only text is in l.
func writeReport(w io.Writer, format string, l lang, rep *scan.Report) error {
	props := map[string]any{"selectorHash": rep.Hash.String()}
	switch format {
	case "json":
		return contracts.WriteJSONProps(w, rep.Findings, props)
	case "sarif":
		return contracts.WriteSARIF(w, rep.Findings, contracts.SARIFOptions{ToolVersion: version, Properties: props})
	}
	labels := scanTexts[l]
	// A message reads as the rule's template in l (ledger/ruletext), the
	// contract being the scanned file or address.
	labels.Text = func(f *contracts.Finding) string {
		lf := f.Ledger("", ledger.Subject{Kind: "contract", Ref: cmp.Or(f.Location.Contract, f.Location.Path)}, time.Time{})
		return lf.MessageIn(string(l))
	}
	if l == report.LangEN && len(rep.Findings) == 1 {
		labels.Total = "%d finding: %s" // the default says "%d findings"
	}
	return contracts.WriteText(w, rep.Findings, labels)
}

// writeChaincodeCoverage tells how much of the Go code under paths was
// analysed: files analysed, generated files skipped, declarations not
// analysed (the chaincode.NotAnalysed findings) and how to analyse them.
// It writes nothing when paths hold no Go code.
func writeChaincodeCoverage(w io.Writer, l lang, paths []string, fs []contracts.Finding) error {
	files, generated := 0, 0
	for _, p := range paths {
		inv, err := chaincode.Survey(p)
		if err != nil {
			continue // not Go code, or already reported by the scan
		}
		files += len(inv.Files)
		generated += len(inv.Generated)
	}
	if files == 0 {
		return nil
	}
	gaps := 0
	need := map[string]bool{}
	for _, f := range fs {
		if f.Rule != chaincode.NotAnalysed.ID {
			continue
		}
		gaps++
		for _, fix := range chaincode.Fixes {
			if strings.HasSuffix(f.Message, fix) {
				need[fix] = true
			}
		}
	}
	t := chaincodeTexts[l]
	if _, err := fmt.Fprintf(w, "\n"+t.summary+"\n", files-generated, generated, gaps); err != nil {
		return fmt.Errorf("write chaincode coverage: %w", err)
	}
	var fixes []string
	for _, fix := range chaincode.Fixes {
		if need[fix] {
			fixes = append(fixes, t.fixes[fix])
		}
	}
	if gaps > 0 && len(fixes) == 0 {
		fixes = append(fixes, t.fixCompile)
	}
	if len(fixes) > 0 {
		if _, err := fmt.Fprintf(w, t.complete+"\n", strings.Join(fixes, t.sep)); err != nil {
			return fmt.Errorf("write chaincode coverage: %w", err)
		}
	}
	return nil
}

// scanUpload is the body the scan routes of the API accept.
type scanUpload struct {
	Version  string              `json:"version,omitempty"`
	Sequence uint64              `json:"sequence,omitempty"`
	Tool     string              `json:"tool,omitempty"`
	Source   string              `json:"source"`
	Findings []contracts.Finding `json:"findings"`
}

// storeScan puts the findings into the finding store: through the API
// with --server, else directly into the index with --data-dir.
func storeScan(ctx context.Context, e *env, f *scanFlags, paths []string, fs []contracts.Finding) error {
	source := f.source
	if source == "" {
		source = strings.Join(paths, " ")
	}
	up := scanUpload{Version: f.ccVersion, Sequence: f.sequence, Tool: "lianjian " + version, Source: source, Findings: fs}
	if up.Findings == nil {
		up.Findings = []contracts.Finding{}
	}
	if f.server != "" {
		token := f.token
		if token == "" {
			token = e.getenv("LIANJIAN_TOKEN")
		}
		return postScan(ctx, f.server, token, f.chain, f.attach, up)
	}
	cfg, err := f.load(e)
	if err != nil {
		return err
	}
	db, err := openIndexCLI(cfg, *f.lang, nil, createIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now().UTC()
	if f.attach != "" {
		_, err := watch.Attach(ctx, db, watch.Attachment{
			Chain: f.chain, Name: f.attach, Version: f.ccVersion, Sequence: f.sequence,
			Tool: up.Tool, Source: source, Findings: fs, At: now,
		})
		return recordCLI(ctx, e, db, "cli scan attach", f.chain+"/"+f.attach, err)
	}
	_, err = watch.Submit(ctx, db, f.chain, source, fs, now)
	return recordCLI(ctx, e, db, "cli scan submit", f.chain+"/"+source, err)
}

// postScan sends a scan to the API: to the chaincode definition's scans
// when attaching, else to the chain's source scans.
func postScan(ctx context.Context, server, token, chain, attach string, up scanUpload) error {
	u := strings.TrimRight(server, "/") + "/api/v1/chains/" + url.PathEscape(chain)
	if attach != "" {
		u += "/chaincodes/" + url.PathEscape(attach) + "/scans"
	} else {
		u += "/scans"
	}
	body, err := json.Marshal(up)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("POST %s: %s: %s", u, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}
