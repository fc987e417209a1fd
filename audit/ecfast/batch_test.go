package ecfast

import (
	"fmt"
	"math/big"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// batchEntry is one RecoversTo question with its verdict, checked once
// against crypto.Ecrecover and RecoversTo.
type batchEntry struct {
	name string // how the question was made, for failure messages
	key  *Key
	sig  recSig
	want bool
}

func (e *batchEntry) check() RecoverCheck {
	return RecoverCheck{Key: e.key, Digest: e.sig.digest, R: e.sig.r, S: e.sig.s, V: e.sig.v}
}

// recBatchPool returns questions for the batch tests: every variant of
// recMutations of signatures under five secp256k1 keys, asked of the
// signer, of another secp256k1 key and, in turn, of a nil Key, a zero Key
// and P-256 and SM2 keys; and crafted signatures whose R has x ≥ n (v = 2
// or 3) or whose r + n is no field element, under every v. Each verdict
// is taken from crypto.Ecrecover (false for the keys not on secp256k1) and
// RecoversTo must agree with it.
func recBatchPool(t *testing.T) []batchEntry {
	t.Helper()
	fixtures := recFixtures(t, "batch/differential", 4, 1)
	rnd := newDetRand("batch/digests")
	others := []struct {
		name string
		key  *Key
	}{
		{"nil key", nil},
		{"zero key", &Key{}},
		{"P-256 key", newFixture(t, P256, fixtures[0].d).key},
		{"SM2 key", newFixture(t, SM2, fixtures[0].d).key},
	}
	var pool []batchEntry
	add := func(name string, f *fixture, key *Key, sig recSig) {
		t.Helper()
		want := false
		if f != nil {
			want = checkRecovers(t, f, sig)
		} else if key.RecoversTo(sig.digest, sig.r, sig.s, sig.v) {
			t.Fatalf("%s: RecoversTo = true for a key not on secp256k1", name)
		}
		pool = append(pool, batchEntry{name, key, sig, want})
	}
	odd := 0
	for i, f := range fixtures {
		other := fixtures[(i+1)%len(fixtures)]
		for j := range 3 {
			digest := rnd.bytes(32)
			switch j {
			case 0:
				clear(digest[:17]) // below 2^256 − n, for the "digest + n" variant
			case 1:
				copy(digest, bytesOf(0xff, 8)) // ≥ n, reduced once
			}
			r, s, v := f.ethSign(t, digest)
			for _, m := range recMutations() {
				variant := m.apply(recSig{digest, r, s, v})
				name := fmt.Sprintf("key %d digest %d %s", i, j, m.name)
				add(name+", signer", f, f.key, variant)
				add(name+", other key", other, other.key, variant)
				o := others[odd%len(others)]
				odd++
				add(name+", "+o.name, nil, o.key, variant)
			}
		}
	}

	rc := ref(Secp256k1)
	crafted := func(name string, R refPoint, r *big.Int) {
		t.Helper()
		e, s := rnd.scalar(rc.n), rnd.scalar(rc.n)
		f := publicOnly(t, Secp256k1, recoveredKey(rc, R, r, e, s))
		for v := range byte(4) {
			sig := recSig{e.FillBytes(make([]byte, 32)), r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32)), v}
			add(fmt.Sprintf("%s, v = %d", name, v), f, f.key, sig)
		}
	}
	high := highXPoint(t, rc)
	for _, R := range []refPoint{high, rc.neg(high)} {
		crafted("x(R) ≥ n", R, new(big.Int).Sub(R.x, rc.n))
	}
	for x := int64(1); ; x++ {
		if R, ok := rc.pointAt(big.NewInt(x), true); ok {
			crafted("r + n − p wraps around", R, new(big.Int).Add(R.x, new(big.Int).Sub(rc.p, rc.n)))
			break
		}
	}
	return pool
}

// TestRecoversToBatchDifferential requires RecoversToBatch to give every
// check exactly the verdict of RecoversTo and crypto.Ecrecover, for
// batch sizes around the chunk size, in batches mixing valid and invalid
// questions, keys and curves, and in all-valid and all-invalid batches.
// OK starts with random values, which the batch must overwrite.
func TestRecoversToBatchDifferential(t *testing.T) {
	pool := recBatchPool(t)
	var valid, invalid []int
	for i := range pool {
		if pool[i].want {
			valid = append(valid, i)
		} else {
			invalid = append(invalid, i)
		}
	}
	if len(valid) == 0 || len(invalid) == 0 {
		t.Fatalf("pool has %d valid and %d invalid questions, want both", len(valid), len(invalid))
	}
	t.Logf("%d questions, %d valid", len(pool), len(valid))
	rnd := newDetRand("batch/select")
	pick := func(from []int) int {
		return from[int(new(big.Int).SetBytes(rnd.bytes(4)).Int64())%len(from)]
	}
	compositions := []struct {
		name string
		next func(i int) int
	}{
		{"mixed", func(int) int {
			if rnd.bytes(1)[0]&1 == 0 {
				return pick(valid)
			}
			return pick(invalid)
		}},
		{"valid", func(int) int { return pick(valid) }},
		{"invalid", func(int) int { return pick(invalid) }},
		{"pool in order", func(i int) int { return i % len(pool) }},
	}
	for _, size := range []int{0, 1, 2, 63, 64, 65, 200, len(pool)} {
		for _, comp := range compositions {
			t.Run(fmt.Sprintf("%d/%s", size, comp.name), func(t *testing.T) {
				entries := make([]*batchEntry, size)
				checks := make([]RecoverCheck, size)
				for i := range checks {
					entries[i] = &pool[comp.next(i)]
					checks[i] = entries[i].check()
					checks[i].OK = rnd.bytes(1)[0]&1 == 1
				}
				RecoversToBatch(checks)
				for i, c := range checks {
					if e := entries[i]; c.OK != e.want {
						t.Fatalf("RecoversToBatch check %d of %d (%s) OK = %v, RecoversTo and crypto.Ecrecover say %v",
							i, size, e.name, c.OK, e.want)
					}
				}
			})
		}
	}
}

// TestRecoversToBatchAllocs checks the documented zero-allocation
// property, on a batch of several chunks.
func TestRecoversToBatchAllocs(t *testing.T) {
	pool := recBatchPool(t)
	checks := make([]RecoverCheck, 200)
	for i := range checks {
		checks[i] = pool[i*7%len(pool)].check()
	}
	allocs := testing.AllocsPerRun(20, func() { RecoversToBatch(checks) })
	if allocs != 0 {
		t.Fatalf("allocations per RecoversToBatch of %d checks = %v, want 0", len(checks), allocs)
	}
	for i, c := range checks {
		if e := &pool[i*7%len(pool)]; c.OK != e.want {
			t.Fatalf("RecoversToBatch check %d (%s) OK = %v, want %v", i, e.name, c.OK, e.want)
		}
	}
}

// TestRecoversToBatchConcurrent runs batches over the same keys on
// distinct slices from several goroutines; run with -race.
func TestRecoversToBatchConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	pool := recBatchPool(t)
	const workers = 4
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			checks := make([]RecoverCheck, 100)
			for range 5 {
				for i := range checks {
					checks[i] = pool[(i*workers+g)%len(pool)].check()
				}
				RecoversToBatch(checks)
				for i, c := range checks {
					if e := &pool[(i*workers+g)%len(pool)]; c.OK != e.want {
						errs[g] = fmt.Errorf("worker %d: RecoversToBatch check %d (%s) OK = %v, want %v", g, i, e.name, c.OK, e.want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzRecoversToBatch holds RecoversToBatch to RecoversTo. The signature
// fuzzRecSig derives from the inputs goes into a batch laid out by layout
// (at most 200 checks, one per byte b): b & 7 picks the key (a fuzz
// fixture, a nil Key, a zero Key or a P-256 key) and b >> 3 & 3 the
// signature: the fuzzed one, the fuzzed one with v ^ 1, a valid signature
// of fixture b >> 5 or a valid signature under the key's own fixture.
// The fuzzed signature is also held to crypto.Ecrecover.
func FuzzRecoversToBatch(f *testing.F) {
	fixtures := fuzzFixtures(f, Secp256k1)
	keys := []*Key{nil, {}, newFixture(f, P256, big.NewInt(3)).key}
	for _, fx := range fixtures {
		keys = append(keys, fx.key)
	}
	rnd := newDetRand("fuzz/batch")
	signed := make([]recSig, len(fixtures))
	for i, fx := range fixtures {
		digest := rnd.bytes(32)
		r, s, v := fx.ethSign(f, digest)
		signed[i] = recSig{digest, r, s, v}
	}
	msg := []byte("message digest 0123456789abcdef")
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	f.Add([]byte{3}, uint8(0), msg, []byte{1}, []byte{1}, byte(0), true, false, uint16(0))
	f.Add(all[:65], uint8(1), msg, []byte{1}, []byte{1}, byte(0), true, true, uint16(0))
	f.Add(all[:200], uint8(2), msg, []byte{1}, []byte{1}, byte(0), true, false, uint16(9))
	f.Add(all[64:200], uint8(3), msg, bytesOf(0xff, 32), bytesOf(1, 32), byte(3), false, false, uint16(0))
	f.Fuzz(func(t *testing.T, layout []byte, keySel uint8, digest, r, s []byte, v byte, sign, highS bool, flip uint16) {
		fx := fixtures[int(keySel)%len(fixtures)]
		sig, ok := fuzzRecSig(t, fx, digest, r, s, v, sign, highS, flip)
		if !ok {
			return
		}
		want := ecrecoverMatches(fx.pubBytes(), sig.digest, sig.r, sig.s, sig.v)
		if got := fx.key.RecoversTo(sig.digest, sig.r, sig.s, sig.v); got != want {
			t.Fatalf("digest %x, r %x, s %x, v %d: RecoversTo = %v, crypto.Ecrecover match = %v",
				sig.digest, sig.r, sig.s, sig.v, got, want)
		}
		layout = layout[:min(len(layout), 200)]
		checks := make([]RecoverCheck, len(layout))
		for i, b := range layout {
			ki := int(b&7) % len(keys)
			g := sig
			switch b >> 3 & 3 {
			case 1:
				g.v ^= 1
			case 2:
				g = signed[int(b>>5)%len(signed)]
			case 3:
				g = signed[max(ki-3, 0)%len(signed)]
			}
			checks[i] = RecoverCheck{Key: keys[ki], Digest: g.digest, R: g.r, S: g.s, V: g.v, OK: b&0x80 != 0}
		}
		RecoversToBatch(checks)
		for i, c := range checks {
			if want := c.Key.RecoversTo(c.Digest, c.R, c.S, c.V); c.OK != want {
				t.Fatalf("check %d of %d (layout byte %#x): digest %x, r %x, s %x, v %d: RecoversToBatch OK = %v, RecoversTo = %v",
					i, len(checks), layout[i], c.Digest, c.R, c.S, c.V, c.OK, want)
			}
		}
	})
}
