package gov

// Action names what a governance call does, in lower-case kebab form so
// that it reads well in reports and API responses.
type Action string

// Actions. A call that only reads (a view method sent as a transaction)
// has ActionRead. On 3.x auth chains a proposal's effect appears as
// Call.Proposes of a create-proposal call; it is executed inside the vote
// that passes it, so there is no separate execute action.
const (
	ActionRead Action = "read"

	// Consensus membership (2.x and 3.x 0x1003).
	ActionAddSealer           Action = "add-sealer"
	ActionAddObserver         Action = "add-observer"
	ActionRemoveNode          Action = "remove-node"
	ActionSetWeight           Action = "set-weight"
	ActionSetTermWeight       Action = "set-term-weight"
	ActionRotateWorkingSealer Action = "rotate-working-sealer"

	// System configuration (0x1000).
	ActionSetConfig Action = "set-config"

	// 3.x committee (0x10001).
	ActionCreateProposal      Action = "create-proposal"
	ActionVoteProposal        Action = "vote-proposal"
	ActionRevokeProposal      Action = "revoke-proposal"
	ActionUpdateGovernor      Action = "update-governor" // adds, reweights, or with weight 0 removes a governor
	ActionSetRate             Action = "set-rate"
	ActionUpgradeVoteComputer Action = "upgrade-vote-computer"

	// 3.x contract and deploy authorisation (0x1005).
	ActionResetAdmin         Action = "reset-admin"
	ActionSetMethodAuthType  Action = "set-method-auth-type"
	ActionOpenMethodAuth     Action = "open-method-auth"
	ActionCloseMethodAuth    Action = "close-method-auth"
	ActionSetDeployAuthType  Action = "set-deploy-auth-type"
	ActionOpenDeployAuth     Action = "open-deploy-auth"
	ActionCloseDeployAuth    Action = "close-deploy-auth"
	ActionInitAuth           Action = "init-auth"
	ActionSetContractStatus  Action = "set-contract-status" // refined to freeze/unfreeze/abolish when the status is known
	ActionSetAccountStatus   Action = "set-account-status"  // likewise, for accounts
	ActionFreezeContract     Action = "freeze-contract"
	ActionUnfreezeContract   Action = "unfreeze-contract"
	ActionAbolishContract    Action = "abolish-contract"
	ActionFreezeAccount      Action = "freeze-account"
	ActionUnfreezeAccount    Action = "unfreeze-account"
	ActionAbolishAccount     Action = "abolish-account"
	ActionAddBalance         Action = "add-balance"
	ActionSubBalance         Action = "sub-balance"
	ActionTransferBalance    Action = "transfer-balance"
	ActionRegisterCaller     Action = "register-balance-caller"
	ActionUnregisterCaller   Action = "unregister-balance-caller"
	ActionGrantPermission    Action = "grant-permission"
	ActionRevokePermission   Action = "revoke-permission"
	ActionRegisterCNS        Action = "register-cns"
	ActionGrantCommittee     Action = "grant-committee-member"
	ActionRevokeCommittee    Action = "revoke-committee-member"
	ActionSetCommitteeWeight Action = "set-committee-weight"
	ActionSetThreshold       Action = "set-threshold"
	ActionGrantOperator      Action = "grant-operator"
	ActionRevokeOperator     Action = "revoke-operator"
	ActionGrantManager       Action = "grant-contract-manager"
	ActionRevokeManager      Action = "revoke-contract-manager"
	ActionChargeGas          Action = "charge-gas"
	ActionDeductGas          Action = "deduct-gas"
	ActionGrantCharger       Action = "grant-gas-charger"
	ActionRevokeCharger      Action = "revoke-gas-charger"
)

// Contract names the system contracts.
const (
	ContractConsensus       = "consensus"          // 0x1003, 2.x and 3.x
	ContractSystemConfig    = "system-config"      // 0x1000, 2.x and 3.x
	ContractCommittee       = "committee"          // 3.x CommitteeManager, 0x10001
	ContractAuth            = "contract-auth"      // 3.x ContractAuthPrecompiled, 0x1005
	ContractAccountManager  = "account-manager"    // 3.x AccountManagerPrecompiled, 0x10003
	ContractBalance         = "balance"            // 3.x BalancePrecompiled, 0x1011
	ContractPermission      = "permission"         // 2.x PermissionPrecompiled, 0x1005
	ContractCNS             = "cns"                // 2.x CNSPrecompiled, 0x1004
	ContractLifecycle       = "contract-lifecycle" // 2.x ContractLifeCyclePrecompiled, 0x1007
	ContractChainGovernance = "chain-governance"   // 2.x ChainGovernancePrecompiled, 0x1008
	ContractGasCharge       = "gas-charge"         // 2.x GasChargeManagePrecompiled, 0x1009
	ContractWorkingSealer   = "working-sealer"     // 2.x WorkingSealerManagerPrecompiled, 0x1011
)

// Call is one decoded governance transaction. Only the fields the method
// names are set; Args always holds every decoded argument.
type Call struct {
	Contract string // system contract, one of the Contract constants
	Action   Action // what the call does
	// Proposes is, for a create-proposal call, the action the proposal
	// performs once voted through (add-sealer, set-config, update-governor…).
	Proposes Action
	Method   string // ABI signature as FISCO hashes it, e.g. "addSealer(string,uint256)"

	NodeID     string  // lower-case hex 64-byte node id, where the call names a node
	Weight     *uint64 // consensus, term, governor or committee weight set
	Key, Value string  // system config key and value
	Account    string  // account granted, revoked, frozen; governor; new admin
	Table      string  // 2.x permission table
	Target     string  // contract address acted on (frozen, its admin reset, …)
	ProposalID *uint64 // 3.x proposal voted on or revoked
	Agree      *bool   // 3.x vote

	// Args holds every decoded argument by FISCO's parameter name, as text:
	// addresses 0x-prefixed lower-case hex, integers in decimal, bools
	// "true"/"false", bytes 0x-prefixed hex, strings as carried.
	Args map[string]string
}

// Method describes one known method of a governance contract.
type Method struct {
	Version   int    // FISCO major version, 2 or 3
	Address   string // contract address, 40 lower-case hex characters without 0x
	Contract  string // contract name
	Signature string // exactly as FISCO hashes it
	Params    []string
	Action    Action
}
