package fabric

import (
	"bytes"
	"crypto/sha256"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go/msp"
	"github.com/hyperledger/fabric-protos-go/orderer"
	"github.com/hyperledger/fabric-protos-go/peer"
	"github.com/hyperledger/fabric-protos-go/peer/lifecycle"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Synthetic blocks cover what the fixture networks never produced: range
// queries, key metadata, private-data deletes, signature-policy chaincode
// definitions with collections, BFT block signatures, ACLs and idemix.

// peerIdentity returns a marshalled SerializedIdentity of the 2.5.9
// fixture peer.
func peerIdentity(t testing.TB) []byte {
	t.Helper()
	pem := readFixture(t, filepath.Join("fabric-2.5.9/crypto/peerOrganizations/org1.example.com/peers",
		"peer0.org1.example.com/msp/signcerts/peer0.org1.example.com-cert.pem"))
	return marshal(t, &msp.SerializedIdentity{Mspid: "Org1MSP", IdBytes: pem})
}

func role(t testing.TB, mspID string, r msp.MSPRole_MSPRoleType) *msp.MSPPrincipal {
	return &msp.MSPPrincipal{
		PrincipalClassification: msp.MSPPrincipal_ROLE,
		Principal:               marshal(t, &msp.MSPRole{MspIdentifier: mspID, Role: r}),
	}
}

func signedBy(i int32) *common.SignaturePolicy {
	return &common.SignaturePolicy{Type: &common.SignaturePolicy_SignedBy{SignedBy: i}}
}

func nOutOf(n int32, rules ...*common.SignaturePolicy) *common.SignaturePolicy {
	return &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{N: n, Rules: rules}}}
}

func stateData(t testing.TB, sd *lifecycle.StateData) []byte { return marshal(t, sd) }

// synthEndorserTx builds an endorser transaction that commits a chaincode
// definition and touches every read/write set feature.
func synthEndorserTx(t testing.TB) []byte {
	t.Helper()
	id := peerIdentity(t)
	policy := &common.SignaturePolicyEnvelope{
		Rule: nOutOf(2, signedBy(0), signedBy(1), nOutOf(2, signedBy(2), signedBy(0))),
		Identities: []*msp.MSPPrincipal{
			role(t, "Org1MSP", msp.MSPRole_PEER), role(t, "Org2MSP", msp.MSPRole_PEER), role(t, "Org3MSP", msp.MSPRole_ADMIN),
		},
	}
	appPolicy := marshal(t, &peer.ApplicationPolicy{Type: &peer.ApplicationPolicy_SignaturePolicy{SignaturePolicy: policy}})
	colls := &peer.CollectionConfigPackage{Config: []*peer.CollectionConfig{
		{Payload: &peer.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &peer.StaticCollectionConfig{Name: "secrets"}}},
		{Payload: &peer.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &peer.StaticCollectionConfig{Name: "audit"}}},
	}}
	lc := &kvrwset.KVRWSet{Writes: []*kvrwset.KVWrite{
		{Key: "namespaces/fields/mycc/Sequence", Value: stateData(t, &lifecycle.StateData{Type: &lifecycle.StateData_Int64{Int64: 3}})},
		{Key: "namespaces/fields/mycc/EndorsementInfo", Value: stateData(t, &lifecycle.StateData{Type: &lifecycle.StateData_Bytes{
			Bytes: marshal(t, &lifecycle.ChaincodeEndorsementInfo{Version: "2.1", EndorsementPlugin: "escc"})}})},
		{Key: "namespaces/fields/mycc/ValidationInfo", Value: stateData(t, &lifecycle.StateData{Type: &lifecycle.StateData_Bytes{
			Bytes: marshal(t, &lifecycle.ChaincodeValidationInfo{ValidationPlugin: "vscc", ValidationParameter: appPolicy})}})},
		{Key: "namespaces/fields/mycc/Collections", Value: stateData(t, &lifecycle.StateData{Type: &lifecycle.StateData_Bytes{Bytes: marshal(t, colls)}})},
		{Key: "namespaces/metadata/mycc", Value: marshal(t, &lifecycle.StateMetadata{Datatype: "ChaincodeDefinition"})},
	}}
	kv := &kvrwset.KVRWSet{
		Reads: []*kvrwset.KVRead{{Key: "a", Version: &kvrwset.Version{BlockNum: 4, TxNum: 1}}, {Key: "gone"}},
		RangeQueriesInfo: []*kvrwset.RangeQueryInfo{
			{StartKey: "a", EndKey: "m", ItrExhausted: true, ReadsInfo: &kvrwset.RangeQueryInfo_RawReads{RawReads: &kvrwset.QueryReads{
				KvReads: []*kvrwset.KVRead{{Key: "b", Version: &kvrwset.Version{BlockNum: 2}}}}}},
			{StartKey: "m", EndKey: "", ReadsInfo: &kvrwset.RangeQueryInfo_ReadsMerkleHashes{ReadsMerkleHashes: &kvrwset.QueryReadsMerkleSummary{
				MaxDegree: 50, MaxLevel: 2, MaxLevelHashes: [][]byte{{1}, {2}}}}},
		},
		Writes:         []*kvrwset.KVWrite{{Key: "a", Value: []byte("x")}, {Key: "b", IsDelete: true}},
		MetadataWrites: []*kvrwset.KVMetadataWrite{{Key: "a", Entries: []*kvrwset.KVMetadataEntry{{Name: "VALIDATION_PARAMETER", Value: appPolicy}}}},
	}
	hashed := &kvrwset.HashedRWSet{
		HashedReads:  []*kvrwset.KVReadHash{{KeyHash: []byte("rk")}},
		HashedWrites: []*kvrwset.KVWriteHash{{KeyHash: []byte("wk1"), ValueHash: []byte("wv1")}, {KeyHash: []byte("wk2"), IsDelete: true, IsPurge: true}},
	}
	results := marshal(t, &rwset.TxReadWriteSet{DataModel: rwset.TxReadWriteSet_KV, NsRwset: []*rwset.NsReadWriteSet{
		{Namespace: "_lifecycle", Rwset: marshal(t, lc)},
		{Namespace: "mycc", Rwset: marshal(t, kv), CollectionHashedRwset: []*rwset.CollectionHashedReadWriteSet{
			{CollectionName: "secrets", HashedRwset: marshal(t, hashed), PvtRwsetHash: []byte("pvt")},
		}},
	}})
	action := marshal(t, &peer.ChaincodeAction{
		Results:     results,
		Events:      marshal(t, &peer.ChaincodeEvent{ChaincodeId: "mycc", TxId: "ABCDEF01", EventName: "ev", Payload: []byte("p")}),
		Response:    &peer.Response{Status: 200, Message: "ok"},
		ChaincodeId: &peer.ChaincodeID{Name: "_lifecycle", Version: "syscc"},
	})
	prp := marshal(t, &peer.ProposalResponsePayload{ProposalHash: []byte("h"), Extension: action})
	input := marshal(t, &peer.ChaincodeProposalPayload{Input: marshal(t, &peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{
		Input: &peer.ChaincodeInput{Args: [][]byte{[]byte("CommitChaincodeDefinition"), []byte("arg")}},
	}})})
	ap := marshal(t, &peer.ChaincodeActionPayload{ChaincodeProposalPayload: input, Action: &peer.ChaincodeEndorsedAction{
		ProposalResponsePayload: prp,
		Endorsements:            []*peer.Endorsement{{Endorser: id, Signature: []byte("e1")}, {Endorser: id, Signature: []byte("e2")}},
	}})
	tx := marshal(t, &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: ap}}})
	ch := marshal(t, &common.ChannelHeader{
		Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: "synth", TxId: "ABCDEF01",
		Timestamp: timestamppb.New(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)),
		Extension: marshal(t, &peer.ChaincodeHeaderExtension{ChaincodeId: &peer.ChaincodeID{Name: "_lifecycle"}}),
	})
	payload := marshal(t, &common.Payload{
		Header: &common.Header{ChannelHeader: ch, SignatureHeader: marshal(t, &common.SignatureHeader{Creator: id, Nonce: []byte("n")})},
		Data:   tx,
	})
	return marshal(t, &common.Envelope{Payload: payload, Signature: []byte("c")})
}

// synthBlock wraps envelopes in a block with BFT signatures, a legacy
// LAST_CONFIG and a transactions filter.
func synthBlock(t testing.TB, filter []byte, envs ...[]byte) []byte {
	t.Helper()
	obm := marshal(t, &common.OrdererBlockMetadata{LastConfig: &common.LastConfig{Index: 5}})
	sigs := marshal(t, &common.Metadata{Value: obm, Signatures: []*common.MetadataSignature{
		{IdentifierHeader: marshal(t, &common.IdentifierHeader{Identifier: 2}), Signature: []byte("s2")},
		{IdentifierHeader: marshal(t, &common.IdentifierHeader{Identifier: 4}), Signature: []byte("s4")},
	}})
	lastConfig := marshal(t, &common.Metadata{Value: marshal(t, &common.LastConfig{Index: 4})})
	sum := sha256.Sum256(bytes.Join(envs, nil))
	return marshal(t, &common.Block{
		Header:   &common.BlockHeader{Number: 7, PreviousHash: []byte("prev"), DataHash: sum[:]},
		Data:     &common.BlockData{Data: envs},
		Metadata: &common.BlockMetadata{Metadata: [][]byte{sigs, lastConfig, filter, nil, nil}},
	})
}

// TestSyntheticEndorserTx checks the decoding of features absent from the
// fixtures.
func TestSyntheticEndorserTx(t *testing.T) {
	raw := synthBlock(t, []byte{0}, synthEndorserTx(t))
	b, err := DecodeBlock("synth", raw)
	if err != nil {
		t.Fatal(err)
	}
	tx := b.Txs[0]
	if tx.ID != "abcdef01" || tx.Fabric.Events[0].TxID != "abcdef01" || tx.Function != "CommitChaincodeDefinition" {
		t.Errorf("tx id %q, event txid %q, function %q", tx.ID, tx.Fabric.Events[0].TxID, tx.Function)
	}
	if !b.Time.Equal(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)) {
		t.Errorf("Block.Time = %v", b.Time)
	}
	ns := tx.Fabric.RWSets[1]
	if len(ns.Reads) != 2 || ns.Reads[0].BlockNum != 4 || ns.Reads[0].TxNum != 1 || !ns.Reads[1].Missing {
		t.Errorf("reads = %+v", ns.Reads)
	}
	if rr := ns.RangeReads; len(rr) != 2 || !rr[0].ItrExhausted || rr[0].Keys[0].Key != "b" ||
		rr[1].MerkleLevel != 2 || rr[1].MerkleDegree != 50 || len(rr[1].MerkleHashes) != 2 {
		t.Errorf("range reads = %+v", rr)
	}
	if mw := ns.MetaWrites; len(mw) != 1 || mw[0].Key != "a" || mw[0].Entries[0].Name != "VALIDATION_PARAMETER" {
		t.Errorf("metadata writes = %+v", mw)
	}
	if w := ns.Writes; len(w) != 2 || !w[1].IsDelete {
		t.Errorf("writes = %+v", w)
	}
	c := ns.Collections
	if len(c) != 1 || c[0].Collection != "secrets" || string(c[0].PvtRWHash) != "pvt" || len(c[0].ReadHashes) != 1 ||
		len(c[0].HashedWrites) != 2 || !c[0].HashedWrites[1].IsPurge || string(c[0].HashedWrites[0].ValueHash) != "wv1" {
		t.Errorf("collections = %+v", c)
	}
	if len(tx.Sigs) != 3 || len(tx.Fabric.Endorsements) != 2 || tx.Sigs[2].Role != RoleEndorser {
		t.Errorf("signatures = %d, endorsements %d", len(tx.Sigs), len(tx.Fabric.Endorsements))
	}
	if len(b.Contracts) != 1 {
		t.Fatalf("contracts = %+v", b.Contracts)
	}
	want := "OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', AND('Org3MSP.admin', 'Org1MSP.peer'))"
	if ct := b.Contracts[0]; ct.Address != "mycc" || ct.Sequence != 3 || ct.Version != "2.1" || ct.Policy != want ||
		!slices.Equal(ct.Collections, []string{"secrets", "audit"}) {
		t.Errorf("contract = %+v, want policy %s", ct, want)
	}
	if b.Fabric.LastConfig != 5 || !slices.Equal(b.Fabric.ConsenterIDs, []uint32{2, 4}) || len(b.Signatures) != 2 {
		t.Errorf("LastConfig %d, consenters %v, %d signatures", b.Fabric.LastConfig, b.Fabric.ConsenterIDs, len(b.Signatures))
	}
	msgs, err := SignedMessages(b)
	if err != nil {
		t.Fatal(err)
	}
	header := HeaderBytes(7, []byte("prev"), b.DataHash)
	if len(msgs) != 5 || msgs[0].Consenter != 2 || msgs[1].Consenter != 4 || msgs[0].Identity != nil ||
		!bytes.HasSuffix(msgs[1].Message, header) || msgs[4].Role != RoleEndorser || string(msgs[4].Signature) != "e2" {
		t.Errorf("signed messages = %+v", msgs)
	}
}

// TestSyntheticInvalidTx checks that invalid transactions define no
// chaincode.
func TestSyntheticInvalidTx(t *testing.T) {
	b, err := DecodeBlock("synth", synthBlock(t, []byte{byte(peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)}, synthEndorserTx(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Contracts) != 0 || b.Txs[0].Valid || b.Txs[0].Status != "ENDORSEMENT_POLICY_FAILURE" {
		t.Errorf("contracts %d, valid %v, status %s", len(b.Contracts), b.Txs[0].Valid, b.Txs[0].Status)
	}
}

// TestSyntheticConfig checks a BFT config with ACLs, an idemix MSP and
// principal kinds the fixtures lack.
func TestSyntheticConfig(t *testing.T) {
	ident := peerIdentity(t)
	value := func(m protoadapt.MessageV1) *common.ConfigValue { return &common.ConfigValue{Value: marshal(t, m)} }
	sigPolicy := &common.SignaturePolicyEnvelope{
		Rule: nOutOf(1, signedBy(0), signedBy(1), signedBy(9)),
		Identities: []*msp.MSPPrincipal{
			{PrincipalClassification: msp.MSPPrincipal_ORGANIZATION_UNIT, Principal: marshal(t, &msp.OrganizationUnit{MspIdentifier: "Org1MSP", OrganizationalUnitIdentifier: "dept"})},
			{PrincipalClassification: msp.MSPPrincipal_IDENTITY, Principal: ident},
		},
	}
	cfg := &common.Config{Sequence: 9, ChannelGroup: &common.ConfigGroup{
		Values: map[string]*common.ConfigValue{"HashingAlgorithm": value(&common.HashingAlgorithm{Name: "SM3"})},
		Groups: map[string]*common.ConfigGroup{
			"Orderer": {Values: map[string]*common.ConfigValue{
				"ConsensusType": value(&orderer.ConsensusType{Type: OrdererBFT}),
				"Orderers": value(&common.Orderers{ConsenterMapping: []*common.Consenter{
					{Id: 1, Host: "o1", Port: 7050, MspId: "OrdererMSP", Identity: []byte("pem")},
				}}),
			}},
			"Application": {
				Values: map[string]*common.ConfigValue{"ACLs": value(&peer.ACLs{Acls: map[string]*peer.APIResource{
					"peer/Propose": {PolicyRef: "/Channel/Application/Writers"},
				}})},
				Policies: map[string]*common.ConfigPolicy{"Custom": {Policy: &common.Policy{
					Type: int32(common.Policy_SIGNATURE), Value: marshal(t, sigPolicy),
				}}},
				Groups: map[string]*common.ConfigGroup{"Idemix": {Values: map[string]*common.ConfigValue{
					"MSP": value(&msp.MSPConfig{Type: 1, Config: marshal(t, &msp.IdemixMSPConfig{Name: "IdemixMSP"})}),
				}}},
			},
		},
	}}
	ch := marshal(t, &common.ChannelHeader{Type: int32(common.HeaderType_CONFIG), ChannelId: "synth"})
	env := marshal(t, &common.Envelope{Payload: marshal(t, &common.Payload{
		Header: &common.Header{ChannelHeader: ch},
		Data:   marshal(t, &common.ConfigEnvelope{Config: cfg}),
	})})
	b, err := DecodeBlock("synth", synthBlock(t, nil, env))
	if err != nil {
		t.Fatal(err)
	}
	c := b.Config
	if c == nil || c.OrdererType != OrdererBFT || c.HashingAlgo != "SM3" || c.Sequence != 9 || b.Fabric.OrdererType != OrdererBFT {
		t.Fatalf("config = %+v", c)
	}
	if len(c.Consenters) != 1 || c.Consenters[0].ID != 1 || c.Consenters[0].MSPID != "OrdererMSP" {
		t.Errorf("consenters = %+v", c.Consenters)
	}
	if c.ACLs["peer/Propose"] != "/Channel/Application/Writers" {
		t.Errorf("ACLs = %v", c.ACLs)
	}
	if len(c.MSPs) != 1 || c.MSPs[0].ID != "IdemixMSP" || c.MSPs[0].Group != "Application" {
		t.Errorf("MSPs = %+v", c.MSPs)
	}
	if len(c.Policies) != 1 || !strings.HasPrefix(c.Policies[0].Rule, "OR('Org1MSP.ou:dept', 'Org1MSP.identity:") ||
		!strings.HasSuffix(c.Policies[0].Rule, "', '?9')") {
		t.Errorf("policies = %+v", c.Policies)
	}
	if b.Txs[0].Creator != nil || len(b.Txs[0].Sigs) != 0 || b.Txs[0].Status != "NOT_VALIDATED" {
		t.Errorf("unsigned config tx: creator %v, %d signatures, status %s", b.Txs[0].Creator, len(b.Txs[0].Sigs), b.Txs[0].Status)
	}
}
