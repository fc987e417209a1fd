package nodes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// HealthStore is what ledger-derived health reads.
type HealthStore interface {
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	FabricIdentities(ctx context.Context, chain, mspID string, p ledger.Page) ([]*record.FabricIdentity, string, error)
}

// SignerStats is one block signer's participation over a window of blocks.
type SignerStats struct {
	Signer      string    `json:"signer"` // certificate fingerprint, or BFT consenter id
	MSPID       string    `json:"mspId,omitempty"`
	Subject     string    `json:"subject,omitempty"`
	ConsenterID uint32    `json:"consenterId,omitempty"`
	Signed      int       `json:"signed"` // blocks in the window it signed
	Missed      int       `json:"missed"` // BFT: blocks in the window it did not sign
	LastHeight  uint64    `json:"lastHeight,omitempty"`
	LastSeen    time.Time `json:"lastSeen,omitzero"`
}

// Participation is who signed the blocks of a window.
type Participation struct {
	Chain    string        `json:"chain"`
	From, To uint64        `json:"-"`
	Blocks   int           `json:"blocks"`
	Unsigned []uint64      `json:"unsigned,omitempty"` // heights with fewer signatures than needed
	Signers  []SignerStats `json:"signers"`
}

// maxUnsignedListed bounds the heights listed as unsigned.
const maxUnsignedListed = 100

// BlockParticipation reads the last window blocks of a Fabric chain and
// counts the orderer signatures on them. consenters (from the config in
// force) are the BFT consenters expected to sign; nil for Raft, where
// only the leader signs. A block at height 0 (the genesis block, which
// configtxgen does not sign) is not counted as unsigned.
func BlockParticipation(ctx context.Context, st HealthStore, chain string, consenters []ledger.Consenter, bft bool, window int) (Participation, error) {
	p := Participation{Chain: chain, Signers: []SignerStats{}}
	cp, err := st.Checkpoint(ctx, chain)
	if errors.Is(err, ledger.ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("checkpoint: %w", err)
	}
	p.To = cp.Height
	if uint64(window) <= cp.Height {
		p.From = cp.Height - uint64(window) + 1
	}
	stats := map[string]*SignerStats{}
	stat := func(key string) *SignerStats {
		s, ok := stats[key]
		if !ok {
			s = &SignerStats{Signer: key}
			stats[key] = s
		}
		return s
	}
	for _, c := range consenters {
		if bft {
			s := stat("consenter:" + strconv.FormatUint(uint64(c.ID), 10))
			s.ConsenterID, s.MSPID = c.ID, c.MSPID
		}
	}
	need := 1
	if bft && len(consenters) > 0 {
		n := len(consenters)
		f := (n - 1) / 3
		need = (n + f + 2) / 2 // ceil((n+f+1)/2), SmartBFT's quorum
	}
	for h := p.From; h <= p.To; h++ {
		b, err := st.Block(ctx, chain, h)
		if err != nil {
			return p, fmt.Errorf("block %d: %w", h, err)
		}
		p.Blocks++
		signed := map[string]bool{}
		for i, sig := range b.Signatures {
			if sig.Role != "orderer" {
				continue
			}
			key := sig.Signer.Fingerprint
			if bft && b.Fabric != nil && i < len(b.Fabric.ConsenterIDs) {
				key = "consenter:" + strconv.FormatUint(uint64(b.Fabric.ConsenterIDs[i]), 10)
			}
			if key == "" || signed[key] {
				continue
			}
			signed[key] = true
			s := stat(key)
			s.Signed++
			s.LastHeight, s.LastSeen = h, b.Time
			if s.MSPID == "" {
				s.MSPID, s.Subject = sig.Signer.MSPID, sig.Signer.Subject
			}
		}
		if len(signed) < need && h > 0 && len(p.Unsigned) < maxUnsignedListed {
			p.Unsigned = append(p.Unsigned, h)
		}
		if bft {
			for key, s := range stats {
				if s.ConsenterID != 0 && !signed[key] {
					s.Missed++
				}
			}
		}
	}
	for _, s := range stats {
		p.Signers = append(p.Signers, *s)
	}
	slices.SortFunc(p.Signers, func(a, b SignerStats) int { return strings.Compare(a.Signer, b.Signer) })
	return p, nil
}

// unregisteredRole counts the identities of one MSP acting in one role
// without a registered node to answer for them.
type unregisteredRole struct {
	msp, role string
	ids       int
}

// Roles an identity acts in, what they do and what node must answer for
// them: endorsements come from peers, block signatures from orderers, and
// transactions from clients of an org that runs at least one node.
var (
	roleVerb  = map[string]string{"endorser": "endorse", "orderer": "sign blocks", "creator": "create transactions"}
	roleNeeds = map[string]string{"endorser": "peer", "orderer": "orderer", "creator": "node"}
)

// unregisteredRoles lists the roles id acts in that no registered node
// of its org covers.
func unregisteredRoles(id *record.FabricIdentity, kinds map[Kind]bool) []string {
	var out []string
	if id.Endorsed > 0 && !kinds[FabricPeer] {
		out = append(out, "endorser")
	}
	if id.BlocksSigned > 0 && !kinds[FabricOrderer] {
		out = append(out, "orderer")
	}
	if id.Created > 0 && len(kinds) == 0 {
		out = append(out, "creator")
	}
	return out
}

// maxIdentities bounds the identities read per chain for health.
const maxIdentities = 1000

// FabricHealth derives node health from a Fabric chain's ledger: blocks
// without the orderer signatures they need, BFT consenters silent over
// the window, signers of MSPs no config defines or whose org registered
// no node, and certificates that kept signing after expiry. cfgs are the
// chain's config versions, oldest first.
func FabricHealth(ctx context.Context, st HealthStore, c ledger.Chain, cfgs []*ledger.Config, nodes []Node, window int, now time.Time) ([]ledger.Finding, error) {
	if len(cfgs) == 0 {
		return nil, nil
	}
	if window <= 0 {
		window = defaultHealthWindow
	}
	cur := cfgs[len(cfgs)-1]
	bft := strings.EqualFold(cur.OrdererType, "BFT")
	part, err := BlockParticipation(ctx, st, c.ID, cur.Consenters, bft, window)
	if err != nil {
		return nil, err
	}
	var out []ledger.Finding
	add := func(r *ledger.RuleInfo, kind, ref, org, msg string, ev map[string]string) {
		out = append(out, ledger.NewFinding(r, c.ID, ledger.Subject{Kind: kind, Ref: ref, Org: org}, now, msg, ev))
	}
	for _, h := range part.Unsigned {
		add(RuleMissingSig, "block", strconv.FormatUint(h, 10), "", fmt.Sprintf("block %d lacks the orderer signatures it needs", h),
			map[string]string{"height": strconv.FormatUint(h, 10)})
	}
	if bft && part.Blocks > 0 {
		for _, s := range part.Signers {
			if s.ConsenterID != 0 && s.Signed == 0 {
				add(RuleConsenterSilent, "consenter", s.Signer, s.MSPID,
					fmt.Sprintf("BFT consenter %d signed none of the last %d blocks", s.ConsenterID, part.Blocks),
					map[string]string{"consenterId": strconv.FormatUint(uint64(s.ConsenterID), 10), "window": strconv.Itoa(part.Blocks),
						"from": strconv.FormatUint(part.From, 10), "to": strconv.FormatUint(part.To, 10)})
			}
		}
	}
	known := map[string]bool{}
	for _, cfg := range cfgs {
		for _, m := range cfg.MSPs {
			known[m.ID] = true
		}
	}
	// registered[msp][kind]: which kinds of node each org registered.
	registered := map[string]map[Kind]bool{}
	for _, n := range nodes {
		if n.Chain == c.ID {
			if registered[n.Org] == nil {
				registered[n.Org] = map[Kind]bool{}
			}
			registered[n.Org][n.Kind] = true
		}
	}
	ids, _, err := st.FabricIdentities(ctx, c.ID, "", ledger.Page{Limit: maxIdentities})
	if err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	unregistered := map[string]*unregisteredRole{}
	for _, id := range ids {
		switch {
		case id.MSPID == "":
		case !known[id.MSPID]:
			add(RuleUnknownMSP, "identity", id.Fingerprint, id.MSPID,
				fmt.Sprintf("%s of MSP %s signed on the chain; no config version defines that MSP", id.Subject, id.MSPID),
				map[string]string{"fingerprint": id.Fingerprint, "mspId": id.MSPID, "firstHeight": strconv.FormatUint(id.FirstHeight, 10),
					"signer": id.Subject})
		default:
			for _, role := range unregisteredRoles(id, registered[id.MSPID]) {
				k := id.MSPID + ":" + role
				if unregistered[k] == nil {
					unregistered[k] = &unregisteredRole{msp: id.MSPID, role: role}
				}
				unregistered[k].ids++
			}
		}
		if !id.NotAfter.IsZero() {
			if b, err := st.Block(ctx, c.ID, id.LastHeight); err == nil && b.Time.After(id.NotAfter) {
				add(RuleSignsExpired, "identity", id.Fingerprint, id.MSPID,
					fmt.Sprintf("%s signed block %d at %s, after its certificate expired %s", id.Subject, id.LastHeight,
						b.Time.UTC().Format(time.RFC3339), id.NotAfter.UTC().Format(time.RFC3339)),
					map[string]string{"fingerprint": id.Fingerprint, "lastHeight": strconv.FormatUint(id.LastHeight, 10),
						"notAfter": id.NotAfter.UTC().Format(time.RFC3339), "signer": id.Subject,
						"signedAt": b.Time.UTC().Format(time.RFC3339)})
			}
		}
	}
	for _, k := range slices.Sorted(mapKeysOf(unregistered)) {
		u := unregistered[k]
		add(RuleUnregisteredOrg, "org", k, u.msp,
			fmt.Sprintf("%d identit(y/ies) of %s %s on the chain, but %s registered no %s", u.ids, u.msp, roleVerb[u.role], u.msp, roleNeeds[u.role]),
			map[string]string{"mspId": u.msp, "role": u.role, "identities": strconv.Itoa(u.ids), "missingNode": roleNeeds[u.role]})
	}
	return out, nil
}
