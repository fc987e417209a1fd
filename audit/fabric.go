package audit

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"

	"github.com/emmansun/gmsm/sm3"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

// fabricChecks is the verifier of a Fabric channel: the checks of this
// package (signatures, certificate chains, policies, MVCC re-validation,
// the commit-hash chain) and the channel state they carry from block to
// block.
type fabricChecks struct {
	*progress
	v       *verifier
	dec     *fabric.Decoder
	trust   *trust            // config in force
	endorse *endorsementState // endorsement policies committed so far
	checked map[string]bool   // certificates already put through the crypto rules
	// priorUnknown is set while the config in force before the block
	// being checked is not known for sure: the block is the first seen
	// and brought its own config, or blocks were missing, repeated or
	// unreadable since the last config block. staleConfig carries the
	// latter from block to block until a config block arrives in order;
	// frozen is set while a block at or below the last one is checked, so
	// that it changes no state.
	priorUnknown, staleConfig, frozen bool
	commit                            commitChain // the peer's commit-hash chain
}

// newFabricChecks returns the verifier of the Fabric channel p audits.
func newFabricChecks(p *progress) (*fabricChecks, error) {
	dec, err := fabric.NewDecoder(fabric.Config{})
	if err != nil {
		return nil, fmt.Errorf("new decoder: %w", err)
	}
	return &fabricChecks{
		progress: p, v: newVerifier(p.cfg.SM2PreHash, p.cfg.KeyTables), dec: dec,
		endorse: newEndorsementState(), checked: map[string]bool{},
	}, nil
}

// prime sets the config block in force and the block just below the
// first one to check (see Auditor.Prime).
func (a *fabricChecks) prime(configBlock, previous []byte) error {
	cb, err := a.dec.DecodeBlock(a.cfg.Chain.ID, configBlock)
	if err != nil {
		return fmt.Errorf("prime: config block: %w", err)
	}
	if cb.Config == nil {
		return fmt.Errorf("prime: block %d: %w: not a config block", cb.Height, ErrNoConfig)
	}
	a.trust = newTrust(cb.Config)
	last := cb
	if previous != nil {
		if last, err = a.dec.DecodeBlock(a.cfg.Chain.ID, previous); err != nil {
			return fmt.Errorf("prime: previous block: %w", err)
		}
	}
	a.prev = &link{height: last.Height, hash: a.headerHash(last)}
	a.commit.prime(last)
	return nil
}

// resume reads the replayed world state from st, as of checkpoint at
// or the newest when at is nil, and, above block 0, primes the checks
// with the config in force at the block after prev and prev itself.
func (a *fabricChecks) resume(ctx context.Context, st Store, prev *ledger.Block, at *record.AuditCheckpoint) error {
	chain := a.cfg.Chain.ID
	a.commit.state.stored.read = func(k stateKey) (record.StateEntry, bool, error) {
		if at != nil {
			return st.AuditStateAt(ctx, chain, *at, k.ns, k.coll, []byte(k.key))
		}
		return st.AuditState(ctx, chain, k.ns, k.coll, []byte(k.key))
	}
	a.commit.state.stored.scan = func(ns, coll, start string, fn func(record.StateEntry) bool) error {
		return st.AuditStateRange(ctx, chain, at, ns, coll, []byte(start), fn)
	}
	if prev == nil {
		return nil
	}
	if len(prev.Raw) == 0 {
		return fmt.Errorf("prime: block %d: %w", prev.Height, fabric.ErrNoRaw)
	}
	pb, err := a.dec.DecodeBlock(chain, prev.Raw)
	if err != nil {
		return fmt.Errorf("prime: block %d: %w", prev.Height, err)
	}
	cfgRaw := prev.Raw
	if pb.Config == nil {
		cb, err := st.Block(ctx, chain, pb.Fabric.LastConfig)
		if err != nil {
			return fmt.Errorf("prime: config block %d: %w", pb.Fabric.LastConfig, err)
		}
		cfgRaw = cb.Raw
	}
	err = a.prime(cfgRaw, prev.Raw)
	if errors.Is(err, ErrNoConfig) {
		return fmt.Errorf("prime: last config index %d of block %d: %w", pb.Fabric.LastConfig, prev.Height, err)
	}
	return err
}

// save adds the pinned SM2 convention, the endorsement policies and the
// replayed state changes to cp.
func (a *fabricChecks) save(cp *record.AuditCheckpoint) {
	cp.SM2PreHash = a.v.PreHash()
	a.endorse.save(cp)
	a.commit.state.save(cp)
}

func (a *fabricChecks) restore(cp record.AuditCheckpoint) {
	a.endorse.restore(cp)
	a.commit.state.restoreStored(cp)
}

func (a *fabricChecks) unsaved() int { return a.endorse.unsaved() }

func (a *fabricChecks) count(s *Summary) {
	s.Verifies, s.Reused, s.Tabled = int(a.v.verifies.Load()), int(a.v.reused.Load()), int(a.v.tabled.Load())
	s.SM2PreHash = a.v.PreHash()
}

// hashAlgo is the channel's HashingAlgorithm in force, SHA256 by default.
func (a *fabricChecks) hashAlgo() string {
	if a.trust != nil && a.trust.cfg.HashingAlgo != "" {
		return a.trust.cfg.HashingAlgo
	}
	return fabric.SHA256
}

// newHash returns the hash of the channel's HashingAlgorithm.
func (a *fabricChecks) newHash() hash.Hash {
	if a.hashAlgo() == fabric.SM3 {
		return sm3.New()
	}
	return sha256.New()
}

// headerHash is the block hash under the channel's hashing algorithm.
func (a *fabricChecks) headerHash(b *ledger.Block) []byte {
	h := a.newHash()
	h.Write(fabric.HeaderBytes(b.Height, b.ParentHash, b.DataHash))
	return h.Sum(nil)
}
