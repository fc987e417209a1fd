package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/ruletext"
	"github.com/lianjian/lianjian/nodes"
)

// NodeStore is the node registry, probe evidence and risk history. The
// badger index implements it; the node routes find it on Deps.Index by
// type assertion and answer 503 without it.
type NodeStore interface {
	nodes.Store
	nodes.Chains
	Probes(ctx context.Context, org, node string, limit int) ([]record.ProbeRecord, error)
	RiskTrend(ctx context.Context, subject string, since time.Time, limit int) ([]record.RiskPoint, error)
}

// Limits of the node routes.
const (
	defaultProbeLimit = 20
	maxProbeLimit     = 200
	maxRiskPoints     = 1000
)

// nodeRoutes declares the node registry, probe and risk routes. A node is
// identified by its org and its id: ids are unique within an org only.
// /nodes/:id names a node of the caller's org for an operator; a caller
// who sees every org adds ?org=, which may be left out while only one org
// registered the id (else 409).
func (s *Server) nodeRoutes(get, post, del func(string, Permission, string, handler) route) []route {
	const v = Version
	const one = " (by id within an org: operators their own; others add ?org=, needed when several orgs registered the id, else 409)"
	return []route{
		get(v+"/nodes", PermNodeRead, "registered nodes (operators: own org)", s.listNodes).in("chain", "org", "kind", "retired").out(List[NodeView]{}),
		post(v+"/nodes", PermNodeWrite, "register a node (operators: own org); ids are unique within an org", s.registerNode).body(NodeRequest{}).out(NodeView{}).acts("node"),
		get(v+"/nodes/:id", PermNodeRead, "one registered node"+one, s.getNode).in("org").out(NodeView{}),
		mk(http.MethodPut, v+"/nodes/:id", PermNodeWrite, "update a registered node; the old revision is kept; the org cannot change"+one, s.updateNode).in("org").body(NodeRequest{}).out(NodeView{}).acts("node :id"),
		del(v+"/nodes/:id", PermNodeWrite, "retire a node; it keeps its history"+one, s.retireNode).in("org", "reason").out(NodeView{}).acts("node :id"),
		get(v+"/nodes/:id/history", PermNodeRead, "every revision of a node"+one, s.nodeHistory).in("org").out(List[NodeView]{}),
		get(v+"/nodes/:id/probes", PermNodeRead, "recent probe runs with raw evidence, newest first"+one, s.nodeProbes).in("org", "limit", "lang").out(List[ProbeView]{}),
		get(v+"/chains/:chain/participation", PermLedgerRead, "orderer signatures over recent blocks: per signer blocks signed, missed and last seen; blocks short of signatures", s.participation).in("window").out(ParticipationView{}),
		get(v+"/risk", PermNodeRead, "risk score and trend of a node (ref: node id; org: its org, as for /nodes/:id), org or chain, with its explanation", s.risk).in("kind", "chain", "ref", "org", "since", "lang").out(RiskTrendView{}),
	}
}

func (s *Server) nodeStore() (NodeStore, *nodes.Registry, error) {
	st, ok := s.idx.(NodeStore)
	if !ok {
		return nil, nil, errNoSupervisor
	}
	return st, nodes.NewRegistry(st, st), nil
}

// NodeRequest is the body of a node registration or update.
type NodeRequest struct {
	ID         string `json:"id"`
	Chain      string `json:"chain"`
	Channel    string `json:"channel,omitempty"`
	Org        string `json:"org"`
	Kind       string `json:"kind"`
	Endpoint   string `json:"endpoint"`
	Operations string `json:"operations,omitempty"`
	Admin      string `json:"admin,omitempty"`
	TLSCA      string `json:"tlsCA,omitempty"`
	ServerName string `json:"serverName,omitempty"`
	Address    string `json:"address,omitempty"`
	NodeID     string `json:"nodeId,omitempty"`     // FISCO BCOS node id (64-byte public key, hex)
	Group      string `json:"group,omitempty"`      // FISCO BCOS group
	P2P        string `json:"p2p,omitempty"`        // FISCO BCOS P2P SSL endpoint host:port
	SDKChannel string `json:"sdkChannel,omitempty"` // FISCO BCOS 2.x SDK channel host:port
	Version    string `json:"version,omitempty"`
	Contact    string `json:"contact,omitempty"`
	Note       string `json:"note,omitempty"`
}

// NodeView is a registered node at one revision.
type NodeView struct {
	NodeRequest
	Retired bool   `json:"retired"`
	Rev     uint64 `json:"rev"`
	Time    string `json:"time"`
	Actor   string `json:"actor"`
	Change  string `json:"change"`
	Reason  string `json:"reason,omitempty"`
}

// EvidenceView is one raw probe observation.
type EvidenceView struct {
	Check    string `json:"check"`
	Target   string `json:"target"`
	Request  string `json:"request,omitempty"`
	Response string `json:"response,omitempty"`
	Error    string `json:"error,omitempty"`
	OK       bool   `json:"ok"`
	Millis   int64  `json:"ms"`
}

// ProbeView is one stored probe run.
type ProbeView struct {
	Node      string         `json:"node"`
	Org       string         `json:"org"`
	Time      string         `json:"time"`
	Millis    int64          `json:"ms"`
	Reachable bool           `json:"reachable"`
	Version   string         `json:"version,omitempty"`
	Head      uint64         `json:"head,omitempty"`
	Ingested  uint64         `json:"ingested,omitempty"`
	Findings  []FindingView  `json:"findings"`
	Evidence  []EvidenceView `json:"evidence"`
}

// RiskContributorView is one finding's share of a score.
type RiskContributorView struct {
	Finding  string `json:"finding"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Points   int    `json:"points"`
	Message  string `json:"message"`
}

// RiskView is one risk score with its explanation.
type RiskView struct {
	Subject      string                `json:"subject"`
	Time         string                `json:"time"`
	Score        int                   `json:"score"`
	Level        string                `json:"level"`
	Explanation  string                `json:"explanation"`
	Contributors []RiskContributorView `json:"contributors"`
}

// RiskTrendView is a subject's current score and its history; Subject of
// a node is node/ORG/ID.
type RiskTrendView struct {
	Subject string     `json:"subject"`
	Current *RiskView  `json:"current"`
	Trend   []RiskView `json:"trend"`
}

func nodeView(r nodes.Revision) NodeView {
	n := r.Node
	return NodeView{
		NodeRequest: NodeRequest{ID: n.ID, Chain: n.Chain, Channel: n.Channel, Org: n.Org, Kind: string(n.Kind),
			Endpoint: n.Endpoint, Operations: n.Operations, Admin: n.Admin, TLSCA: n.TLSCA, ServerName: n.ServerName,
			Address: n.Address, NodeID: n.NodeID, Group: n.Group, P2P: n.P2P, SDKChannel: n.SDKChannel,
			Version: n.Version, Contact: n.Contact, Note: n.Note},
		Retired: n.Retired, Rev: r.Rev, Time: timeText(r.Time), Actor: r.Actor, Change: r.Change, Reason: r.Reason,
	}
}

func (q NodeRequest) node() nodes.Node {
	return nodes.Node{ID: q.ID, Chain: q.Chain, Channel: q.Channel, Org: q.Org, Kind: nodes.Kind(q.Kind),
		Endpoint: q.Endpoint, Operations: q.Operations, Admin: q.Admin, TLSCA: q.TLSCA, ServerName: q.ServerName,
		Address: q.Address, NodeID: q.NodeID, Group: q.Group, P2P: q.P2P, SDKChannel: q.SDKChannel,
		Version: q.Version, Contact: q.Contact, Note: q.Note}
}

// nodeErr turns registry errors into client errors that name the field.
// Node ids are unique within an org, so a registration conflicts only
// with its own org's nodes: what an operator is told never depends on
// another org's nodes.
func nodeErr(sc scope, err error) error {
	var (
		fe *nodes.FieldError
		ee *nodes.ExistsError
	)
	switch {
	case errors.As(err, &fe):
		return badParam(fe.Field, "%s", fe.Reason)
	case errors.As(err, &ee) && sc.org != "":
		return &conflictError{msg: fmt.Sprintf("your organisation already registered node %q", ee.ID)}
	case errors.As(err, &ee):
		return &conflictError{msg: fmt.Sprintf("node %q is already registered (org %s)", ee.ID, ee.Org)}
	case errors.Is(err, nodes.ErrRetired):
		return badParam("id", "node is retired")
	}
	return err
}

// nodeOrg is the org a request names a node in: an operator's own org
// (naming another with ?org= finds nothing), else ?org=, possibly empty.
func (s *Server) nodeOrg(c *gin.Context) (string, error) {
	org := c.Query("org")
	if org != "" {
		if _, err := name("org", org, maxNameLen); err != nil {
			return "", err
		}
	}
	if own := s.scopeOf(c.Request.Context()).org; own != "" {
		if org != "" && org != own {
			return "", ledger.ErrNotFound
		}
		return own, nil
	}
	return org, nil
}

// resolveNode finds the node (org, id) a caller may see. An operator
// names nodes of their org only, so other orgs' nodes are not found
// whatever they hold. A caller who sees every org may leave org out
// while the id is one org's; when several orgs registered it the answer
// is 409, naming the orgs (which such a caller may see).
func (s *Server) resolveNode(ctx context.Context, reg *nodes.Registry, org, id string) (nodes.Revision, error) {
	r, err := reg.Resolve(ctx, org, id)
	var ae *nodes.AmbiguousError
	if errors.As(err, &ae) {
		return nodes.Revision{}, &conflictError{msg: fmt.Sprintf(
			"node id %q is registered by several organisations (%s); name one with the org parameter (?org=)", ae.ID, strings.Join(ae.Orgs, ", "))}
	}
	if err != nil {
		return nodes.Revision{}, err
	}
	if own := s.scopeOf(ctx).org; own != "" && r.Org != own {
		return nodes.Revision{}, ledger.ErrNotFound
	}
	return r, nil
}

// scopedNode loads the node /nodes/:id?org= names, if the caller may see
// it; other orgs' nodes are not found.
func (s *Server) scopedNode(c *gin.Context, reg *nodes.Registry) (nodes.Revision, error) {
	id, err := name("id", c.Param("id"), maxNameLen)
	if err != nil {
		return nodes.Revision{}, err
	}
	org, err := s.nodeOrg(c)
	if err != nil {
		return nodes.Revision{}, err
	}
	return s.resolveNode(c.Request.Context(), reg, org, id)
}

func (s *Server) listNodes(c *gin.Context) (any, error) {
	_, reg, err := s.nodeStore()
	if err != nil {
		return nil, err
	}
	f := nodes.Filter{Chain: c.Query("chain"), Org: c.Query("org"), Kind: nodes.Kind(c.Query("kind"))}
	if v := c.Query("retired"); v != "" {
		if f.Retired, err = strconv.ParseBool(v); err != nil {
			return nil, badParam("retired", "must be true or false")
		}
	}
	if org := s.scopeOf(c.Request.Context()).org; org != "" {
		f.Org = org
	}
	rs, err := reg.List(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	out := make([]NodeView, 0, len(rs))
	for _, r := range rs {
		out = append(out, nodeView(r))
	}
	return list(out, ""), nil
}

func (s *Server) getNode(c *gin.Context) (any, error) {
	_, reg, err := s.nodeStore()
	if err != nil {
		return nil, err
	}
	r, err := s.scopedNode(c, reg)
	if err != nil {
		return nil, err
	}
	return nodeView(r), nil
}

// writeNode registers (POST) or updates (PUT) a node. Operators act only
// for their own org; nobody moves a node to another org (the org is part
// of its identity).
func (s *Server) writeNode(c *gin.Context, update bool) (any, error) {
	_, reg, err := s.nodeStore()
	if err != nil {
		return nil, err
	}
	var q NodeRequest
	if err := bindJSON(c, &q); err != nil {
		return nil, err
	}
	sc := s.scopeOf(c.Request.Context())
	n := q.node()
	// The node acted on: ORG/ID. An update names its org by ?org= (an
	// operator: their own), else by the body.
	org := n.Org
	if update {
		n.ID = c.Param("id")
		if sc.org != "" {
			org = sc.org
		} else if o := c.Query("org"); o != "" {
			org = o
		}
	}
	auditTarget(c, "node %s/%s", org, n.ID)
	if sc.org != "" && q.Org != sc.org {
		return nil, ErrForbidden
	}
	var r nodes.Revision
	if update {
		if q.ID != "" && q.ID != n.ID {
			return nil, badParam("id", "body id differs from the path")
		}
		if _, err := name("id", n.ID, maxNameLen); err != nil {
			return nil, err
		}
		org, err := s.nodeOrg(c)
		if err != nil {
			return nil, err
		}
		if org == "" {
			org = n.Org // a regulator may name the org in the body instead
		}
		cur, err := s.resolveNode(c.Request.Context(), reg, org, n.ID)
		if err != nil {
			return nil, err
		}
		auditTarget(c, "node %s", cur.Key())
		switch {
		case n.Org == "":
			n.Org = cur.Org
		case n.Org != cur.Org:
			return nil, badParam("org", "a node cannot move to another org (the org is part of its identity); retire it and register it for %s", n.Org)
		}
		r, err = reg.Update(c.Request.Context(), n, sc.actor)
		if err != nil {
			return nil, nodeErr(sc, err)
		}
		return nodeView(r), nil
	}
	r, err = reg.Register(c.Request.Context(), n, sc.actor)
	if err != nil {
		return nil, nodeErr(sc, err)
	}
	return nodeView(r), nil
}

func (s *Server) registerNode(c *gin.Context) (any, error) { return s.writeNode(c, false) }
func (s *Server) updateNode(c *gin.Context) (any, error)   { return s.writeNode(c, true) }

func (s *Server) retireNode(c *gin.Context) (any, error) {
	_, reg, err := s.nodeStore()
	if err != nil {
		return nil, err
	}
	if org := cmp.Or(s.scopeOf(c.Request.Context()).org, c.Query("org")); org != "" {
		auditTarget(c, "node %s/%s", org, c.Param("id"))
	}
	r, err := s.scopedNode(c, reg)
	if err != nil {
		return nil, err
	}
	auditTarget(c, "node %s", r.Key())
	sc := s.scopeOf(c.Request.Context())
	r, err = reg.Retire(c.Request.Context(), r.Key(), sc.actor, c.Query("reason"))
	if err != nil {
		return nil, nodeErr(sc, err)
	}
	return nodeView(r), nil
}

func (s *Server) nodeHistory(c *gin.Context) (any, error) {
	_, reg, err := s.nodeStore()
	if err != nil {
		return nil, err
	}
	r, err := s.scopedNode(c, reg)
	if err != nil {
		return nil, err
	}
	hist, err := reg.History(c.Request.Context(), r.Key())
	if err != nil {
		return nil, err
	}
	out := make([]NodeView, 0, len(hist))
	for _, h := range hist {
		out = append(out, nodeView(h))
	}
	return list(out, ""), nil
}

func (s *Server) nodeProbes(c *gin.Context) (any, error) {
	st, reg, err := s.nodeStore()
	if err != nil {
		return nil, err
	}
	r, err := s.scopedNode(c, reg)
	if err != nil {
		return nil, err
	}
	limit, err := intQuery(c, "limit", defaultProbeLimit, maxProbeLimit)
	if err != nil {
		return nil, err
	}
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	recs, err := st.Probes(c.Request.Context(), r.Org, r.ID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]ProbeView, 0, len(recs))
	rules := s.ruleIndex()
	for _, rec := range recs {
		var res nodes.Result
		if err := json.Unmarshal(rec.Doc, &res); err != nil {
			return nil, err
		}
		v := ProbeView{Node: res.Node, Org: r.Org, Time: timeText(res.Time), Millis: res.Millis, Reachable: res.Reachable,
			Version: res.Version, Head: res.Head, Ingested: res.Ingested,
			Findings: make([]FindingView, 0, len(res.Findings)), Evidence: make([]EvidenceView, 0, len(res.Evidence))}
		for i := range res.Findings {
			v.Findings = append(v.Findings, findingView(&res.Findings[i], rules, lang, false))
		}
		for _, e := range res.Evidence {
			v.Evidence = append(v.Evidence, EvidenceView(e))
		}
		out = append(out, v)
	}
	return list(out, ""), nil
}

// risk answers the current score and trend of a node, org or chain:
// ?kind=node&ref=ID (&org=ORG, as /nodes/:id takes it),
// ?kind=org&chain=C&ref=MSP or ?kind=chain&chain=C, from ?since= (RFC
// 3339; default 30 days ago). Operators see their own org and its nodes
// only.
func (s *Server) risk(c *gin.Context) (any, error) {
	st, reg, err := s.nodeStore()
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	kind, chain, ref := c.Query("kind"), c.Query("chain"), c.Query("ref")
	for _, q := range []struct{ key, v string }{{"chain", chain}, {"ref", ref}} {
		if q.v == "" {
			continue
		}
		if _, err := name(q.key, q.v, maxNameLen); err != nil {
			return nil, err
		}
	}
	org := s.scopeOf(ctx).org
	subject := nodes.SubjectKey(kind, chain, ref)
	switch kind {
	case nodes.SubjectNode:
		if ref == "" {
			return nil, badParam("ref", "node id required")
		}
		norg, err := s.nodeOrg(c)
		if err != nil {
			return nil, err
		}
		r, err := s.resolveNode(ctx, reg, norg, ref)
		if err != nil {
			return nil, err
		}
		subject = nodes.NodeSubjectKey(r.Key())
	case nodes.SubjectOrg:
		if chain == "" || ref == "" {
			return nil, badParam("ref", "org risk needs chain and ref (MSP id)")
		}
		if org != "" && ref != org {
			return nil, ledger.ErrNotFound
		}
	case nodes.SubjectChain:
		if chain == "" {
			return nil, badParam("chain", "required")
		}
		if org != "" {
			return nil, ErrForbidden
		}
	default:
		return nil, badParam("kind", "want node, org or chain")
	}
	since := time.Now().AddDate(0, 0, -30)
	if v := c.Query("since"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			return nil, badParam("since", "want an RFC 3339 time")
		}
	}
	pts, err := st.RiskTrend(ctx, subject, since, maxRiskPoints)
	if err != nil {
		return nil, err
	}
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	// A contributor's message and the explanation are in the request's
	// language: each finding's message as its view gives it (looked up
	// once per request), the recorded one for a finding since deleted.
	msgs := map[string]string{}
	fabric := s.fabricChains(ctx)
	message := func(k nodes.Contributor) string {
		if ruletext.Lang(lang) == ruletext.EN {
			return k.Message // findings record their message in English
		}
		if m, ok := msgs[k.Finding]; ok {
			return m
		}
		m := k.Message
		if f, err := s.idx.Finding(ctx, k.Finding); err == nil {
			m = findingView(f, nil, lang, fabric(f.Chain)).Message
		}
		msgs[k.Finding] = m
		return m
	}
	v := RiskTrendView{Subject: subject, Trend: make([]RiskView, 0, len(pts))}
	for _, p := range pts {
		var sc nodes.Score
		if err := json.Unmarshal(p.Doc, &sc); err != nil {
			return nil, err
		}
		rv := RiskView{Subject: sc.Subject, Time: timeText(sc.Time), Score: sc.Score, Level: sc.Level,
			Explanation: nodes.Explain(sc, lang, message), Contributors: make([]RiskContributorView, 0, len(sc.Contributors))}
		for _, k := range sc.Contributors {
			rv.Contributors = append(rv.Contributors, RiskContributorView{Finding: k.Finding, Rule: k.Rule,
				Severity: string(k.Severity), Points: k.Points, Message: message(k)})
		}
		v.Trend = append(v.Trend, rv)
	}
	if n := len(v.Trend); n > 0 {
		v.Current = &v.Trend[n-1]
	}
	return v, nil
}

// ParticipationView is who signed a window of blocks.
type ParticipationView struct {
	Chain    string            `json:"chain"`
	From     uint64            `json:"from"`
	To       uint64            `json:"to"`
	Blocks   int               `json:"blocks"`
	Unsigned []uint64          `json:"unsigned"`
	Signers  []SignerStatsView `json:"signers"`
}

// SignerStatsView is one orderer signer's participation.
type SignerStatsView struct {
	Signer      string `json:"signer"`
	MSPID       string `json:"mspId,omitempty"`
	Subject     string `json:"subject,omitempty"`
	ConsenterID uint32 `json:"consenterId,omitempty"`
	Signed      int    `json:"signed"`
	Missed      int    `json:"missed"`
	LastHeight  uint64 `json:"lastHeight,omitempty"`
	LastSeen    string `json:"lastSeen,omitempty"`
}

// participationStore is what the participation route reads.
type participationStore interface {
	nodes.HealthStore
	ChannelConfigs(ctx context.Context, chain string) ([]record.ConfigVersion, error)
	ChannelConfig(ctx context.Context, chain string, height uint64) (*ledger.Config, error)
}

// Window bounds of the participation route, in blocks.
const (
	defaultParticipationWindow = 200
	maxParticipationWindow     = 5000
)

func (s *Server) participation(c *gin.Context) (any, error) {
	st, ok := s.idx.(participationStore)
	if !ok {
		return nil, errNoSupervisor
	}
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	window, err := intQuery(c, "window", defaultParticipationWindow, maxParticipationWindow)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	if _, err := s.idx.Chain(ctx, chain); err != nil {
		return nil, err
	}
	var consenters []ledger.Consenter
	bft := false
	if vs, err := st.ChannelConfigs(ctx, chain); err == nil && len(vs) > 0 {
		cfg, err := st.ChannelConfig(ctx, chain, vs[len(vs)-1].Height)
		if err != nil {
			return nil, err
		}
		consenters, bft = cfg.Consenters, cfg.OrdererType == "BFT"
	}
	p, err := nodes.BlockParticipation(ctx, st, chain, consenters, bft, window)
	if err != nil {
		return nil, err
	}
	v := ParticipationView{Chain: p.Chain, From: p.From, To: p.To, Blocks: p.Blocks, Unsigned: p.Unsigned,
		Signers: make([]SignerStatsView, 0, len(p.Signers))}
	if v.Unsigned == nil {
		v.Unsigned = []uint64{}
	}
	for _, sg := range p.Signers {
		v.Signers = append(v.Signers, SignerStatsView{Signer: sg.Signer, MSPID: sg.MSPID, Subject: sg.Subject,
			ConsenterID: sg.ConsenterID, Signed: sg.Signed, Missed: sg.Missed, LastHeight: sg.LastHeight, LastSeen: timeText(sg.LastSeen)})
	}
	return v, nil
}

func intQuery(c *gin.Context, key string, def, maxV int) (int, error) {
	v := c.Query(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxV {
		return 0, badParam(key, "must be 1-%d", maxV)
	}
	return n, nil
}
