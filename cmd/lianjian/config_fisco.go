package main

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/fisco"
	"github.com/lianjian/lianjian/ledger/record"
)

// FiscoConfig is the node connection of a FISCO BCOS chain (one group).
type FiscoConfig struct {
	// RPC is the node's JSON-RPC endpoint: 2.x http://host:8545, 3.x
	// http://host:20200.
	RPC string `yaml:"rpc"`
	// Group is the 3.x group name (default group0) or the 2.x group id
	// (default 1).
	Group string `yaml:"group"`
	// Node is the 3.x node name sent with requests (optional).
	Node string `yaml:"node"`
	// Version pins the FISCO BCOS line (2 or 3); 0 detects it.
	Version int `yaml:"version"`
	// Sealers optionally pins the sealer node ids the first block must
	// carry; later changes must come from governance transactions.
	Sealers []string `yaml:"sealers"`
	Timeout Duration `yaml:"timeout"`
}

func (ch *ChainConfig) validateFisco(key string) error {
	if ch.Fisco == nil {
		return bad(key+".fisco", "is missing for a chain of kind fisco")
	}
	if err := ch.fiscoConfig().Validate(); err != nil {
		return bad(key+".fisco", "%s", reason(err))
	}
	return nil
}

func (ch *ChainConfig) fiscoConfig() fisco.ClientConfig {
	f := ch.Fisco
	cc := fisco.ClientConfig{
		Config: fisco.Config{Chain: ch.ID, Group: f.Group, Version: f.Version, Sealers: f.Sealers},
		URL:    f.RPC, Node: f.Node, Timeout: time.Duration(f.Timeout), FetchCode: true,
	}
	if ledger.Crypto(ch.Crypto) == ledger.CryptoGM {
		cc.Suite = fisco.SuiteGM
	}
	return cc
}

// resumer is a source whose chain checks continue from the newest stored
// block and the chain's governance history after a restart.
type resumer interface {
	Resume(b *ledger.Block, history []ledger.Tx)
}

// resumeStore is what resume reads from the index.
type resumeStore interface {
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	Governance(ctx context.Context, chain string, p ledger.Page) ([]record.GovernanceRecord, string, error)
}

// resume hands a resumer the newest block stored for its chain and the
// governance transactions stored before it, oldest first.
func resume(ctx context.Context, src ledger.Source, db resumeStore, chain string) error {
	r, ok := src.(resumer)
	if !ok {
		return nil
	}
	cp, err := db.Checkpoint(ctx, chain)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	b, err := db.Block(ctx, chain, cp.Height)
	if err != nil {
		return err
	}
	history, err := fisco.History(ctx, db, chain, cp.Height)
	if err != nil {
		return err
	}
	r.Resume(b, history)
	return nil
}

// dialChain connects to the node of an EVM or FISCO BCOS chain and returns
// its source with the chain's model as the node describes it.
func dialChain(ctx context.Context, ch *ChainConfig) (ledger.Source, ledger.Chain, func(), error) {
	m := ch.model()
	if ledger.Kind(ch.Kind) == ledger.KindFisco {
		c, err := fisco.Dial(ctx, ch.fiscoConfig())
		if err != nil {
			return nil, m, nil, err
		}
		m.Group = ch.Fisco.Group
		if m.Group == "" {
			m.Group = map[int]string{2: "1", 3: "group0"}[c.Info().Version]
		}
		m.Network = "FISCO BCOS " + c.Info().ClientVersion
		if id, err := strconv.ParseUint(c.Info().ChainID, 10, 64); err == nil {
			m.ChainID = id
		}
		return c, m, c.Close, nil
	}
	c, err := evm.Dial(ctx, ch.evmConfig())
	if err != nil {
		return nil, m, nil, err
	}
	m.ChainID = c.ChainID()
	return c, m, c.Close, nil
}
