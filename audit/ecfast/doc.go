// Package ecfast verifies P-256 ECDSA, SM2 (GB/T 32918.2, curve sm2p256v1)
// and secp256k1 ECDSA signatures, and checks secp256k1 public-key recovery,
// for hot signers faster than the standard implementations, by
// precomputing a table per public key.
//
// # Use
//
// Build a [Key] once per signer with [NewKey] or [NewKeyFromBytes] (4–5 ms)
// and keep it while the signer stays hot; verify with [Key.VerifyECDSA]
// (P-256, secp256k1), [Key.VerifySM2] (SM2) or [Key.RecoversTo]
// (secp256k1: "does this signature recover to this key?", the check that
// Ethereum and FISCO BCOS standard-mode transactions and seals need).
// [RecoversToBatch] answers many RecoversTo questions at once, each a
// [RecoverCheck] with its own key, in about 30% less time per check. For
// keys seen only a few times, use crypto/ecdsa, gmsm's sm2 or go-ethereum's
// crypto.Ecrecover directly: building a table costs as much as about 80
// P-256 verifications and pays for itself after about 120, or after about
// 225 secp256k1 recoveries (libsecp256k1 being faster than the standard
// library's P-256). A Key is immutable and safe for concurrent use;
// verification does not allocate, batched or not.
//
// The verdicts are exactly those of crypto/ecdsa.Verify (P-256 and
// secp256k1) and gmsm v0.44.0 sm2.Verify (SM2) given the same digest, r and
// s values:
//   - r and s must lie in [1, n−1] (leading zero bytes are ignored);
//   - the digest's leftmost 32 bytes (all of it when shorter, so an empty
//     digest is 0) are read as an integer and reduced mod n once; for SM2
//     the digest is e = SM3(Z_A ‖ M), computed by the caller;
//   - ECDSA accepts iff x(e·s⁻¹·G + r·s⁻¹·Q) ≡ r (mod n), high-s included
//     (libsecp256k1's verify, unlike its recovery, rejects high s);
//   - SM2 rejects t = (r + s) mod n = 0 and accepts iff
//     (e + x(s·G + t·Q)) mod n = r.
//
// RecoversTo's verdict is exactly whether go-ethereum's
// crypto.Ecrecover(digest, r ‖ s ‖ v), that is libsecp256k1's
// secp256k1_ecdsa_recover, returns the key:
//   - digest, r and s must be exactly 32 bytes each, r and s in [1, n−1]
//     (high s accepted), v in {0, 1, 2, 3};
//   - the message scalar is e = digest mod n;
//   - it accepts iff R = e·s⁻¹·G + r·s⁻¹·Q is finite, x(R) = r + (v>>1)·n
//     (which must be below p) and y(R) ≡ v (mod 2). Recovery computes
//     Q' = r⁻¹·(s·R − e·G) from that R, and Q' = Q exactly then.
//
// RecoversToBatch gives every check exactly RecoversTo's verdict. A result
// at the point at infinity rejects. The differential tests and the
// FuzzVerifyECDSA, FuzzVerifySM2, FuzzRecoversTo and FuzzRecoversToBatch
// (batch against single) targets hold ecfast to
// the libraries (secp256k1 ECDSA to libsecp256k1, with s normalised, and to
// a math/big model of crypto/ecdsa's rule).
//
// # How
//
// Field arithmetic is pure Go: 4×64-bit Montgomery multiplication (CIOS)
// shared by all primes and group orders, except secp256k1's base field
// p = 2^256 − 2^32 − 977, whose reduction step needs one 64×64-bit product
// instead of four. P-256 and SM2 have a = p − 3 and double with the a = −3
// formulas (dbl-2001-b); secp256k1 has a = 0 and doubles with dbl-2009-l.
// The coefficient matters only there and in the curve equation checked by
// NewKey: the mixed addition used by verification is the same for all
// curves. Each scalar is recoded into 29 signed 9-bit digits; a fixed-base
// table holds j·2^(9i)·B for j = 1…256 in affine form (built with Jacobian
// arithmetic and one batched inversion), so u1·G + u2·Q takes at most 58
// mixed additions and no doublings. The addition handles P + P, P + (−P)
// and infinity explicitly. The final check avoids inverting Z by comparing
// X with v·Z² and, when v + n < p, with (v + n)·Z², where v is r (ECDSA)
// or (r − e) mod n (SM2). RecoversTo compares X with (r + (v>>1)·n)·Z² the
// same way and inverts Z only for a match, to read y's parity. Both s⁻¹ mod
// n and Z⁻¹ mod p use Pornin's optimised binary GCD (about 3.3 µs, against
// 6.6–7.6 µs for Fermat inversion, secp256k1's p included).
// RecoversToBatch runs RecoversTo's steps over chunks of 64 checks: it
// validates every check, inverts all the s values with one inversion and
// three multiplications each (Montgomery's trick), computes and compares
// each R, then inverts the Z of the R that matched the same way and reads
// y's parity. Checks rejected early take no part; the scratch space, about
// 19 KiB, is on the stack.
//
// # Constant time
//
// Nothing here is constant-time, on purpose: verification handles only
// public data (the public key, the digest and the signature), so timing
// reveals nothing an attacker does not already hold. Do not reuse this
// arithmetic for signing, key agreement or anything else involving secrets.
//
// # Memory
//
// Each Key holds 7,184 affine points of 64 bytes: 459,776 bytes (≈449 KiB,
// see [KeyTableBytes] and [Key.TableBytes]). Each curve's generator table,
// the same size, is built on that curve's first NewKey and shared. Building
// a key allocates about 1.1 MiB transiently.
//
// # Measurements
//
// go test ./audit/ecfast -run '^$' -bench . -count 5, medians, on the
// project's 2-core AMD EPYC machine (Go 1.26, cgo on), 2026-12-07. The
// machine was shared, so each sub-benchmark was started when both cores
// were idle. It ran slower than when the previous table was taken (P-256
// at 17.7 µs against crypto/ecdsa's 47.9 µs, SM2 at 14.5 µs against gmsm's
// 41.4 µs): that package version measured 21.1 µs (P-256) and 17.5 µs (SM2)
// alongside this table, so compare ratios rather than times across days.
// The P-256 and SM2 gains over that version (7% and 5%) come from the
// branch-free field subtraction.
//
//	                             ecfast     reference  reference/ecfast
//	P-256 verify, warm key       19.6 µs    58.3 µs    2.98×  (crypto/ecdsa.VerifyASN1)
//	P-256 verify, 64 keys        23.7 µs               2.46×
//	SM2 verify, warm key         16.7 µs    51.2 µs    3.07×  (gmsm sm2.VerifyASN1, digest given)
//	SM2 verify, 64 keys          19.0 µs               2.69×
//	secp256k1 verify, warm key   17.0 µs    29.9 µs    1.76×  (go-ethereum crypto.VerifySignature)
//	secp256k1 verify, 64 keys    20.8 µs               1.44×
//	secp256k1 recover, warm key  21.3 µs    39.5 µs    1.85×  (go-ethereum crypto.Ecrecover + compare)
//	secp256k1 recover, 64 keys   24.9 µs               1.58×
//	NewKey                       4.7 ms (P-256, SM2), 4.1 ms (secp256k1)
//
// The secp256k1 references are libsecp256k1 through cgo, far faster than
// the standard library's P-256, so the margin is smaller: a recovery costs
// ecfast two 256-bit inversions (s⁻¹ and Z⁻¹, about 3.3 µs each) and
// at most 58 mixed additions (about 13 µs); a secp256k1 table costs about
// 100 Ecrecover calls and pays for itself after about 225.
//
// RecoversToBatch was measured on 2026-12-07 too, per check of 100 valid
// signatures over 4 warm keys (BenchmarkRecoversToBatch, its "single"
// baseline in the same run, and BenchmarkRecover; medians of two -count 5
// runs on a CPU reported as "Oxide Virtual Turin-like Processor", without
// waiting for idle cores, so single runs strayed by up to 40%):
//
//	RecoversTo one by one        24.1–25.2 µs
//	RecoversToBatch              17.5 µs     1.38–1.44× faster
//	RecoversTo, one warm key     21.1 µs     (BenchmarkRecover, same run)
//	crypto.Ecrecover + compare   36.1 µs     2.06× RecoversToBatch's time
//
// The saving, about 7 µs per check, is the two inversions. Chunks of 32,
// 64 and 128 checks measured alike within the noise (17.0–18.2 µs).
//
// Window width, single runs, warm key, measured before secp256k1 was added
// (P-256 / SM2 verify, NewKey, table): 7 bits 21.3 / 18.9 µs, 1.3 ms,
// 145 KiB; 8 bits 19.2 / 17.1 µs, 2.1 ms, 256 KiB; 9 bits 17.8 / 14.7 µs,
// 3.5 ms, 449 KiB; 10 bits 16.2 / 13.2 µs, 6.2 ms, 804 KiB. Nine bits keeps
// a key under 512 KiB.
package ecfast
