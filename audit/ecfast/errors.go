package ecfast

import "errors"

// Sentinel errors returned by [NewKey]. Match them with errors.Is.
var (
	// ErrUnknownCurve reports a [Curve] value other than [P256], [SM2] or
	// [Secp256k1].
	ErrUnknownCurve = errors.New("ecfast: unknown curve")
	// ErrInvalidPoint reports a public key that is nil, has a coordinate
	// outside [0, p-1], or does not satisfy the curve equation.
	ErrInvalidPoint = errors.New("ecfast: point not on curve")
	// ErrInfinity reports a public key at the point at infinity, encoded as
	// (0, 0) by crypto/elliptic convention.
	ErrInfinity = errors.New("ecfast: point at infinity")
)
