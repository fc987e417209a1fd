package main

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Config describes a test chain.
type Config struct {
	V3         bool
	GM         bool
	Group      string // 3.x group id
	GroupID    int64  // 2.x group id
	ChainID    string // 3.x chain id
	ChainID2   int64  // 2.x chain id
	Sealers    int
	Observers  int
	Accounts   int
	Seed       string
	Interval   time.Duration
	TxsPerBlk  int
	BulkBlocks int
	BulkTxs    int
	DataDir    string
	Gov        map[int64][]GovOp
}

// member is a consensus node: an index into the node key pool and a weight.
type member struct {
	node   int
	weight int64
}

// Chain is the in-memory ledger plus the consensus state it implies.
type Chain struct {
	cfg   Config
	s     suite
	mu    sync.RWMutex
	store *store

	blocks   []*Block
	byHash   map[string]int64
	txs      map[string][2]int64 // tx hash -> block, index
	totalTxs int64

	nodes     []*key
	accounts  []*key
	sealers   []member // effective for the next block
	observers []int
	sysConfig map[string]configValue
	contract  []byte // HelloWorld address once deployed
	genesisTS int64
}

type configValue struct {
	value string
	block int64
}

// txSpec is a planned transaction.
type txSpec struct {
	n     int64 // block number
	index int
	from  int // account index
	op    *GovOp
	code  bool   // deployment
	to    []byte // HelloWorld address for calls
}

func newChain(cfg Config, st *store, stored []*Block) (*Chain, error) {
	c := &Chain{cfg: cfg, s: suite{gm: cfg.GM}, store: st, byHash: map[string]int64{}, txs: map[string][2]int64{}}
	c.sysConfig = map[string]configValue{
		"tx_count_limit": {"1000", 0}, "consensus_leader_period": {"1", 0}, "tx_gas_limit": {"3000000000", 0},
	}
	if !cfg.V3 {
		c.sysConfig["tx_gas_limit"] = configValue{"300000000", 0}
		c.sysConfig["consensus_timeout"] = configValue{"3", 0}
	}
	for i := 0; i < cfg.Accounts; i++ {
		k, err := c.s.deriveKey(cfg.Seed, "account", i)
		if err != nil {
			return nil, err
		}
		c.accounts = append(c.accounts, k)
	}
	for i := 0; i < cfg.Sealers; i++ {
		c.sealers = append(c.sealers, member{node: i, weight: 1})
	}
	for i := 0; i < cfg.Observers; i++ {
		c.observers = append(c.observers, cfg.Sealers+i)
	}
	if _, err := c.node(c.maxNode()); err != nil {
		return nil, err
	}
	c.sortSealers()
	if len(stored) == 0 {
		g := c.genesis()
		if err := c.commit(g); err != nil {
			return nil, err
		}
		return c, st.flush()
	}
	for _, b := range stored {
		c.index(b)
	}
	return c, nil
}

// maxNode is the highest node key index the options refer to.
func (c *Chain) maxNode() int {
	m := c.cfg.Sealers + c.cfg.Observers - 1
	for _, ops := range c.cfg.Gov {
		for _, op := range ops {
			if op.Op != "setConfig" && op.Node > m {
				m = op.Node
			}
		}
	}
	return m
}

// node returns TEST node key i, deriving keys up to i.
func (c *Chain) node(i int) (*key, error) {
	for len(c.nodes) <= i {
		k, err := c.s.deriveKey(c.cfg.Seed, "node", len(c.nodes))
		if err != nil {
			return nil, err
		}
		c.nodes = append(c.nodes, k)
	}
	return c.nodes[i], nil
}

// commit appends a sealed block, indexes it and applies its governance.
func (c *Chain) commit(b *Block) error {
	if err := c.store.append(b); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.index(b)
	return nil
}

// index adds a block to the in-memory indexes and replays its effects.
// The caller holds c.mu (or owns c exclusively).
func (c *Chain) index(b *Block) {
	if b.Number == 0 {
		c.genesisTS = b.Timestamp
	}
	c.blocks = append(c.blocks, b)
	c.byHash[string(b.Hash)] = b.Number
	for i, tx := range b.Txs {
		c.txs[string(tx.Hash)] = [2]int64{b.Number, int64(i)}
		if len(b.Receipts[i].ContractAddress) > 0 && c.contract == nil {
			c.contract = b.Receipts[i].ContractAddress
		}
	}
	c.totalTxs += int64(len(b.Txs))
	for _, op := range b.Gov {
		c.apply(op, b.Number)
	}
}

// apply changes the consensus state; it takes effect from the next block.
func (c *Chain) apply(op GovOp, n int64) {
	drop := func() {
		c.observers = without(c.observers, op.Node)
		for i, m := range c.sealers {
			if m.node == op.Node {
				c.sealers = append(c.sealers[:i:i], c.sealers[i+1:]...)
				break
			}
		}
	}
	switch op.Op {
	case "addSealer":
		drop()
		w := op.Weight
		if w == 0 {
			w = 1
		}
		c.sealers = append(c.sealers, member{node: op.Node, weight: w})
	case "addObserver":
		drop()
		c.observers = append(c.observers, op.Node)
	case "remove":
		drop()
	case "setWeight":
		for i := range c.sealers {
			if c.sealers[i].node == op.Node {
				c.sealers[i].weight = op.Weight
			}
		}
	case "setConfig":
		c.sysConfig[op.Key] = configValue{op.Value, n}
	}
	c.sortSealers()
}

// sortSealers orders a 3.x consensus list ascending by node id, as
// ConsensusConfig::setConsensusNodeList does; sealerIndex and the header
// sealerList follow that order. 2.x keeps the order nodes were added.
func (c *Chain) sortSealers() {
	if c.cfg.V3 {
		slices.SortFunc(c.sealers, func(a, b member) int { return bytes.Compare(c.nodes[a.node].id, c.nodes[b.node].id) })
	}
}

func without(list []int, v int) []int {
	out := list[:0:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// plan lays out the transactions of block n: governance first, then the
// HelloWorld deployment (once), then set(string) calls.
func (c *Chain) plan(n int64, count int, contract *[]byte) []txSpec {
	var specs []txSpec
	for _, op := range c.cfg.Gov[n] {
		op := op
		specs = append(specs, txSpec{op: &op})
	}
	for len(specs) < count || len(specs) == 0 {
		if *contract == nil {
			specs = append(specs, txSpec{code: true})
			*contract = c.s.contractAddress(c.accounts[0].addr, n, int64(len(specs)-1))
			continue
		}
		specs = append(specs, txSpec{to: *contract})
	}
	for i := range specs {
		specs[i].n, specs[i].index = n, i
		specs[i].from = int((n*7 + int64(i))) % len(c.accounts)
		if specs[i].op != nil || specs[i].code {
			specs[i].from = 0 // the admin account deploys and governs
		}
	}
	return specs
}

// contractAddress is the address of a contract deployed in block n by the
// tx at index i. FISCO derives it inside its executor; the test chain
// uses H(sender ‖ n ‖ i)[12:] (documented as not reproducible).
func (s suite) contractAddress(from []byte, n, i int64) []byte {
	return s.hash(from, be64(n), be64(i))[12:]
}

// signAll builds and signs every planned transaction in parallel.
func (c *Chain) signAll(specs []txSpec, ts int64) ([]Tx, error) {
	out := make([]Tx, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	next := make(chan int, len(specs))
	for i := range specs {
		next <- i
	}
	close(next)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = c.buildTx(specs[i], ts)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Chain) buildTx(sp txSpec, ts int64) (Tx, error) {
	if c.cfg.V3 {
		return c.buildTx3(sp, ts)
	}
	return c.buildTx2(sp)
}

// produce seals count blocks after the head, with txs transactions each,
// timestamps starting at ts and step ms apart. Transactions of up to 64
// blocks are signed together, in parallel.
func (c *Chain) produce(count int, txs []int, ts, step int64) error {
	const batch = 64
	contract := c.contract
	for done := 0; done < count; {
		m := min(batch, count-done)
		head := c.head()
		var specs []txSpec
		bounds := []int{0}
		for k := 0; k < m; k++ {
			n := head.Number + 1 + int64(k)
			specs = append(specs, c.plan(n, txs[done+k], &contract)...)
			bounds = append(bounds, len(specs))
		}
		signed, err := c.signAll(specs, ts+int64(done)*step)
		if err != nil {
			return err
		}
		for k := 0; k < m; k++ {
			parent := c.head()
			b, err := c.seal(parent, specs[bounds[k]:bounds[k+1]], signed[bounds[k]:bounds[k+1]], ts+int64(done+k)*step)
			if err != nil {
				return err
			}
			if err := c.commit(b); err != nil {
				return err
			}
		}
		done += m
		if err := c.store.flush(); err != nil {
			return err
		}
	}
	return nil
}

// seal executes (simulates) the block's transactions and signs the header
// by a quorum of the current sealers.
func (c *Chain) seal(parent *Block, specs []txSpec, txs []Tx, ts int64) (*Block, error) {
	n := parent.Number + 1
	b := &Block{Number: n, ParentHash: parent.Hash, Timestamp: ts, Txs: txs}
	c.mu.RLock()
	sealers := append([]member(nil), c.sealers...)
	c.mu.RUnlock()
	if len(sealers) == 0 {
		return nil, fmt.Errorf("block %d: no sealers", n)
	}
	b.Sealer = n % int64(len(sealers))
	for _, m := range sealers {
		b.SealerList = append(b.SealerList, c.nodes[m.node].id)
		if c.cfg.V3 {
			b.Weights = append(b.Weights, m.weight)
		}
	}
	for i, sp := range specs {
		r := c.receipt(sp, &txs[i])
		b.Receipts = append(b.Receipts, r)
		b.GasUsed += r.GasUsed
		if sp.op != nil {
			b.Gov = append(b.Gov, *sp.op)
		}
	}
	if c.cfg.V3 {
		c.header3(b)
	} else {
		c.header2(b)
	}
	// Quorum: total weight minus the tolerated faulty weight, f = (W-1)/3.
	var total int64
	for _, m := range sealers {
		total += m.weight
	}
	need, got := total-(total-1)/3, int64(0)
	for i, m := range sealers {
		if got >= need {
			break
		}
		sig, err := c.s.sign(c.nodes[m.node], b.Hash, !c.cfg.V3)
		if err != nil {
			return nil, err
		}
		b.Sigs = append(b.Sigs, Sig{Index: int64(i), Sig: sig})
		got += m.weight
	}
	return b, nil
}

func (c *Chain) receipt(sp txSpec, tx *Tx) Receipt {
	r := Receipt{Output: []byte{}}
	switch {
	case sp.op != nil:
		r.GasUsed, r.Output = gasGov, abiWord(0)
	case sp.code:
		r.GasUsed = gasDeploy
		r.ContractAddress = c.s.contractAddress(tx.From, sp.n, int64(sp.index))
	default:
		r.GasUsed = gasSet
		arg := tx.Input[4+32:]
		r.Logs = []Log{{Address: sp.to, Topics: [][]byte{c.s.topic("setValue(string)")}, Data: append(abiWord(32), arg...)}}
	}
	if c.cfg.V3 {
		r.Hash = c.receiptHash3(&r, sp.n)
	} else {
		r.RemainGas = 30000000 - r.GasUsed
		r.Hash = c.receiptHash2(&r)
	}
	return r
}

// head returns the newest block.
func (c *Chain) head() *Block {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.blocks[len(c.blocks)-1]
}

// run produces blocks every interval until stop is closed.
func (c *Chain) run(stop <-chan struct{}) error {
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return nil
		case now := <-t.C:
			ts := max(now.UnixMilli(), c.head().Timestamp+1)
			if err := c.produce(1, []int{c.cfg.TxsPerBlk}, ts, 0); err != nil {
				return err
			}
		}
	}
}

// bulk pre-generates blocks up to BulkBlocks, spreading BulkTxs over them
// and backdating timestamps so the chain ends about now.
func (c *Chain) bulk() error {
	have := int(c.head().Number)
	want := c.cfg.BulkBlocks
	if have >= want {
		return nil
	}
	per := make([]int, 0, want-have)
	for n := have + 1; n <= want; n++ {
		k := c.cfg.BulkTxs / want
		if n <= c.cfg.BulkTxs%want {
			k++
		}
		per = append(per, max(k, 1))
	}
	step := max(c.cfg.Interval.Milliseconds(), 1)
	ts := max(time.Now().UnixMilli()-int64(len(per))*step, c.head().Timestamp+1)
	return c.produce(len(per), per, ts, step)
}
