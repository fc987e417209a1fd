package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

// FabricReader reads the Fabric tables of the index: channel configs by
// height, identities and organisations with their counts, and chaincode
// definition history. The badger index implements it; the Fabric routes
// answer 404 when Deps.Index does not.
type FabricReader interface {
	ChannelConfig(ctx context.Context, chain string, height uint64) (*ledger.Config, error)
	ChannelConfigs(ctx context.Context, chain string) ([]record.ConfigVersion, error)
	FabricIdentity(ctx context.Context, chain, fingerprint string) (*record.FabricIdentity, error)
	FabricIdentities(ctx context.Context, chain, mspID string, p ledger.Page) ([]*record.FabricIdentity, string, error)
	FabricOrgs(ctx context.Context, chain string) ([]record.FabricOrg, error)
	ChaincodeHistory(ctx context.Context, chain, name string) ([]ledger.Contract, error)
}

// errNoFabric answers Fabric routes on an index without Fabric tables.
var errNoFabric = fmt.Errorf("fabric tables: %w", ledger.ErrNotFound)

func (s *Server) fabricIndex() (FabricReader, error) {
	fr, ok := s.idx.(FabricReader)
	if !ok {
		return nil, errNoFabric
	}
	return fr, nil
}

// fabricChain reads the :chain parameter and the index's Fabric reader,
// the first two steps of every Fabric route.
func (s *Server) fabricChain(c *gin.Context) (string, FabricReader, error) {
	chain, err := chainParam(c)
	if err != nil {
		return "", nil, err
	}
	fr, err := s.fabricIndex()
	return chain, fr, err
}

// heightQuery reads an optional decimal height from the query; def when
// absent.
func heightQuery(c *gin.Context, param string, def uint64) (uint64, error) {
	v, ok := c.GetQuery(param)
	if !ok {
		return def, nil
	}
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, badParam(param, "must be a decimal height")
	}
	h, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, badParam(param, "height out of range")
	}
	return h, nil
}

// networks groups the chains by network: each Fabric network with its
// channels, and every other chain on its own.
func (s *Server) networks(c *gin.Context) (any, error) {
	ctx := c.Request.Context()
	cs, err := s.idx.Chains(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*NetworkView{}
	var order []string
	for _, ch := range cs {
		v, err := s.chainView(ctx, ch)
		if err != nil {
			return nil, err
		}
		name := cmp.Or(ch.Network, ch.ID)
		n := byName[name]
		if n == nil {
			n = &NetworkView{Name: name, Kind: string(ch.Kind), Chains: []ChainView{}}
			byName[name] = n
			order = append(order, name)
		}
		n.Chains = append(n.Chains, v)
	}
	slices.Sort(order)
	out := make([]NetworkView, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	return list(out, ""), nil
}

// channelConfig returns the config in force at ?height= (default: the
// newest).
func (s *Server) channelConfig(c *gin.Context) (any, error) {
	chain, fr, err := s.fabricChain(c)
	if err != nil {
		return nil, err
	}
	h, err := heightQuery(c, "height", math.MaxUint64)
	if err != nil {
		return nil, err
	}
	raw, err := rawParam(c)
	if err != nil {
		return nil, err
	}
	cfg, err := fr.ChannelConfig(c.Request.Context(), chain, h)
	if err != nil {
		return nil, err
	}
	return configView(cfg, raw), nil
}

// channelConfigs lists the config versions of a chain.
func (s *Server) channelConfigs(c *gin.Context) (any, error) {
	chain, fr, err := s.fabricChain(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	vs, err := fr.ChannelConfigs(ctx, chain)
	if err == nil && len(vs) == 0 {
		_, err = s.idx.Chain(ctx, chain)
	}
	if err != nil {
		return nil, err
	}
	out := make([]ConfigVersionView, 0, len(vs))
	for _, v := range vs {
		out = append(out, ConfigVersionView{Height: v.Height, Sequence: v.Sequence, Time: timeText(v.Time)})
	}
	return list(out, ""), nil
}

// configDiff compares the configs in force at ?from= and ?to= (heights).
// Without to, the newest config; without from, the version before to.
func (s *Server) configDiff(c *gin.Context) (any, error) {
	chain, fr, err := s.fabricChain(c)
	if err != nil {
		return nil, err
	}
	to, err := heightQuery(c, "to", math.MaxUint64)
	if err != nil {
		return nil, err
	}
	from, err := heightQuery(c, "from", math.MaxUint64)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	b, err := fr.ChannelConfig(ctx, chain, to)
	if err != nil {
		return nil, err
	}
	if from == math.MaxUint64 {
		if b.Height == 0 {
			return nil, badParam("from", "the config at height 0 has no earlier version; name from")
		}
		from = b.Height - 1
	}
	a, err := fr.ChannelConfig(ctx, chain, from)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, badParam("from", "no channel config in force at that height")
	}
	if err != nil {
		return nil, err
	}
	return configDiffView(fabric.DiffConfigs(a, b)), nil
}

// identities lists the identities of a chain, optionally of one ?msp=.
func (s *Server) identities(c *gin.Context) (any, error) {
	chain, fr, err := s.fabricChain(c)
	if err != nil {
		return nil, err
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	msp := ""
	if v, ok := c.GetQuery("msp"); ok {
		if msp, err = name("msp", v, maxNameLen); err != nil {
			return nil, err
		}
	}
	raw, err := rawParam(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	ids, next, err := fr.FabricIdentities(ctx, chain, msp, p)
	if err == nil {
		err = s.emptyPage(ctx, chain, len(ids), p)
	}
	if err != nil {
		return nil, err
	}
	out := make([]FabricIdentityView, 0, len(ids))
	for _, id := range ids {
		out = append(out, fabricIdentityView(id, raw))
	}
	return list(out, next), nil
}

// identity returns one identity by certificate fingerprint.
func (s *Server) identity(c *gin.Context) (any, error) {
	chain, fr, err := s.fabricChain(c)
	if err != nil {
		return nil, err
	}
	fp, err := parseHash("fingerprint", c.Param("fingerprint"))
	if err != nil {
		return nil, err
	}
	raw, err := rawParam(c)
	if err != nil {
		return nil, err
	}
	id, err := fr.FabricIdentity(c.Request.Context(), chain, fmt.Sprintf("%x", fp))
	if err != nil {
		return nil, err
	}
	return fabricIdentityView(id, raw), nil
}

// orgs lists the organisations of a chain: the MSPs of its newest channel
// config and every MSP seen signing, with their counts.
func (s *Server) orgs(c *gin.Context) (any, error) {
	chain, fr, err := s.fabricChain(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	if _, err := s.idx.Chain(ctx, chain); err != nil {
		return nil, err
	}
	stats, err := fr.FabricOrgs(ctx, chain)
	if err != nil {
		return nil, err
	}
	cfg, err := fr.ChannelConfig(ctx, chain, math.MaxUint64)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return nil, err
	}
	return list(orgViews(stats, cfg), ""), nil
}

// chaincodes lists the newest definition of each chaincode.
func (s *Server) chaincodes(c *gin.Context) (any, error) {
	return s.contracts(c)
}

// chaincodeHistory lists every definition of one chaincode.
func (s *Server) chaincodeHistory(c *gin.Context) (any, error) {
	chain, fr, err := s.fabricChain(c)
	if err != nil {
		return nil, err
	}
	cc, err := name("name", c.Param("name"), maxAddrLen)
	if err != nil {
		return nil, err
	}
	defs, err := fr.ChaincodeHistory(c.Request.Context(), chain, cc)
	if err != nil {
		return nil, err
	}
	out := make([]ContractView, 0, len(defs))
	for i := range defs {
		out = append(out, contractView(&defs[i], false))
	}
	return list(out, ""), nil
}
