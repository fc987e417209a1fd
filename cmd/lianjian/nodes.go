package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lianjian/lianjian/internal/textcol"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/nodes"
)

func init() {
	commands["nodes"] = command{run: runNodes}
}

const nodesUsage = "nodes register|list|show|retire|check [flags]"

func runNodes(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, nodesUsage)
	}
	sub, ok := map[string]func(context.Context, *env, *nodesCmd) error{
		"register": nodesRegister, "list": nodesList, "show": nodesShow, "retire": nodesRetire, "check": nodesCheck,
	}[args[0]]
	if !ok {
		return fmt.Errorf("%w: %s: unknown subcommand %q", errUsage, nodesUsage, args[0])
	}
	nc := &nodesCmd{}
	fs := flag.NewFlagSet("nodes "+args[0], flag.ContinueOnError)
	nc.flags(fs, args[0])
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := nc.common.load(e)
	if err != nil {
		return err
	}
	use := updateIndex
	switch args[0] {
	case "register":
		use = createIndex
	case "list", "show":
		use = readIndex
	}
	db, err := openIndexCLI(cfg, *nc.lang, nil, use)
	if err != nil {
		return err
	}
	defer db.Close()
	nc.db, nc.reg = db, nodes.NewRegistry(db, db)
	nc.actor = "cli"
	if u := e.getenv("USER"); u != "" {
		nc.actor = "cli:" + u
	}
	return sub(ctx, e, nc)
}

// nodesCmd holds the flags and handles of one nodes subcommand.
type nodesCmd struct {
	common  common
	node    nodes.Node
	kind    string
	tlsCA   string
	reason  string
	update  bool
	retired bool
	asJSON  bool
	lang    *lang
	db      *index.DB
	reg     *nodes.Registry
	actor   string
}

func (nc *nodesCmd) flags(fs *flag.FlagSet, sub string) {
	nc.common.register(fs)
	fs.StringVar(&nc.node.ID, "id", "", "node id")
	fs.BoolVar(&nc.asJSON, "json", false, "print JSON")
	nc.lang = langFlag(fs)
	switch sub {
	case "register":
		fs.StringVar(&nc.node.Chain, "chain", "", "chain id")
		fs.StringVar(&nc.node.Channel, "channel", "", "Fabric channel")
		fs.StringVar(&nc.node.Org, "org", "", "owning org (MSP id on Fabric); with --id, the node's identity (--update: the node to update)")
		fs.StringVar(&nc.kind, "kind", "", "fabric-peer, fabric-orderer, evm-rpc, evm-validator, fisco-sealer, fisco-observer or fisco-rpc")
		fs.StringVar(&nc.node.Endpoint, "endpoint", "", "gRPC host:port (Fabric) or JSON-RPC URL (EVM, FISCO BCOS)")
		fs.StringVar(&nc.node.Operations, "operations", "", "Fabric operations endpoint (host:port or URL)")
		fs.StringVar(&nc.node.Admin, "admin", "", "orderer admin endpoint host:port")
		fs.StringVar(&nc.tlsCA, "tls-ca", "", "PEM file of the TLS CA")
		fs.StringVar(&nc.node.ServerName, "server-name", "", "TLS server name override")
		fs.StringVar(&nc.node.Address, "address", "", "EVM validator signer address")
		fs.StringVar(&nc.node.NodeID, "node-id", "", "FISCO BCOS node id (64-byte public key, hex)")
		fs.StringVar(&nc.node.Group, "group", "", "FISCO BCOS group (3.x group0, 2.x 1)")
		fs.StringVar(&nc.node.P2P, "p2p", "", "FISCO BCOS P2P SSL endpoint host:port")
		fs.StringVar(&nc.node.SDKChannel, "sdk-channel", "", "FISCO BCOS 2.x SDK channel endpoint host:port")
		fs.StringVar(&nc.node.Version, "node-version", "", "declared node version")
		fs.StringVar(&nc.node.Contact, "contact", "", "operator contact")
		fs.StringVar(&nc.node.Note, "note", "", "free-form note")
		fs.BoolVar(&nc.update, "update", false, "update an existing registration instead of creating one")
	case "list":
		fs.StringVar(&nc.node.Chain, "chain", "", "only nodes of this chain")
		fs.StringVar(&nc.node.Org, "org", "", "only nodes of this org")
		fs.StringVar(&nc.kind, "kind", "", "only nodes of this kind")
		fs.BoolVar(&nc.retired, "retired", false, "include retired nodes")
	case "retire":
		fs.StringVar(&nc.reason, "reason", "", "why the node is retired")
	}
	switch sub {
	case "show", "retire", "check":
		// Node ids are unique within an org only: --org names the org
		// when several registered the id.
		fs.StringVar(&nc.node.Org, "org", "", "the node's org (MSP id on Fabric); needed when several orgs registered the id")
	}
}

// resolve finds the node --id (and --org) names; an id several orgs
// registered needs --org.
func (nc *nodesCmd) resolve(ctx context.Context) (nodes.Revision, error) {
	r, err := nc.reg.Resolve(ctx, nc.node.Org, nc.node.ID)
	var ae *nodes.AmbiguousError
	if errors.As(err, &ae) {
		return r, fmt.Errorf("%w: "+nodesTexts[*nc.lang].Ambiguous, errUsage, ae.ID, strings.Join(ae.Orgs, ", "))
	}
	return r, err
}

// target names the node a command acts on in the audit log: ORG/ID.
func (nc *nodesCmd) target() string {
	if nc.node.Org == "" {
		return nc.node.ID
	}
	return nc.node.Key().String()
}

func nodesRegister(ctx context.Context, e *env, nc *nodesCmd) error {
	nc.node.Kind = nodes.Kind(nc.kind)
	if nc.tlsCA != "" {
		b, err := os.ReadFile(nc.tlsCA)
		if err != nil {
			return fmt.Errorf("read tls ca: %w", err)
		}
		nc.node.TLSCA = string(b)
	}
	var r nodes.Revision
	var err error
	op := "cli nodes register"
	if nc.update {
		op = "cli nodes update"
		r, err = nc.reg.Update(ctx, nc.node, nc.actor)
	} else {
		r, err = nc.reg.Register(ctx, nc.node, nc.actor)
	}
	err = recordCLI(ctx, e, nc.db, op, nc.target(), err)
	var fe *nodes.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("%w: nodes register: %w", errUsage, err)
	}
	if err != nil {
		return err
	}
	return printNodes(e.stdout, *nc.lang, nc.asJSON, []nodes.Revision{r})
}

func nodesList(ctx context.Context, e *env, nc *nodesCmd) error {
	rs, err := nc.reg.List(ctx, nodes.Filter{Chain: nc.node.Chain, Org: nc.node.Org, Kind: nodes.Kind(nc.kind), Retired: nc.retired})
	if err != nil {
		return err
	}
	return printNodes(e.stdout, *nc.lang, nc.asJSON, rs)
}

func nodesShow(ctx context.Context, e *env, nc *nodesCmd) error {
	cur, err := nc.resolve(ctx)
	if err != nil {
		return err
	}
	hist, err := nc.reg.History(ctx, cur.Key())
	if err != nil {
		return err
	}
	probes, err := nc.db.Probes(ctx, cur.Org, cur.ID, 1)
	if err != nil {
		return err
	}
	var last *nodes.Result
	if len(probes) > 0 {
		last = &nodes.Result{}
		if err := json.Unmarshal(probes[0].Doc, last); err != nil {
			return err
		}
	}
	if nc.asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{"history": hist, "lastProbe": last})
	}
	if err := printNodes(e.stdout, *nc.lang, false, hist); err != nil {
		return err
	}
	if last != nil {
		printResult(e.stdout, *nc.lang, *last)
	}
	return nil
}

func nodesRetire(ctx context.Context, e *env, nc *nodesCmd) error {
	r, err := nc.resolve(ctx)
	if err == nil {
		nc.node.Org = r.Org
		r, err = nc.reg.Retire(ctx, r.Key(), nc.actor, nc.reason)
	}
	if err := recordCLI(ctx, e, nc.db, "cli nodes retire", nc.target(), err); err != nil {
		return err
	}
	return printNodes(e.stdout, *nc.lang, nc.asJSON, []nodes.Revision{r})
}

// nodesCheck probes one node (--id, with --org when several orgs
// registered the id) or every active node now and stores the results
// and findings, as a round of `serve` would.
func nodesCheck(ctx context.Context, e *env, nc *nodesCmd) error {
	sup, err := nodes.NewSupervisor(nodes.Config{Jitter: time.Nanosecond}, nc.db, nil)
	if err != nil {
		return err
	}
	rs, err := nc.reg.List(ctx, nodes.Filter{})
	if err != nil {
		return err
	}
	active := nodes.Active(rs)
	if nc.node.ID != "" {
		active = slices.DeleteFunc(active, func(n nodes.Node) bool {
			return n.ID != nc.node.ID || (nc.node.Org != "" && n.Org != nc.node.Org)
		})
		switch len(active) {
		case 0:
			return fmt.Errorf("node %s: %w", nc.target(), ledger.ErrNotFound)
		case 1:
		default:
			orgs := make([]string, 0, len(active))
			for _, n := range active {
				orgs = append(orgs, n.Org)
			}
			return fmt.Errorf("%w: "+nodesTexts[*nc.lang].Ambiguous, errUsage, nc.node.ID, strings.Join(orgs, ", "))
		}
	}
	chains, err := nc.db.Chains(ctx)
	if err != nil {
		return err
	}
	byID := map[string]ledger.Chain{}
	for _, c := range chains {
		byID[c.ID] = c
	}
	results, err := sup.ProbeNodes(ctx, active, byID)
	if nc.asJSON {
		if jerr := json.NewEncoder(e.stdout).Encode(results); jerr != nil {
			return jerr
		}
		return err
	}
	for _, r := range results {
		printResult(e.stdout, *nc.lang, r)
	}
	return err
}

// printNodes writes registrations as JSON, or as a table in l.
func printNodes(w io.Writer, l lang, asJSON bool, rs []nodes.Revision) error {
	if asJSON {
		return json.NewEncoder(w).Encode(rs)
	}
	t := nodesTexts[l]
	rows := [][]string{t.Header}
	for _, r := range rs {
		rows = append(rows, []string{r.ID, strconv.FormatUint(r.Rev, 10), cmp.Or(t.Changes[r.Change], r.Change), r.Chain, r.Org, string(r.Kind),
			r.Endpoint, yesNo[l][r.Retired], r.Actor})
	}
	return textcol.Write(w, rows, 2)
}

// printResult writes one probe and its findings in l.
func printResult(w io.Writer, l lang, r nodes.Result) {
	t := nodesTexts[l]
	fmt.Fprintf(w, t.Probe, r.Node, r.Org, r.Time.Format("2006-01-02T15:04:05Z"), yesNo[l][r.Reachable], r.Version, r.Head, r.Millis)
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, t.NoFindings)
	}
	for _, f := range r.Findings {
		fmt.Fprint(w, "  ")
		printFinding(w, l, &f, 24)
	}
}
