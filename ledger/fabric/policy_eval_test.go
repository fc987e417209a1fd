package fabric

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/msp"
	"github.com/hyperledger/fabric-protos-go/peer"
)

func TestParsePolicy(t *testing.T) {
	env := &common.SignaturePolicyEnvelope{
		Rule:       nOutOf(2, signedBy(0), nOutOf(1, signedBy(1), signedBy(0))),
		Identities: []*msp.MSPPrincipal{role(t, "Org1MSP", msp.MSPRole_PEER), role(t, "Org2MSP", msp.MSPRole_ADMIN)},
	}
	sigRule := SignatureRule{SignedBy: -1, N: 2, Rules: []SignatureRule{
		{SignedBy: 0}, {SignedBy: -1, N: 1, Rules: []SignatureRule{{SignedBy: 1}, {SignedBy: 0}}},
	}}
	principals := []Principal{{Kind: PrincipalRole, MSPID: "Org1MSP", Role: "peer"}, {Kind: PrincipalRole, MSPID: "Org2MSP", Role: "admin"}}
	tests := []struct {
		name    string
		typ     string
		raw     []byte
		want    PolicyRule
		wantErr bool
	}{
		{"signature", PolicySignature, marshal(t, env), PolicyRule{Signature: &SignaturePolicy{Rule: sigRule, Principals: principals}}, false},
		{"implicit meta", PolicyImplicitMeta, marshal(t, &common.ImplicitMetaPolicy{SubPolicy: "Endorsement", Rule: common.ImplicitMetaPolicy_MAJORITY}),
			PolicyRule{Implicit: &ImplicitMeta{Rule: "MAJORITY", SubPolicy: "Endorsement"}}, false},
		{"principal out of range", PolicySignature, marshal(t, &common.SignaturePolicyEnvelope{Rule: signedBy(3)}), PolicyRule{}, true},
		{"empty rule", PolicySignature, marshal(t, &common.SignaturePolicyEnvelope{}), PolicyRule{}, true},
		{"garbage", PolicySignature, []byte{0xff}, PolicyRule{}, true},
		{"msp type", PolicyMSP, nil, PolicyRule{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePolicy(tt.typ, tt.raw)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParsePolicy error = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParsePolicy = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestChaincodePolicies(t *testing.T) {
	b := decodeFixture(t, "fabric-2.5.9/peer/mychannel_2.block")
	got := ChaincodePolicies(&b.Txs[0])
	if pe, ok := got["kvcc"]; !ok || pe.Err != nil || pe.Policy.Reference != "/Channel/Application/Endorsement" {
		t.Errorf("ChaincodePolicies(commit of kvcc) = %+v", got)
	}
	synth, err := DecodeEnvelope(synthEndorserTx(t))
	if err != nil {
		t.Fatal(err)
	}
	pe := ChaincodePolicies(synth)["mycc"]
	if pe.Err != nil || pe.Policy.Signature == nil || len(pe.Policy.Signature.Principals) != 3 || pe.Policy.Signature.Rule.N != 2 {
		t.Errorf("ChaincodePolicies(synthetic mycc) = %+v", pe)
	}
	if got := ChaincodePolicies(&decodeFixture(t, "fabric-2.5.9/peer/mychannel_3.block").Txs[0]); got != nil {
		t.Errorf("ChaincodePolicies(kvcc put) = %+v, want none", got)
	}
}

func TestDecodeSigned(t *testing.T) {
	raw := readFixture(t, "fabric-gm-sm2/peer/mychannel_3.block")
	b, msgs, err := defaultDecoder.DecodeSigned("test", raw)
	if err != nil {
		t.Fatal(err)
	}
	want, err := SignedMessages(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != len(want) || len(msgs) != 3 {
		t.Fatalf("DecodeSigned = %d messages, SignedMessages %d, want 3", len(msgs), len(want))
	}
	for i := range msgs {
		if !bytes.Equal(msgs[i].Message, want[i].Message) {
			t.Errorf("message %d differs", i)
		}
	}
}

// FuzzParseApplicationPolicy feeds arbitrary bytes to the endorsement
// policy parser: it must not panic, and what parses is well formed.
func FuzzParseApplicationPolicy(f *testing.F) {
	f.Add(marshal(f, &peer.ApplicationPolicy{Type: &peer.ApplicationPolicy_ChannelConfigPolicyReference{ChannelConfigPolicyReference: "/Channel/Application/Endorsement"}}))
	f.Add(marshal(f, &peer.ApplicationPolicy{Type: &peer.ApplicationPolicy_SignaturePolicy{SignaturePolicy: &common.SignaturePolicyEnvelope{
		Rule: nOutOf(1, signedBy(0)), Identities: []*msp.MSPPrincipal{role(f, "Org1MSP", msp.MSPRole_MEMBER)},
	}}}))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ap, err := ParseApplicationPolicy(raw)
		if err != nil || ap.Signature == nil {
			return
		}
		var check func(r SignatureRule, depth int)
		check = func(r SignatureRule, depth int) {
			if depth > maxPolicyDepth+1 || (r.SignedBy >= len(ap.Signature.Principals)) {
				t.Fatalf("malformed rule %+v at depth %d", r, depth)
			}
			for _, sub := range r.Rules {
				check(sub, depth+1)
			}
		}
		check(ap.Signature.Rule, 0)
	})
}

// FuzzParseKeyPolicy parses arbitrary key-level policies and collection
// configurations: a parsed policy has only in-range principals, and
// nothing panics.
func FuzzParseKeyPolicy(f *testing.F) {
	f.Add(marshal(f, &common.SignaturePolicyEnvelope{
		Rule: nOutOf(1, signedBy(0)), Identities: []*msp.MSPPrincipal{role(f, "Org1MSP", msp.MSPRole_PEER)},
	}))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if sp, text, err := ParseKeyPolicy(raw); err == nil {
			if text == "" || (sp.Rule.SignedBy >= len(sp.Principals)) {
				t.Fatalf("ParseKeyPolicy = %+v, %q", sp, text)
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatalf("ParseKeyPolicy error %v does not match ErrMalformed", err)
		}
		for name, c := range ParseCollections(raw) {
			if c.HasPolicy && c.Policy.Err == nil && c.Policy.Raw == nil {
				t.Fatalf("collection %q has a policy without its bytes", name)
			}
		}
	})
}
