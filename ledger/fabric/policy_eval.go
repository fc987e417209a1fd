package fabric

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/msp"
	"github.com/hyperledger/fabric-protos-go/peer"
	"github.com/hyperledger/fabric-protos-go/peer/lifecycle"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/lianjian/lianjian/ledger"
)

// Principal classifications used in [Principal].Kind.
const (
	PrincipalRole     = "role"
	PrincipalOU       = "ou"
	PrincipalIdentity = "identity"
	PrincipalOther    = "other" // anonymity, combined and unknown principals
)

// Principal is one MSP principal of a signature policy in structured form.
type Principal struct {
	Kind  string // one of the Principal* constants
	MSPID string
	// Role is member, admin, client, peer or orderer for a role principal.
	Role string
	// OU is the organizational unit of an OU principal.
	OU string
	// Cert is the DER certificate of an identity principal.
	Cert []byte
}

// SignatureRule is one node of a signature policy tree: a leaf when
// SignedBy is at least 0, otherwise N out of Rules.
type SignatureRule struct {
	SignedBy int
	N        int
	Rules    []SignatureRule
}

// SignaturePolicy is a signature policy envelope in structured form.
type SignaturePolicy struct {
	Rule       SignatureRule
	Principals []Principal
}

// ImplicitMeta is an implicit meta policy: Rule (ANY, ALL or MAJORITY)
// over the policy named SubPolicy of every child group.
type ImplicitMeta struct {
	Rule      string
	SubPolicy string
}

// PolicyRule is a config policy in structured form; exactly one field is
// set.
type PolicyRule struct {
	Signature *SignaturePolicy
	Implicit  *ImplicitMeta
}

// ApplicationPolicy is a chaincode endorsement policy as `_lifecycle`
// stores it: a signature policy, or a reference to a channel config
// policy such as /Channel/Application/Endorsement.
type ApplicationPolicy struct {
	Signature *SignaturePolicy
	Reference string
}

// ParsePolicy parses the value of a config policy of type typ (a
// [ledger.Policy] Type and Raw).
func ParsePolicy(typ string, raw []byte) (PolicyRule, error) {
	switch typ {
	case PolicySignature:
		sp, err := parseSignaturePolicy(raw)
		return PolicyRule{Signature: sp}, err
	case PolicyImplicitMeta:
		var im common.ImplicitMetaPolicy
		if err := unmarshal("implicit meta policy", raw, &im); err != nil {
			return PolicyRule{}, err
		}
		return PolicyRule{Implicit: &ImplicitMeta{Rule: im.Rule.String(), SubPolicy: im.SubPolicy}}, nil
	}
	return PolicyRule{}, fmt.Errorf("policy: %w: type %q cannot be evaluated", ErrMalformed, typ)
}

// ParseApplicationPolicy parses a marshalled peer.ApplicationPolicy, the
// ValidationParameter of a chaincode definition.
func ParseApplicationPolicy(raw []byte) (ApplicationPolicy, error) {
	var ap peer.ApplicationPolicy
	if err := unmarshal("application policy", raw, &ap); err != nil {
		return ApplicationPolicy{}, err
	}
	if env := ap.GetSignaturePolicy(); env != nil {
		sp, err := signatureEnvelope(env)
		return ApplicationPolicy{Signature: sp}, err
	}
	if ref := ap.GetChannelConfigPolicyReference(); ref != "" {
		return ApplicationPolicy{Reference: ref}, nil
	}
	return ApplicationPolicy{}, fmt.Errorf("application policy: %w: empty", ErrMalformed)
}

// ChaincodePolicies returns the endorsement policies of the chaincode
// definitions a transaction writes to `_lifecycle`, by chaincode name.
// Definitions whose policy does not parse map to an error.
func ChaincodePolicies(tx *ledger.Tx) map[string]PolicyOrError {
	return definitionFields(tx, "ValidationInfo", validationInfoPolicy)
}

// definitionFields decodes one field of every chaincode definition a
// transaction writes to `_lifecycle`, by chaincode name; nil when it
// writes none.
func definitionFields[T any](tx *ledger.Tx, field string, decode func([]byte) T) map[string]T {
	if tx.Fabric == nil {
		return nil
	}
	var out map[string]T
	for _, ns := range tx.Fabric.RWSets {
		if ns.Namespace != lifecycleNS {
			continue
		}
		for _, w := range ns.Writes {
			rest, ok := strings.CutPrefix(w.Key, lifecycleFields)
			name, found := strings.CutSuffix(rest, "/"+field)
			if !ok || !found || w.IsDelete || name == "" {
				continue
			}
			if out == nil {
				out = make(map[string]T)
			}
			out[name] = decode(w.Value)
		}
	}
	return out
}

// ValidationParameter is the metadata entry of a key that holds its
// key-level (state-based) endorsement policy, a marshalled
// common.SignaturePolicyEnvelope.
const ValidationParameter = "VALIDATION_PARAMETER"

// ParseKeyPolicy parses a key-level endorsement policy, the value of a
// key's ValidationParameter metadata entry, and renders it as text.
func ParseKeyPolicy(raw []byte) (*SignaturePolicy, string, error) {
	var env common.SignaturePolicyEnvelope
	if err := unmarshal("key-level policy", raw, &env); err != nil {
		return nil, "", err
	}
	sp, err := signatureEnvelope(&env)
	if err != nil {
		return nil, "", err
	}
	return sp, signaturePolicy(&env), nil
}

// CollectionConfigs returns, by chaincode name, the Collections field of
// the chaincode definitions a transaction writes to `_lifecycle`: the
// marshalled StateData holding a CollectionConfigPackage, which replaces
// the previous one. [ParseCollections] reads it. Each is a copy, which
// callers may keep without keeping the transaction's block in memory.
func CollectionConfigs(tx *ledger.Tx) map[string][]byte {
	return definitionFields(tx, "Collections", bytes.Clone)
}

// Collection is what validation needs of one static collection.
type Collection struct {
	// Policy is its endorsement policy; HasPolicy is false when it has
	// none (writes are then held to the chaincode's).
	Policy    PolicyOrError
	HasPolicy bool
	// BlockToLive is the number of blocks after its last write that a
	// private key lives; zero means forever.
	BlockToLive uint64
}

// ParseCollections decodes a chaincode definition's Collections field, by
// collection name. A field that does not decode maps to a single entry
// under the empty name, holding the error in Policy.Err.
func ParseCollections(value []byte) map[string]Collection {
	var sd lifecycle.StateData
	if err := unmarshal("collections state", value, &sd); err != nil {
		return map[string]Collection{"": {Policy: PolicyOrError{Err: err}, HasPolicy: true}}
	}
	var pkg peer.CollectionConfigPackage
	if err := unmarshal("collection config package", sd.GetBytes(), &pkg); err != nil {
		return map[string]Collection{"": {Policy: PolicyOrError{Err: err}, HasPolicy: true}}
	}
	out := map[string]Collection{}
	for _, c := range pkg.Config {
		s := c.GetStaticCollectionConfig()
		if s == nil {
			continue
		}
		col := Collection{BlockToLive: s.BlockToLive}
		if s.EndorsementPolicy != nil {
			col.HasPolicy = true
			raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoadapt.MessageV2Of(s.EndorsementPolicy))
			if err != nil {
				col.Policy = PolicyOrError{Err: fmt.Errorf("collection %s: endorsement policy: %w", s.Name, err)}
			} else {
				ap, err := ParseApplicationPolicy(raw)
				col.Policy = PolicyOrError{Policy: ap, Err: err, Raw: raw}
			}
		}
		out[s.Name] = col
	}
	return out
}

// PolicyOrError is an endorsement policy or why it could not be read.
type PolicyOrError struct {
	Policy ApplicationPolicy
	Err    error
	// Raw is the marshalled peer.ApplicationPolicy, nil when the
	// validation info itself did not decode.
	Raw []byte
	// Plugin names the chaincode's validation plugin when it is not the
	// built-in one; Err then wraps ErrCustomValidation.
	Plugin string
}

// validationInfoPolicy decodes the StateData holding a ChaincodeValidationInfo.
func validationInfoPolicy(value []byte) PolicyOrError {
	var sd lifecycle.StateData
	if err := unmarshal("validation info state", value, &sd); err != nil {
		return PolicyOrError{Err: err}
	}
	var vi lifecycle.ChaincodeValidationInfo
	if err := unmarshal("validation info", sd.GetBytes(), &vi); err != nil {
		return PolicyOrError{Err: err}
	}
	if vi.ValidationPlugin != BuiltinValidation && vi.ValidationPlugin != "" {
		return PolicyOrError{Err: fmt.Errorf("%w %q", ErrCustomValidation, vi.ValidationPlugin), Plugin: vi.ValidationPlugin}
	}
	ap, err := ParseApplicationPolicy(vi.ValidationParameter)
	return PolicyOrError{Policy: ap, Err: err, Raw: vi.ValidationParameter}
}

// BuiltinValidation is the name of Fabric's built-in validation plugin,
// the one that applies endorsement policies (chaincode, collection and
// key-level) as this package reads them.
const BuiltinValidation = "vscc"

// parseSignaturePolicy parses a marshalled SignaturePolicyEnvelope.
func parseSignaturePolicy(raw []byte) (*SignaturePolicy, error) {
	var env common.SignaturePolicyEnvelope
	if err := unmarshal("signature policy", raw, &env); err != nil {
		return nil, err
	}
	return signatureEnvelope(&env)
}

// signatureEnvelope converts a signature policy envelope.
func signatureEnvelope(env *common.SignaturePolicyEnvelope) (*SignaturePolicy, error) {
	sp := &SignaturePolicy{Principals: make([]Principal, len(env.Identities))}
	for i, p := range env.Identities {
		sp.Principals[i] = structuredPrincipal(p)
	}
	rule, err := structuredRule(env.Rule, len(sp.Principals), 0)
	if err != nil {
		return nil, err
	}
	sp.Rule = rule
	return sp, nil
}

// structuredRule converts one node of a signature policy tree.
func structuredRule(r *common.SignaturePolicy, principals, depth int) (SignatureRule, error) {
	if depth > maxPolicyDepth {
		return SignatureRule{}, fmt.Errorf("signature policy: %w: nested too deep", ErrMalformed)
	}
	switch t := r.GetType().(type) {
	case *common.SignaturePolicy_SignedBy:
		if t.SignedBy < 0 || int(t.SignedBy) >= principals {
			return SignatureRule{}, fmt.Errorf("signature policy: %w: signed by principal %d of %d", ErrMalformed, t.SignedBy, principals)
		}
		return SignatureRule{SignedBy: int(t.SignedBy)}, nil
	case *common.SignaturePolicy_NOutOf_:
		out := SignatureRule{SignedBy: -1, N: int(t.NOutOf.GetN())}
		for _, sub := range t.NOutOf.GetRules() {
			s, err := structuredRule(sub, principals, depth+1)
			if err != nil {
				return SignatureRule{}, err
			}
			out.Rules = append(out.Rules, s)
		}
		return out, nil
	}
	return SignatureRule{}, fmt.Errorf("signature policy: %w: empty rule", ErrMalformed)
}

// structuredPrincipal converts an MSP principal; what cannot be evaluated
// becomes PrincipalOther, which no identity satisfies.
func structuredPrincipal(p *msp.MSPPrincipal) Principal {
	switch p.PrincipalClassification {
	case msp.MSPPrincipal_ROLE:
		var r msp.MSPRole
		if unmarshal("", p.Principal, &r) == nil {
			return Principal{Kind: PrincipalRole, MSPID: r.MspIdentifier, Role: strings.ToLower(r.Role.String())}
		}
	case msp.MSPPrincipal_ORGANIZATION_UNIT:
		var ou msp.OrganizationUnit
		if unmarshal("", p.Principal, &ou) == nil {
			return Principal{Kind: PrincipalOU, MSPID: ou.MspIdentifier, OU: ou.OrganizationalUnitIdentifier}
		}
	case msp.MSPPrincipal_IDENTITY:
		var si msp.SerializedIdentity
		if unmarshal("", p.Principal, &si) == nil {
			return Principal{Kind: PrincipalIdentity, MSPID: si.Mspid, Cert: certDER(si.IdBytes)}
		}
	}
	return Principal{Kind: PrincipalOther}
}

// DecodeSigned decodes a block and derives the messages its signatures
// cover in one pass; it is [Decoder.DecodeBlock] and [SignedMessages]
// together.
func (d *Decoder) DecodeSigned(chain string, raw []byte) (*ledger.Block, []SignedMessage, error) {
	return d.decode(chain, raw, true)
}
