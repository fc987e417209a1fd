package main

import (
	"bytes"
	"math/big"
	"testing"
	"time"

	"github.com/FISCO-BCOS/crypto/elliptic"
	v1types "github.com/FISCO-BCOS/go-sdk/core/types"
	"github.com/FISCO-BCOS/go-sdk/v3/smcrypto"
	"github.com/FISCO-BCOS/go-sdk/v3/types"
	"github.com/TarsCloud/TarsGo/tars/protocol/codec"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

func testChain(t *testing.T, v3, gm bool) *Chain {
	t.Helper()
	cfg := Config{V3: v3, GM: gm, Group: "group0", GroupID: 1, ChainID: "chain0", ChainID2: 1, Sealers: 4, Accounts: 3,
		Seed: "test", Interval: time.Second, TxsPerBlk: 3, BulkBlocks: 6, BulkTxs: 20, DataDir: t.TempDir(),
		Gov: map[int64][]GovOp{3: {{Op: "addSealer", Node: 4, Weight: 1}}}}
	st, stored, err := openStore(cfg.DataDir, meta{V3: v3, GM: gm})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.close() })
	c, err := newChain(cfg, st, stored)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.bulk(); err != nil {
		t.Fatal(err)
	}
	return c
}

// sm2Verify checks an SM2 signature (r‖s) over msg by the 64-byte public
// key with the default user id.
func sm2Verify(pub, msg, sig []byte) bool {
	curve := elliptic.Sm2p256v1()
	n := curve.Params().N
	x, y := new(big.Int).SetBytes(pub[:32]), new(big.Int).SetBytes(pub[32:])
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:64])
	priv := smcryptoPub(x, y)
	zm, _ := smcrypto.SM2PreProcess(msg, "1234567812345678", priv)
	e := new(big.Int).SetBytes(suite{gm: true}.hash(zm))
	tt := new(big.Int).Add(r, s)
	tt.Mod(tt, n)
	x1, y1 := curve.ScalarBaseMult(s.Bytes())
	x2, y2 := curve.ScalarMult(x, y, tt.Bytes())
	rx, _ := curve.Add(x1, y1, x2, y2)
	rx.Add(rx, e).Mod(rx, n)
	return rx.Cmp(r) == 0
}

func verifySig(t *testing.T, gm bool, id, h, sig []byte) {
	t.Helper()
	if gm {
		if !sm2Verify(id, h, sig) {
			t.Errorf("SM2 signature %x does not verify", sig[:8])
		}
		return
	}
	pub, err := crypto.SigToPub(h, sig[:65])
	if err != nil || !bytes.Equal(crypto.FromECDSAPub(pub)[1:], id) {
		t.Errorf("secp256k1 signature by %x, want %x", crypto.FromECDSAPub(pub)[1:9], id[:8])
	}
}

func TestChain3(t *testing.T) {
	for _, gm := range []bool{false, true} {
		c := testChain(t, true, gm)
		for n := 1; n < len(c.blocks); n++ {
			b := c.blocks[n]
			if !bytes.Equal(b.ParentHash, c.blocks[n-1].Hash) {
				t.Errorf("block %d: parent hash mismatch", n)
			}
			var th, rh [][]byte
			for i := range b.Txs {
				tx := c.tarsTx(&b.Txs[i])
				// Decode the TARS bytes with go-sdk v3 and re-derive the hash.
				dec := &types.Transaction{SMCrypto: gm}
				if err := dec.ReadFrom(codec.NewReader(tx.Bytes())); err != nil {
					t.Fatal(err)
				}
				if h := dec.Hash(); !bytes.Equal(h[:], b.Txs[i].Hash) {
					t.Errorf("block %d tx %d: hash %x, want %x", n, i, h, b.Txs[i].Hash)
				}
				sig := b.Txs[i].Signature
				if gm {
					verifySig(t, gm, sig[64:], b.Txs[i].Hash, sig)
					if a := smcrypto.PubkeyToAddress(*smcryptoPub(new(big.Int).SetBytes(sig[64:96]), new(big.Int).SetBytes(sig[96:])).Public().(*smPub)); !bytes.Equal(a[:], b.Txs[i].From) {
						t.Errorf("sender mismatch")
					}
				} else {
					pub, _ := crypto.SigToPub(b.Txs[i].Hash, sig)
					if !bytes.Equal(crypto.PubkeyToAddress(*pub).Bytes(), b.Txs[i].From) {
						t.Errorf("block %d tx %d: sender mismatch", n, i)
					}
				}
				th, rh = append(th, b.Txs[i].Hash), append(rh, b.Receipts[i].Hash)
			}
			if !bytes.Equal(c.s.merkle3(th), b.TxsRoot) || !bytes.Equal(c.s.merkle3(rh), b.ReceiptsRoot) {
				t.Errorf("block %d: roots mismatch", n)
			}
			var w int64
			for _, s := range b.Sigs {
				verifySig(t, gm, b.SealerList[s.Index], b.Hash, s.Sig)
				w += b.Weights[s.Index]
			}
			if want := len(b.SealerList); n > 4 && want != 5 {
				t.Errorf("block %d: %d sealers after addSealer at 3, want 5", n, want)
			}
			if int(w)*3 <= len(b.SealerList)*2 {
				t.Errorf("block %d: signature weight %d of %d is below quorum", n, w, len(b.SealerList))
			}
		}
	}
}

func TestChain2(t *testing.T) {
	for _, gm := range []bool{false, true} {
		c := testChain(t, false, gm)
		for n := 1; n < len(c.blocks); n++ {
			b := c.blocks[n]
			var th [][]byte
			for i := range b.Txs {
				tx := new(v1types.Transaction)
				if err := rlp.DecodeBytes(b.Txs[i].RLP, tx); err != nil {
					t.Fatal(err)
				}
				if gm {
					// Rebuild unsigned with the GM flag to get SM3HashNonSig.
					bl, one := big.NewInt(b.Txs[i].BlockLimit), big.NewInt(1)
					if tx.To() == nil {
						tx = v1types.NewContractCreation(tx.Nonce(), tx.Value(), tx.Gas(), tx.GasPrice(), bl, tx.Data(), one, one, nil, true)
					} else {
						tx = v1types.NewTransaction(tx.Nonce(), *tx.To(), tx.Value(), tx.Gas(), tx.GasPrice(), bl, tx.Data(), one, one, nil, true)
					}
					verifySig(t, true, b.Txs[i].V, tx.SM3HashNonSig().Bytes(), b.Txs[i].Signature)
				} else {
					if h := tx.Hash(); !bytes.Equal(h[:], b.Txs[i].Hash) {
						t.Errorf("block %d tx %d: hash %x, want %x", n, i, h, b.Txs[i].Hash)
					}
					from, err := v1types.HomesteadSigner{}.Sender(tx)
					if err != nil || !bytes.Equal(from[:], b.Txs[i].From) {
						t.Errorf("block %d tx %d: sender %x, want %x (%v)", n, i, from, b.Txs[i].From, err)
					}
				}
				th = append(th, b.Txs[i].Hash)
			}
			if !bytes.Equal(c.s.root2(th), b.TxsRoot) {
				t.Errorf("block %d: transactionsRoot mismatch", n)
			}
			if !bytes.Equal(c.s.headerHash2(b), b.Hash) {
				t.Errorf("block %d: hash mismatch", n)
			}
			for _, s := range b.Sigs {
				verifySig(t, gm, b.SealerList[s.Index], b.Hash, s.Sig)
			}
		}
	}
}
