package fisco

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// readHex reads a fixture of hex text.
func readHex(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// TestRealTARSTransactions pins what Lianjian derives from real signed
// 3.x transactions (go-sdk v3.0.2 types/transaction_test.go, see
// testdata/real/README.md): the field hash equals the carried dataHash,
// the signature verifies, and the sender is the same account for the
// deployment and the call.
func TestRealTARSTransactions(t *testing.T) {
	cases := []struct {
		file  string
		suite Suite
		hash  string
		from  string
		to    string
	}{
		{"v3/gm/tx-helloworld-deploy", SuiteGM, "99f8ac271b22847c54a93e1cecf82c9b017430aafb0364c7d3fe76093ba051f8", "0x69a69e8cca296d8def216820cd76ded88a3f4215", ""},
		{"v3/gm/tx-helloworld-set", SuiteGM, "db9d06a9258d4e8dbbe490a4f4c3f0bfa4fe8aa783ad77c2720c749410ee9bca", "0x69a69e8cca296d8def216820cd76ded88a3f4215", "0xc0523dbdd94ba27e14b0336d799489340ca24cdf"},
		{"v3/nongm/tx-helloworld-deploy", SuiteStandard, "7e9f0440919e2bd719e29cc512b8ed364a7ce81091d460ea31272106424e93e0", "0xfbb18d54e9ee57529cda8c7c52242efe879f064f", ""},
		{"v3/nongm/tx-helloworld-set", SuiteStandard, "b1e82e9052f066250532968bf9ad3a05f19dba10291089a27cea931ddfc8e9b5", "0xfbb18d54e9ee57529cda8c7c52242efe879f064f", "0xa6cdc4fed96bbf8c9c013cc19200b3c8ba95c93e"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			v, err := NewVerifier(Config{Chain: "c"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.VerifyRawTx(readHex(t, "testdata/real/"+c.file+".tars.hex"))
			if err != nil {
				t.Fatal(err)
			}
			if v.Suite() != c.suite {
				t.Errorf("suite = %v, want %v", v.Suite(), c.suite)
			}
			if len(got.Findings) != 0 {
				t.Errorf("findings on real data: %+v", got.Findings)
			}
			if got.Tx.ID != c.hash || got.Tx.From != c.from || got.Tx.To != c.to {
				t.Errorf("VerifyRawTx = id %s from %s to %s, want %s %s %s", got.Tx.ID, got.Tx.From, got.Tx.To, c.hash, c.from, c.to)
			}
			if got.Tx.Verdict.Status != "verified" {
				t.Errorf("verdict = %+v", got.Tx.Verdict)
			}
		})
	}
}

// TestTamperedTARSTransaction flips each byte of the input region of a
// real transaction: the hash or the signature check must fail, never both
// pass.
func TestTamperedTARSTransaction(t *testing.T) {
	for _, file := range []string{"v3/gm/tx-helloworld-set", "v3/nongm/tx-helloworld-set"} {
		raw := readHex(t, "testdata/real/"+file+".tars.hex")
		caught, decoded := 0, 0
		for i := 0; i < len(raw); i++ {
			bad := append([]byte(nil), raw...)
			bad[i] ^= 0x01
			v, _ := NewVerifier(Config{Chain: "c"})
			got, err := v.VerifyRawTx(bad)
			if err != nil {
				continue // does not decode: a clear error, also caught
			}
			decoded++
			if len(got.Findings) > 0 {
				caught++
				continue
			}
			// Bytes outside what is hashed or signed (import time,
			// attribute, extra data) may change without a finding; the
			// hash and sender must then be the original ones.
			if got.Tx.ID != hex.EncodeToString(mustTx(t, raw).Hash.b) {
				t.Errorf("%s: flip at %d changed the transaction id to %s without a finding", file, i, got.Tx.ID)
			}
		}
		if caught == 0 {
			t.Errorf("%s: no tampering caught out of %d decodable flips", file, decoded)
		}
	}
}

func mustTx(t *testing.T, raw []byte) *tx3 {
	t.Helper()
	tx, err := decodeTx3(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestBareTransactionData reads the go-sdk's real TransactionData-only
// vectors (the *_TX_DATA_GM / *_TX_DATA constants): each must decode, not
// be refused as malformed, hash to the dataHash its signed transaction
// carries, and say that its signature cannot be checked.
func TestBareTransactionData(t *testing.T) {
	for _, c := range []struct {
		file  string
		suite Suite
	}{
		{"v3/gm/tx-helloworld-deploy", SuiteGM}, {"v3/gm/tx-helloworld-set", SuiteGM},
		{"v3/nongm/tx-helloworld-deploy", SuiteStandard}, {"v3/nongm/tx-helloworld-set", SuiteStandard},
	} {
		t.Run(c.file, func(t *testing.T) {
			signed, err := decodeTx3(readHex(t, "testdata/real/"+c.file+".tars.hex"))
			if err != nil {
				t.Fatal(err)
			}
			v, _ := NewVerifier(Config{Chain: "c", Suite: c.suite})
			got, err := v.VerifyRawTx(readHex(t, "testdata/real/"+c.file+".txdata.tars.hex"))
			if err != nil {
				t.Fatalf("bare transaction data refused: %v", err)
			}
			if got.Tx.ID != hx(signed.Hash.b) {
				t.Errorf("hash of the bare data = %s, the signed transaction carries %x", got.Tx.ID, signed.Hash.b)
			}
			if len(got.Findings) != 1 || got.Findings[0].Rule != RuleNotVerifiable.ID {
				t.Errorf("findings = %+v, want one %s", got.Findings, RuleNotVerifiable.ID)
			}
		})
	}
}
