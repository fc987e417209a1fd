package evm

import "github.com/lianjian/lianjian/ledger"

// Verification rules: each is raised when what a node served fails a
// check recomputed from the data itself.
var (
	RuleHeaderHash = &ledger.RuleInfo{
		ID: "EVM-HEADER-HASH", Title: "Block hash does not match its header",
		Doc: "The node served a block whose hash is not keccak256(RLP(header)) of the header fields it served. " +
			"Either the header or the hash was altered in transit or by the node. Treat the node as untrusted and compare with another node.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{"GB/T 42570-2023 (data integrity)", "JR/T 0184-2020 (ledger integrity)"},
	}
	RuleTxRoot = &ledger.RuleInfo{
		ID: "EVM-TX-ROOT", Title: "Transactions root does not match the transactions",
		Doc: "The transactions trie root recomputed from the transactions served differs from the header's transactionsRoot: " +
			"a transaction was added, removed, reordered or altered.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{"GB/T 42570-2023 (data integrity)"},
	}
	RuleReceiptRoot = &ledger.RuleInfo{
		ID: "EVM-RECEIPT-ROOT", Title: "Receipts root does not match the receipts",
		Doc: "The receipts trie root recomputed from the receipts served (status, cumulative gas, bloom, logs) differs from the header's receiptsRoot: " +
			"a receipt status or log was altered, so execution results cannot be believed.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{"GB/T 42570-2023 (data integrity)"},
	}
	RuleWithdrawalsRoot = &ledger.RuleInfo{
		ID: "EVM-WITHDRAWALS-ROOT", Title: "Withdrawals root does not match the withdrawals",
		Doc:      "The withdrawals root recomputed from the withdrawals served differs from the header's withdrawalsRoot.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity,
	}
	RuleTxHash = &ledger.RuleInfo{
		ID: "EVM-TX-HASH", Title: "Transaction hash does not match its contents",
		Doc: "The hash the node gave for a transaction is not the hash of the transaction fields it served: " +
			"a field such as value, recipient or input was altered.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity,
	}
	RuleSender = &ledger.RuleInfo{
		ID: "EVM-SENDER", Title: "Sender does not recover from the signature",
		Doc: "The sender recovered from the transaction signature with the chain's latest signer differs from the 'from' the node reported, " +
			"or no sender can be recovered. The transaction was not authorised by the account shown.",
		Severity: ledger.Critical, Category: ledger.CatCrypto, Clauses: []string{"GM/T 0111-2021 (signature verification)"},
	}
	RuleHighS = &ledger.RuleInfo{
		ID: "EVM-HIGH-S", Title: "Signature is not low-S",
		Doc: "The signature's s value is above n/2. Since Homestead such signatures are invalid because they are malleable: " +
			"the same transaction can be re-signed into a second valid form.",
		Severity: ledger.High, Category: ledger.CatCrypto,
	}
	RuleUnprotected = &ledger.RuleInfo{
		ID: "EVM-REPLAY-UNPROTECTED", Title: "Transaction without EIP-155 replay protection",
		Doc: "A legacy transaction signed without the chain id (pre-EIP-155) is valid on every chain that shares the sender's nonce. " +
			"It can be replayed on another network. Nodes should refuse them (geth: leave --rpc.allow-unprotected-txs off) and wallets should sign with the chain id.",
		Severity: ledger.Medium, Category: ledger.CatCrypto, Clauses: []string{"EIP-155"},
		// The signature verifies and the sender recovers: the transaction
		// is authentic, only open to replay elsewhere.
		Risk: true,
	}
	RuleContractAddress = &ledger.RuleInfo{
		ID: "EVM-CONTRACT-ADDRESS", Title: "Created contract address does not follow from creator and nonce",
		Doc: "A receipt reports a contract address that is not keccak(RLP(creator, nonce)) of the creating transaction: " +
			"the node misreports where code was deployed.",
		Severity: ledger.High, Category: ledger.CatIntegrity,
	}
	RuleReceiptMismatch = &ledger.RuleInfo{
		ID: "EVM-RECEIPT-MISMATCH", Title: "Receipts do not belong to the block's transactions",
		Doc:      "The node served a different number of receipts than transactions, or a receipt that names another transaction or block.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity,
	}
	RuleParentHash = &ledger.RuleInfo{
		ID: "EVM-PARENT-HASH", Title: "Stored block does not link to the block before it",
		Doc: "Re-verified from the index, a block's parentHash is not the hash of the stored block below it, or the stored heights do not follow one another: " +
			"the stored chain was spliced, a block was replaced or dropped, or a header was altered.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{"GB/T 42570-2023 (data integrity)"},
	}
	RuleMalformed = &ledger.RuleInfo{
		ID: "EVM-MALFORMED", Title: "Node served data that does not decode",
		Doc:      "A block, transaction or receipt served by the node could not be decoded. The data cannot be verified.",
		Severity: ledger.High, Category: ledger.CatIntegrity,
	}
)

func init() {
	ledger.Register(RuleHeaderHash, RuleTxRoot, RuleReceiptRoot, RuleWithdrawalsRoot, RuleTxHash,
		RuleSender, RuleHighS, RuleUnprotected, RuleContractAddress, RuleReceiptMismatch, RuleParentHash, RuleMalformed)
}
