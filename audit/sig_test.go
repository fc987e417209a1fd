package audit

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
)

// TestSM2PreHash signs with a fixture SM2 key under each fork convention
// and checks that the first signature pins it and others then fail.
func TestSM2PreHash(t *testing.T) {
	k := loadKey(t, "fabric-gm-sm2", "peerOrganizations/org1.example.com/users/User1@org1.example.com")
	priv := k.priv.(*sm2.PrivateKey)
	m := []byte("payload bytes of an envelope")
	signAs := func(conv string) []byte {
		var pre []byte
		switch conv {
		case PreHashNone:
			pre = m
		case PreHashSM3:
			d := sm3.Sum(m)
			pre = d[:]
		case PreHashSHA256:
			d := sha256.Sum256(m)
			pre = d[:]
		}
		sig, err := sm2.SignASN1(rand.Reader, priv, pre, sm2.DefaultSM2SignerOpts)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	for _, conv := range preHashes {
		t.Run(conv, func(t *testing.T) {
			v := newVerifier("", DefaultKeyTables)
			s := v.signerOf(k.identity("Org1MSP"))
			if s.err != nil || !s.sm2 {
				t.Fatalf("signer = %+v", s)
			}
			if r := v.verify(s, m, signAs(conv)); !r.OK {
				t.Fatalf("verify(%s) = %+v, want OK", conv, r)
			}
			if v.PreHash() != conv {
				t.Errorf("PreHash() = %q, want %q", v.PreHash(), conv)
			}
			for _, other := range preHashes {
				if other != conv {
					if r := v.verify(s, m, signAs(other)); r.OK {
						t.Errorf("verify(%s) after pinning %s = OK, want failure", other, conv)
					}
				}
			}
			if r := v.verify(s, []byte("other"), signAs(conv)); r.OK {
				t.Errorf("verify(other message) = OK")
			}
			imposed := newVerifier(conv, DefaultKeyTables)
			if r := imposed.verify(imposed.signerOf(k.identity("Org1MSP")), m, signAs(conv)); !r.OK {
				t.Errorf("verify with imposed %s = %+v", conv, r)
			}
		})
	}
}

// TestHighS checks that the malleated twin of a valid ECDSA signature is
// flagged, and that repeated triples are verified once.
func TestHighS(t *testing.T) {
	k := loadKey(t, "fabric-2.5.9", "peerOrganizations/org1.example.com/users/User1@org1.example.com")
	m := []byte("message")
	low := k.sign(t, m)
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(low, &rs); err != nil {
		t.Fatal(err)
	}
	rs.S.Sub(k.priv.(*ecdsa.PrivateKey).Params().N, rs.S)
	high, err := asn1.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier("", DefaultKeyTables)
	s := v.signerOf(k.identity("Org1MSP"))
	tests := []struct {
		name      string
		sig       []byte
		ok, highS bool
		err       error
	}{
		{"low-S", low, true, false, nil},
		{"high-S twin", high, true, true, nil},
		{"low-S again", low, true, false, nil},
		{"trailing byte", append(append([]byte{}, low...), 0), false, false, ErrSignatureEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := v.verify(s, m, tt.sig)
			if r.OK != tt.ok || r.HighS != tt.highS || !errors.Is(r.Err, tt.err) {
				t.Errorf("verify = %+v, want ok %v highS %v err %v", r, tt.ok, tt.highS, tt.err)
			}
		})
	}
	if v.verifies.Load() != 2 || v.reused.Load() != 1 {
		t.Errorf("verifies %d reused %d, want 2 and 1", v.verifies.Load(), v.reused.Load())
	}
}

func TestParseDERSignature(t *testing.T) {
	tests := []struct {
		name string
		sig  []byte
		r, s []byte
		ok   bool
	}{
		{"minimal", []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, []byte{1}, []byte{2}, true},
		{"sign byte", []byte{0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x02}, []byte{0x80}, []byte{2}, true},
		{"padded", []byte{0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x02}, nil, nil, false},
		{"negative", []byte{0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x02}, nil, nil, false},
		{"zero", []byte{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02}, nil, nil, false},
		{"long form for short length", []byte{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, nil, nil, false},
		{"truncated", []byte{0x30, 0x06, 0x02, 0x01, 0x01}, nil, nil, false},
		{"third integer", []byte{0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03}, nil, nil, false},
		{"empty", nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, s, err := parseDERSignature(tt.sig)
			if (err == nil) != tt.ok || string(r) != string(tt.r) || string(s) != string(tt.s) {
				t.Errorf("parseDERSignature(%x) = %x, %x, %v; want %x, %x, ok %v", tt.sig, r, s, err, tt.r, tt.s, tt.ok)
			}
		})
	}
}

// FuzzParseDERSignature checks that what the strict parser accepts is
// exactly the DER encoding of its two integers.
func FuzzParseDERSignature(f *testing.F) {
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02})
	f.Add([]byte{0x30, 0x81, 0x80})
	f.Fuzz(func(t *testing.T, sig []byte) {
		r, s, err := parseDERSignature(sig)
		if err != nil {
			return
		}
		again, merr := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
		if merr != nil || string(again) != string(sig) {
			t.Fatalf("accepted %x, which is not the DER of r=%x s=%x (%x)", sig, r, s, again)
		}
	})
}

// TestVerifierTables verifies many signatures of one hot signer per
// curve, valid and corrupted, with and without per-key tables: the
// verdicts agree, and the hot signer's later signatures use its table.
func TestVerifierTables(t *testing.T) {
	for _, tt := range []struct {
		name, dir string
		gm        bool
	}{
		{"ECDSA", "fabric-2.5.9", false},
		{"SM2", "fabric-gm-sm2", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := loadKey(t, tt.dir, "peerOrganizations/org1.example.com/peers/peer0.org1.example.com")
			tabled, plain := newVerifier(PreHashNone, DefaultKeyTables), newVerifier(PreHashNone, -1)
			ts, ps := tabled.signerOf(k.identity("Org1MSP")), plain.signerOf(k.identity("Org1MSP"))
			const n = 3 * hotUses
			for i := range n {
				m := []byte{byte(i), byte(i >> 8), 'm'}
				sig := k.sign(t, m)
				switch i % 3 {
				case 1:
					m = append(m, 'x') // another message
				case 2:
					sig = append([]byte{}, sig...)
					sig[len(sig)-1] ^= 1 // a changed s
				}
				a, b := tabled.verify(ts, m, sig), plain.verify(ps, m, sig)
				if a.OK != b.OK || a.HighS != b.HighS || (a.Err == nil) != (b.Err == nil) {
					t.Fatalf("signature %d: with tables %+v, without %+v", i, a, b)
				}
				if a.OK != (i%3 == 0) {
					t.Fatalf("signature %d: OK = %v", i, a.OK)
				}
			}
			if got := tabled.tabled.Load(); got < n-hotUses-1 {
				t.Errorf("%d of %d verifications used the table, want at least %d", got, n, n-hotUses-1)
			}
			if plain.tabled.Load() != 0 || tabled.tables.Load() != 1 {
				t.Errorf("plain verifier used %d tables; tabled verifier holds %d, want 1", plain.tabled.Load(), tabled.tables.Load())
			}
		})
	}
}
