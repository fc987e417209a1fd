package fabric

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// envelopeBytes marshals an envelope's top-level fields, each a field
// number and its bytes, in the order given.
func envelopeBytes(fields ...any) []byte {
	var out []byte
	for i := 0; i+1 < len(fields); i += 2 {
		out = protowire.AppendTag(out, protowire.Number(fields[i].(int)), protowire.BytesType)
		out = protowire.AppendBytes(out, fields[i+1].([]byte))
	}
	return out
}

// TestEnvelopeExtra counts the bytes outside payload and signature that
// the decoder records in the model, and names an envelope whose
// top-level fields do not parse.
func TestEnvelopeExtra(t *testing.T) {
	glued := envelopeBytes(9, []byte("glued"))
	for _, tc := range []struct {
		name  string
		raw   []byte
		extra int
		err   bool
	}{
		{"clean", envelopeBytes(1, []byte("payload"), 2, []byte("sig")), 0, false},
		{"unknown field", envelopeBytes(1, []byte("payload"), 2, []byte("sig"), 9, []byte("glued")), len(glued), false},
		{"second signature", envelopeBytes(1, []byte("payload"), 2, []byte("sig"), 2, []byte("sig2")), len(envelopeBytes(2, []byte("sig2"))), false},
		{"truncated", append(envelopeBytes(1, []byte("payload")), 0x12, 0x05, 's'), 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, _ := DecodeEnvelope(tc.raw)
			if tx.Fabric.ExtraBytes != tc.extra || (tx.Fabric.EnvelopeError != "") != tc.err {
				t.Errorf("DecodeEnvelope: extra bytes %d, envelope error %q; want %d, error %v", tx.Fabric.ExtraBytes, tx.Fabric.EnvelopeError, tc.extra, tc.err)
			}
		})
	}
}

// FuzzEnvelopeExtra checks that envelopeExtra never panics and never
// counts more bytes than it was given.
func FuzzEnvelopeExtra(f *testing.F) {
	f.Add(envelopeBytes(1, []byte("payload"), 2, []byte("sig")))
	f.Add(envelopeBytes(1, []byte("payload"), 2, []byte("sig"), 9, []byte("glued")))
	f.Fuzz(func(t *testing.T, env []byte) {
		n, _ := envelopeExtra(env)
		if n < 0 || n > len(env) {
			t.Fatalf("envelopeExtra = %d for %d bytes", n, len(env))
		}
	})
}
