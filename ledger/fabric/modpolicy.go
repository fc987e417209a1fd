package fabric

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-protos-go/common"
)

// Kinds of config elements in a [ConfigChange].
const (
	ElementGroup  = "group"
	ElementValue  = "value"
	ElementPolicy = "policy"
)

// ConfigChange is one config element a config update modifies, as the
// orderer's config validation sees it: an element of the update's write
// set whose version differs from its read set.
type ConfigChange struct {
	Kind    string // ElementGroup, ElementValue or ElementPolicy
	Path    string // e.g. /Channel/Application/Org1MSP or /Channel/Orderer/BatchTimeout
	Version uint64
	// Policy is the absolute path of the mod_policy governing the change:
	// that of the element in the config in force before the update. It is
	// empty for an element that config did not have, which needs no policy
	// of its own (adding it changes its parent group, which has one).
	Policy string
	// Problem says what makes the change invalid regardless of
	// signatures: a version that is not the previous one plus one, a new
	// element not at version 0, or an element without a mod_policy.
	Problem string
}

// configElement is one element of a flattened config tree.
type configElement struct {
	kind      string
	path      string
	parent    string // path of the group holding it
	version   uint64
	modPolicy string
}

// key identifies an element across config trees.
func (e configElement) key() string { return e.kind + " " + e.path }

// ConfigUpdateChanges decodes the config update a CONFIG transaction's
// envelope (txRaw) applied, its last update, and returns the elements it
// modifies relative to the config in force before it (prevRaw, a
// marshalled common.Config), in path order, and the read-set elements
// whose version differs from that config (a stale read the orderer must
// have rejected). It returns ErrNoConfigUpdate when the transaction
// carries no last update, as genesis configs do.
func ConfigUpdateChanges(txRaw, prevRaw []byte) (changes []ConfigChange, stale []string, err error) {
	update, err := configUpdate(txRaw)
	if err != nil {
		return nil, nil, err
	}
	var prev common.Config
	if err := unmarshal("previous config", prevRaw, &prev); err != nil {
		return nil, nil, err
	}
	if prev.ChannelGroup == nil {
		return nil, nil, fmt.Errorf("previous config: %w: no channel group", ErrMalformed)
	}
	current := flattenConfig(prev.ChannelGroup)
	read := flattenConfig(update.ReadSet)
	write := flattenConfig(update.WriteSet)
	for k, r := range read {
		if c, ok := current[k]; !ok || c.version != r.version {
			stale = append(stale, fmt.Sprintf("%s %s read at version %d", r.kind, r.path, r.version))
		}
	}
	sort.Strings(stale)
	for k, w := range write {
		if r, ok := read[k]; ok && r.version == w.version {
			continue // read, not modified
		}
		ch := ConfigChange{Kind: w.kind, Path: w.path, Version: w.version}
		existing, ok := current[k]
		switch {
		case !ok && w.version != 0:
			ch.Problem = fmt.Sprintf("new element at version %d, not 0", w.version)
		case !ok:
		case w.version != existing.version+1:
			ch.Problem = fmt.Sprintf("version %d does not follow the current version %d", w.version, existing.version)
		case existing.modPolicy == "":
			ch.Problem = "the element has no mod_policy, so it cannot be modified"
		default:
			ch.Policy = resolveModPolicy(existing)
		}
		changes = append(changes, ch)
	}
	sort.Slice(changes, func(i, j int) bool {
		if changes[i].Path != changes[j].Path {
			return changes[i].Path < changes[j].Path
		}
		return changes[i].Kind < changes[j].Kind
	})
	return changes, stale, nil
}

// resolveModPolicy returns the absolute path of an element's mod_policy:
// relative names resolve in the group itself for a group and in the
// holding group for values and policies.
func resolveModPolicy(e configElement) string {
	if strings.HasPrefix(e.modPolicy, "/") {
		return e.modPolicy
	}
	base := e.parent
	if e.kind == ElementGroup {
		base = e.path
	}
	return base + "/" + e.modPolicy
}

// configUpdate extracts the ConfigUpdate a CONFIG envelope applied.
func configUpdate(txRaw []byte) (*common.ConfigUpdate, error) {
	var env common.Envelope
	if err := unmarshal("envelope", txRaw, &env); err != nil {
		return nil, err
	}
	var pl common.Payload
	if err := unmarshal("payload", env.Payload, &pl); err != nil {
		return nil, err
	}
	var ce common.ConfigEnvelope
	if err := unmarshal("config envelope", pl.Data, &ce); err != nil {
		return nil, err
	}
	if ce.LastUpdate == nil {
		return nil, ErrNoConfigUpdate
	}
	var upl common.Payload
	if err := unmarshal("last update: payload", ce.LastUpdate.Payload, &upl); err != nil {
		return nil, err
	}
	var cue common.ConfigUpdateEnvelope
	if err := unmarshal("last update: config update envelope", upl.Data, &cue); err != nil {
		return nil, err
	}
	var cu common.ConfigUpdate
	if err := unmarshal("last update: config update", cue.ConfigUpdate, &cu); err != nil {
		return nil, err
	}
	if cu.ReadSet == nil || cu.WriteSet == nil {
		return nil, fmt.Errorf("last update: %w: config update without read or write set", ErrMalformed)
	}
	return &cu, nil
}

// flattenConfig maps every element of a config tree rooted at the
// channel group by kind and path.
func flattenConfig(root *common.ConfigGroup) map[string]configElement {
	out := map[string]configElement{}
	var walk func(g *common.ConfigGroup, path, parent string, depth int)
	walk = func(g *common.ConfigGroup, path, parent string, depth int) {
		if g == nil || depth > maxPolicyDepth {
			return
		}
		e := configElement{kind: ElementGroup, path: path, parent: parent, version: g.Version, modPolicy: g.ModPolicy}
		out[e.key()] = e
		for name, v := range g.Values {
			if v == nil {
				continue
			}
			e := configElement{kind: ElementValue, path: path + "/" + name, parent: path, version: v.Version, modPolicy: v.ModPolicy}
			out[e.key()] = e
		}
		for name, p := range g.Policies {
			if p == nil {
				continue
			}
			e := configElement{kind: ElementPolicy, path: path + "/" + name, parent: path, version: p.Version, modPolicy: p.ModPolicy}
			out[e.key()] = e
		}
		for name, sub := range g.Groups {
			walk(sub, path+"/"+name, path, depth+1)
		}
	}
	walk(root, "/"+rootGroup, "", 0)
	return out
}

// rootGroup is the name of a config tree's root group.
const rootGroup = "Channel"
