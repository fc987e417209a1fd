package fisco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/lianjian/lianjian/ledger"
)

// Verify converts one block as a node served it (the result of
// getBlockByNumber with full transactions, 2.x or 3.x) and verifies it
// with its receipts, which may be nil when they were not served. Blocks
// must come in height order for the link, sealer-set and governance
// checks; a gap resets the link. Only a block that does not decode at all
// is an error; every failed check becomes a finding on the returned block.
func (v *Verifier) Verify(raw []byte, receipts []json.RawMessage) (*ledger.Block, error) {
	b, err := v.verifyOne(raw, receipts)
	if err != nil {
		return nil, err
	}
	v.link(b)
	return b, nil
}

// VerifyBatch verifies consecutive blocks (receipts aligned with them, nil
// where not served) on up to workers goroutines: each block's own hashes,
// roots and signatures in parallel once the line and crypto mode are
// pinned, then the chain checks in order. The result is the same as
// calling Verify on each in turn.
func (v *Verifier) VerifyBatch(raws []json.RawMessage, receipts [][]json.RawMessage, workers int) ([]*ledger.Block, error) {
	out := make([]*ledger.Block, len(raws))
	errs := make([]error, len(raws))
	i := 0
	// Until the line and the mode are pinned, blocks pin them in order.
	for ; i < len(raws) && (v.version == 0 || v.suite == SuiteUnknown); i++ {
		out[i], errs[i] = v.verifyOne(raws[i], receipts[i])
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				out[k], errs[k] = v.verifyOne(raws[k], receipts[k])
			}
		}()
	}
	for k := i; k < len(raws); k++ {
		next <- k
	}
	close(next)
	wg.Wait()
	for k, b := range out {
		if errs[k] != nil {
			return nil, fmt.Errorf("block %d of the batch: %w", k, errs[k])
		}
		v.link(b)
	}
	return out, nil
}

// verifyOne checks what one block proves on its own: its line and mode
// against the pinned ones, its hashes, roots and signatures.
func (v *Verifier) verifyOne(raw []byte, receipts []json.RawMessage) (*ledger.Block, error) {
	ver := DetectVersion(raw)
	if ver == 0 {
		return nil, fmt.Errorf("%w: neither a 2.x nor a 3.x block (no txsRoot/parentInfo or transactionsRoot/parentHash)", ErrMalformed)
	}
	var mismatch string
	if v.version == 0 {
		v.version = ver
	} else if ver != v.version {
		mismatch = fmt.Sprintf("block is %d.x, chain pinned to %d.x", ver, v.version)
	}
	var b *ledger.Block
	var err error
	if ver == 3 {
		b, err = v.verify3(raw, receipts)
	} else {
		b, err = v.verify2(raw, receipts)
	}
	if err != nil {
		return nil, err
	}
	if mismatch != "" {
		report{chain: v.cfg.Chain, b: b}.check(RuleVersionChange, nil, "version", false, mismatch,
			map[string]string{"blockVersion": fmt.Sprintf("%d.x", ver), "pinnedVersion": fmt.Sprintf("%d.x", v.version)})
	}
	b.Raw = Bundle{Block: raw, Receipts: receipts}.Marshal()
	return b, nil
}

// link runs the checks that carry state from block to block, in height
// order: the parent link, the sealer set in force and the consortium
// posture, then records the block for the next one.
func (v *Verifier) link(b *ledger.Block) {
	r := report{chain: v.cfg.Chain, b: b}
	switch {
	case v.prev == nil:
	case b.Height > v.prev.height+1:
		r.check(RuleGap, nil, "continuity", false, fmt.Sprintf("blocks %d..%d are missing before block %d", v.prev.height+1, b.Height-1, b.Height),
			map[string]string{"from": fmt.Sprint(v.prev.height + 1), "to": fmt.Sprint(b.Height - 1)})
	case b.Height == v.prev.height && !bytes.Equal(b.Hash, v.prev.hash):
		r.check(RuleFork, nil, "one block per height", false, fmt.Sprintf("block %d has hash %x and also %x", b.Height, v.prev.hash, b.Hash),
			map[string]string{"first": hx(v.prev.hash), "second": hx(b.Hash)})
	}
	if v.prev != nil && v.prev.height+1 == b.Height {
		r.check(RuleParent, nil, "parent hash", bytes.Equal(b.ParentHash, v.prev.hash),
			fmt.Sprintf("parent hash %x, block %d has hash %x", b.ParentHash, v.prev.height, v.prev.hash),
			map[string]string{"parent": hx(b.ParentHash), "previous": hx(v.prev.hash)})
	}
	if b.Fisco != nil && b.Height > 0 && len(b.Fisco.SealerList) > 0 {
		v.checkSealerSet(r, b)
	}
	v.posture(r, b)
	v.advance(b)
}

// DetectVersion tells a 3.x block (txsRoot, parentInfo) from a 2.x one
// (transactionsRoot, parentHash); 0 when it is neither.
func DetectVersion(raw []byte) int {
	var probe struct {
		TxsRoot          json.RawMessage `json:"txsRoot"`
		ParentInfo       json.RawMessage `json:"parentInfo"`
		TransactionsRoot json.RawMessage `json:"transactionsRoot"`
		ParentHash       json.RawMessage `json:"parentHash"`
	}
	if unmarshal(raw, &probe) != nil {
		return 0
	}
	switch {
	case probe.TxsRoot != nil || probe.ParentInfo != nil:
		return 3
	case probe.TransactionsRoot != nil || probe.ParentHash != nil:
		return 2
	}
	return 0
}

// Bundle is how a block is stored: the block as served plus its receipts.
type Bundle = ledger.Bundle

// checkSealerSet checks that the block's sealer list is the one in force:
// the previous block's, unless a consensus governance transaction came in
// between, or the configured list for the first block.
func (v *Verifier) checkSealerSet(r report, b *ledger.Block) {
	list := b.Fisco.SealerList
	var want []string
	switch {
	case v.prev != nil && v.prev.height+1 == b.Height && v.prev.sealers != nil && !v.prev.govSealers:
		want = v.prev.sealers
	case v.prev == nil && len(v.cfg.Sealers) > 0:
		for _, s := range v.cfg.Sealers {
			want = append(want, normNode(s))
		}
	default:
		return
	}
	if b.Height == 0 || len(list) == 0 {
		return
	}
	if !slices.Equal(sorted(list), sorted(want)) {
		r.check(RuleSealerSetChange, nil, "sealer set", false,
			fmt.Sprintf("sealer list changed from %d to %d nodes with no consensus governance transaction before it", len(want), len(list)),
			map[string]string{"previous": fmt.Sprint(want), "current": fmt.Sprint(list),
				"previousCount": fmt.Sprint(len(want)), "currentCount": fmt.Sprint(len(list))})
	}
	if v.prev != nil {
		for _, s := range list {
			if v.prev.observers[s] {
				r.check(RuleNonSealer, nil, "observer in sealer list", false,
					fmt.Sprintf("node %s, made an observer by governance, appears in the sealer list", short(s)), map[string]string{"node": s})
			}
		}
	}
}

// Resume continues a chain verified before, from its newest stored block:
// the next block must link to it. The ingester calls it after a restart
// so that the chain checks do not start afresh. history is the chain's
// stored governance transactions, oldest first (b's own included): the
// rules in force (2.x consensus-table permissions and committee, 3.x
// committee governance) and the observers are rebuilt from them, so a
// restart forgets neither who may change the consortium nor who may not
// sign. A governance change pending when the process stopped is not in
// the stored block, so the first sealer list after a restart is taken as
// the one in force rather than flagged; later changes need governance
// again.
func (v *Verifier) Resume(b *ledger.Block, history []ledger.Tx) {
	if b == nil {
		return
	}
	if b.Fisco != nil && v.version == 0 {
		v.version = b.Fisco.Version
	}
	observers := map[string]bool{}
	for i := range history {
		tx := &history[i]
		if tx.Fisco == nil || tx.Fisco.Governance == nil {
			continue
		}
		v.applyGovernance(tx, tx.Fisco.Governance)
		noteObserver(observers, tx)
	}
	v.advance(b)
	v.prev.govSealers = true
	v.prev.observers = observers
}

// noteObserver applies a governance transaction to the set of observer
// node ids: an observer added, or promoted to sealer.
func noteObserver(observers map[string]bool, tx *ledger.Tx) {
	g := tx.Fisco.Governance
	if !tx.Valid || g.NodeID == "" {
		return
	}
	switch g.Action {
	case "add-observer":
		observers[normNode(g.NodeID)] = true
	case "add-sealer":
		delete(observers, normNode(g.NodeID))
	}
}

// advance records b as the block the next one links to. A block whose
// header or seals failed does not replace the sealer set in force: a
// forged list must not become the one later blocks are held to.
func (v *Verifier) advance(b *ledger.Block) {
	next := &linkState{height: b.Height, hash: b.Hash, observers: map[string]bool{}}
	if b.Fisco != nil && len(b.Fisco.SealerList) > 0 && trusted(b) {
		next.sealers = b.Fisco.SealerList
	}
	if v.prev != nil && v.prev.height+1 == b.Height {
		for k := range v.prev.observers {
			next.observers[k] = true
		}
		if next.sealers == nil {
			next.sealers = v.prev.sealers
		}
		// A pending governance change stays pending until the list moves.
		next.govSealers = v.prev.govSealers && slices.Equal(next.sealers, v.prev.sealers)
	}
	for i := range b.Txs {
		tx := &b.Txs[i]
		if tx.Fisco == nil || tx.Fisco.Governance == nil || !tx.Valid {
			continue
		}
		if changesSealers(tx.Fisco.Governance.Action) {
			next.govSealers = true
		}
		noteObserver(next.observers, tx)
	}
	v.prev = next
}

// trusted reports whether a block's header hash, sealer signatures and
// sealer set all verified.
func trusted(b *ledger.Block) bool {
	for _, f := range b.Findings {
		switch f.Rule {
		case RuleHeaderHash.ID, RuleSealerSig.ID, RuleQuorum.ID, RuleNonSealer.ID, RuleDuplicateSigner.ID, RuleSealerSetChange.ID:
			return false
		}
	}
	return true
}

func normNode(s string) string {
	return string(bytes.ToLower([]byte(trim0x(s))))
}

func trim0x(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func short(id string) string {
	if len(id) > 16 {
		return id[:16] + "…"
	}
	return id
}
