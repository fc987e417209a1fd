package gov

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// node is a node id as an operator might type it: upper case. FISCO lower-
// cases node ids before use, and so does Decode.
var node = strings.ToUpper(strings.Repeat("ab12", 32))

// sample returns a Go value for go-ethereum's Pack and the text Decode must
// put in Args for it.
func sample(name, typ string) (any, string) {
	switch {
	case typ == "address":
		a := common.BytesToAddress(crypto.Keccak256([]byte(name))[:20])
		return a, strings.ToLower(a.Hex())
	case typ == "bool":
		return true, "true"
	case typ == "string" && name == "node":
		return node, node
	case typ == "string":
		return "val-" + name, "val-" + name
	case typ == "bytes" || typ == "std::string":
		return []byte{1, 2, 3, 0xff}, "0x010203ff"
	case typ == "bytes4":
		return [4]byte{0xde, 0xad, 0xbe, 0xef}, "0xdeadbeef"
	case typ == "uint8" && name == "status":
		return uint8(1), "1"
	case typ == "uint8":
		return uint8(60), "60"
	case typ == "uint32":
		return uint32(9), "9"
	case typ == "uint256" || typ == "int256":
		n := int64(len(name)) + 100
		return big.NewInt(n), fmt.Sprint(n)
	}
	panic("no sample for " + typ)
}

func sigTypes(sig string) []string {
	inner := sig[strings.IndexByte(sig, '(')+1 : len(sig)-1]
	if inner == "" {
		return nil
	}
	ts := strings.Split(inner, ",")
	for i := range ts {
		ts[i] = strings.TrimSpace(ts[i])
	}
	return ts
}

// encode packs vals with go-ethereum's ABI encoder behind sig's selector.
func encode(t testing.TB, sig string, gm bool, vals ...any) []byte {
	t.Helper()
	var args abi.Arguments
	for _, ts := range sigTypes(sig) {
		if ts == "std::string" {
			ts = "bytes"
		}
		ty, err := abi.NewType(ts, "", nil)
		if err != nil {
			t.Fatalf("abi.NewType(%q): %v", ts, err)
		}
		args = append(args, abi.Argument{Type: ty})
	}
	packed, err := args.Pack(vals...)
	if err != nil {
		t.Fatalf("Pack(%s): %v", sig, err)
	}
	sel := Selector(sig, gm)
	return append(sel[:], packed...)
}

func TestTables(t *testing.T) {
	if _, err := buildTables(contracts); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range contracts {
		n += len(c.methods)
	}
	if got := len(Methods()); got != n {
		t.Errorf("len(Methods()) = %d, want %d", got, n)
	}
}

// TestDecodeEveryMethod encodes each known method with go-ethereum's ABI
// encoder, in both hash modes, and checks every argument comes back.
func TestDecodeEveryMethod(t *testing.T) {
	for _, m := range Methods() {
		for _, gm := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d.x/%s/%s/gm=%v", m.Version, m.Contract, m.Signature, gm), func(t *testing.T) {
				types := sigTypes(m.Signature)
				var vals []any
				want := map[string]string{}
				for i, name := range m.Params {
					v, text := sample(name, types[i])
					vals = append(vals, v)
					want[name] = text
				}
				input := encode(t, m.Signature, gm, vals...)
				to := "0x" + strings.ToUpper(m.Address) // as served, any case
				c, ok, err := Decode(m.Version, gm, to, input)
				if !ok || err != nil {
					t.Fatalf("Decode = ok %v, err %v; want ok, nil", ok, err)
				}
				if c.Contract != m.Contract || c.Method != m.Signature {
					t.Errorf("Decode = %s %s, want %s %s", c.Contract, c.Method, m.Contract, m.Signature)
				}
				if c.Action == "" || (m.Action != ActionSetContractStatus && m.Action != ActionSetAccountStatus && c.Action != m.Action) {
					t.Errorf("Action = %q, want %q", c.Action, m.Action)
				}
				if c.Action == ActionCreateProposal && c.Proposes == "" {
					t.Errorf("create-proposal with empty Proposes")
				}
				if len(c.Args) != len(want) {
					t.Errorf("Args = %v, want %v", c.Args, want)
				}
				for k, v := range want {
					if c.Args[k] != v {
						t.Errorf("Args[%q] = %q, want %q", k, c.Args[k], v)
					}
				}
				checkFields(t, c, want)

				// The other hash's selector must not match this contract.
				wrong := encode(t, m.Signature, !gm, vals...)
				if _, ok, err := Decode(m.Version, gm, to, wrong); !ok || !errors.Is(err, ErrUnknownMethod) {
					t.Errorf("Decode(selector of gm=%v) under gm=%v = ok %v, err %v; want ErrUnknownMethod", !gm, gm, ok, err)
				}
			})
		}
	}
}

// checkFields checks the typed fields Decode derives from parameter names.
func checkFields(t *testing.T, c Call, args map[string]string) {
	t.Helper()
	str := func(field, got string, names ...string) {
		for _, n := range names {
			if v, ok := args[n]; ok {
				if got != v {
					t.Errorf("%s = %q, want %q (from %s)", field, got, v, n)
				}
				return
			}
		}
		if got != "" {
			t.Errorf("%s = %q, want empty", field, got)
		}
	}
	if _, ok := args["node"]; ok {
		if c.NodeID != strings.ToLower(node) {
			t.Errorf("NodeID = %q, want %q", c.NodeID, strings.ToLower(node))
		}
	} else if c.NodeID != "" {
		t.Errorf("NodeID = %q, want empty", c.NodeID)
	}
	str("Key", c.Key, "key")
	str("Value", c.Value, "value")
	str("Table", c.Table, "tableName")
	str("Account", c.Account, "account", "admin", "newAdmin", "from")
	str("Target", c.Target, "contractAddr", "newAddr", "to", "address")
	if w, ok := args["weight"]; ok != (c.Weight != nil) || ok && fmt.Sprint(*c.Weight) != w {
		t.Errorf("Weight = %v, want %q", c.Weight, w)
	}
	if id, ok := args["proposalId"]; ok != (c.ProposalID != nil) || ok && fmt.Sprint(*c.ProposalID) != id {
		t.Errorf("ProposalID = %v, want %q", c.ProposalID, id)
	}
	if a, ok := args["agree"]; ok != (c.Agree != nil) || ok && fmt.Sprint(*c.Agree) != a {
		t.Errorf("Agree = %v, want %q", c.Agree, a)
	}
}

// TestDecodeMeaning pins what particular calls mean.
func TestDecodeMeaning(t *testing.T) {
	acct := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	ctr := common.HexToAddress("0x00000000000000000000000000000000000000cc")
	u64 := func(n uint64) *uint64 { return &n }
	yes, no := true, false
	tests := []struct {
		name    string
		version int
		to      string
		sig     string
		vals    []any
		want    Call // Args not compared
	}{
		{"3.x add sealer", 3, addrConsensus, "addSealer(string,uint256)", []any{node, big.NewInt(2)},
			Call{Contract: "consensus", Action: ActionAddSealer, NodeID: strings.ToLower(node), Weight: u64(2)}},
		{"3.x add sealer with term weight", 3, addrConsensus, "addSealer(string,uint256,uint256)", []any{node, big.NewInt(2), big.NewInt(5)},
			Call{Contract: "consensus", Action: ActionAddSealer, NodeID: strings.ToLower(node), Weight: u64(2)}},
		{"3.x set config", 3, "0x" + addrSystemConfig, "setValueByKey(string,string)", []any{"tx_count_limit", "2000"},
			Call{Contract: "system-config", Action: ActionSetConfig, Key: "tx_count_limit", Value: "2000"}},
		{"3.x propose sealer", 3, addrCommittee, "createSetConsensusWeightProposal(string,uint32,bool,uint256)", []any{node, uint32(1), true, big.NewInt(86400)},
			Call{Contract: "committee", Action: ActionCreateProposal, Proposes: ActionAddSealer, NodeID: strings.ToLower(node), Weight: u64(1)}},
		{"3.x propose observer", 3, addrCommittee, "createSetConsensusWeightProposal(string,uint32,bool,uint256)", []any{node, uint32(0), true, big.NewInt(86400)},
			Call{Contract: "committee", Action: ActionCreateProposal, Proposes: ActionAddObserver, NodeID: strings.ToLower(node), Weight: u64(0)}},
		{"3.x propose weight", 3, addrCommittee, "createSetConsensusWeightProposal(string,uint32,bool,uint256)", []any{node, uint32(3), false, big.NewInt(86400)},
			Call{Contract: "committee", Action: ActionCreateProposal, Proposes: ActionSetWeight, NodeID: strings.ToLower(node), Weight: u64(3)}},
		{"3.x propose governor removal", 3, addrCommittee, "createUpdateGovernorProposal(address,uint32,uint256)", []any{acct, uint32(0), big.NewInt(10)},
			Call{Contract: "committee", Action: ActionCreateProposal, Proposes: ActionUpdateGovernor, Account: "0x00000000000000000000000000000000000000aa", Weight: u64(0)}},
		{"3.x propose close deploy", 3, addrCommittee, "createModifyDeployAuthProposal(address,bool,uint256)", []any{acct, false, big.NewInt(10)},
			Call{Contract: "committee", Action: ActionCreateProposal, Proposes: ActionCloseDeployAuth, Account: "0x00000000000000000000000000000000000000aa"}},
		{"3.x propose reset admin", 3, addrCommittee, "createResetAdminProposal(address,address,uint256)", []any{acct, ctr, big.NewInt(10)},
			Call{Contract: "committee", Action: ActionCreateProposal, Proposes: ActionResetAdmin, Account: "0x00000000000000000000000000000000000000aa", Target: "0x00000000000000000000000000000000000000cc"}},
		{"3.x vote against", 3, addrCommittee, "voteProposal(uint256,bool)", []any{big.NewInt(7), false},
			Call{Contract: "committee", Action: ActionVoteProposal, ProposalID: u64(7), Agree: &no}},
		{"3.x vote for", 3, addrCommittee, "voteProposal(uint256,bool)", []any{big.NewInt(7), true},
			Call{Contract: "committee", Action: ActionVoteProposal, ProposalID: u64(7), Agree: &yes}},
		{"3.x unfreeze contract (bool)", 3, addrAuth, "setContractStatus(address,bool)", []any{ctr, false},
			Call{Contract: "contract-auth", Action: ActionUnfreezeContract, Target: "0x00000000000000000000000000000000000000cc"}},
		{"3.x abolish contract", 3, addrAuth, "setContractStatus(address,uint8)", []any{ctr, uint8(2)},
			Call{Contract: "contract-auth", Action: ActionAbolishContract, Target: "0x00000000000000000000000000000000000000cc"}},
		{"3.x freeze account", 3, addrAccountMgr, "setAccountStatus(address,uint8)", []any{acct, uint8(1)},
			Call{Contract: "account-manager", Action: ActionFreezeAccount, Account: "0x00000000000000000000000000000000000000aa"}},
		{"2.x add sealer", 2, addrConsensus, "addSealer(string)", []any{node},
			Call{Contract: "consensus", Action: ActionAddSealer, NodeID: strings.ToLower(node)}},
		{"2.x grant deploy", 2, addrAuth, "insert(string,string)", []any{"_sys_table_factory_", "0x00000000000000000000000000000000000000aa"},
			Call{Contract: "permission", Action: ActionGrantPermission, Table: "_sys_table_factory_", Account: "0x00000000000000000000000000000000000000aa"}},
		{"2.x cns", 2, addrCNS, "insert(string,string,string,string)", []any{"Token", "1.0", "0x00000000000000000000000000000000000000cc", "[]"},
			Call{Contract: "cns", Action: ActionRegisterCNS, Target: "0x00000000000000000000000000000000000000cc"}},
		{"2.x committee weight", 2, addrChainGov, "updateCommitteeMemberWeight(address,int256)", []any{acct, big.NewInt(3)},
			Call{Contract: "chain-governance", Action: ActionSetCommitteeWeight, Account: "0x00000000000000000000000000000000000000aa", Weight: u64(3)}},
		{"2.x freeze contract", 2, addrLifecycle, "freeze(address)", []any{ctr},
			Call{Contract: "contract-lifecycle", Action: ActionFreezeContract, Target: "0x00000000000000000000000000000000000000cc"}},
	}
	for _, tt := range tests {
		for _, gm := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/gm=%v", tt.name, gm), func(t *testing.T) {
				c, ok, err := Decode(tt.version, gm, tt.to, encode(t, tt.sig, gm, tt.vals...))
				if !ok || err != nil {
					t.Fatalf("Decode = ok %v, err %v", ok, err)
				}
				want := tt.want
				want.Method, want.Args = tt.sig, c.Args
				if got := fmt.Sprintf("%+v", deref(c)); got != fmt.Sprintf("%+v", deref(want)) {
					t.Errorf("Decode = %s\nwant     %s", got, fmt.Sprintf("%+v", deref(want)))
				}
			})
		}
	}
}

// deref prints pointer fields by value so that calls compare as text.
func deref(c Call) string {
	p := func(v any) string {
		switch x := v.(type) {
		case *uint64:
			if x != nil {
				return fmt.Sprint(*x)
			}
		case *bool:
			if x != nil {
				return fmt.Sprint(*x)
			}
		}
		return "nil"
	}
	return fmt.Sprintf("%s %s proposes=%q %s node=%s w=%s key=%q value=%q acct=%s table=%q target=%s id=%s agree=%s",
		c.Contract, c.Action, c.Proposes, c.Method, c.NodeID, p(c.Weight), c.Key, c.Value, c.Account, c.Table, c.Target, p(c.ProposalID), p(c.Agree))
}

func TestDecodeErrors(t *testing.T) {
	addSealer := encode(t, "addSealer(string,uint256)", false, node, big.NewInt(1))
	vote := encode(t, "voteProposal(uint256,bool)", false, big.NewInt(1), true)
	dirtyBool := append([]byte(nil), vote...)
	dirtyBool[4+63] = 2
	dirtyAddr := encode(t, "freeze(address)", false, common.HexToAddress("0x01"))
	dirtyAddr[4] = 1
	badOffset := append([]byte(nil), addSealer...)
	badOffset[4+31] = 0xf0
	badLength := append([]byte(nil), addSealer...)
	badLength[4+64+31] = 0xff // length word of the node string
	hugeWeight := encode(t, "addSealer(string,uint256)", false, node, new(big.Int).Lsh(big.NewInt(1), 64))
	negWeight := encode(t, "updateCommitteeMemberWeight(address,int256)", false, common.Address{}, big.NewInt(-1))
	shortNode := encode(t, "addObserver(string)", false, "abcd")
	notHexNode := encode(t, "addObserver(string)", false, strings.Repeat("zz", 64))
	badStatus := encode(t, "setAccountStatus(address,uint8)", false, common.Address{}, uint8(3))

	tests := []struct {
		name     string
		version  int
		to       string
		input    []byte
		want     error
		contains []string
	}{
		{"empty input", 3, addrConsensus, nil, ErrUnknownMethod, []string{"consensus", "no selector"}},
		{"unknown selector", 3, addrConsensus, []byte{1, 2, 3, 4}, ErrUnknownMethod, []string{"consensus", "01020304", "keccak256"}},
		{"2.x selector on 3.x", 3, addrConsensus, encode(t, "addSealer(string)", false, node), ErrUnknownMethod, []string{"89152d1f"}},
		{"selector only", 3, addrConsensus, addSealer[:4], ErrMalformed, []string{"addSealer(string,uint256)", "0 bytes"}},
		{"truncated heads", 3, addrConsensus, addSealer[:4+63], ErrMalformed, []string{"addSealer(string,uint256)"}},
		{"truncated string", 3, addrConsensus, addSealer[:4+64+32+10], ErrMalformed, []string{"addSealer(string,uint256)", "length"}},
		{"offset out of range", 3, addrConsensus, badOffset, ErrMalformed, []string{"addSealer(string,uint256)", "offset"}},
		{"length out of range", 3, addrConsensus, badLength, ErrMalformed, []string{"addSealer(string,uint256)", "length"}},
		{"bool not 0 or 1", 3, addrCommittee, dirtyBool, ErrMalformed, []string{"voteProposal(uint256,bool)", "bool"}},
		{"address padding", 2, addrLifecycle, dirtyAddr, ErrMalformed, []string{"freeze(address)", "address"}},
		{"weight beyond uint64", 3, addrConsensus, hugeWeight, ErrInvalidArg, []string{"addSealer(string,uint256)", "weight"}},
		{"negative weight", 2, addrChainGov, negWeight, ErrInvalidArg, []string{"updateCommitteeMemberWeight", "-1"}},
		{"short node id", 3, addrConsensus, shortNode, ErrInvalidArg, []string{"addObserver(string)", "node id"}},
		{"node id not hex", 2, addrConsensus, notHexNode, ErrInvalidArg, []string{"addObserver(string)", "not hex"}},
		{"unknown status", 3, addrAccountMgr, badStatus, ErrInvalidArg, []string{"setAccountStatus", "status 3"}},
		{"wasm path", 3, "/sys/consensus", addSealer, ErrWASM, []string{"/sys/consensus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok, err := Decode(tt.version, false, tt.to, tt.input)
			if !ok || !errors.Is(err, tt.want) {
				t.Fatalf("Decode = ok %v, err %v; want ok, %v", ok, err, tt.want)
			}
			if c.Contract == "" {
				t.Errorf("Call.Contract empty on error")
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestDecodeNotGovernance(t *testing.T) {
	input := encode(t, "addSealer(string,uint256)", false, node, big.NewInt(1))
	tests := []struct {
		name    string
		version int
		to      string
	}{
		{"empty to (deployment)", 3, ""},
		{"user contract", 3, "0x8c17cf316c1063ab6c89df875e96c9f0f5b2f744"},
		{"short form", 3, "0x1003"},
		{"not hex", 3, "0x000000000000000000000000000000000000100g"},
		{"3.x committee on 2.x", 2, addrCommittee},
		{"2.x cns on 3.x", 3, addrCNS},
		{"wasm path on 2.x", 2, "/sys/consensus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, ok, err := Decode(tt.version, false, tt.to, input); ok || err != nil {
				t.Errorf("Decode(%q) = %+v, %v, %v; want not governance", tt.to, c, ok, err)
			}
		})
	}
	if _, ok, err := Decode(4, false, addrConsensus, input); ok || !errors.Is(err, ErrVersion) {
		t.Errorf("Decode(version 4) = ok %v, err %v; want ErrVersion", ok, err)
	}
}

func TestSelectorMatchesGoEthereum(t *testing.T) {
	for _, m := range Methods() {
		want := crypto.Keccak256([]byte(m.Signature))[:4]
		if got := Selector(m.Signature, false); hex.EncodeToString(got[:]) != hex.EncodeToString(want) {
			t.Errorf("Selector(%q, false) = %x, want %x", m.Signature, got, want)
		}
	}
}
