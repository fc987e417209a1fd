package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/ledgertest"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// Fixture chains and the values tests look them up by.
const (
	evmChain   = "evm-dev"
	fabChain   = "fab-gm"
	emptyChain = "empty"
	fisChain   = "fisco-gm"
	fixEVMAddr = "0x00000000000000000000000000000000000000aa"
	fixFabCC   = "basic"
)

var fixT0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// fixHash returns a deterministic 32-byte hash for a label.
func fixHash(label string) []byte {
	h := sha256.Sum256([]byte(label))
	return h[:]
}

func fixTxID(label string) string { return hex.EncodeToString(fixHash("tx/" + label)) }

// fiscoTxID is the id of transaction idx at height h of the FISCO fixture
// chain (ledgertest.FiscoChain).
func fiscoTxID(h uint64, idx int) string {
	return hex.EncodeToString(ledgertest.Hash(fmt.Sprintf("%s/main/%d/%d", fisChain, h, idx)))
}

var fixRules = []*ledger.RuleInfo{
	{
		ID: "INT-HEADER-HASH", Title: "Block header hash mismatch", Doc: "The recomputed header hash differs from the served one.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{"GB/T 42570-2023 7.3"},
	},
	{
		ID: "CRY-WEAK-ALGO", Title: "Non-GM signature on a GM chain", Doc: "A signature uses an algorithm outside the chain's declared profile.",
		Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{"GM/T 0111-2021 6.2"},
	},
}

// evmBlocks builds blocks 0..n-1 of the EVM fixture chain on a fork.
func evmBlocks(fork string, from uint64, n int, parent []byte) []*ledger.Block {
	var out []*ledger.Block
	for i := 0; i < n; i++ {
		h := from + uint64(i)
		b := &ledger.Block{
			Chain: evmChain, Height: h, Hash: fixHash(fmt.Sprintf("%s/%s/%d", evmChain, fork, h)),
			ParentHash: parent, DataHash: fixHash(fmt.Sprintf("txroot/%d", h)), StateRoot: fixHash(fmt.Sprintf("state/%d", h)),
			Time: fixT0.Add(time.Duration(h) * 12 * time.Second), Proposer: "0x00000000000000000000000000000000000000c0",
			GasUsed: 42000, GasLimit: 30_000_000, BaseFee: "1000000000",
			Raw: []byte{0xf9, 0x02, byte(h)},
		}
		b.Verdict.Add("header-hash", true, "")
		sender := "0x00000000000000000000000000000000000000" + fmt.Sprintf("%02x", h+1)
		tx := ledger.Tx{
			ID: fixTxID(fmt.Sprintf("%s/%d/0", fork, h)), Chain: evmChain, Height: h, Index: 0, Type: "dynamic-fee",
			Time: b.Time, From: sender, To: fixEVMAddr, Function: "0xa9059cbb",
			Value: "1000000000000000000000", Nonce: h, Gas: 21000, GasUsed: 21000, GasPrice: "1000000007",
			Status: "success", Valid: true,
			Logs: []ledger.Log{{Address: fixEVMAddr, Topics: []string{"0x" + hex.EncodeToString(fixHash("Transfer"))}, Data: []byte{1, 2}, Index: 0}},
			Sigs: []ledger.Signature{{
				Role: "sender", Signer: ledger.Identity{Address: sender, KeyAlgorithm: "secp256k1"},
				Algorithm: "secp256k1-keccak", Value: fixHash("sig/" + sender),
			}},
			Raw: []byte{0x02, 0xf8, byte(h)},
		}
		tx.Sigs[0].Verdict.Add("recover", true, "recovered "+sender)
		tx.Verdict.Add("sender", true, "")
		b.Txs = append(b.Txs, tx)
		if h == 1 {
			create := ledger.Tx{
				ID: fixTxID(fmt.Sprintf("%s/%d/1", fork, h)), Chain: evmChain, Height: h, Index: 1, Type: "legacy",
				Time: b.Time, From: sender, Contract: fixEVMAddr, Nonce: 7, Gas: 500000, GasUsed: 300000,
				GasPrice: "1000000007", Status: "success", Valid: true,
			}
			create.Verdict.Add("sender", false, "unprotected legacy transaction")
			b.Txs = append(b.Txs, create)
			b.Contracts = []ledger.Contract{{
				Chain: evmChain, Address: fixEVMAddr, Creator: sender, DeployTx: create.ID, Height: h,
				Time: b.Time, CodeHash: fixHash("code"), Code: []byte{0x60, 0x80, 0x60, 0x40},
			}}
			f := ledger.NewFinding(fixRules[0], evmChain, ledger.Subject{Kind: "block", Ref: hex.EncodeToString(b.Hash), Height: h},
				b.Time, "header hash mismatch", map[string]string{"served": "0x01"})
			b.Findings = append(b.Findings, f)
		}
		out = append(out, b)
		parent = b.Hash
	}
	return out
}

// fabBlocks builds a config block and an endorser block of the Fabric
// fixture chain.
func fabBlocks() []*ledger.Block {
	cfg := &ledger.Block{
		Chain: fabChain, Height: 0, Hash: fixHash("fab/0"), DataHash: fixHash("fab/data/0"),
		Time: fixT0, Fabric: &ledger.FabricBlock{Channel: "mychannel", IsConfig: true, OrdererType: "etcdraft", HeaderHashAlgo: "SM3"},
		Config: &ledger.Config{
			Channel: "mychannel", Height: 0, Sequence: 1, Time: fixT0, HashingAlgo: "SM3",
			Capabilities: map[string][]string{"Channel": {"V2_0"}}, OrdererType: "etcdraft",
			Consenters: []ledger.Consenter{{Host: "127.0.0.1", Port: 7050, MSPID: "OrdererMSP"}},
			Batch:      ledger.BatchConfig{Timeout: "2s", MaxMessageCount: 10, AbsoluteMaxBytes: 103809024, PreferredMaxBytes: 524288},
			MSPs: []ledger.MSP{{
				ID: "Org1MSP", Group: "Application", Org: "Org1", RootCerts: [][]byte{{0x30, 0x03, 0x02, 0x01, 0x01}},
				NodeOUs: &ledger.NodeOUs{Enabled: true}, SigningAlgo: "SM2",
			}},
			Policies: []ledger.Policy{
				{Path: "/Channel/Application/Writers", Type: "ImplicitMeta", Rule: "ANY Writers"},
				{Path: "/Channel/Application/Admins", Type: "ImplicitMeta", Rule: "MAJORITY Admins"},
			},
		},
	}
	cfg.Verdict.Add("data-hash", true, "")
	creator := ledger.Identity{
		MSPID: "Org1MSP", Subject: "CN=User1@org1.example.com", Issuer: "CN=ca.org1.example.com",
		Serial: "1f", Fingerprint: hex.EncodeToString(fixHash("cert/user1")), KeyAlgorithm: "SM2",
		NotBefore: fixT0.Add(-24 * time.Hour), NotAfter: fixT0.Add(365 * 24 * time.Hour),
		Cert: []byte{0x30, 0x03, 0x02, 0x01, 0x02},
	}
	b := &ledger.Block{
		Chain: fabChain, Height: 1, Hash: fixHash("fab/1"), ParentHash: cfg.Hash, DataHash: fixHash("fab/data/1"),
		Time: fixT0.Add(time.Minute), Fabric: &ledger.FabricBlock{Channel: "mychannel", LastConfig: 0, TxFilter: []byte{0}},
		Signatures: []ledger.Signature{{Role: "orderer", Signer: ledger.Identity{MSPID: "OrdererMSP", KeyAlgorithm: "SM2"}, Algorithm: "SM2-SM3", Value: []byte{0xab}}},
	}
	b.Signatures[0].Verdict.Add("sm2-verify", true, "")
	tx := ledger.Tx{
		ID: fixTxID("fab/1/0"), Chain: fabChain, Height: 1, Index: 0, Type: "ENDORSER_TRANSACTION",
		Time: b.Time, Creator: &creator, Contract: fixFabCC, Function: "CreateAsset", Status: "VALID", Valid: true,
		Sigs: []ledger.Signature{
			{Role: "creator", Signer: creator, Algorithm: "SM2-SM3", Value: []byte{0x30, 0x44}},
			{Role: "endorser", Signer: ledger.Identity{MSPID: "Org1MSP", Subject: "CN=peer0.org1.example.com"}, Algorithm: "SM2-SM3", Value: []byte{0x30, 0x45}},
		},
		Fabric: &ledger.FabricTx{
			Channel: "mychannel", HeaderType: "ENDORSER_TRANSACTION", Nonce: []byte{1, 2, 3}, Chaincode: fixFabCC, ChaincodeVersion: "1.0",
			Args: [][]byte{[]byte("asset1")},
			RWSets: []ledger.NsRWSet{{
				Namespace: fixFabCC, Reads: []ledger.KVRead{{Key: "asset1", Missing: true}},
				Writes:     []ledger.KVWrite{{Key: "asset1", Value: []byte(`{"id":"asset1"}`)}},
				MetaWrites: []ledger.KVMetaWrite{{Key: "asset1", Entries: []ledger.MetaEntry{{Name: "VALIDATION_PARAMETER", Value: []byte{9}}}}},
			}},
			Events:   []ledger.FabricEvent{{Chaincode: fixFabCC, TxID: fixTxID("fab/1/0"), Name: "Created", Payload: []byte("x")}},
			Response: &ledger.Response{Status: 200},
		},
		Raw: []byte{0x0a, 0x01},
	}
	tx.Sigs[0].Verdict.Add("sm2-verify", true, "")
	tx.Sigs[1].Verdict.Add("sm2-verify", false, "signature does not verify")
	tx.Verdict.Add("creator-signature", true, "")
	tx.Verdict.Add("endorsement", false, "endorser signature does not verify")
	b.Txs = []ledger.Tx{tx}
	b.Contracts = []ledger.Contract{{
		Chain: fabChain, Address: fixFabCC, Version: "1.0", Sequence: 1, Creator: "Org1MSP", DeployTx: tx.ID,
		Height: 1, Time: b.Time, Policy: "OR('Org1MSP.peer')", Collections: []string{"private"},
	}}
	b.Verdict.Add("orderer-signature", true, "")
	b.Findings = []ledger.Finding{
		ledger.NewFinding(fixRules[1], fabChain, ledger.Subject{Kind: "tx", Ref: tx.ID, Height: 1, Org: "Org1MSP"},
			b.Time, "endorsement signature does not verify", nil),
	}
	return []*ledger.Block{cfg, b}
}

// populate fills a store with the fixture: an EVM chain of 5 blocks that
// went through a reorg at height 3, a Fabric GM chain of 2 blocks, an
// empty chain and a FISCO BCOS GM chain of 6 blocks with two governance
// calls (ledgertest.FiscoChain), with findings.
func populate(t testing.TB, st ledger.Store) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []ledger.Chain{
		{ID: evmChain, Kind: ledger.KindEVM, Name: "geth dev", Crypto: ledger.CryptoIntl, ChainID: 1337},
		{ID: fabChain, Kind: ledger.KindFabric, Network: "gm-net", Channel: "mychannel", Crypto: ledger.CryptoGM},
		{ID: emptyChain, Kind: ledger.KindEVM, Crypto: ledger.CryptoIntl},
		{ID: fisChain, Kind: ledger.KindFisco, Name: "FISCO BCOS 3.x", Crypto: ledger.CryptoGM, Group: "group0"},
	} {
		if err := st.PutChain(ctx, c); err != nil {
			t.Fatalf("PutChain(%s) = %v", c.ID, err)
		}
	}
	old := evmBlocks("old", 0, 4, nil)
	for _, b := range old {
		if err := st.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%s %d) = %v", b.Chain, b.Height, err)
		}
	}
	if err := st.Rollback(ctx, ledger.Reorg{
		Chain: evmChain, Ancestor: 2, Depth: 1, OldHashes: [][]byte{old[3].Hash},
		NewHashes: [][]byte{fixHash(evmChain + "/new/3")}, Time: fixT0.Add(time.Hour),
	}); err != nil {
		t.Fatalf("Rollback = %v", err)
	}
	for _, b := range evmBlocks("new", 3, 2, old[2].Hash) {
		if err := st.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%s %d) = %v", b.Chain, b.Height, err)
		}
	}
	for _, b := range fabBlocks() {
		if err := st.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%s %d) = %v", b.Chain, b.Height, err)
		}
	}
	for _, b := range ledgertest.FiscoChain(fisChain, "main", 0, 6, nil) {
		if err := st.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%s %d) = %v", b.Chain, b.Height, err)
		}
	}
	var extra []ledger.Finding
	for i := range 5 {
		extra = append(extra, ledger.NewFinding(fixRules[1], evmChain,
			ledger.Subject{Kind: "identity", Ref: fmt.Sprintf("0x%040x", i)}, fixT0.Add(time.Duration(i)*time.Hour),
			"legacy signature", nil))
	}
	if err := st.PutFindings(ctx, extra); err != nil {
		t.Fatalf("PutFindings = %v", err)
	}
	if ts, ok := st.(TokenStore); ok {
		tok := supervise.Token{ID: fixTokenID, Name: "fixture", Role: supervise.RoleAuditor, Hash: supervise.HashSecret("x"), Created: fixT0}
		if err := ts.PutToken(ctx, tok); err != nil {
			t.Fatalf("PutToken = %v", err)
		}
	}
}

// fixTokenID is the id of a stored token that the tests may revoke.
const fixTokenID = "00000000000000aa"

// openIndex opens an index filled with the fixture: on badger in dir
// when dir is set, else on the memory backend.
func openIndex(t testing.TB, dir string) *index.DB {
	t.Helper()
	db, err := index.OpenMemory(index.Options{})
	if dir != "" {
		db, err = index.Open(dir, index.Options{})
	}
	if err != nil {
		t.Fatalf("index.Open = %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	})
	populate(t, db)
	return db
}

// heads is a fixed HeadReporter.
type heads map[string]uint64

func (h heads) Head(chain string) (uint64, bool) {
	v, ok := h[chain]
	return v, ok
}

// newTestServer builds a server over idx with the fixture's heads and
// rules.
func newTestServer(t testing.TB, cfg Config, idx Index, auth Authenticator) *Server {
	t.Helper()
	s, err := New(cfg, Deps{
		Index: idx, Heads: heads{evmChain: 10}, Auth: auth,
		Rules: func() []*ledger.RuleInfo { return fixRules },
	})
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	return s
}

// newTextLogger logs to w at debug level.
func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
