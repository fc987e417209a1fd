package fisco

// merkleRoot3 is FISCO BCOS 3.x's transactions and receipts root
// (bcos-crypto merkle/Merkle.h with width 2): leaves are the 32-byte
// hashes; each parent hashes the concatenation of its two children, and a
// lone last node is hashed alone; one leaf is its own root and no leaf
// gives 32 zero bytes.
func merkleRoot3(s Suite, leaves [][]byte) []byte {
	if len(leaves) == 0 {
		return make([]byte, 32)
	}
	level := leaves
	h := s.newHash()
	for len(level) > 1 {
		next := make([][]byte, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			h.Reset()
			h.Write(level[i])
			if i+1 < len(level) {
				h.Write(level[i+1])
			}
			next = append(next, h.Sum(nil))
		}
		level = next
	}
	return level[0]
}
