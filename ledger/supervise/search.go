package supervise

// Match is one answer to a search: an object and the chain, channel and
// org it belongs to.
type Match struct {
	Kind    string `json:"kind"` // tx, block, address, contract, identity, msp
	Chain   string `json:"chain"`
	Network string `json:"network,omitempty"`
	Channel string `json:"channel,omitempty"`
	Org     string `json:"org,omitempty"`
	Ref     string `json:"ref"`              // tx id, block hash, address, fingerprint, MSP id, contract name
	Height  uint64 `json:"height"`           // where the object was (first) seen
	Field   string `json:"field,omitempty"`  // what matched: id, hash, height, serial, subject, fingerprint, msp, name
	Detail  string `json:"detail,omitempty"` // e.g. the certificate subject
}
