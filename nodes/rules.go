package nodes

import "github.com/lianjian/lianjian/ledger"

// Public sources cited by the rules.
const (
	srcFabricOps       = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/operations_service.html"
	srcFabricTLS       = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/enable_tls.html"
	srcFabricPartic    = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/create_channel/create_channel_participation.html"
	srcFabricPolicies  = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/policies/policies.html"
	srcFabricEndorse   = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/endorsement-policies.html"
	srcFabricCaps      = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/capabilities_concept.html"
	srcFabricRaft      = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/raft_configuration.html"
	srcFabricBFT       = "https://hyperledger-fabric.readthedocs.io/en/release-3.0/bft_configuration.html"
	srcFabricMSP       = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/msp.html"
	srcFabricGossip    = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/gossip.html"
	srcFabricConfigtx  = "https://hyperledger-fabric.readthedocs.io/en/release-2.5/create_channel/create_channel_config.html"
	srcFabricCertExp   = "https://github.com/hyperledger/fabric/releases/tag/v2.2.1"
	srcGethSecurity    = "https://geth.ethereum.org/docs/fundamentals/security"
	srcGethRPC         = "https://geth.ethereum.org/docs/interacting-with-geth/rpc"
	srcGethCLI         = "https://geth.ethereum.org/docs/fundamentals/command-line-options"
	srcClique          = "https://eips.ethereum.org/EIPS/eip-225"
	srcAdvisoriesFab   = "https://github.com/hyperledger/fabric/security/advisories"
	srcAdvisoriesGeth  = "https://github.com/ethereum/go-ethereum/security/advisories"
	clauseNodeSecurity = "GB/T 42570-2023 (node security)"
	clauseConsensus    = "GB/T 42570-2023 (consensus mechanism)"
	clauseIdentity     = "GB/T 42570-2023 (identity and access management)"
	clauseGMAlgo       = "GM/T 0111-2021 (cryptographic algorithms: SM2, SM3)"
	clauseGMTLS        = "GB/T 38636-2020 (TLCP)"
)

func rule(id, title string, sev ledger.Severity, cat ledger.Category, doc string, clauses []string, sources ...string) *ledger.RuleInfo {
	return &ledger.RuleInfo{ID: id, Title: title, Doc: doc, Severity: sev, Category: cat, Clauses: clauses, Sources: sources}
}

// risk declares a posture or governance rule: its findings are risks shown
// beside the verification status of blocks and transactions, never a
// failed check (ledger.RuleInfo.Risk).
func risk(id, title string, sev ledger.Severity, cat ledger.Category, doc string, clauses []string, sources ...string) *ledger.RuleInfo {
	r := rule(id, title, sev, cat, doc, clauses, sources...)
	r.Risk = true
	return r
}

// Probe rules: what an active probe of a registered endpoint can show.
var (
	RuleUnreachable = rule("NODE-UNREACHABLE", "Registered node does not answer", ledger.Medium, ledger.CatNode,
		"The registered endpoint refused the connection or did not answer within the probe timeout. Either the node is down, or the registry is out of date. Fix the node or update its registration.",
		[]string{clauseNodeSecurity})
	RuleFabPlaintext = rule("NODE-FAB-PLAINTEXT", "Fabric gRPC endpoint without TLS", ledger.High, ledger.CatNode,
		"The peer or orderer speaks gRPC (HTTP/2) in plaintext: proposals, endorsements and blocks cross the network unencrypted and unauthenticated. Set peer.tls.enabled / General.TLS.Enabled to true.",
		[]string{clauseNodeSecurity}, srcFabricTLS)
	RuleFabNoClientAuth = rule("NODE-FAB-NO-CLIENT-AUTH", "Fabric TLS without required client authentication", ledger.Medium, ledger.CatNode,
		"The node completed a TLS handshake and an HTTP/2 exchange with a client that presented no certificate. Anyone who can reach the port can open gRPC sessions (deliver, discovery, gateway). Set peer.tls.clientAuthRequired / General.TLS.ClientAuthRequired to true with the consortium's client root CAs.",
		[]string{clauseNodeSecurity, clauseIdentity}, srcFabricTLS)
	RuleTLSExpired = rule("NODE-TLS-EXPIRED", "Node TLS certificate expired", ledger.Critical, ledger.CatNode,
		"The TLS server certificate the node presents has expired (or is not yet valid). Clients that verify it refuse to connect; an expired orderer certificate stops the ordering service. Renew the certificate before expiry.",
		[]string{clauseNodeSecurity}, srcFabricCertExp)
	RuleTLSExpiring = rule("NODE-TLS-EXPIRING", "Node TLS certificate expires within 30 days", ledger.Medium, ledger.CatNode,
		"The TLS server certificate expires within 30 days. Renew it and roll it out (and update the channel config for orderer consenters) before it does.",
		[]string{clauseNodeSecurity}, srcFabricCertExp)
	RuleTLSNotSM2 = risk("NODE-TLS-NOT-SM2", "Non-SM2 TLS certificate on a national-crypto chain", ledger.High, ledger.CatCrypto,
		"The chain is declared to use Chinese national cryptography, but the node's TLS server certificate key is not SM2.",
		[]string{clauseGMAlgo, clauseGMTLS})
	RuleTLSSAN = rule("NODE-TLS-SAN", "TLS certificate does not name the endpoint", ledger.Low, ledger.CatNode,
		"The TLS server certificate's subject alternative names do not include the registered host (or server name). Clients either fail host-name verification or are configured to skip it, which defeats TLS server authentication.",
		[]string{clauseNodeSecurity}, srcFabricTLS)
	RuleTLSUntrusted = rule("NODE-TLS-UNTRUSTED", "TLS certificate does not chain to the registered CA", ledger.High, ledger.CatNode,
		"The TLS server certificate does not verify against the TLS CA registered for the node: the endpoint is served by another node, or the registration is stale.",
		[]string{clauseNodeSecurity, clauseIdentity}, srcFabricTLS)
	RuleTLSHandshake = rule("NODE-TLS-HANDSHAKE", "TLS handshake failed", ledger.Info, ledger.CatNode,
		"The node answered on TCP but no standard TLS handshake completed. On a national-crypto chain this is expected of a GM-TLS (TLCP) endpoint; the failure is recorded with its evidence so that it can be checked by hand.",
		[]string{clauseGMTLS})
	RuleOpsOpen = rule("NODE-FAB-OPS-OPEN", "Fabric operations endpoint open without a client certificate", ledger.High, ledger.CatNode,
		"/logspec (and /metrics) answered a client that presented no certificate. Anyone who reaches the port can read operational metrics and change log levels (PUT /logspec), e.g. to flood or silence logs. Enable operations TLS with clientAuthRequired, or bind it to a management network.",
		[]string{clauseNodeSecurity}, srcFabricOps)
	RuleOpsPlain = rule("NODE-FAB-OPS-PLAINTEXT", "Fabric operations endpoint over plain HTTP", ledger.Medium, ledger.CatNode,
		"The operations endpoint answers over plain HTTP: its metrics and log level control travel unauthenticated. Enable operations.tls.",
		[]string{clauseNodeSecurity}, srcFabricOps)
	RuleAdminOpen = rule("NODE-FAB-ADMIN-OPEN", "Orderer admin endpoint without mutual TLS", ledger.Critical, ledger.CatNode,
		"The orderer's channel participation API (Admin listener) accepted a connection without a client certificate. That API joins and removes channels; Fabric requires mutual TLS on it. Set Admin.TLS.ClientAuthRequired to true.",
		[]string{clauseNodeSecurity, clauseIdentity}, srcFabricPartic)
	RuleAdvisory = rule("NODE-VERSION-ADVISORY", "Node version has a known security advisory", ledger.High, ledger.CatNode,
		"The version the node reports (/version, web3_clientVersion, FISCO BCOS getClientVersion or getGroupInfo) or the operator declared falls in the affected range of a published advisory in the shipped advisory data (nodes/advisories.json). Each finding takes the severity of its advisory (the catalogue shows the usual one). Upgrade to a patched release.",
		[]string{clauseNodeSecurity}, srcAdvisoriesFab, srcAdvisoriesGeth, srcFiscoChangeLog)
	RuleVersionMismatch = rule("NODE-VERSION-MISMATCH", "Reported version differs from the declared one", ledger.Low, ledger.CatNode,
		"The version the node reports is not the version its operator registered: the registry is stale or the node was changed without notice.",
		[]string{clauseNodeSecurity})
	RuleEVMAdminAPI = rule("NODE-EVM-ADMIN-API", "EVM RPC exposes admin or personal", ledger.Critical, ledger.CatNode,
		"rpc_modules lists admin or personal on the probed HTTP endpoint. admin controls peers and can start/stop RPC servers; personal handles account keys. Remove them from --http.api.",
		[]string{clauseNodeSecurity}, srcGethSecurity, srcGethRPC)
	RuleEVMDebugAPI = rule("NODE-EVM-DEBUG-API", "EVM RPC exposes debug or miner", ledger.High, ledger.CatNode,
		"rpc_modules lists debug or miner. debug exposes expensive tracing calls (denial of service), memory and profiling control; miner changes block production. Remove them from --http.api.",
		[]string{clauseNodeSecurity}, srcGethSecurity, srcGethRPC)
	RuleEVMTxpoolAPI = rule("NODE-EVM-TXPOOL-API", "EVM RPC exposes txpool", ledger.Low, ledger.CatNode,
		"rpc_modules lists txpool: the full pending pool, with senders, is readable by anyone who reaches the port.",
		[]string{clauseNodeSecurity}, srcGethRPC)
	RuleEVMUnlocked = rule("NODE-EVM-UNLOCKED", "EVM node signs with an unlocked account", ledger.Critical, ledger.CatNode,
		"eth_accounts is not empty and eth_sign signed a fixed probe message without a password: anyone who reaches the RPC port can send transactions from that account. Never unlock accounts on a node with an open RPC; use an external signer.",
		[]string{clauseNodeSecurity, clauseIdentity}, srcGethSecurity)
	RuleEVMAccounts = rule("NODE-EVM-ACCOUNTS", "EVM node holds accounts", ledger.Medium, ledger.CatNode,
		"eth_accounts is not empty: the node keeps account keys next to a public RPC. They are locked now, but one unlock exposes them. Keep keys in an external signer.",
		[]string{clauseNodeSecurity}, srcGethSecurity)
	RuleEVMCORS = rule("NODE-EVM-CORS", "EVM RPC allows any browser origin", ledger.High, ledger.CatNode,
		"A request with a foreign Origin header was answered with Access-Control-Allow-Origin * (or the origin echoed): any web page a user visits can drive the node's RPC from the browser. Set --http.corsdomain to the dapp origins only.",
		[]string{clauseNodeSecurity}, srcGethCLI, srcGethSecurity)
	RuleEVMVhosts = rule("NODE-EVM-VHOSTS", "EVM RPC accepts any Host header", ledger.Medium, ledger.CatNode,
		"A request with a foreign Host header was served: the virtual-host check (--http.vhosts) is '*', which leaves the node open to DNS rebinding from browsers. List the host names the node is served under.",
		[]string{clauseNodeSecurity}, srcGethCLI)
	RuleLag = rule("NODE-LAG", "Node head lags the ingested chain", ledger.Medium, ledger.CatNode,
		"The node's head height is behind the height Lianjian has ingested from the chain by more than the configured limit: it is stuck, partitioned or syncing, and serves stale state.",
		[]string{clauseNodeSecurity})
)

// Ledger-derived health rules.
var (
	RuleConsenterSilent = rule("NODE-CONSENTER-SILENT", "Consenter has not signed recent blocks", ledger.Medium, ledger.CatNode,
		"A BFT consenter in the channel config signed none of the recent blocks (or none since it joined), although BFT blocks carry a quorum of consenter signatures. The node is down or cut off; the ordering service has lost fault tolerance.",
		[]string{clauseConsensus}, srcFabricBFT)
	RuleMissingSig = rule("NODE-MISSING-SIG", "Block without the orderer signatures it needs", ledger.High, ledger.CatIntegrity,
		"A block carries no orderer signature, or fewer BFT consenter signatures than a quorum. Peers must not accept such a block.",
		[]string{clauseConsensus}, srcFabricBFT)
	RuleUnregisteredOrg = risk("NODE-UNREGISTERED-ORG", "Identities acting for no registered node", ledger.Medium, ledger.CatConsortium,
		"Identities of this MSP endorse (no peer of the org is registered), sign blocks (no orderer of the org is registered) or create transactions (the org registered no node at all). The nodes behind them are unsupervised: ask the org to register them.",
		[]string{clauseIdentity})
	RuleUnknownMSP = rule("NODE-UNKNOWN-MSP", "Signer of an MSP not in the channel config", ledger.High, ledger.CatConsortium,
		"An identity signed on the chain under an MSP id that no channel config version defines. Fabric validation would reject it; its presence means a peer accepted what it should not have.",
		[]string{clauseIdentity}, srcFabricMSP)
	RuleSignsExpired = rule("NODE-SIGNS-EXPIRED", "Certificate still signing after expiry", ledger.High, ledger.CatNode,
		"An identity's last signature on the chain is in a block later than its certificate's NotAfter. The node signing with it runs on an expired enrolment and may be exploiting clock skew or a lax validator.",
		[]string{clauseIdentity}, srcFabricCertExp)
	RuleCliqueSigners = risk("NODE-CLIQUE-SIGNERS", "Clique signer set changed", ledger.Medium, ledger.CatConsortium,
		"The set of authorised Clique signers (from the extraData of checkpoint blocks and the signers seen) changed. Every change of who may seal blocks is a governance event to confirm with the consortium.",
		[]string{clauseConsensus}, srcClique)
	RuleCliqueAbsent = rule("NODE-CLIQUE-ABSENT", "Clique signer absent", ledger.Medium, ledger.CatNode,
		"An authorised Clique signer sealed no block in the recent window: its node is down or its key was lost, and the chain runs with less fault tolerance.",
		[]string{clauseConsensus}, srcClique)
)

// Consortium posture rules, evaluated at every channel config version.
var (
	RuleNoFaultTolerance = risk("CONS-NO-FAULT-TOLERANCE", "Ordering service tolerates no consenter failure", ledger.High, ledger.CatConsortium,
		"The consenter set is too small to tolerate any failure: Raft needs 2f+1 consenters for f crash faults (so 1 or 2 give f=0), BFT needs 3f+1 for f byzantine faults (so fewer than 4 give f=0). One node down stops ordering.",
		[]string{clauseConsensus}, srcFabricRaft, srcFabricBFT)
	RuleCFTOnly = risk("CONS-CFT-ONLY", "Ordering is crash fault tolerant only", ledger.Low, ledger.CatConsortium,
		"etcdraft tolerates crashed consenters but not malicious ones: members must trust every orderer operator. Consortia whose members do not trust each other should run BFT (Fabric 3).",
		[]string{clauseConsensus}, srcFabricRaft, srcFabricBFT)
	RuleEvenConsenters = risk("CONS-EVEN-CONSENTERS", "Even number of Raft consenters", ledger.Low, ledger.CatConsortium,
		"An even Raft consenter count adds a node without adding fault tolerance (4 tolerate 1 failure, like 3).",
		[]string{clauseConsensus}, srcFabricRaft)
	RulePolicyAny = risk("CONS-POLICY-ANY", "ImplicitMeta ANY on a governing policy", ledger.High, ledger.CatConsortium,
		"Admins, Endorsement or LifecycleEndorsement is ImplicitMeta ANY over several orgs: any one org's admins (or peers) can change the channel or approve chaincode alone. Use MAJORITY.",
		[]string{clauseIdentity}, srcFabricPolicies)
	RulePolicySingleOrg = risk("CONS-POLICY-SINGLE-ORG", "Governing policy satisfiable by one org", ledger.High, ledger.CatConsortium,
		"A signature policy on Admins, Endorsement or LifecycleEndorsement can be satisfied by the identities of one organisation although the channel has several.",
		[]string{clauseIdentity}, srcFabricPolicies)
	RuleSingleOrgChannel = risk("CONS-SINGLE-ORG", "Channel with one application org", ledger.Medium, ledger.CatConsortium,
		"The channel has a single application organisation: every policy, chaincode endorsement included, is satisfied by it alone, so the ledger gives no multi-party assurance.",
		[]string{clauseIdentity}, srcFabricPolicies)
	RuleCCSingleOrg = risk("CONS-CC-SINGLE-ORG", "Chaincode endorsement satisfiable by one org", ledger.High, ledger.CatConsortium,
		"The chaincode's endorsement policy (its signature policy, or the channel policy it references) can be satisfied by peers of one organisation on a multi-org channel: that org alone can write any state the chaincode allows.",
		[]string{clauseIdentity}, srcFabricEndorse)
	RuleCapabilities = risk("CONS-CAPABILITY-OUTDATED", "Outdated channel capabilities", ledger.Medium, ledger.CatConsortium,
		"A Channel, Orderer or Application capability is below V2_0: the channel runs v1.x validation semantics and misses the v2 lifecycle and fixes.",
		[]string{clauseNodeSecurity}, srcFabricCaps)
	RuleCAExpired = risk("CONS-CA-EXPIRED", "MSP root or TLS CA expired", ledger.Critical, ledger.CatConsortium,
		"A root, intermediate or TLS root CA certificate in an MSP of the channel config has expired: no certificate it issued validates.",
		[]string{clauseIdentity}, srcFabricMSP)
	RuleCAExpiring = risk("CONS-CA-EXPIRING", "MSP root or TLS CA expires within 90 days", ledger.Medium, ledger.CatConsortium,
		"A root, intermediate or TLS root CA certificate in the channel config expires within 90 days. Rolling a CA takes a config update signed by the admins; start early.",
		[]string{clauseIdentity}, srcFabricMSP)
	RuleNodeOUs = risk("CONS-NODEOUS-DISABLED", "NodeOUs disabled", ledger.Medium, ledger.CatConsortium,
		"The MSP does not classify identities by NodeOU, so policies cannot tell peers, clients, admins and orderers apart (any member certificate can act as a peer).",
		[]string{clauseIdentity}, srcFabricMSP)
	RuleNoAnchorPeers = risk("CONS-NO-ANCHOR-PEERS", "Application org without anchor peers", ledger.Low, ledger.CatConsortium,
		"The org defines no anchor peer, so peers of other orgs cannot discover it through gossip: private data dissemination and service discovery across orgs fail.",
		[]string{clauseConsensus}, srcFabricGossip)
	RuleBatch = risk("CONS-BATCH-RANGE", "Orderer batch settings out of sane ranges", ledger.Low, ledger.CatConsortium,
		"BatchTimeout, MaxMessageCount, AbsoluteMaxBytes or PreferredMaxBytes is outside the range Lianjian considers sane (timeout 50ms-60s, 1-10000 messages, absolute bytes up to 99 MB and not below preferred bytes). Extreme values stall ordering or exceed gRPC message limits.",
		[]string{clauseConsensus}, srcFabricConfigtx)
	RuleNonGM = risk("CONS-NON-GM", "International algorithm in a national-crypto channel", ledger.High, ledger.CatCrypto,
		"The chain is declared GM, but an MSP root, TLS root or consenter TLS certificate of the channel config uses a non-SM2 key. (The channel hashing algorithm is checked by GM-HASH-NOT-SM3.)",
		[]string{clauseGMAlgo})
	RuleWeakened = risk("CONS-POSTURE-WEAKENED", "Config update weakened the consortium posture", ledger.High, ledger.CatConsortium,
		"A channel config update introduced posture findings the previous config version did not have. The finding names both config heights; the config diff between them shows what changed and the update's signatures show who approved it.",
		[]string{clauseIdentity, clauseConsensus}, srcFabricPolicies)
)

func init() {
	ledger.Register(
		RuleUnreachable, RuleFabPlaintext, RuleFabNoClientAuth, RuleTLSExpired, RuleTLSExpiring, RuleTLSNotSM2,
		RuleTLSSAN, RuleTLSUntrusted, RuleTLSHandshake, RuleOpsOpen, RuleOpsPlain, RuleAdminOpen, RuleAdvisory,
		RuleVersionMismatch, RuleEVMAdminAPI, RuleEVMDebugAPI, RuleEVMTxpoolAPI, RuleEVMUnlocked, RuleEVMAccounts,
		RuleEVMCORS, RuleEVMVhosts, RuleLag,
		RuleConsenterSilent, RuleMissingSig, RuleUnregisteredOrg, RuleUnknownMSP, RuleSignsExpired, RuleCliqueSigners, RuleCliqueAbsent,
		RuleNoFaultTolerance, RuleCFTOnly, RuleEvenConsenters, RulePolicyAny, RulePolicySingleOrg, RuleSingleOrgChannel,
		RuleCCSingleOrg, RuleCapabilities, RuleCAExpired, RuleCAExpiring, RuleNodeOUs, RuleNoAnchorPeers, RuleBatch,
		RuleNonGM, RuleWeakened,
	)
}
