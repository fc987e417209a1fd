package gov

import (
	"fmt"
	"strings"
	"sync"
)

// spec declares one method: its signature exactly as FISCO hashes it, the
// names of its parameters (FISCO's names where the source gives them), the
// action, and for create-proposal calls the action proposed. fill, when
// set, refines the call from its arguments after the generic field mapping.
type spec struct {
	sig      string
	params   string // comma-separated names, one per ABI parameter
	action   Action
	proposes Action
	fill     func(*Call) error
}

type contractSpec struct {
	version int
	addr    string // 40 lower-case hex characters
	name    string
	methods []spec
}

const (
	addrSystemConfig = "0000000000000000000000000000000000001000"
	addrConsensus    = "0000000000000000000000000000000000001003"
	addrCNS          = "0000000000000000000000000000000000001004"
	addrAuth         = "0000000000000000000000000000000000001005" // 2.x permission, 3.x contract auth
	addrLifecycle    = "0000000000000000000000000000000000001007"
	addrChainGov     = "0000000000000000000000000000000000001008"
	addrGasCharge    = "0000000000000000000000000000000000001009"
	addrSealerMgr    = "0000000000000000000000000000000000001011" // 2.x working sealer, 3.x balance
	addrCommittee    = "0000000000000000000000000000000000010001"
	addrAccountMgr   = "0000000000000000000000000000000000010003"
)

// contracts is the declared set of governance contracts and methods.
// Sources are listed in doc.go; view methods are included (as ActionRead)
// so that a transaction calling one is recognised rather than reported as
// an unknown method.
var contracts = []contractSpec{
	// ---- FISCO BCOS 3.x ----
	{3, addrConsensus, ContractConsensus, []spec{
		{sig: "addSealer(string,uint256)", params: "node,weight", action: ActionAddSealer},
		{sig: "addSealer(string,uint256,uint256)", params: "node,weight,termWeight", action: ActionAddSealer},
		{sig: "addObserver(string)", params: "node", action: ActionAddObserver},
		{sig: "remove(string)", params: "node", action: ActionRemoveNode},
		{sig: "setWeight(string,uint256)", params: "node,weight", action: ActionSetWeight},
		{sig: "setTermWeight(string,uint256)", params: "node,weight", action: ActionSetTermWeight},
		// Sent by sealers themselves in rPBFT; FISCO hashes the C++ type
		// names verbatim (PrecompiledTypeDef.h WSM_METHOD_ROTATE_STR).
		{sig: "rotateWorkingSealer(std::string,std::string,std::string)", params: "vrfPublicKey,vrfInput,vrfProof", action: ActionRotateWorkingSealer},
	}},
	{3, addrSystemConfig, ContractSystemConfig, []spec{
		{sig: "setValueByKey(string,string)", params: "key,value", action: ActionSetConfig},
		{sig: "getValueByKey(string)", params: "key", action: ActionRead},
	}},
	{3, addrCommittee, ContractCommittee, []spec{
		{sig: "createSetConsensusWeightProposal(string,uint32,bool,uint256)", params: "node,weight,addFlag,blockNumberInterval", action: ActionCreateProposal, fill: proposeConsensusWeight},
		{sig: "createRmNodeProposal(string,uint256)", params: "node,blockNumberInterval", action: ActionCreateProposal, proposes: ActionRemoveNode},
		{sig: "createSetSysConfigProposal(string,string,uint256)", params: "key,value,blockNumberInterval", action: ActionCreateProposal, proposes: ActionSetConfig},
		{sig: "createUpdateGovernorProposal(address,uint32,uint256)", params: "account,weight,blockNumberInterval", action: ActionCreateProposal, proposes: ActionUpdateGovernor},
		{sig: "createSetRateProposal(uint8,uint8,uint256)", params: "participatesRate,winRate,blockNumberInterval", action: ActionCreateProposal, proposes: ActionSetRate},
		{sig: "createSetDeployAuthTypeProposal(uint8,uint256)", params: "deployAuthType,blockNumberInterval", action: ActionCreateProposal, proposes: ActionSetDeployAuthType},
		{sig: "createModifyDeployAuthProposal(address,bool,uint256)", params: "account,openFlag,blockNumberInterval", action: ActionCreateProposal, fill: proposeDeployAuth},
		{sig: "createResetAdminProposal(address,address,uint256)", params: "newAdmin,contractAddr,blockNumberInterval", action: ActionCreateProposal, proposes: ActionResetAdmin},
		{sig: "createUpgradeVoteComputerProposal(address,uint256)", params: "newAddr,blockNumberInterval", action: ActionCreateProposal, proposes: ActionUpgradeVoteComputer},
		{sig: "voteProposal(uint256,bool)", params: "proposalId,agree", action: ActionVoteProposal},
		{sig: "revokeProposal(uint256)", params: "proposalId", action: ActionRevokeProposal},
		{sig: "getProposalType(uint256)", params: "proposalId", action: ActionRead},
		{sig: "isGovernor(address)", params: "account", action: ActionRead},
		{sig: "_committee()", action: ActionRead},
		{sig: "_proposalMgr()", action: ActionRead},
	}},
	{3, addrAuth, ContractAuth, []spec{
		{sig: "resetAdmin(address,address)", params: "contractAddr,admin", action: ActionResetAdmin},
		{sig: "setMethodAuthType(address,bytes4,uint8)", params: "contractAddr,func,authType", action: ActionSetMethodAuthType},
		{sig: "openMethodAuth(address,bytes4,address)", params: "contractAddr,func,account", action: ActionOpenMethodAuth},
		{sig: "closeMethodAuth(address,bytes4,address)", params: "contractAddr,func,account", action: ActionCloseMethodAuth},
		{sig: "setContractStatus(address,bool)", params: "contractAddr,isFreeze", action: ActionSetContractStatus, fill: contractFreezeFlag},
		{sig: "setContractStatus(address,uint8)", params: "contractAddr,status", action: ActionSetContractStatus, fill: statusAction(ActionUnfreezeContract, ActionFreezeContract, ActionAbolishContract)},
		{sig: "setDeployAuthType(uint8)", params: "type", action: ActionSetDeployAuthType},
		{sig: "openDeployAuth(address)", params: "account", action: ActionOpenDeployAuth},
		{sig: "closeDeployAuth(address)", params: "account", action: ActionCloseDeployAuth},
		{sig: "initAuth(string)", params: "account", action: ActionInitAuth},
		{sig: "getAdmin(address)", params: "contractAddr", action: ActionRead},
		{sig: "checkMethodAuth(address,bytes4,address)", params: "contractAddr,func,account", action: ActionRead},
		{sig: "getMethodAuth(address,bytes4)", params: "contractAddr,func", action: ActionRead},
		{sig: "contractAvailable(address)", params: "contractAddr", action: ActionRead},
		{sig: "deployType()", action: ActionRead},
		{sig: "hasDeployAuth(address)", params: "account", action: ActionRead},
	}},
	{3, addrAccountMgr, ContractAccountManager, []spec{
		{sig: "setAccountStatus(address,uint8)", params: "account,status", action: ActionSetAccountStatus, fill: statusAction(ActionUnfreezeAccount, ActionFreezeAccount, ActionAbolishAccount)},
		{sig: "getAccountStatus(address)", params: "account", action: ActionRead},
	}},
	{3, addrSealerMgr, ContractBalance, []spec{
		{sig: "addBalance(address,uint256)", params: "account,amount", action: ActionAddBalance},
		{sig: "subBalance(address,uint256)", params: "account,amount", action: ActionSubBalance},
		{sig: "transfer(address,address,uint256)", params: "from,to,amount", action: ActionTransferBalance},
		{sig: "registerCaller(address)", params: "account", action: ActionRegisterCaller},
		{sig: "unregisterCaller(address)", params: "account", action: ActionUnregisterCaller},
		{sig: "getBalance(address)", params: "account", action: ActionRead},
		{sig: "listCaller()", action: ActionRead},
	}},

	// ---- FISCO BCOS 2.x (v2.9.0) ----
	{2, addrConsensus, ContractConsensus, []spec{
		{sig: "addSealer(string)", params: "node", action: ActionAddSealer},
		{sig: "addObserver(string)", params: "node", action: ActionAddObserver},
		{sig: "remove(string)", params: "node", action: ActionRemoveNode},
	}},
	{2, addrSystemConfig, ContractSystemConfig, []spec{
		{sig: "setValueByKey(string,string)", params: "key,value", action: ActionSetConfig},
	}},
	{2, addrAuth, ContractPermission, []spec{
		{sig: "insert(string,string)", params: "tableName,account", action: ActionGrantPermission},
		{sig: "remove(string,string)", params: "tableName,account", action: ActionRevokePermission},
		{sig: "grantWrite(address,address)", params: "contractAddr,account", action: ActionGrantPermission},
		{sig: "revokeWrite(address,address)", params: "contractAddr,account", action: ActionRevokePermission},
		{sig: "queryByName(string)", params: "tableName", action: ActionRead},
		{sig: "queryPermission(address)", params: "contractAddr", action: ActionRead},
	}},
	{2, addrCNS, ContractCNS, []spec{
		{sig: "insert(string,string,string,string)", params: "name,version,address,abi", action: ActionRegisterCNS},
		{sig: "selectByName(string)", params: "name", action: ActionRead},
		{sig: "selectByNameAndVersion(string,string)", params: "name,version", action: ActionRead},
		{sig: "getContractAddress(string,string)", params: "name,version", action: ActionRead},
	}},
	{2, addrLifecycle, ContractLifecycle, []spec{
		{sig: "freeze(address)", params: "contractAddr", action: ActionFreezeContract},
		{sig: "unfreeze(address)", params: "contractAddr", action: ActionUnfreezeContract},
		{sig: "grantManager(address,address)", params: "contractAddr,account", action: ActionGrantManager},
		{sig: "revokeManager(address,address)", params: "contractAddr,account", action: ActionRevokeManager},
		{sig: "getStatus(address)", params: "contractAddr", action: ActionRead},
		{sig: "listManager(address)", params: "contractAddr", action: ActionRead},
	}},
	{2, addrChainGov, ContractChainGovernance, []spec{
		{sig: "grantCommitteeMember(address)", params: "account", action: ActionGrantCommittee},
		{sig: "revokeCommitteeMember(address)", params: "account", action: ActionRevokeCommittee},
		{sig: "updateCommitteeMemberWeight(address,int256)", params: "account,weight", action: ActionSetCommitteeWeight},
		{sig: "updateThreshold(int256)", params: "threshold", action: ActionSetThreshold},
		{sig: "grantOperator(address)", params: "account", action: ActionGrantOperator},
		{sig: "revokeOperator(address)", params: "account", action: ActionRevokeOperator},
		{sig: "freezeAccount(address)", params: "account", action: ActionFreezeAccount},
		{sig: "unfreezeAccount(address)", params: "account", action: ActionUnfreezeAccount},
		{sig: "listCommitteeMembers()", action: ActionRead},
		{sig: "queryThreshold()", action: ActionRead},
		{sig: "queryCommitteeMemberWeight(address)", params: "account", action: ActionRead},
		{sig: "queryVotesOfMember(address)", params: "account", action: ActionRead},
		{sig: "queryVotesOfThreshold()", action: ActionRead},
		{sig: "listOperators()", action: ActionRead},
		{sig: "getAccountStatus(address)", params: "account", action: ActionRead},
	}},
	{2, addrGasCharge, ContractGasCharge, []spec{
		{sig: "charge(address,uint256)", params: "account,gas", action: ActionChargeGas},
		{sig: "deduct(address,uint256)", params: "account,gas", action: ActionDeductGas},
		{sig: "grantCharger(address)", params: "account", action: ActionGrantCharger},
		{sig: "revokeCharger(address)", params: "account", action: ActionRevokeCharger},
		{sig: "queryRemainGas(address)", params: "account", action: ActionRead},
		{sig: "listChargers()", action: ActionRead},
	}},
	{2, addrSealerMgr, ContractWorkingSealer, []spec{
		// Hashed verbatim, spaces included (WorkingSealerManagerPrecompiled.cpp).
		{sig: "rotateWorkingSealer(std::string, std::string, std::string)", params: "vrfPublicKey,vrfInput,vrfProof", action: ActionRotateWorkingSealer},
	}},
}

// wasmPaths maps the 3.x WASM paths of governance contracts to their names
// (PrecompiledTypeDef.h).
var wasmPaths = map[string]string{
	"/sys/status":          ContractSystemConfig,
	"/sys/consensus":       ContractConsensus,
	"/sys/auth":            ContractAuth,
	"/sys/account_manager": ContractAccountManager,
	"/sys/balance":         ContractBalance,
}

// compiled is a spec ready to decode.
type compiled struct {
	spec
	types []abiType
	names []string
}

type contractTable struct {
	name    string
	methods map[[4]byte]*compiled
}

type tableKey struct {
	version int
	gm      bool
}

// tables holds, per version and hash mode, each contract's methods by
// selector. It is built once, on first use.
var tables = sync.OnceValue(func() map[tableKey]map[string]*contractTable {
	t, err := buildTables(contracts)
	if err != nil {
		panic(err) // a mistake in the declarations above; TestTables reports it
	}
	return t
})

func buildTables(cs []contractSpec) (map[tableKey]map[string]*contractTable, error) {
	out := make(map[tableKey]map[string]*contractTable)
	for _, c := range cs {
		for _, gm := range []bool{false, true} {
			k := tableKey{c.version, gm}
			if out[k] == nil {
				out[k] = make(map[string]*contractTable)
			}
			if out[k][c.addr] != nil {
				return nil, fmt.Errorf("gov: %d.x contract %s declared twice", c.version, c.addr)
			}
			ct := &contractTable{name: c.name, methods: make(map[[4]byte]*compiled)}
			for _, s := range c.methods {
				m, err := compile(s)
				if err != nil {
					return nil, err
				}
				sel := Selector(s.sig, gm)
				if prev := ct.methods[sel]; prev != nil {
					return nil, fmt.Errorf("gov: %s and %s share selector %x (gm=%v)", prev.sig, s.sig, sel, gm)
				}
				ct.methods[sel] = m
			}
			out[k][c.addr] = ct
		}
	}
	return out, nil
}

func compile(s spec) (*compiled, error) {
	lp, rp := strings.IndexByte(s.sig, '('), strings.LastIndexByte(s.sig, ')')
	if lp <= 0 || rp != len(s.sig)-1 {
		return nil, fmt.Errorf("gov: bad signature %q", s.sig)
	}
	m := &compiled{spec: s}
	if inner := s.sig[lp+1 : rp]; inner != "" {
		for _, ts := range strings.Split(inner, ",") {
			t, err := parseType(strings.TrimSpace(ts))
			if err != nil {
				return nil, fmt.Errorf("gov: %s: %w", s.sig, err)
			}
			m.types = append(m.types, t)
		}
	}
	if s.params != "" {
		m.names = strings.Split(s.params, ",")
	}
	if len(m.names) != len(m.types) {
		return nil, fmt.Errorf("gov: %s: %d parameter names for %d types", s.sig, len(m.names), len(m.types))
	}
	return m, nil
}

// Methods lists every known method, 3.x first, in declaration order.
func Methods() []Method {
	var out []Method
	for _, c := range contracts {
		for _, s := range c.methods {
			var params []string
			if s.params != "" {
				params = strings.Split(s.params, ",")
			}
			out = append(out, Method{
				Version: c.version, Address: c.addr, Contract: c.name,
				Signature: s.sig, Params: params, Action: s.action,
			})
		}
	}
	return out
}
