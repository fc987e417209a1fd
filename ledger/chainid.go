package ledger

import "regexp"

var chainIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidChainID reports whether id can name a chain: lower-case letters,
// digits, '.', '_' and '-', at most 63 characters, so that the stores can
// separate key components with '/'.
func ValidChainID(id string) bool { return chainIDPattern.MatchString(id) }
