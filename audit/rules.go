package audit

import "github.com/lianjian/lianjian/ledger"

// Clause references. Only the requirement area is named where the clause
// number could not be checked against the standard's text.
const (
	clauseIntegrity = "GB/T 42570-2023 (data integrity)"
	clauseIdentity  = "GB/T 42570-2023 (identity and access management)"
	clauseGMAlgo    = "GM/T 0111-2021 (cryptographic algorithms: SM2, SM3)"
	clauseGMCert    = "GM/T 0111-2021 (certificates and key management)"
	clauseSM2       = "GB/T 32918.2-2016 (SM2 digital signature algorithm)"
	sourceFabricMSP = "https://hyperledger-fabric.readthedocs.io/en/latest/msp.html"
	sourceFabricEP  = "https://hyperledger-fabric.readthedocs.io/en/latest/endorsement-policies.html"
	sourceFabricSBE = "https://hyperledger-fabric.readthedocs.io/en/latest/endorsement-policies.html#setting-key-level-endorsement-policies"
	sourceFabricACL = "https://hyperledger-fabric.readthedocs.io/en/latest/access_control.html"
	sourceFabricPol = "https://hyperledger-fabric.readthedocs.io/en/latest/policies/policies.html"
)

// Integrity rules: a Fabric ledger that fails them was altered, or a node
// that wrote it lied.
var (
	RuleCreatorSig = &ledger.RuleInfo{
		ID: "FAB-SIG-CREATOR", Title: "Transaction creator signature does not verify",
		Doc: "The envelope signature does not verify over the payload bytes with the creator's certificate key. " +
			"The payload (channel header, read/write set, endorsements) was altered after signing, or was signed by another key. " +
			"Fabric orderers reject such envelopes, so its presence in a block means the block was tampered with.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleEndorserSig = &ledger.RuleInfo{
		ID: "FAB-SIG-ENDORSER", Title: "Endorsement signature does not verify",
		Doc: "An endorsement signature does not verify over proposal-response payload ‖ endorser identity. " +
			"On a transaction the peer marked VALID this means the results or the endorsement were altered or transplanted from another transaction.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleOrdererSig = &ledger.RuleInfo{
		ID: "FAB-SIG-ORDERER", Title: "Orderer block signature does not verify",
		Doc: "A block signature in metadata SIGNATURES does not verify over metadata value ‖ signature (or identifier) header ‖ header ASN.1. " +
			"The block header or its metadata was modified after the orderer signed it.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleConfigSig = &ledger.RuleInfo{
		ID: "FAB-SIG-CONFIG", Title: "Config update signature does not verify",
		Doc: "A signature on the config update applied by a CONFIG transaction does not verify, or is missing: one of the signatures " +
			"the update collected for its mod_policies, or the envelope signature of the update (last_update) by the identity that submitted it, " +
			"which the orderer checks before it accepts the update. The channel configuration was changed without the signatures it shows.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleCreatorPolicy = &ledger.RuleInfo{
		ID: "FAB-CREATOR-POLICY", Title: "Transaction submitter not authorised by the channel's Writers policies",
		Doc: "A transaction's creator, whose signature and certificate are valid, does not satisfy a policy Fabric holds it to in the channel config in force at that height. " +
			"An endorser transaction's creator must satisfy the ACL its endorsing peers check the proposal against: peer/Propose, " +
			"/Channel/Application/Writers unless the channel's ACLs name another policy (for `_lifecycle`, the function's own ACL, or an admin of the peer's org for approvals). " +
			"Every envelope the orderer accepts (endorser transactions, a config update's envelope by its submitter, and the CONFIG envelope the orderer makes from it) " +
			"must satisfy /Channel/Writers (/Channel/Orderer/Writers while the ordering service is in maintenance mode). " +
			"A creator from an org outside the Application group, an orderer identity, or an identity whose role the org's Writers policy excludes (a peer) fails. " +
			"Committing peers do not check this, so a VALID transaction from such a creator means the endorsing peers or the ordering service accepted " +
			"what they must reject, or the transaction was forged into the block. The endorsing peers' ACL is reported for transactions the peer marked VALID or that no peer judged.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIdentity, clauseIntegrity},
		Sources: []string{sourceFabricACL, sourceFabricPol},
	}
	RuleModPolicy = &ledger.RuleInfo{
		ID: "FAB-CONFIG-MOD-POLICY", Title: "Config update applied without the authority its mod_policy requires",
		Doc: "The config update a CONFIG transaction applied modifies an element whose mod_policy, in the config in force before it, " +
			"is not satisfied by the update's valid signatures; or it modifies an element at a version other than the next one, " +
			"or read elements at stale versions. Orderers reject such updates, so the ordering service (or whoever wrote the block) " +
			"changed the channel's trust anchors, policies or consensus without the consent the channel requires.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity, clauseIdentity},
		Sources: []string{"https://hyperledger-fabric.readthedocs.io/en/latest/config_update.html"},
	}
	RuleHighS = &ledger.RuleInfo{
		ID: "FAB-SIG-HIGH-S", Title: "ECDSA signature is not low-S",
		Doc: "Fabric accepts only ECDSA signatures with s ≤ n/2. A high-S signature is a malleated copy of a valid one; " +
			"Fabric components never produce or accept it, so it was made outside Fabric.",
		Severity: ledger.High, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleDataHash = &ledger.RuleInfo{
		ID: "FAB-DATA-HASH", Title: "Block data hash does not match its transactions",
		Doc: "The hash of the block's envelopes, under the channel's HashingAlgorithm, differs from the header's DataHash: " +
			"a transaction was added, removed, reordered or altered.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RulePrevHash = &ledger.RuleInfo{
		ID: "FAB-PREV-HASH", Title: "Block does not link to the previous block",
		Doc:      "The block's PreviousHash is not the header hash of the block before it: the chain was spliced or a header was modified.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleHeight = &ledger.RuleInfo{
		ID: "FAB-HEIGHT", Title: "Blocks missing or out of order",
		Doc:      "Block numbers do not follow one another: blocks were dropped, duplicated or reordered in the ledger examined.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleTxID = &ledger.RuleInfo{
		ID: "FAB-TXID", Title: "Transaction id is not the hash of nonce and creator",
		Doc:      "A Fabric transaction id must be hex(H(nonce ‖ creator)). A mismatch means the id, the nonce or the creator was altered.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleEnvelope = &ledger.RuleInfo{
		ID: "FAB-ENVELOPE", Title: "Envelope is malformed or carries extra bytes",
		Doc: "The envelope does not decode, or carries fields beyond payload and signature. Bytes outside the signed payload " +
			"are not covered by any signature and can smuggle data past verifiers that trust the envelope as a whole.",
		Severity: ledger.High, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleMSP = &ledger.RuleInfo{
		ID: "FAB-MSP-CHAIN", Title: "Signer certificate does not chain to its MSP",
		Doc: "The signer's certificate does not chain to a root or intermediate CA of the MSP it claims in the channel config in force at that height, " +
			"or names an MSP the channel does not define. The signature was made by an identity the channel does not trust.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIdentity}, Sources: []string{sourceFabricMSP},
	}
	RuleCertTime = &ledger.RuleInfo{
		ID: "FAB-CERT-TIME", Title: "Signer certificate not valid at the time of signing",
		Doc: "The signer's certificate was not yet valid or had expired at the transaction (or block) timestamp. " +
			"Fabric's MSP does not check validity periods when it validates signatures, so the ledger is not altered " +
			"and the signature still counts for policies; but a node or client kept signing with an expired (or " +
			"not yet valid) certificate, or its clock is wrong.",
		Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{clauseIdentity, clauseGMCert},
	}
	RuleRevoked = &ledger.RuleInfo{
		ID: "FAB-CERT-REVOKED", Title: "Signer certificate is revoked",
		Doc:      "The signer's certificate is on a CRL of its MSP in the channel config in force: a revoked identity signed.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIdentity}, Sources: []string{sourceFabricMSP},
	}
	RuleRole = &ledger.RuleInfo{
		ID: "FAB-NODEOU-ROLE", Title: "Signer's NodeOU role does not fit its signature",
		Doc: "With NodeOUs enabled, endorsements must come from peers, transactions from clients or admins, and block signatures from orderers. " +
			"A signature by the wrong kind of identity was not produced by the normal Fabric flow.",
		Severity: ledger.High, Category: ledger.CatIntegrity, Clauses: []string{clauseIdentity}, Sources: []string{sourceFabricMSP},
	}
	RuleEndorsementPolicy = &ledger.RuleInfo{
		ID: "FAB-ENDORSEMENT-POLICY", Title: "VALID transaction does not satisfy its endorsement policy",
		Doc: "The peer marked the transaction VALID, but its verified endorsements do not satisfy the policy governing its writes, " +
			"as Fabric's validator applies it: a written key's key-level (state-based) policy when it has one, else its collection's " +
			"endorsement policy (an org's Endorsement policy for the org's implicit collection), else the chaincode's policy from " +
			"`_lifecycle` (or the channel policy it references); or it writes a key whose key-level policy an earlier transaction of " +
			"the same block changed. The committing peer lied or was compromised; its state cannot be trusted. " +
			"Key-level policies set before the first audited block are unknown, so an audit that did not start at genesis " +
			"reports a failed chaincode policy as not evaluated rather than as this finding.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity}, Sources: []string{sourceFabricEP, sourceFabricSBE},
	}
	RuleBlockPolicy = &ledger.RuleInfo{
		ID: "FAB-BLOCK-POLICY", Title: "Block signatures do not satisfy BlockValidation",
		Doc: "The verified orderer signatures of a block do not satisfy /Channel/Orderer/BlockValidation of the config in force, " +
			"or a BFT signature names a consenter id outside the consenter mapping: the block was not produced by the ordering service.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleBlockDecode = &ledger.RuleInfo{
		ID: "FAB-BLOCK-DECODE", Title: "Block does not decode",
		Doc:      "The block's own structure (protobuf, header, metadata) is broken, so nothing in it can be verified.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
)

// Crypto rules: compliance with the chain's declared cryptographic
// profile and certificate hygiene. They are risks (Risk), shown beside the
// verification status of the objects they concern, never failed checks.
var (
	RuleGMKey = &ledger.RuleInfo{
		ID: "GM-KEY-NOT-SM2", Title: "Non-SM2 key on a national-crypto chain",
		Doc: "A chain declared GM uses a certificate (signer, CA or TLS) whose public key is not SM2. " +
			"National-crypto deployments must sign with SM2; replace the certificate with an SM2 one.",
		Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{clauseGMAlgo, clauseSM2},
		Risk: true,
	}
	RuleGMCertSig = &ledger.RuleInfo{
		ID: "GM-CERT-SIG-NOT-SM2", Title: "Certificate not signed with SM2-with-SM3",
		Doc:      "A certificate on a chain declared GM is signed by its CA with an algorithm other than SM2-with-SM3.",
		Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{clauseGMAlgo, clauseGMCert},
		Risk: true,
	}
	RuleGMHash = &ledger.RuleInfo{
		ID: "GM-HASH-NOT-SM3", Title: "Channel hashing algorithm is not SM3",
		Doc: "The channel config of a chain declared GM sets HashingAlgorithm to something other than SM3, " +
			"so block data hashes, header hashes and transaction ids use an international hash.",
		Severity: ledger.Medium, Category: ledger.CatCrypto, Clauses: []string{clauseGMAlgo},
		Risk: true,
	}
	RuleCertExpired = &ledger.RuleInfo{
		ID: "CRY-CERT-EXPIRED", Title: "Certificate expired",
		Doc:      "A CA, TLS CA or signer certificate in use by the chain has expired; signatures and TLS sessions relying on it are no longer trustworthy. Renew it.",
		Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{clauseGMCert},
		Risk: true,
	}
	RuleCertExpiring = &ledger.RuleInfo{
		ID: "CRY-CERT-EXPIRING", Title: "Certificate expires soon",
		Doc:      "A CA, TLS CA or signer certificate in use by the chain expires within the warning window (30 days by default). Plan its renewal.",
		Severity: ledger.Medium, Category: ledger.CatCrypto, Clauses: []string{clauseGMCert},
		Risk: true,
	}
	RuleWeakKey = &ledger.RuleInfo{
		ID: "CRY-KEY-WEAK", Title: "Weak key size",
		Doc:      "A certificate carries an RSA key shorter than 2048 bits or an elliptic-curve key shorter than 256 bits.",
		Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{clauseGMCert},
		Risk: true,
	}
)

func init() {
	ledger.Register(RuleCreatorSig, RuleEndorserSig, RuleOrdererSig, RuleConfigSig, RuleCreatorPolicy, RuleModPolicy, RuleHighS, RuleDataHash, RulePrevHash,
		RuleHeight, RuleTxID, RuleEnvelope, RuleMSP, RuleCertTime, RuleRevoked, RuleRole, RuleEndorsementPolicy,
		RuleBlockPolicy, RuleBlockDecode, RuleGMKey, RuleGMCertSig, RuleGMHash, RuleCertExpired, RuleCertExpiring, RuleWeakKey)
}
