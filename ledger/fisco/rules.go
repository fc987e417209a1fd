package fisco

import "github.com/lianjian/lianjian/ledger"

var (
	clauseIntegrity = "GB/T 42570-2023 (data integrity)"
	clauseSig       = "GM/T 0111-2021 (signature verification)"
	clauseConsensus = "GB/T 42570-2023 (consensus mechanism)"
	clauseGM        = "GM/T 0111-2021 (cryptographic algorithms: SM2, SM3)"
	clauseLedger    = "JR/T 0184-2020 (ledger integrity)"
)

// Verification rules: each is raised when what a node (or a file handed
// over) served fails a check recomputed from the data itself.
var (
	RuleHeaderHash = &ledger.RuleInfo{
		ID: "FISCO-HEADER-HASH", Title: "Block hash does not match its header",
		Doc: "The block hash recomputed from the header fields served (3.x: the TARS field hash of version, parent info, roots, number, gasUsed, timestamp, sealer, " +
			"sealer list, extraData and weights; 2.x: the hash of the RLP header) differs from the hash the node gave. A header field or the hash was altered. " +
			"Treat the node as untrusted and compare with another sealer's copy.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity, clauseLedger},
	}
	RuleTxRoot = &ledger.RuleInfo{
		ID: "FISCO-TX-ROOT", Title: "Transactions root does not match the transactions",
		Doc: "The transactions root recomputed from the transaction hashes served (3.x: FISCO's binary Merkle tree; 2.x: the 16-ary tree over RLP(index) and hash) " +
			"differs from the header's root: a transaction was added, removed, reordered or altered.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleReceiptRoot = &ledger.RuleInfo{
		ID: "FISCO-RECEIPT-ROOT", Title: "Receipts root does not match the receipts",
		Doc: "The receipts root recomputed from the receipts served differs from the header's receiptsRoot: an execution result (status, output, log) " +
			"was altered, so what the chain says a transaction did cannot be believed.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleTxHash = &ledger.RuleInfo{
		ID: "FISCO-TX-HASH", Title: "Transaction hash does not match its fields",
		Doc: "The hash the node gave for a transaction is not the hash of the fields it served (3.x: version, chain, group, block limit, nonce, to, input, abi " +
			"and the version's extra fields; 2.x: the RLP of the signed transaction). A field such as the recipient or the input was altered.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleTxSig = &ledger.RuleInfo{
		ID: "FISCO-TX-SIGNATURE", Title: "Transaction signature does not verify",
		Doc: "The sender's signature over the recomputed transaction hash does not verify (SM2 with the default user id against the carried public key, " +
			"or secp256k1 recovery fails). The transaction was not authorised by any key.",
		Severity: ledger.Critical, Category: ledger.CatCrypto, Clauses: []string{clauseSig},
	}
	RuleSender = &ledger.RuleInfo{
		ID: "FISCO-SENDER", Title: "Sender does not match the signature",
		Doc: "The account derived from the transaction signature (the hash of the public key, last 20 bytes) differs from the 'from' the node reported. " +
			"The node attributes the transaction to an account that did not sign it.",
		Severity: ledger.Critical, Category: ledger.CatCrypto, Clauses: []string{clauseSig},
	}
	RuleReceiptHash = &ledger.RuleInfo{
		ID: "FISCO-RECEIPT-HASH", Title: "Receipt hash does not match its fields",
		Doc:      "The receipt hash recomputed from the fields served (version, gas used, contract address, status, output, logs, block number) differs from the hash the node gave.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleReceiptMismatch = &ledger.RuleInfo{
		ID: "FISCO-RECEIPT-MISMATCH", Title: "Receipt does not belong to the block",
		Doc:      "A receipt names another transaction or another block than the one it was served for, or the block has receipts for only part of its transactions.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleSealerSig = &ledger.RuleInfo{
		ID: "FISCO-SEALER-SIGNATURE", Title: "Sealer signature does not verify",
		Doc: "A signature in the block's signatureList does not verify over the block hash against the node id at its sealer index. " +
			"A PBFT commit was forged or the block was altered after it was signed.",
		Severity: ledger.Critical, Category: ledger.CatConsortium, Clauses: []string{clauseSig, clauseConsensus},
	}
	RuleNonSealer = &ledger.RuleInfo{
		ID: "FISCO-NON-SEALER-SIGNATURE", Title: "Block signed by a node that is not a sealer",
		Doc: "A signatureList entry names an index outside the sealer list in force, or a key that is not a sealer (for example an observer). " +
			"Only sealers vote in PBFT; such a signature cannot count towards the quorum.",
		Severity: ledger.Critical, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus},
	}
	RuleDuplicateSigner = &ledger.RuleInfo{
		ID: "FISCO-DUPLICATE-SIGNER", Title: "Sealer counted twice in a block's signatures",
		Doc: "The signatureList holds two entries for the same sealer index. FISCO's own check does not de-duplicate, so a duplicate can make a block " +
			"look like it reached quorum with fewer sealers than required.",
		Severity: ledger.Critical, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus},
	}
	RuleQuorum = &ledger.RuleInfo{
		ID: "FISCO-NO-QUORUM", Title: "Block committed without a PBFT quorum",
		Doc: "The valid, distinct sealer signatures on the block carry less vote weight than PBFT requires (total minus ⌊(total−1)/3⌋; with equal weights 2f+1 of n). " +
			"The block was not committed by the consortium as FISCO's consensus demands.",
		Severity: ledger.Critical, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus},
	}
	RuleSealerSetChange = &ledger.RuleInfo{
		ID: "FISCO-SEALER-SET-CHANGE", Title: "Sealer set changed outside governance",
		Doc: "The block's sealer list differs from the one in force (the previous block's, or the pinned list) although no transaction to the consensus " +
			"system contract (addSealer, addObserver, remove, setWeight, or a committee proposal) preceded it. A sealer was added or removed outside the " +
			"governance rules, or the block was forged with a sealer list of the forger's choosing.",
		Severity: ledger.Critical, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus},
	}
	RuleFewSealers = &ledger.RuleInfo{
		ID: "FISCO-FEW-SEALERS", Title: "Fewer than 4 sealers: no Byzantine fault tolerance",
		Doc: "PBFT with n sealers tolerates ⌊(n−1)/3⌋ faulty ones, so below 4 sealers a single faulty or malicious sealer can stall or fork the chain. " +
			"Add sealers run by independent organisations (addSealer through governance) until at least 4, better 3f+1 for the faults to tolerate.",
		Severity: ledger.High, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus},
		Risk: true, // posture: shown beside verification statuses, never failing them
	}
	RuleWeightShare = &ledger.RuleInfo{
		ID: "FISCO-WEIGHT-SHARE", Title: "One party holds a blocking share of consensus weight",
		Doc: "The vote weight of one organisation (declared in the chain's config) or, where none are declared, of one sealer exceeds total − quorum: " +
			"without it the others cannot commit blocks, so it alone can halt the chain. Rebalance weights (setWeight) or add sealers of other organisations.",
		Severity: ledger.High, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus},
		Risk: true, // posture: shown beside verification statuses, never failing them
	}
	RuleUnauthorisedChange = &ledger.RuleInfo{
		ID: "FISCO-GOV-UNAUTHORISED", Title: "Sealer set changed outside the governance rules in force",
		Doc: "A transaction that adds, removes or re-weights a consensus node succeeded although the chain's own governance forbids it: on 2.x the sender had " +
			"no write permission on the consensus table and no committee seat while such permissions were in force; on 3.x it called the consensus contract " +
			"directly while committee governance (auth) was in use instead of passing a proposal. Either the permission check was bypassed or the node lies.",
		Severity: ledger.Critical, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus, "GB/T 42570-2023 (identity and access management)"},
	}
	RuleRiskyConfig = &ledger.RuleInfo{
		ID: "FISCO-RISKY-CONFIG", Title: "Risky system configuration set",
		Doc: "A governance transaction set a system configuration value that weakens the chain: permission checks switched off (auth_check_status 0), " +
			"block transaction limits outside sane ranges, a gas limit too low to run transactions, or extreme consensus timings. Review the change with the consortium.",
		Severity: ledger.Medium, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus},
		Risk: true, // posture: shown beside verification statuses, never failing them
	}
	RuleParent = &ledger.RuleInfo{
		ID: "FISCO-PARENT-HASH", Title: "Block does not link to its parent",
		Doc:      "The block's parent hash (3.x parentInfo, 2.x parentHash) is not the hash of the block before it, or heights are not consecutive: the chain was spliced.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity, clauseLedger},
	}
	RuleGap = &ledger.RuleInfo{
		ID: "FISCO-GAP", Title: "Blocks missing from the data",
		Doc: "The blocks handed over (or served) skip heights: the blocks in between cannot be checked, and the chain checks restart after the gap. " +
			"Ask the operator for the missing range; a gap in data handed to a regulator can hide what happened in it.",
		Severity: ledger.Medium, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleFork = &ledger.RuleInfo{
		ID: "FISCO-FORK", Title: "Two different blocks at one height",
		Doc: "The data holds two blocks with the same height and different hashes. PBFT finalises one block per height, so two sealed blocks at a height mean " +
			"the sealers signed conflicting blocks (a safety failure) or one of the copies was forged; compare their signatures and sources.",
		Severity: ledger.Critical, Category: ledger.CatConsortium, Clauses: []string{clauseConsensus, clauseIntegrity},
	}
	RuleCryptoMode = &ledger.RuleInfo{
		ID: "FISCO-CRYPTO-MODE", Title: "Data of the wrong crypto mode on the chain",
		Doc: "A transaction or sealer signature uses a different algorithm than the chain's pinned crypto mode: secp256k1 on a national-crypto (SM2/SM3) chain, " +
			"or SM2 on a standard one. A GM chain must use SM2/SM3 throughout.",
		Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{clauseGM},
	}
	RuleVersionChange = &ledger.RuleInfo{
		ID: "FISCO-VERSION-CHANGE", Title: "Node serves a different FISCO BCOS line or crypto mode than pinned",
		Doc: "The chain was pinned to a FISCO BCOS major version (2.x or 3.x) and crypto mode when first seen; the node now reports or serves another. " +
			"Either the endpoint now points at a different chain or the node misreports itself.",
		Severity: ledger.High, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
	RuleNotVerifiable = &ledger.RuleInfo{
		ID: "FISCO-NOT-VERIFIABLE", Title: "Part of the data cannot be re-verified",
		Doc: "The data served lacks fields a recomputation needs (for example a block with transaction hashes only, receipts missing, an early 2.0 header without receiptsRoot, " +
			"or an Ethereum-type transaction whose raw bytes are not exposed). Lianjian says so instead of guessing; fetch the full data to verify it.",
		Severity: ledger.Info, Category: ledger.CatIntegrity,
	}
	RuleMalformed = &ledger.RuleInfo{
		ID: "FISCO-MALFORMED", Title: "Data that does not decode",
		Doc:      "A block, transaction or receipt served by the node or found in a file could not be decoded as FISCO BCOS data. It cannot be verified.",
		Severity: ledger.High, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	}
)

func init() {
	ledger.Register(RuleHeaderHash, RuleTxRoot, RuleReceiptRoot, RuleTxHash, RuleTxSig, RuleSender, RuleReceiptHash,
		RuleReceiptMismatch, RuleSealerSig, RuleNonSealer, RuleDuplicateSigner, RuleQuorum, RuleSealerSetChange, RuleGap, RuleFork, RuleFewSealers, RuleWeightShare, RuleUnauthorisedChange, RuleRiskyConfig, RuleParent, RuleCryptoMode,
		RuleVersionChange, RuleNotVerifiable, RuleMalformed)
}
