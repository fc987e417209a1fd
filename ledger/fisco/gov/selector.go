package gov

import (
	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/crypto/sha3"
)

// Selector returns the 4-byte function selector FISCO derives from sig: the
// first four bytes of keccak256(sig), or of SM3(sig) when gm is set. sig is
// hashed exactly as given; FISCO hashes some signatures verbatim with
// spaces or C++ type names (see rotateWorkingSealer in [Methods]).
func Selector(sig string, gm bool) [4]byte {
	var sum []byte
	if gm {
		s := sm3.Sum([]byte(sig))
		sum = s[:]
	} else {
		h := sha3.NewLegacyKeccak256()
		h.Write([]byte(sig))
		sum = h.Sum(nil)
	}
	return [4]byte(sum[:4])
}
