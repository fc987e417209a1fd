package audit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger/fabric"
)

// The tests edit Fabric protobufs at the wire level (Fabric's generated
// types stay behind ledger/fabric). Field numbers used:
//
//	Block{1 header{1 number, 2 previous_hash, 3 data_hash}, 2 data{1 data*}, 3 metadata{1 metadata*}}
//	Envelope{1 payload, 2 signature}
//	Payload{1 header{1 channel_header, 2 signature_header}, 2 data}
//	SignatureHeader{1 creator, 2 nonce}; SerializedIdentity{1 mspid, 2 id_bytes}
//	Transaction{1 actions*}; TransactionAction{1 header, 2 payload}
//	ChaincodeActionPayload{1 proposal_payload, 2 action{1 proposal_response_payload, 2 endorsements*}}
//	Metadata{1 value, 2 signatures*{1 signature_header, 2 signature, 3 identifier_header}}

// sel selects the idx-th occurrence of bytes field num.
type sel struct {
	num protowire.Number
	idx int
}

// Common paths.
var (
	pHeader   = sel{1, 0}
	pPrevHash = sel{2, 0}
	pDataHash = sel{3, 0}
	pPayload  = sel{1, 0}
	pEnvSig   = sel{2, 0}
)

func pData(i int) []sel     { return []sel{{2, 0}, {1, i}} }
func pMetadata(i int) []sel { return []sel{{3, 0}, {1, i}} }

// fieldSpan finds the idx-th bytes field num of msg.
func fieldSpan(t testing.TB, msg []byte, s sel) (val []byte, start, end int) {
	t.Helper()
	seen := 0
	for off := 0; off < len(msg); {
		num, typ, n := protowire.ConsumeTag(msg[off:])
		if n < 0 {
			t.Fatalf("bad tag at %d", off)
		}
		m := protowire.ConsumeFieldValue(num, typ, msg[off+n:])
		if m < 0 {
			t.Fatalf("bad field %d at %d", num, off)
		}
		if num == s.num && typ == protowire.BytesType {
			if seen == s.idx {
				v, _ := protowire.ConsumeBytes(msg[off+n:])
				return v, off, off + n + m
			}
			seen++
		}
		off += n + m
	}
	t.Fatalf("field %d#%d not found", s.num, s.idx)
	return nil, 0, 0
}

// get returns the bytes at path.
func get(t testing.TB, msg []byte, path ...sel) []byte {
	t.Helper()
	for _, s := range path {
		msg, _, _ = fieldSpan(t, msg, s)
	}
	return msg
}

// set returns msg with the bytes at path replaced by val.
func set(t testing.TB, msg, val []byte, path ...sel) []byte {
	t.Helper()
	if len(path) == 0 {
		return val
	}
	inner, start, end := fieldSpan(t, msg, path[0])
	nv := set(t, inner, val, path[1:]...)
	out := append([]byte{}, msg[:start]...)
	out = protowire.AppendTag(out, path[0].num, protowire.BytesType)
	out = protowire.AppendBytes(out, nv)
	return append(out, msg[end:]...)
}

// fixDataHash recomputes a block's SHA-256 data hash after its envelopes
// changed, as a forger would.
func fixDataHash(t testing.TB, block []byte) []byte {
	t.Helper()
	h := sha256.New()
	data := get(t, block, sel{2, 0})
	for off := 0; off < len(data); {
		_, _, n := protowire.ConsumeTag(data[off:])
		v, m := protowire.ConsumeBytes(data[off+n:])
		h.Write(v)
		off += n + m
	}
	return set(t, block, h.Sum(nil), pHeader, pDataHash)
}

// msg builds a message from (field, bytes) pairs.
func msg(fields ...any) []byte {
	var out []byte
	for i := 0; i+1 < len(fields); i += 2 {
		out = protowire.AppendTag(out, protowire.Number(fields[i].(int)), protowire.BytesType)
		out = protowire.AppendBytes(out, fields[i+1].([]byte))
	}
	return out
}

// key is a test signing identity: its certificate PEM and private key.
type key struct {
	cert []byte
	priv crypto.Signer
}

// loadKey reads a cryptogen identity (msp/signcerts and msp/keystore).
func loadKey(t testing.TB, network, dir string) key {
	t.Helper()
	return loadMSPKey(t, filepath.Join(fixtures, network, "crypto", dir, "msp"))
}

// loadMSPKey reads the identity of a cryptogen msp directory.
func loadMSPKey(t testing.TB, base string) key {
	t.Helper()
	certs, _ := filepath.Glob(filepath.Join(base, "signcerts", "*.pem"))
	if len(certs) != 1 {
		t.Fatalf("no certificate in %s", base)
	}
	cert, err := os.ReadFile(certs[0])
	if err != nil {
		t.Fatal(err)
	}
	kp, err := os.ReadFile(filepath.Join(base, "keystore", "priv_sk"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(kp)
	if blk == nil {
		t.Fatalf("no PEM key in %s", base)
	}
	priv, err := smx509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key{cert: cert, priv: priv.(crypto.Signer)}
}

// newKey makes a self-signed identity unknown to any MSP, of the same
// algorithm as the network's.
func newKey(t testing.TB, gm bool, ou string) key {
	t.Helper()
	var priv crypto.Signer
	var err error
	if gm {
		priv, err = sm2.GenerateKey(rand.Reader)
	} else {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "intruder", OrganizationalUnit: []string{ou}},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		t.Fatal(err)
	}
	return key{cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), priv: priv}
}

// identity marshals a SerializedIdentity of k under mspID.
func (k key) identity(mspID string) []byte { return msg(1, []byte(mspID), 2, k.cert) }

// sign signs m as Fabric does: SM2 with the default user id and no
// pre-hash, or ECDSA P-256 over SHA-256 with low S.
func (k key) sign(t testing.TB, m []byte) []byte {
	t.Helper()
	switch p := k.priv.(type) {
	case *sm2.PrivateKey:
		sig, err := sm2.SignASN1(rand.Reader, p, m, sm2.DefaultSM2SignerOpts)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	case *ecdsa.PrivateKey:
		d := sha256.Sum256(m)
		r, s, err := ecdsa.Sign(rand.Reader, p, d[:])
		if err != nil {
			t.Fatal(err)
		}
		if s.Cmp(p256HalfOrder) > 0 {
			s.Sub(p.Params().N, s)
		}
		sig, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	t.Fatalf("unsupported key %T", k.priv)
	return nil
}

// resignEnvelope replaces the envelope signature by k's over its payload.
func resignEnvelope(t testing.TB, env []byte, k key) []byte {
	t.Helper()
	return set(t, env, k.sign(t, get(t, env, pPayload)), pEnvSig)
}

// headerBytes returns the ASN.1 header orderer signatures cover.
func headerBytes(t testing.TB, block []byte) []byte {
	t.Helper()
	h := get(t, block, pHeader)
	var number uint64
	for off := 0; off < len(h); {
		num, typ, n := protowire.ConsumeTag(h[off:])
		if num == 1 && typ == protowire.VarintType {
			number, _ = protowire.ConsumeVarint(h[off+n:])
		}
		off += n + protowire.ConsumeFieldValue(num, typ, h[off+n:])
	}
	return fabric.HeaderBytes(number, get(t, h, pPrevHash), get(t, h, pDataHash))
}
