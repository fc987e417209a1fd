package nodes

import "github.com/lianjian/lianjian/ledger"

// Public sources cited by the FISCO BCOS rules.
const (
	srcFiscoAPI2      = "https://fisco-bcos-documentation.readthedocs.io/zh_CN/latest/docs/api.html"
	srcFiscoConfig2   = "https://fisco-bcos-documentation.readthedocs.io/zh_CN/latest/docs/manual/configuration.html"
	srcFiscoCert2     = "https://fisco-bcos-documentation.readthedocs.io/zh_CN/latest/docs/manual/certificates.html"
	srcFiscoAPI3      = "https://fisco-bcos-doc.readthedocs.io/zh_CN/latest/docs/develop/api.html"
	srcFiscoConfig3   = "https://fisco-bcos-doc.readthedocs.io/zh_CN/latest/docs/tutorial/air/config.html"
	srcFiscoPBFT3     = "https://fisco-bcos-doc.readthedocs.io/zh_CN/latest/docs/design/consensus/pbft.html"
	srcFiscoChangeLog = "https://github.com/FISCO-BCOS/FISCO-BCOS/blob/master/ChangeLog.md"
)

// FISCO BCOS probe rules. The certificate checks of the SSL channel reuse
// NODE-TLS-EXPIRED, NODE-TLS-EXPIRING, NODE-TLS-NOT-SM2 and
// NODE-TLS-UNTRUSTED with the port as qualifier (rpc, sdk, p2p) and, on
// national-crypto chains, the certificate role (sign, enc).
var (
	RuleFiscoRPCPlain = rule("NODE-FISCO-RPC-PLAINTEXT", "FISCO BCOS JSON-RPC served without TLS off the host", ledger.Medium, ledger.CatNode,
		"The node answered JSON-RPC over plain HTTP at a non-loopback address: requests, responses and signed transactions cross the network unencrypted, and anyone who reaches the port can query the ledger and submit transactions. In 2.x the JSON-RPC port has no TLS at all and jsonrpc_listen_ip defaults to 127.0.0.1 for this reason: keep it on loopback and give SDKs the SSL channel port. In 3.x leave [rpc] disable_ssl=false.",
		[]string{clauseNodeSecurity}, srcFiscoConfig2, srcFiscoConfig3)
	RuleFiscoRPCPublic = rule("NODE-FISCO-RPC-PUBLIC", "FISCO BCOS JSON-RPC on a public address", ledger.High, ledger.CatNode,
		"The registered JSON-RPC endpoint resolves to a public (globally routable) IP address and answered: the RPC is reachable from the internet. Consortium nodes should expose RPC only to the members' networks; bind it to a private or loopback address and put SDK access behind the SSL channel.",
		[]string{clauseNodeSecurity}, srcFiscoConfig2, srcFiscoConfig3)
	RuleFiscoSSLNotSM = risk("NODE-FISCO-SSL-NOT-SM", "National-crypto FISCO BCOS chain with an international SSL channel", ledger.High, ledger.CatCrypto,
		"The chain is declared GM, but the node's SSL port completed a standard TLS (not GM SSL) hello: the P2P or SDK channel runs on international algorithms. In 3.x set [p2p] sm_ssl=true and [rpc] sm_ssl=true; in 2.x deploy with the GM certificates (gmca, gmnode, gmennode).",
		[]string{clauseGMAlgo, clauseGMTLS}, srcFiscoConfig3, srcFiscoCert2)
	RuleFiscoSSLNoClientAuth = rule("NODE-FISCO-SSL-NO-CLIENT-AUTH", "FISCO BCOS SSL port does not ask for a client certificate", ledger.High, ledger.CatNode,
		"The node's P2P or SDK SSL port finished its hello without a CertificateRequest: it accepts SSL clients that present no certificate issued by the chain CA, so anyone who reaches the port can connect as a peer or SDK. FISCO BCOS authenticates peers and SDKs by mutual SSL; 3.12.1 and later let the gateway run with verify_none, which turns that off. Keep peer verification on.",
		[]string{clauseNodeSecurity, clauseIdentity}, srcFiscoCert2, srcFiscoChangeLog)
	RuleFiscoNodeID = rule("NODE-FISCO-NODE-ID", "Endpoint answers for another FISCO BCOS node", ledger.High, ledger.CatNode,
		"The registered node id is not the node behind the endpoint: getSyncStatus reports another nodeId (2.x nodeId, 3.x nodeID), the 3.x RPC's getGroupInfo does not serve the node, or (2.x, where the node id is the public key of the node's SSL certificate) the SSL certificate carries another key. Either the registration is stale or the endpoint is served by another node.",
		[]string{clauseNodeSecurity, clauseIdentity}, srcFiscoAPI2, srcFiscoAPI3)
	RuleFiscoSyncLag = rule("NODE-FISCO-SYNC-LAG", "FISCO BCOS node lags its peers", ledger.Medium, ledger.CatNode,
		"getSyncStatus shows the node's blockNumber more than MaxLag blocks below the highest block it knows of (knownHighestNumber, or a peer's blockNumber). A sealer that lags does not take part in consensus; an observer serves stale state.",
		[]string{clauseNodeSecurity, clauseConsensus}, srcFiscoAPI2, srcFiscoAPI3)
	RuleFiscoViewStall = risk("NODE-FISCO-VIEW-STALL", "FISCO BCOS PBFT view and height both stalled", ledger.High, ledger.CatConsortium,
		"getPbftView and the block height were sampled twice, a configured interval apart (Config.ViewInterval). Neither moved although the node has pending transactions (or, on 2.x, where an idle group keeps changing view, at all): consensus is stuck, typically because fewer than 2f+1 sealers are reachable, and no block is committed.",
		[]string{clauseConsensus}, srcFiscoAPI2, srcFiscoPBFT3)
	RuleFiscoNotSealer = risk("NODE-FISCO-NOT-SEALER", "Registered FISCO BCOS sealer is not in the sealer list", ledger.High, ledger.CatConsortium,
		"The node is registered as a sealer (consensus node), but its node id is not in the group's getSealerList: it was removed or demoted to observer by the consensus precompiled contract (0x1003), or never added. The group has fewer consensus nodes, and less fault tolerance, than the registry says.",
		[]string{clauseConsensus, clauseIdentity}, srcFiscoAPI2, srcFiscoAPI3)
	RuleFiscoNotObserver = risk("NODE-FISCO-NOT-OBSERVER", "Registered FISCO BCOS observer is not in the observer list", ledger.Medium, ledger.CatConsortium,
		"The node is registered as an observer, but its node id is not in the group's getObserverList: it was promoted to sealer (it now signs blocks) or removed from the group. Update the registration, or undo the change if it was not approved.",
		[]string{clauseConsensus, clauseIdentity}, srcFiscoAPI2, srcFiscoAPI3)
)

func init() {
	ledger.Register(RuleFiscoRPCPlain, RuleFiscoRPCPublic, RuleFiscoSSLNotSM, RuleFiscoSSLNoClientAuth, RuleFiscoNodeID, RuleFiscoSyncLag,
		RuleFiscoViewStall, RuleFiscoNotSealer, RuleFiscoNotObserver)
}
