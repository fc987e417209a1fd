package api

import (
	"cmp"
	"slices"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

// NetworkView is a network with its chains: a Fabric network with one
// chain per channel, or a single EVM chain.
type NetworkView struct {
	Name   string      `json:"name"`
	Kind   string      `json:"kind"`
	Chains []ChainView `json:"chains"`
}

// ConfigVersionView locates one channel config version.
type ConfigVersionView struct {
	Height   uint64 `json:"height"`
	Sequence uint64 `json:"sequence"`
	Time     string `json:"time"`
}

// ConfigDiffView is what changed between two channel config versions.
type ConfigDiffView struct {
	FromHeight   uint64             `json:"fromHeight"`
	ToHeight     uint64             `json:"toHeight"`
	FromSequence uint64             `json:"fromSequence"`
	ToSequence   uint64             `json:"toSequence"`
	Changes      []ConfigChangeView `json:"changes"`
}

// ConfigChangeView is one difference between two channel configs.
type ConfigChangeView struct {
	Section string `json:"section"`
	Path    string `json:"path"`
	Kind    string `json:"kind"` // added, removed or changed
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

func configDiffView(d fabric.ConfigDiff) ConfigDiffView {
	v := ConfigDiffView{
		FromHeight: d.FromHeight, ToHeight: d.ToHeight, FromSequence: d.FromSequence, ToSequence: d.ToSequence,
		Changes: make([]ConfigChangeView, 0, len(d.Changes)),
	}
	for _, c := range d.Changes {
		v.Changes = append(v.Changes, ConfigChangeView{Section: c.Section, Path: c.Path, Kind: c.Kind, From: c.From, To: c.To})
	}
	return v
}

// FabricIdentityView is a Fabric signer with its certificate details and
// how often it signed.
type FabricIdentityView struct {
	IdentityView
	FirstHeight  uint64 `json:"firstHeight"`
	FirstTx      string `json:"firstTx,omitempty"`
	LastHeight   uint64 `json:"lastHeight"`
	Created      uint64 `json:"created"`      // transactions it created
	Endorsed     uint64 `json:"endorsed"`     // endorsements it gave
	BlocksSigned uint64 `json:"blocksSigned"` // blocks it signed as orderer
}

func fabricIdentityView(id *record.FabricIdentity, raw bool) FabricIdentityView {
	return FabricIdentityView{
		IdentityView: identityView(id.Identity, raw),
		FirstHeight:  id.FirstHeight, FirstTx: id.FirstTx, LastHeight: id.LastHeight,
		Created: id.Created, Endorsed: id.Endorsed, BlocksSigned: id.BlocksSigned,
	}
}

// OrgView is an organisation (MSP) of a channel with its activity.
type OrgView struct {
	MSPID        string `json:"mspId"`
	Org          string `json:"org,omitempty"`   // config group name
	Group        string `json:"group,omitempty"` // Orderer or Application
	InConfig     bool   `json:"inConfig"`        // defined in the newest channel config
	SigningAlgo  string `json:"signingAlgorithm,omitempty"`
	RootCerts    int    `json:"rootCerts"`
	NodeOUs      bool   `json:"nodeOUs"`
	Identities   int    `json:"identities"` // distinct signers seen
	Created      uint64 `json:"created"`
	Endorsed     uint64 `json:"endorsed"`
	BlocksSigned uint64 `json:"blocksSigned"`
}

// orgViews merges the MSPs of the newest config (nil when none) with the
// signing counts by MSP.
func orgViews(stats []record.FabricOrg, cfg *ledger.Config) []OrgView {
	by := map[string]*OrgView{}
	if cfg != nil {
		for _, m := range cfg.MSPs {
			by[m.ID] = &OrgView{
				MSPID: m.ID, Org: m.Org, Group: m.Group, InConfig: true, SigningAlgo: m.SigningAlgo,
				RootCerts: len(m.RootCerts), NodeOUs: m.NodeOUs != nil && m.NodeOUs.Enabled,
			}
		}
	}
	for _, s := range stats {
		v := by[s.MSPID]
		if v == nil {
			v = &OrgView{MSPID: s.MSPID}
			by[s.MSPID] = v
		}
		v.Identities, v.Created, v.Endorsed, v.BlocksSigned = s.Identities, s.Created, s.Endorsed, s.BlocksSigned
	}
	out := make([]OrgView, 0, len(by))
	for _, v := range by {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b OrgView) int { return cmp.Compare(a.MSPID, b.MSPID) })
	return out
}
