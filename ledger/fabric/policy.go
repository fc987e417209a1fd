package fabric

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/msp"
)

// Policy type names used in ledger.Policy.Type.
const (
	PolicySignature    = "Signature"
	PolicyImplicitMeta = "ImplicitMeta"
	PolicyMSP          = "MSP"
)

// maxPolicyDepth bounds the nesting rendered of a signature policy.
const maxPolicyDepth = 32

// renderPolicy renders a config policy as its type name and a readable
// rule in the syntax of Fabric's policy language: OR('Org1MSP.member'),
// AND('Org1MSP.peer', 'Org2MSP.peer'), OutOf(2, ...), or for implicit
// meta policies "MAJORITY Endorsement".
func renderPolicy(p *common.Policy) (typ, rule string, err error) {
	switch common.Policy_PolicyType(p.Type) {
	case common.Policy_SIGNATURE:
		var env common.SignaturePolicyEnvelope
		if err := unmarshal("signature policy", p.Value, &env); err != nil {
			return PolicySignature, "", err
		}
		return PolicySignature, signaturePolicy(&env), nil
	case common.Policy_IMPLICIT_META:
		var im common.ImplicitMetaPolicy
		if err := unmarshal("implicit meta policy", p.Value, &im); err != nil {
			return PolicyImplicitMeta, "", err
		}
		return PolicyImplicitMeta, im.Rule.String() + " " + im.SubPolicy, nil
	case common.Policy_MSP:
		return PolicyMSP, "", nil
	}
	return fmt.Sprintf("UNKNOWN_%d", p.Type), "", nil
}

// signaturePolicy renders a signature policy envelope.
func signaturePolicy(env *common.SignaturePolicyEnvelope) string {
	names := make([]string, len(env.Identities))
	for i, p := range env.Identities {
		names[i] = principal(p, 0)
	}
	var b strings.Builder
	renderRule(&b, env.Rule, names, 0)
	return b.String()
}

// renderRule writes one node of a signature policy tree.
func renderRule(b *strings.Builder, r *common.SignaturePolicy, names []string, depth int) {
	if depth > maxPolicyDepth {
		b.WriteString("...")
		return
	}
	switch t := r.GetType().(type) {
	case *common.SignaturePolicy_SignedBy:
		if t.SignedBy >= 0 && int(t.SignedBy) < len(names) {
			fmt.Fprintf(b, "'%s'", names[t.SignedBy])
		} else {
			fmt.Fprintf(b, "'?%d'", t.SignedBy)
		}
	case *common.SignaturePolicy_NOutOf_:
		n, rules := t.NOutOf.GetN(), t.NOutOf.GetRules()
		switch {
		case int(n) == len(rules) && n > 1:
			b.WriteString("AND(")
		case n == 1:
			b.WriteString("OR(")
		default:
			fmt.Fprintf(b, "OutOf(%d", n)
			if len(rules) > 0 {
				b.WriteString(", ")
			}
		}
		for i, sub := range rules {
			if i > 0 {
				b.WriteString(", ")
			}
			renderRule(b, sub, names, depth+1)
		}
		b.WriteString(")")
	default:
		b.WriteString("NONE")
	}
}

// principal renders an MSP principal as Fabric's policy language names
// it: Org1MSP.member, Org1MSP.peer, ...
func principal(p *msp.MSPPrincipal, depth int) string {
	if depth > maxPolicyDepth {
		return "..."
	}
	switch p.PrincipalClassification {
	case msp.MSPPrincipal_ROLE:
		var r msp.MSPRole
		if unmarshal("", p.Principal, &r) != nil {
			return "malformed-role"
		}
		return r.MspIdentifier + "." + strings.ToLower(r.Role.String())
	case msp.MSPPrincipal_ORGANIZATION_UNIT:
		var ou msp.OrganizationUnit
		if unmarshal("", p.Principal, &ou) != nil {
			return "malformed-ou"
		}
		return ou.MspIdentifier + ".ou:" + ou.OrganizationalUnitIdentifier
	case msp.MSPPrincipal_IDENTITY:
		var si msp.SerializedIdentity
		if unmarshal("", p.Principal, &si) != nil {
			return "malformed-identity"
		}
		sum := sha256.Sum256(certDER(si.IdBytes))
		return si.Mspid + ".identity:" + hex.EncodeToString(sum[:8])
	case msp.MSPPrincipal_ANONYMITY:
		var a msp.MSPIdentityAnonymity
		if unmarshal("", p.Principal, &a) != nil {
			return "malformed-anonymity"
		}
		return "anonymity:" + strings.ToLower(a.AnonymityType.String())
	case msp.MSPPrincipal_COMBINED:
		var c msp.CombinedPrincipal
		if unmarshal("", p.Principal, &c) != nil {
			return "malformed-combined"
		}
		parts := make([]string, len(c.Principals))
		for i, sub := range c.Principals {
			parts[i] = principal(sub, depth+1)
		}
		return "combined(" + strings.Join(parts, "+") + ")"
	}
	return fmt.Sprintf("principal-%d", p.PrincipalClassification)
}
