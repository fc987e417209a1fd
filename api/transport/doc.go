// Package transport secures the API's listener: standard TLS with an
// ECDSA or RSA certificate, or GM TLS (TLCP, GM/T 0024) with an SM2
// signing and an SM2 encryption certificate, optionally beside standard
// TLS on the same port. It also generates development certificates for
// both. GM TLS comes from github.com/tjfoc/gmsm/gmtls, the only served
// Go library with a TLCP server.
package transport
