package gov

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// TestSelectorsPinnedByFISCO checks selectors against values hard-coded in
// FISCO's own code, in both hash modes where FISCO gives both.
func TestSelectorsPinnedByFISCO(t *testing.T) {
	tests := []struct {
		sig, keccak, sm3 string
		source           string
	}{
		// FISCO-BCOS/java-sdk master (cd6fe37, 2024-09-10),
		// src/main/java/org/fisco/bcos/sdk/v3/contract/auth/contracts/CommitteeManager.java
		// and AccountManager.java: each ABI entry carries
		// "selector":[keccak, sm3] as decimal integers. The same selectors are
		// the dispatch table of the genesis CommitteeManager bytecode in
		// FISCO-BCOS libinitializer/AuthInitializer.h (committeeBin and
		// committeeSmBin), unchanged from v3.0.0 to master.
		{"createModifyDeployAuthProposal(address,bool,uint256)", "6ba4790c", "0cb0a8d9", "java-sdk"},
		{"createResetAdminProposal(address,address,uint256)", "7475f00f", "922b7906", "java-sdk"},
		{"createRmNodeProposal(string,uint256)", "65012582", "1f975035", "java-sdk"},
		{"createSetConsensusWeightProposal(string,uint32,bool,uint256)", "9e3f4f4e", "5d826f40", "java-sdk"},
		{"createSetDeployAuthTypeProposal(uint8,uint256)", "614235f3", "de003356", "java-sdk"},
		{"createSetRateProposal(uint8,uint8,uint256)", "03f19159", "cbca676d", "java-sdk"},
		{"createSetSysConfigProposal(string,string,uint256)", "7a25132d", "cfe0a26c", "java-sdk"},
		{"createUpdateGovernorProposal(address,uint32,uint256)", "3234f0e6", "d2944439", "java-sdk"},
		{"createUpgradeVoteComputerProposal(address,uint256)", "7222b4a8", "44894656", "java-sdk"},
		{"voteProposal(uint256,bool)", "bcfb9b61", "5b5cc736", "java-sdk"},
		{"revokeProposal(uint256)", "85a6a091", "ba2de76c", "java-sdk"},
		{"getProposalType(uint256)", "d978ffba", "869328ad", "java-sdk"},
		{"isGovernor(address)", "e43581b8", "b5f23235", "java-sdk"},
		{"_committee()", "185c1587", "7bc85516", "java-sdk"},
		{"_proposalMgr()", "f675fdaa", "68baf8bd", "java-sdk"},
		{"setAccountStatus(address,uint8)", "0ad2b0a1", "ed424ccc", "java-sdk AccountManager.java"},
		// The genesis CommitteeManager calls the 3.x precompiled contracts:
		// AuthInitializer.h committeeBin pushes the keccak selectors below and
		// committeeSmBin the SM3 ones (PUSH4 operands in the bytecode).
		{"addSealer(string,uint256)", "35916856", "50f4c509", "AuthInitializer.h"},
		{"setWeight(string,uint256)", "ce6fa5c5", "9fdc9df8", "AuthInitializer.h"},
		{"setValueByKey(string,string)", "bd291aef", "0749b518", "AuthInitializer.h"},
		{"setDeployAuthType(uint8)", "bb0aa40c", "b0ca889b", "AuthInitializer.h"},
		{"openDeployAuth(address)", "61548099", "026a22fd", "AuthInitializer.h"},
		{"closeDeployAuth(address)", "56bd7084", "1a205251", "AuthInitializer.h"},
		{"resetAdmin(address,address)", "c53057b4", "02b3703b", "AuthInitializer.h"},
		// 2.x: go-sdk v1.0.0 precompiled/consensus/consensus.go and
		// precompiled/config/system_config.go ("binding the contract method
		// 0x…"; keccak only).
		{"addSealer(string)", "89152d1f", "", "go-sdk v1.0.0"},
		{"addObserver(string)", "2800efc0", "25e85d16", "go-sdk v1.0.0; SM3 from AuthInitializer.h committeeSmBin"},
		{"remove(string)", "80599e4b", "86b733f9", "go-sdk v1.0.0; SM3 from AuthInitializer.h committeeSmBin"},
	}
	for _, tt := range tests {
		t.Run(tt.sig, func(t *testing.T) {
			if got := Selector(tt.sig, false); hex.EncodeToString(got[:]) != tt.keccak {
				t.Errorf("Selector(%q, false) = %x, want %s (%s)", tt.sig, got, tt.keccak, tt.source)
			}
			if tt.sm3 == "" {
				return
			}
			if got := Selector(tt.sig, true); hex.EncodeToString(got[:]) != tt.sm3 {
				t.Errorf("Selector(%q, true) = %x, want %s (%s)", tt.sig, got, tt.sm3, tt.source)
			}
		})
	}
}

// TestRealTransaction decodes a real 2.x governance transaction: the
// addObserver call in block 3 shown by the go-sdk console's
// getBlockByNumber example, FISCO BCOS 2.5.0 (FISCO-BCOS-DOC branch
// release-3, commit 7de7543b, 2.x/docs/sdk/go_sdk/console.md; tx hash
// 0x5518df7c2063efeb6481c35c4c58f378fac5f476c023c2019b9b01d221478434). The
// node it names is the one getObserverList lists on the same page.
func TestRealTransaction(t *testing.T) {
	const input = "0x2800efc0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000803432616532616533393530613239333362366635373664633934366239306232343262376639613261386434356161653533633161313636346364353832626437353966613639653462353266376134353364636537303238373862396566313166643334666365316264313563396264636162636262656534336531333032"
	raw, err := hex.DecodeString(strings.TrimPrefix(input, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	c, ok, err := Decode(2, false, "0x0000000000000000000000000000000000001003", raw)
	if !ok || err != nil {
		t.Fatalf("Decode = ok %v, err %v", ok, err)
	}
	const want = "42ae2ae3950a2933b6f576dc946b90b242b7f9a2a8d45aae53c1a1664cd582bd759fa69e4b52f7a453dce702878b9ef11fd34fce1bd15c9bdcabcbbee43e1302"
	if got := fmt.Sprint(c.Contract, " ", c.Action, " ", c.Method, " ", c.NodeID); got != "consensus add-observer addObserver(string) "+want {
		t.Errorf("Decode = %s", got)
	}
}
