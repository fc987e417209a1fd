package evm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/lianjian/lianjian/ledger"
)

// Verifier re-verifies the stored blocks of one EVM chain in height
// order: each block's hashes, roots, signatures and receipts as the
// adapter checks them at ingest, from the bytes the index stored (Block.Raw,
// a [ledger.Bundle] of the block and its receipts as the node served
// them), and the link of each block to the one before. It is not safe
// for concurrent use.
type Verifier struct {
	dec  decoder
	prev *storedLink
}

// storedLink is the last block verified.
type storedLink struct {
	height uint64
	hash   []byte
}

// NewVerifier returns a verifier for the stored blocks of chain, whose
// transactions are signed for the EIP-155 chain id chainID.
func NewVerifier(chain string, chainID uint64) (*Verifier, error) {
	switch {
	case chain == "":
		return nil, fmt.Errorf("%w: chain id is empty", ledger.ErrInvalid)
	case chainID == 0:
		return nil, fmt.Errorf("%w: chain %s: EIP-155 chain id unknown", ledger.ErrInvalid, chain)
	}
	return &Verifier{dec: decoder{chain: chain, signer: types.LatestSignerForChainID(new(big.Int).SetUint64(chainID))}}, nil
}

// Resume continues the chain after the stored block b: the next block
// verified must link to it. EVM chains keep no governance history.
func (v *Verifier) Resume(b *ledger.Block, _ []ledger.Tx) {
	if b != nil {
		v.prev = &storedLink{height: b.Height, hash: b.Hash}
	}
}

// VerifyStored re-verifies the blocks stored at heights from, from+1, …,
// continuing the blocks verified before: each block on its own on every
// core, then the links in order. A stored block that does not decode
// comes back failed with a RuleMalformed finding, one that is not the
// block of its height or does not link to the block below with a
// RuleParentHash finding; the error is always nil.
func (v *Verifier) VerifyStored(from uint64, raws [][]byte) ([]*ledger.Block, error) {
	out := make([]*ledger.Block, len(raws))
	errs := make([]error, len(raws))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(raws)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = v.decodeStored(raws[i])
			}
		}()
	}
	for i := range raws {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, b := range out {
		h := from + uint64(i)
		if errs[i] != nil {
			out[i] = v.undecodable(h, errs[i])
			continue
		}
		v.link(h, b)
	}
	return out, nil
}

// decodeStored decodes and verifies one stored block.
func (v *Verifier) decodeStored(raw []byte) (*ledger.Block, error) {
	var bd ledger.Bundle
	if err := json.Unmarshal(raw, &bd); err != nil {
		return nil, fmt.Errorf("%w: stored block: %w", ErrMalformed, err)
	}
	return v.dec.decode(bd.Block, bd.Receipts)
}

// link checks that b is the block of height h, stored above the last
// block verified and linked to it, and records it.
func (v *Verifier) link(h uint64, b *ledger.Block) {
	vr := &verifier{d: &v.dec, b: b}
	subj := ledger.Subject{Kind: "block", Ref: hexOf(b.Hash), Height: h}
	switch p := v.prev; {
	case b.Height != h:
		vr.check(RuleParentHash, subj, "height", false, fmt.Sprintf("block %d is stored at height %d", b.Height, h),
			map[string]string{"height": strconv.FormatUint(h, 10), "blockNumber": strconv.FormatUint(b.Height, 10)})
	case p == nil:
	case p.height+1 != h:
		vr.check(RuleParentHash, subj, "height", false, fmt.Sprintf("block %d verified after block %d", h, p.height),
			map[string]string{"height": strconv.FormatUint(h, 10), "fromHeight": strconv.FormatUint(p.height, 10)})
	default:
		vr.check(RuleParentHash, subj, "parent-hash", bytes.Equal(b.ParentHash, p.hash),
			fmt.Sprintf("parent hash %s, block %d has hash %s", hexOf(b.ParentHash), p.height, hexOf(p.hash)),
			map[string]string{"parent": hexOf(b.ParentHash), "previous": hexOf(p.hash)})
	}
	v.prev = &storedLink{height: h, hash: b.Hash}
}

// undecodable returns the failed block standing for the stored block at
// height h that does not decode; the next block's link is not checked.
func (v *Verifier) undecodable(h uint64, err error) *ledger.Block {
	b := &ledger.Block{Chain: v.dec.chain, Height: h}
	ref := strconv.FormatUint(h, 10)
	b.Verdict.Add("decode", false, err.Error())
	b.Findings = append(b.Findings, ledger.NewFinding(RuleMalformed, v.dec.chain, ledger.Subject{Kind: "block", Ref: ref, Height: h}, time.Time{},
		RuleMalformed.Title+": stored block: "+err.Error(), map[string]string{"part": "block", "error": err.Error()}))
	v.prev = nil
	return b
}
