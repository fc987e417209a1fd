package api

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/ledger"
)

func (s *Server) healthz(*gin.Context) (any, error) {
	return Status{Status: "ok"}, nil
}

// readyz answers once the index can be read.
func (s *Server) readyz(c *gin.Context) (any, error) {
	if _, err := s.idx.Chains(c.Request.Context()); err != nil {
		return nil, errors.Join(errNotReady, err)
	}
	return Status{Status: "ready"}, nil
}

func (s *Server) chains(c *gin.Context) (any, error) {
	ctx := c.Request.Context()
	cs, err := s.idx.Chains(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ChainView, 0, len(cs))
	for _, ch := range cs {
		v, err := s.chainView(ctx, ch)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return list(out, ""), nil
}

func (s *Server) chain(c *gin.Context) (any, error) {
	id, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	ch, err := s.idx.Chain(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.chainView(ctx, ch)
}

// chainView describes a chain with its checkpoint and, when the ingester
// reports it, the node's head and the lag behind it.
func (s *Server) chainView(ctx context.Context, ch ledger.Chain) (ChainView, error) {
	v := ChainView{
		ID: ch.ID, Kind: string(ch.Kind), Name: ch.Name, Network: ch.Network,
		Channel: ch.Channel, Crypto: string(ch.Crypto), ChainID: ch.ChainID, Group: ch.Group,
	}
	cp, err := s.idx.Checkpoint(ctx, ch.ID)
	switch {
	case err == nil:
		v.Height, v.Hash = &cp.Height, hexOf(ch.Kind == ledger.KindFabric, cp.Hash)
	case !errors.Is(err, ledger.ErrNotFound):
		return v, err
	}
	if s.heads != nil {
		if h, ok := s.heads.Head(ch.ID); ok {
			v.Head = &h
		}
	}
	if ah, ok := s.idx.(auditHeights); ok {
		if h, found, err := ah.AuditHeight(ctx, ch.ID); err == nil && found {
			v.AuditHeight = &h
		}
	}
	if v.Head != nil && v.Height != nil {
		lag := uint64(0)
		if *v.Head > *v.Height {
			lag = *v.Head - *v.Height
		}
		v.Lag = &lag
	}
	return v, nil
}

// emptyPage tells an empty first page of a chain's listing apart from a
// chain that does not exist.
func (s *Server) emptyPage(ctx context.Context, chain string, n int, p ledger.Page) error {
	if n > 0 || p.Cursor != "" {
		return nil
	}
	_, err := s.idx.Chain(ctx, chain)
	return err
}

func (s *Server) blocks(c *gin.Context) (any, error) {
	ctx := c.Request.Context()
	return pagedChainList(s, c, s.idx.Blocks, func(b *ledger.Block) BlockSummary {
		b, _ = s.withAuditBlock(ctx, b)
		return blockSummary(b)
	})
}

// pagedChainList serves a cursor-paged listing of one chain: fetch reads
// a page and view renders each item. An empty first page of a chain that
// does not exist is a 404.
func pagedChainList[T, V any](s *Server, c *gin.Context, fetch func(context.Context, string, ledger.Page) ([]T, string, error), view func(T) V) (any, error) {
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	items, next, err := fetch(ctx, chain, p)
	if err == nil {
		err = s.emptyPage(ctx, chain, len(items), p)
	}
	if err != nil {
		return nil, err
	}
	out := make([]V, 0, len(items))
	for _, it := range items {
		out = append(out, view(it))
	}
	return list(out, next), nil
}

func (s *Server) block(c *gin.Context) (any, error) {
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	ref, err := parseBlockRef(c.Param("ref"))
	if err != nil {
		return nil, err
	}
	raw, err := rawParam(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	b, err := s.blockOf(ctx, chain, ref, raw)
	if err != nil {
		return nil, err
	}
	b, av := s.withAuditBlock(ctx, b)
	v := blockView(b, raw)
	if av != nil {
		v.Audit = &AuditView{VerdictView: verdictView(av.block), At: timeText(av.at), Findings: av.findings}
		for i := range v.Txs {
			if tv, found := av.txs[v.Txs[i].ID]; found {
				v.Txs[i].Audit = verdictView(tv).Status
			}
		}
	}
	if v.Fisco != nil {
		ch, err := s.idx.Chain(ctx, chain)
		if err != nil {
			return nil, err
		}
		v.Fisco.Crypto = string(ch.Crypto)
	}
	return v, nil
}

// blockOf reads the block a block page shows: with summaries of its
// transactions when the index has them (SummaryReader), which is all
// blockView renders of them, and in full, raw bytes included, for a
// page with raw set.
func (s *Server) blockOf(ctx context.Context, chain string, ref blockRef, raw bool) (*ledger.Block, error) {
	if sr, ok := s.idx.(SummaryReader); ok && !raw {
		if ref.hash != nil {
			return sr.BlockWithSummariesByHash(ctx, chain, ref.hash)
		}
		return sr.BlockWithSummaries(ctx, chain, ref.height)
	}
	if ref.hash != nil {
		return s.idx.BlockByHash(ctx, chain, ref.hash)
	}
	return s.idx.Block(ctx, chain, ref.height)
}

// auditVerdicts are the auditor's stored verdicts of one block and the
// ids of the findings it raised there.
type auditVerdicts struct {
	block    ledger.Verdict
	txs      map[string]ledger.Verdict
	at       time.Time
	findings []string
}

// withAuditBlock returns b with the one verification status the API
// serves: the ingest's verdict of the block and of each transaction
// combined with the auditor's (ledger.Combine), so that a block the
// auditor verified is not "unverified" beside its audit. b itself is not
// changed. The audit's own verdicts are returned too, nil before the
// auditor ran.
func (s *Server) withAuditBlock(ctx context.Context, b *ledger.Block) (*ledger.Block, *auditVerdicts) {
	av := s.audit(ctx, b.Chain, b.Height)
	if av == nil {
		return b, nil
	}
	out := *b
	out.Verdict = ledger.Combine(b.Verdict, av.block)
	out.Txs = slices.Clone(b.Txs)
	for i := range out.Txs {
		if tv, found := av.txs[out.Txs[i].ID]; found {
			out.Txs[i].Verdict = ledger.Combine(out.Txs[i].Verdict, tv)
		}
	}
	return &out, av
}

// audit returns the auditor's verdicts for a block, read once, or nil
// when the index has none.
func (s *Server) audit(ctx context.Context, chain string, height uint64) *auditVerdicts {
	ar, ok := s.idx.(AuditReader)
	if !ok {
		return nil
	}
	rec, err := ar.Audit(ctx, chain, height)
	if err != nil {
		return nil
	}
	av := &auditVerdicts{block: rec.Verdict, txs: make(map[string]ledger.Verdict, len(rec.Txs)), at: rec.At, findings: rec.Findings}
	for _, t := range rec.Txs {
		av.txs[t.ID] = t.Verdict
	}
	return av
}

// txViewAudited renders a transaction with the one verification status
// the API serves (the ingest's verdict combined with the auditor's) and
// the auditor's own verdict beside it, when it ran.
func (s *Server) txViewAudited(ctx context.Context, t *ledger.Tx, raw bool) TxView {
	av := s.audit(ctx, t.Chain, t.Height)
	if av == nil {
		return txView(t, raw)
	}
	tv, found := av.txs[t.ID]
	if !found {
		return txView(t, raw)
	}
	combined := *t
	combined.Verdict = ledger.Combine(t.Verdict, tv)
	v := txView(&combined, raw)
	v.Audit = &AuditView{VerdictView: verdictView(tv), At: timeText(av.at)}
	return v
}

func (s *Server) tx(c *gin.Context) (any, error) {
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	id, err := parseTxID(c.Param("id"))
	if err != nil {
		return nil, err
	}
	raw, err := rawParam(c)
	if err != nil {
		return nil, err
	}
	t, err := s.idx.Tx(c.Request.Context(), chain, id)
	if err != nil {
		return nil, err
	}
	return s.txViewAudited(c.Request.Context(), t, raw), nil
}

func (s *Server) txAnyChain(c *gin.Context) (any, error) {
	id, err := parseTxID(c.Param("id"))
	if err != nil {
		return nil, err
	}
	raw, err := rawParam(c)
	if err != nil {
		return nil, err
	}
	ts, err := s.idx.TxAnyChain(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, ledger.ErrNotFound
	}
	out := make([]TxView, 0, len(ts))
	for _, t := range ts {
		out = append(out, s.txViewAudited(c.Request.Context(), t, raw))
	}
	return list(out, ""), nil
}

func (s *Server) history(c *gin.Context) (any, error) {
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	addr, err := addrParam(c)
	if err != nil {
		return nil, err
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	hs, next, err := s.idx.AddressHistory(ctx, chain, addr, p)
	if err == nil {
		err = s.emptyPage(ctx, chain, len(hs), p)
	}
	if err != nil {
		return nil, err
	}
	fabric := false
	if ch, err := s.idx.Chain(ctx, chain); err == nil {
		fabric = ch.Kind == ledger.KindFabric
	}
	out := make([]HistoryView, 0, len(hs))
	for _, h := range hs {
		out = append(out, HistoryView{Chain: h.Chain, Height: h.Height, Index: h.Index, TxID: txIDOf(fabric, h.TxID), Role: h.Role})
	}
	return list(out, next), nil
}

func (s *Server) contracts(c *gin.Context) (any, error) {
	return pagedChainList(s, c, s.idx.Contracts, func(ct *ledger.Contract) ContractView { return contractView(ct, false) })
}

func (s *Server) contract(c *gin.Context) (any, error) {
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	addr, err := addrParam(c)
	if err != nil {
		return nil, err
	}
	raw, err := rawParam(c)
	if err != nil {
		return nil, err
	}
	ct, err := s.idx.Contract(c.Request.Context(), chain, addr)
	if err != nil {
		return nil, err
	}
	return contractView(ct, raw), nil
}

func (s *Server) reorgs(c *gin.Context) (any, error) {
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	rs, err := s.idx.Reorgs(ctx, chain)
	if err == nil {
		err = s.emptyPage(ctx, chain, len(rs), ledger.Page{})
	}
	if err != nil {
		return nil, err
	}
	out := make([]ReorgView, 0, len(rs))
	for _, r := range rs {
		out = append(out, reorgView(r))
	}
	return list(out, ""), nil
}

func (s *Server) findings(c *gin.Context) (any, error) {
	f, err := findingFilter(c)
	if err != nil {
		return nil, err
	}
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	if sc := s.scopeOf(c.Request.Context()); sc.org != "" {
		if f.Org != "" && f.Org != sc.org {
			return list([]FindingView(nil), ""), nil
		}
		f.Org = sc.org
	}
	var (
		fs   []*ledger.Finding
		next string
	)
	switch c.Query("order") {
	case "", orderID:
		fs, next, err = s.idx.Findings(c.Request.Context(), f, p)
	case orderSeverity:
		fs, next, err = s.findingsBySeverity(c.Request.Context(), f, p)
	default:
		return nil, badParam("order", "must be %s or %s", orderID, orderSeverity)
	}
	if err != nil {
		return nil, err
	}
	out := make([]FindingView, 0, len(fs))
	rules, fabric := s.ruleIndex(), s.fabricChains(c.Request.Context())
	for _, fd := range fs {
		out = append(out, findingView(fd, rules, lang, fabric(fd.Chain)))
	}
	return list(out, next), nil
}

func (s *Server) finding(c *gin.Context) (any, error) {
	id, err := name("id", c.Param("id"), maxNameLen)
	if err != nil {
		return nil, err
	}
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	f, err := s.scopedFinding(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	return findingView(f, s.ruleIndex(), lang, s.fabricChains(c.Request.Context())(f.Chain)), nil
}

func (s *Server) ruleCatalogue(c *gin.Context) (any, error) {
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	rs := s.rules()
	out := make([]RuleView, 0, len(rs))
	for _, r := range rs {
		out = append(out, ruleView(r, lang))
	}
	return list(out, ""), nil
}
