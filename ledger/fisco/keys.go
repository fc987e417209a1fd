package fisco

import (
	"crypto/ecdsa"
	"sync"
	"sync/atomic"

	"github.com/emmansun/gmsm/sm2"
)

// hotUses is how many signatures a key verifies with gmsm before it gets
// a per-key table: a table costs about as much as 70 verifications to
// build and makes each later one several times faster.
const hotUses = 64

// maxKeys bounds the key cache; when full it is emptied.
const maxKeys = 1 << 14

// sm2Key is a parsed SM2 public key with its Z_A for the default user id.
type sm2Key struct {
	pub   *ecdsa.PublicKey
	za    []byte
	uses  atomic.Int64
	tried atomic.Bool
	table atomic.Pointer[SM2Key]
}

// keyCache holds parsed SM2 keys and, for hot ones, their tables, up to
// maxTables of them. It is safe for concurrent use.
type keyCache struct {
	mu        sync.RWMutex
	keys      map[string]*sm2Key
	build     SM2Tables
	maxTables int64
	tables    atomic.Int64
	tabled    atomic.Int64 // verifications done with a table
}

func newKeyCache(build SM2Tables, maxTables int) *keyCache {
	return &keyCache{keys: map[string]*sm2Key{}, build: build, maxTables: int64(maxTables)}
}

// get parses pub64 once.
func (c *keyCache) get(pub64 []byte) (*sm2Key, error) {
	c.mu.RLock()
	k := c.keys[string(pub64)]
	c.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	pub, err := sm2.NewPublicKey(append([]byte{4}, pub64...))
	if err != nil {
		return nil, errBadKey
	}
	za, err := sm2.CalculateZA(pub, sm2UserID)
	if err != nil {
		return nil, errBadKey
	}
	k = &sm2Key{pub: pub, za: za}
	c.mu.Lock()
	if len(c.keys) >= maxKeys {
		c.keys = map[string]*sm2Key{}
	}
	if old := c.keys[string(pub64)]; old != nil {
		k = old
	} else {
		c.keys[string(pub64)] = k
	}
	c.mu.Unlock()
	return k, nil
}

// table returns k's table once k is hot and the bound allows; nil means
// verify with gmsm.
func (c *keyCache) table(k *sm2Key, pub64 []byte) SM2Key {
	if t := k.table.Load(); t != nil {
		c.tabled.Add(1)
		return *t
	}
	if c.build == nil || c.maxTables <= 0 || k.uses.Add(1) < hotUses || c.tables.Load() >= c.maxTables || k.tried.Swap(true) {
		return nil
	}
	if c.tables.Add(1) > c.maxTables {
		c.tables.Add(-1)
		k.tried.Store(false)
		return nil
	}
	t, err := c.build(append([]byte{4}, pub64...))
	if err != nil {
		c.tables.Add(-1)
		return nil
	}
	k.table.Store(&t)
	c.tabled.Add(1)
	return t
}
