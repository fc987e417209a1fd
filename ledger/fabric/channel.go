package fabric

import (
	"strings"
	"sync"

	"github.com/lianjian/lianjian/ledger"
)

// ChannelDecoder decodes the blocks of one channel in height order and
// keeps the header hash in step with the channel config: when a CONFIG
// block names a HashingAlgorithm this package supports (SHA256 or SM3),
// that block and the ones after it are hashed with it. Upstream Fabric
// always hashes headers with SHA-256; national-crypto forks follow the
// config. It also names the signer of each BFT block signature, which
// carries only a consenter id, from the consenter mapping of the config
// in force. It is safe for concurrent use, but blocks must be given in
// order for config changes to apply at the right height.
type ChannelDecoder struct {
	chain      string
	strict     bool
	mu         sync.Mutex
	dec        *Decoder
	consenters map[uint32]ledger.Identity // BFT consenter id -> signing identity
}

// NewChannelDecoder returns a decoder for chain that starts with the
// header hash algo, typically the HashingAlgorithm of the config in force
// before the first block it will see. SHA256 is used when algo is empty or
// names a hash that Fabric does not apply to headers (SHA3_256).
func NewChannelDecoder(chain, algo string, strict bool) (*ChannelDecoder, error) {
	if algo = normAlgo(algo); algo != SM3 {
		algo = SHA256
	}
	dec, err := NewDecoder(Config{HashAlgorithm: algo, Strict: strict})
	if err != nil {
		return nil, err
	}
	return &ChannelDecoder{chain: chain, strict: strict, dec: dec}, nil
}

// Algorithm names the header hash currently in use.
func (c *ChannelDecoder) Algorithm() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dec.algo
}

// SetConfig seeds the decoder with the channel config in force before the
// next block it will decode (when resuming after a checkpoint): its
// hashing algorithm and its BFT consenters.
func (c *ChannelDecoder) SetConfig(cfg *ledger.Config) error {
	if cfg == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if algo := normAlgo(cfg.HashingAlgo); algo == SHA256 || algo == SM3 {
		dec, err := NewDecoder(Config{HashAlgorithm: algo, Strict: c.strict})
		if err != nil {
			return err
		}
		c.dec = dec
	}
	c.consenters = consenterIdentities(cfg)
	return nil
}

// Decode decodes one marshalled common.Block. A CONFIG block that switches
// the hashing algorithm is decoded again under the new one; its own BFT
// signatures are attributed by the consenters of the config before it.
func (c *ChannelDecoder) Decode(raw []byte) (*ledger.Block, error) {
	c.mu.Lock()
	dec := c.dec
	c.mu.Unlock()
	b, err := dec.DecodeBlock(c.chain, raw)
	if err != nil {
		return nil, err
	}
	if b.Config != nil {
		if algo := normAlgo(b.Config.HashingAlgo); algo != dec.algo && (algo == SHA256 || algo == SM3) {
			next, err := NewDecoder(Config{HashAlgorithm: algo, Strict: c.strict})
			if err != nil {
				return nil, err
			}
			if b, err = next.DecodeBlock(c.chain, raw); err != nil {
				return nil, err
			}
			c.mu.Lock()
			c.dec = next
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attribute(b)
	if b.Config != nil {
		c.consenters = consenterIdentities(b.Config)
	}
	return b, nil
}

// attribute sets the signer of BFT block signatures from the consenter
// mapping. Signatures that name no known consenter stay anonymous.
func (c *ChannelDecoder) attribute(b *ledger.Block) {
	if b.Fabric == nil || len(b.Fabric.ConsenterIDs) != len(b.Signatures) {
		return
	}
	for i, id := range b.Fabric.ConsenterIDs {
		s := &b.Signatures[i]
		if who, ok := c.consenters[id]; ok && s.Signer.Fingerprint == "" {
			s.Signer, s.Algorithm = who, sigAlgorithm(who)
		}
	}
}

// consenterIdentities parses the signing certificates of a config's BFT
// consenter mapping; nil when it has none.
func consenterIdentities(cfg *ledger.Config) map[uint32]ledger.Identity {
	var out map[uint32]ledger.Identity
	for _, cs := range cfg.Consenters {
		if len(cs.Identity) == 0 {
			continue
		}
		id, _ := ParseCertificate(cs.Identity) // a bad certificate still yields its bytes and fingerprint
		id.MSPID = cs.MSPID
		if out == nil {
			out = map[uint32]ledger.Identity{}
		}
		out[cs.ID] = id
	}
	return out
}

// normAlgo maps the spellings of HashingAlgorithm seen in the wild onto
// the names of this package.
func normAlgo(algo string) string {
	switch a := strings.ToUpper(strings.ReplaceAll(algo, "-", "")); a {
	case "", "SHA256", "SHA2":
		return SHA256
	case "SM3", "GMSM3":
		return SM3
	default:
		return algo
	}
}
