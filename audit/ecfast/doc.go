// Package ecfast verifies P-256 ECDSA and SM2 (GB/T 32918.2, curve
// sm2p256v1) signatures for hot signers about 2.7× faster than the
// standard implementations, by precomputing a table per public key.
//
// # Use
//
// Build a [Key] once per signer with [NewKey] (≈3.5 ms) and keep it while
// the signer stays hot; verify with [Key.VerifyECDSA] or [Key.VerifySM2].
// For keys seen only a few times, use crypto/ecdsa or gmsm's sm2 directly:
// building a table costs as much as about 70 standard verifications and pays
// for itself after about 120. A Key is immutable and safe
// for concurrent use; verification does not allocate.
//
// The verdicts are exactly those of crypto/ecdsa.Verify (P-256) and gmsm
// v0.44.0 sm2.Verify (SM2) given the same digest, r and s values:
//   - r and s must lie in [1, n−1] (leading zero bytes are ignored);
//   - the digest's leftmost 32 bytes (all of it when shorter, so an empty
//     digest is 0) are read as an integer and reduced mod n once; for SM2
//     the digest is e = SM3(Z_A ‖ M), computed by the caller;
//   - ECDSA accepts iff x(e·s⁻¹·G + r·s⁻¹·Q) ≡ r (mod n), high-s included;
//   - SM2 rejects t = (r + s) mod n = 0 and accepts iff
//     (e + x(s·G + t·Q)) mod n = r.
//
// A result at the point at infinity rejects. The differential tests and the
// FuzzVerifyECDSA and FuzzVerifySM2 targets hold ecfast to the libraries.
//
// # How
//
// Field arithmetic is pure Go: 4×64-bit Montgomery multiplication (CIOS)
// shared by both primes and by the group orders. Both curves have
// a = p − 3, so one set of Jacobian formulas serves both. Each scalar is
// recoded into 29 signed 9-bit digits; a fixed-base table holds
// j·2^(9i)·B for j = 1…256 in affine form (built with Jacobian
// arithmetic and one batched inversion), so u1·G + u2·Q takes at most 58
// mixed additions and no doublings. The addition handles P + P, P + (−P)
// and infinity explicitly. The final check avoids inverting Z by comparing
// X with v·Z² and, when v + n < p, with (v + n)·Z², where v is r (ECDSA)
// or (r − e) mod n (SM2). ECDSA's s⁻¹ uses Pornin's optimised binary GCD
// (about 2.6 µs, against 6 µs for Fermat inversion).
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
// project's 2-core AMD EPYC machine (Go 1.26):
//
//	                       ecfast     stdlib     stdlib/ecfast
//	P-256, warm key        17.7 µs    47.9 µs    2.71×   (crypto/ecdsa.VerifyASN1)
//	P-256, 64 keys rotated 20.1 µs               2.38×
//	SM2, warm key          14.5 µs    41.4 µs    2.86×   (gmsm sm2.VerifyASN1, digest given)
//	SM2, 64 keys rotated   17.1 µs               2.43×
//	NewKey (either curve)  3.5 ms
//
// Window width, single runs, warm key (P-256 / SM2 verify, NewKey, table):
// 7 bits 21.3 / 18.9 µs, 1.3 ms, 145 KiB; 8 bits 19.2 / 17.1 µs, 2.1 ms,
// 256 KiB; 9 bits 17.8 / 14.7 µs, 3.5 ms, 449 KiB; 10 bits 16.2 / 13.2 µs,
// 6.2 ms, 804 KiB. Nine bits keeps a key under 512 KiB.
package ecfast
