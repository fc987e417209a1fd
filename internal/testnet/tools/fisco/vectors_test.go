package main

import (
	"bufio"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"

	v1types "github.com/FISCO-BCOS/go-sdk/core/types"
	"github.com/FISCO-BCOS/go-sdk/v3/types"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// TestReferenceVectors writes signed transactions built with FISCO's own
// Go SDK code (go-sdk v3 TARS transactions, go-sdk v1 RLP transactions)
// with random fields, one per line as "LINE GM HEX HASH FROM", to the
// file named by LIANJIAN_REF_OUT. Lianjian's ledger/fisco tests check that
// it decodes each, recomputes the SDK's hash and derives the SDK signer.
// Without the variable it builds a few and checks they round-trip.
func TestReferenceVectors(t *testing.T) {
	out := os.Getenv("LIANJIAN_REF_OUT")
	n := 5
	var w *bufio.Writer
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w = bufio.NewWriter(f)
		defer w.Flush()
		fmt.Fprintln(w, "# Signed with FISCO go-sdk v3.0.2 (3) and go-sdk v1.0.0 (2) code and TEST keys; written by")
		fmt.Fprintln(w, "# LIANJIAN_REF_OUT=... go test -run TestReferenceVectors in internal/testnet/tools/fisco.")
		n = 60
	}
	rng := rand.New(rand.NewPCG(13, 17))
	for _, gm := range []bool{false, true} {
		s := suite{gm: gm}
		for i := range n {
			k, err := s.deriveKey("vectors", "account", i%5)
			if err != nil {
				t.Fatal(err)
			}
			raw3, h3 := vector3(t, s, k, rng)
			raw2, h2 := vector2(t, s, k, rng)
			if w != nil {
				fmt.Fprintf(w, "3 %v %x %x %x\n", gm, raw3, h3, k.addr)
				fmt.Fprintf(w, "2 %v %x %x %x\n", gm, raw2, h2, k.addr)
			}
		}
	}
}

func randString(rng *rand.Rand, alphabet string, max int) string {
	b := make([]byte, rng.IntN(max+1))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func randBytes(rng *rand.Rand, max int) []byte {
	b := make([]byte, rng.IntN(max+1))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// vector3 builds and signs one 3.x transaction with go-sdk v3.
func vector3(t *testing.T, s suite, k *key, rng *rand.Rand) ([]byte, []byte) {
	var to *common.Address
	if rng.IntN(4) > 0 {
		a := common.BytesToAddress(randBytes(rng, 20))
		to = &a
	}
	tx := &types.Transaction{SMCrypto: s.gm, Data: types.TransactionData{
		ChainID: randString(rng, "abcxyz0123_", 12), GroupID: randString(rng, "group0123", 10),
		BlockLimit: rng.Int64N(1 << 40), Nonce: randString(rng, "0123456789abcdef", 40), To: to,
		Input: randBytes(rng, 600), Abi: randString(rng, `[]{}":,abc`, 30),
	}}
	h := tx.Hash()
	sig, err := s.sign(k, h[:], true)
	if err != nil {
		t.Fatal(err)
	}
	from := common.BytesToAddress(k.addr)
	tx.DataHash, tx.Signature, tx.Sender = &h, sig, &from
	tx.ImportTime = rng.Int64N(1 << 42)
	return tx.Bytes(), h[:]
}

// vector2 builds and signs one 2.x transaction with go-sdk v1.
func vector2(t *testing.T, s suite, k *key, rng *rand.Rand) ([]byte, []byte) {
	nonce := new(big.Int).SetBytes(randBytes(rng, 32))
	bl := big.NewInt(rng.Int64N(1 << 30))
	input := randBytes(rng, 600)
	var tx *v1types.Transaction
	if rng.IntN(4) == 0 {
		tx = v1types.NewContractCreation(nonce, big.NewInt(rng.Int64N(1000)), big.NewInt(30000000), big.NewInt(30000000), bl, input, big.NewInt(1), big.NewInt(1+rng.Int64N(5)), nil, s.gm)
	} else {
		tx = v1types.NewTransaction(nonce, common.BytesToAddress(randBytes(rng, 20)), big.NewInt(rng.Int64N(1000)), big.NewInt(30000000), big.NewInt(30000000), bl, input, big.NewInt(1), big.NewInt(1+rng.Int64N(5)), nil, s.gm)
	}
	var signed *v1types.Transaction
	var err error
	if s.gm {
		h := tx.SM3HashNonSig()
		sig, err := s.sign(k, h[:], true)
		if err != nil {
			t.Fatal(err)
		}
		signed, err = tx.WithSM2Signature(v1types.HomesteadSigner{}, sig)
		if err != nil {
			t.Fatal(err)
		}
	} else if signed, err = v1types.SignTx(tx, v1types.HomesteadSigner{}, k.secp); err != nil {
		t.Fatal(err)
	}
	raw, err := rlp.EncodeToBytes(signed)
	if err != nil {
		t.Fatal(err)
	}
	h := signed.Hash()
	return raw, h[:]
}
