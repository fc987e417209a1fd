package fabric

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lianjian/lianjian/ledger"
)

// Change kinds of a [Change].
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Sections of a config diff.
const (
	SectionChannel    = "channel"
	SectionMSP        = "msp"
	SectionPolicy     = "policy"
	SectionConsenter  = "consenter"
	SectionBatch      = "batch"
	SectionCapability = "capability"
	SectionACL        = "acl"
)

// Change is one readable difference between two channel configs.
type Change struct {
	Section string `json:"section"` // channel, msp, policy, consenter, batch, capability, acl
	Path    string `json:"path"`    // what changed, e.g. Org1MSP/rootCerts or /Channel/Application/Admins
	Kind    string `json:"kind"`    // added, removed or changed
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

// ConfigDiff lists what changed from one channel config to another.
type ConfigDiff struct {
	FromHeight, ToHeight     uint64
	FromSequence, ToSequence uint64
	Changes                  []Change
}

// DiffConfigs compares two channel configs: MSPs added or removed and
// their certificates, CRLs, NodeOUs, anchor peers and endpoints; policies;
// consenters and orderer type; batch settings; capabilities; ACLs and
// hashing algorithms. Changes are ordered by section, then path.
func DiffConfigs(a, b *ledger.Config) ConfigDiff {
	d := ConfigDiff{FromHeight: a.Height, ToHeight: b.Height, FromSequence: a.Sequence, ToSequence: b.Sequence}
	add := func(section, path, kind, from, to string) {
		d.Changes = append(d.Changes, Change{Section: section, Path: path, Kind: kind, From: from, To: to})
	}
	value := func(section, path, from, to string) {
		if from != to {
			add(section, path, kindOf(from, to), from, to)
		}
	}
	value(SectionChannel, "hashingAlgorithm", a.HashingAlgo, b.HashingAlgo)
	value(SectionChannel, "blockDataHashingStructure", a.BlockDataHash, b.BlockDataHash)
	value(SectionChannel, "ordererAddresses", strings.Join(a.OrdererAddrs, ","), strings.Join(b.OrdererAddrs, ","))
	value(SectionConsenter, "ordererType", a.OrdererType, b.OrdererType)
	value(SectionBatch, "timeout", a.Batch.Timeout, b.Batch.Timeout)
	value(SectionBatch, "maxMessageCount", num(a.Batch.MaxMessageCount), num(b.Batch.MaxMessageCount))
	value(SectionBatch, "absoluteMaxBytes", num(a.Batch.AbsoluteMaxBytes), num(b.Batch.AbsoluteMaxBytes))
	value(SectionBatch, "preferredMaxBytes", num(a.Batch.PreferredMaxBytes), num(b.Batch.PreferredMaxBytes))
	diffMap(SectionCapability, capSets(a.Capabilities), capSets(b.Capabilities), add)
	diffMap(SectionACL, a.ACLs, b.ACLs, add)
	diffMap(SectionConsenter, consenters(a.Consenters), consenters(b.Consenters), add)
	pa, pb := map[string]string{}, map[string]string{}
	for _, p := range a.Policies {
		pa[p.Path] = policyText(p)
	}
	for _, p := range b.Policies {
		pb[p.Path] = policyText(p)
	}
	diffMap(SectionPolicy, pa, pb, add)
	diffMSPs(a.MSPs, b.MSPs, add)
	slices.SortStableFunc(d.Changes, func(x, y Change) int {
		return cmp.Or(cmp.Compare(sectionOrder(x.Section), sectionOrder(y.Section)), cmp.Compare(x.Path, y.Path))
	})
	return d
}

func sectionOrder(s string) int {
	return slices.Index([]string{SectionChannel, SectionMSP, SectionPolicy, SectionConsenter, SectionBatch, SectionCapability, SectionACL}, s)
}

func kindOf(from, to string) string {
	switch {
	case from == "":
		return Added
	case to == "":
		return Removed
	}
	return Changed
}

func num(v uint32) string { return fmt.Sprint(v) }

func policyText(p ledger.Policy) string {
	s := p.Type + " " + p.Rule
	if p.ModPolicy != "" {
		s += " (mod_policy " + p.ModPolicy + ")"
	}
	return s
}

// capSets renders each capability group as a sorted list.
func capSets(c map[string][]string) map[string]string {
	out := map[string]string{}
	for g, names := range c {
		s := slices.Clone(names)
		slices.Sort(s)
		out[g] = strings.Join(s, ",")
	}
	return out
}

// consenters keys the consenters by endpoint and describes their
// identity and TLS certificates by fingerprint.
func consenters(cs []ledger.Consenter) map[string]string {
	out := map[string]string{}
	for _, c := range cs {
		k := fmt.Sprintf("%s:%d", c.Host, c.Port)
		v := fmt.Sprintf("id %d msp %s identity %s clientTLS %s serverTLS %s",
			c.ID, c.MSPID, short(c.Identity), short(c.ClientTLS), short(c.ServerTLS))
		out[k] = v
	}
	return out
}

// diffMap reports the keys added to, removed from or changed between two
// maps, in key order.
func diffMap(section string, a, b map[string]string, add func(section, path, kind, from, to string)) {
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		va, ina := a[k]
		vb, inb := b[k]
		switch {
		case !inb:
			add(section, k, Removed, va, "")
		case !ina:
			add(section, k, Added, "", vb)
		case va != vb:
			add(section, k, Changed, va, vb)
		}
	}
}

// diffMSPs compares MSP definitions by id, certificate by certificate.
func diffMSPs(a, b []ledger.MSP, add func(section, path, kind, from, to string)) {
	ma, mb := map[string]ledger.MSP{}, map[string]ledger.MSP{}
	for _, m := range a {
		ma[m.ID] = m
	}
	for _, m := range b {
		mb[m.ID] = m
	}
	ids := slices.Sorted(maps.Keys(ma))
	for id := range mb {
		if _, ok := ma[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		x, inA := ma[id]
		y, inB := mb[id]
		switch {
		case !inB:
			add(SectionMSP, id, Removed, mspSummary(x), "")
			continue
		case !inA:
			add(SectionMSP, id, Added, "", mspSummary(y))
			continue
		}
		certs := func(field string, xs, ys [][]byte, describe func([]byte) string) {
			dx, dy := map[string]string{}, map[string]string{}
			for _, c := range xs {
				dx[short(c)] = describe(c)
			}
			for _, c := range ys {
				dy[short(c)] = describe(c)
			}
			diffMap(SectionMSP, prefixKeys(id+"/"+field+"/", dx), prefixKeys(id+"/"+field+"/", dy), add)
		}
		certs("rootCerts", x.RootCerts, y.RootCerts, certText)
		certs("intermediateCerts", x.Intermediates, y.Intermediates, certText)
		certs("tlsRootCerts", x.TLSRootCerts, y.TLSRootCerts, certText)
		certs("tlsIntermediateCerts", x.TLSIntermediates, y.TLSIntermediates, certText)
		certs("admins", x.Admins, y.Admins, certText)
		certs("crls", x.CRLs, y.CRLs, func(c []byte) string { return "CRL " + short(c) })
		diffMap(SectionMSP, map[string]string{id + "/nodeOUs": nodeOUText(x.NodeOUs)}, map[string]string{id + "/nodeOUs": nodeOUText(y.NodeOUs)}, add)
		diffMap(SectionMSP, map[string]string{id + "/anchorPeers": strings.Join(x.AnchorPeers, ",")}, map[string]string{id + "/anchorPeers": strings.Join(y.AnchorPeers, ",")}, changedOnly(add))
		diffMap(SectionMSP, map[string]string{id + "/endpoints": strings.Join(x.Endpoints, ",")}, map[string]string{id + "/endpoints": strings.Join(y.Endpoints, ",")}, changedOnly(add))
	}
}

// changedOnly turns the changes of a single key whose empty value means
// "none" into added, removed or changed by its values.
func changedOnly(add func(section, path, kind, from, to string)) func(section, path, kind, from, to string) {
	return func(section, path, _, from, to string) {
		if from != to {
			add(section, path, kindOf(from, to), from, to)
		}
	}
}

func prefixKeys(prefix string, m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[prefix+k] = v
	}
	return out
}

func mspSummary(m ledger.MSP) string {
	subjects := make([]string, 0, len(m.RootCerts))
	for _, c := range m.RootCerts {
		subjects = append(subjects, certText(c))
	}
	return fmt.Sprintf("%s org %s, root CAs: %s", m.Group, m.Org, strings.Join(subjects, "; "))
}

// certText names a certificate by subject and key algorithm.
func certText(der []byte) string {
	id, err := ParseCertificate(der)
	if err != nil {
		return "unparsable certificate " + short(der)
	}
	return fmt.Sprintf("%s (%s, serial %s, until %s)", id.Subject, id.KeyAlgorithm, id.Serial, id.NotAfter.Format("2006-01-02"))
}

func nodeOUText(n *ledger.NodeOUs) string {
	if n == nil || !n.Enabled {
		return "disabled"
	}
	return fmt.Sprintf("enabled (client %s, peer %s, admin %s, orderer %s)", n.Client, n.Peer, n.Admin, n.Orderer)
}

// short is the first 16 hex digits of the SHA-256 of b, or "none".
func short(b []byte) string {
	if len(b) == 0 {
		return "none"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
