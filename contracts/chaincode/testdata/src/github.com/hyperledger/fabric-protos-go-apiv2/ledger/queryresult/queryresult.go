// Package queryresult is a minimal stand-in for the Fabric query result
// protobufs, for analyzer tests.
package queryresult

// KV is one result of a range or rich query.
type KV struct {
	Namespace string
	Key       string
	Value     []byte
}

// KeyModification is one entry of a key's history.
type KeyModification struct {
	TxId     string
	Value    []byte
	IsDelete bool
}
