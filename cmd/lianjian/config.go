package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/storage/pgkv"
)

// Config is the configuration file of lianjian. Keys are documented in
// README.md; every key is optional except the chains to supervise.
type Config struct {
	DataDir string        `yaml:"data_dir"`
	Log     LogConfig     `yaml:"log"`
	API     APIConfig     `yaml:"api"`
	Index   IndexConfig   `yaml:"index"`
	Nodes   NodesConfig   `yaml:"nodes"`
	Chains  []ChainConfig `yaml:"chains"`

	AuditLog AuditLogConfig `yaml:"auditlog"`
	Cluster  ClusterConfig  `yaml:"cluster"`
}

// LogConfig configures logging.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// IndexConfig configures the index: badger under data_dir, or a
// PostgreSQL database when Store is a DSN.
type IndexConfig struct {
	SyncWrites        bool   `yaml:"sync_writes"`
	EncryptionKeyFile string `yaml:"encryption_key_file"`
	// Store, a postgres:// or postgresql:// DSN, keeps the index in
	// PostgreSQL instead of badger.
	Store string `yaml:"store"`
	// Partitions is the number of hash partitions of a new PostgreSQL
	// store (pgkv.DefaultPartitions when 0).
	Partitions int `yaml:"partitions"`
	// MappedBudgetMiB bounds the file-backed resident memory above which
	// the pages of badger's mapped tables are handed back to the kernel
	// (index.DefaultMappedBudget when 0; -1 turns the watch off).
	MappedBudgetMiB int64 `yaml:"mapped_budget_mib"`
}

// ChainConfig describes one supervised chain.
type ChainConfig struct {
	ID     string        `yaml:"id"`
	Name   string        `yaml:"name"`
	Kind   string        `yaml:"kind"`   // evm, fabric or fisco
	Crypto string        `yaml:"crypto"` // intl or gm
	EVM    *EVMConfig    `yaml:"evm"`
	Fabric *FabricConfig `yaml:"fabric"`
	Fisco  *FiscoConfig  `yaml:"fisco"`
	Ingest IngestConfig  `yaml:"ingest"`
}

// EVMConfig is the node connection of an EVM chain.
type EVMConfig struct {
	HTTP    string   `yaml:"http"`
	WS      string   `yaml:"ws"`
	ChainID uint64   `yaml:"chain_id"`
	Timeout Duration `yaml:"timeout"`
}

// IngestConfig tunes ingest of one chain.
type IngestConfig struct {
	From          uint64   `yaml:"from"`
	Batch         int      `yaml:"batch"`
	PollInterval  Duration `yaml:"poll_interval"`
	MaxReorgDepth int      `yaml:"max_reorg_depth"`
	MaxBytes      int64    `yaml:"max_bytes"`
}

// Duration is a time.Duration written as "2s" or "1m30s".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 2s or 1m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// LoadConfig reads and validates a configuration file. Unknown keys are
// errors, so that a misspelt key is never silently ignored.
func LoadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Defaults fills unset keys.
func (c *Config) Defaults() {
	if c.DataDir == "" {
		c.DataDir = "lianjian-data"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.API.Listen == "" {
		c.API.Listen = "127.0.0.1:8080"
	}
	for i := range c.Chains {
		ch := &c.Chains[i]
		if ch.Crypto == "" {
			ch.Crypto = string(ledger.CryptoIntl)
		}
		if ch.Kind == "" && ch.EVM != nil {
			ch.Kind = string(ledger.KindEVM)
		}
		if ch.Kind == "" && ch.Fabric != nil {
			ch.Kind = string(ledger.KindFabric)
		}
		if ch.Kind == "" && ch.Fisco != nil {
			ch.Kind = string(ledger.KindFisco)
		}
	}
}

// ConfigError names the key whose value is wrong.
type ConfigError struct {
	Key string
	Msg string
}

func (e *ConfigError) Error() string { return e.Key + ": " + e.Msg }

func bad(key, format string, a ...any) error {
	return &ConfigError{Key: key, Msg: fmt.Sprintf(format, a...)}
}

// Validate checks every key and names the first offending one.
func (c *Config) Validate() error {
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return bad("log.format", "%q is not text or json", c.Log.Format)
	}
	if _, _, err := net.SplitHostPort(c.API.Listen); err != nil {
		return bad("api.listen", "%q is not host:port", c.API.Listen)
	}
	if c.DataDir == "" {
		return bad("data_dir", "is empty")
	}
	if err := c.Index.validate(); err != nil {
		return err
	}
	if _, err := c.Nodes.config(); err != nil {
		return err
	}
	if err := c.AuditLog.validate(c.DataDir); err != nil {
		return err
	}
	if err := c.Cluster.validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range c.Chains {
		ch := &c.Chains[i]
		key := fmt.Sprintf("chains[%d]", i)
		if err := ch.validate(key); err != nil {
			return err
		}
		for _, id := range ch.chainIDs() {
			if seen[id] {
				return bad(key+".id", "chain id %q is used by another chain", id)
			}
			seen[id] = true
		}
	}
	return nil
}

func (ch *ChainConfig) validate(key string) error {
	if !ledger.ValidChainID(ch.ID) {
		return bad(key+".id", "%q must be 1-63 lower-case letters, digits, '.', '_' or '-'", ch.ID)
	}
	switch ledger.Crypto(ch.Crypto) {
	case ledger.CryptoIntl, ledger.CryptoGM:
	default:
		return bad(key+".crypto", "%q is not intl or gm", ch.Crypto)
	}
	switch ledger.Kind(ch.Kind) {
	case ledger.KindEVM:
		if ch.EVM == nil {
			return bad(key+".evm", "is missing for a chain of kind evm")
		}
		if err := ch.evmConfig().Validate(); err != nil {
			return bad(key+".evm", "%s", reason(err))
		}
	case ledger.KindFabric:
		if err := ch.validateFabric(key); err != nil {
			return err
		}
	case ledger.KindFisco:
		if err := ch.validateFisco(key); err != nil {
			return err
		}
	default:
		return bad(key+".kind", "%q is not a supported chain kind (evm, fabric or fisco)", ch.Kind)
	}
	ic := ch.ingestConfig(false)
	ic.Defaults()
	if err := ic.Validate(); err != nil {
		return bad(key+".ingest", "%s", reason(err))
	}
	return nil
}

func (ch *ChainConfig) evmConfig() evm.Config {
	return evm.Config{
		Chain: ch.ID, HTTP: ch.EVM.HTTP, WS: ch.EVM.WS, ChainID: ch.EVM.ChainID,
		Timeout: time.Duration(ch.EVM.Timeout), FetchCode: true,
	}
}

func (ch *ChainConfig) ingestConfig(follow bool) ledger.IngestConfig {
	return ledger.IngestConfig{
		From: ch.Ingest.From, Batch: ch.Ingest.Batch, PollInterval: time.Duration(ch.Ingest.PollInterval),
		MaxReorgDepth: ch.Ingest.MaxReorgDepth, MaxBytes: ch.Ingest.MaxBytes, Follow: follow,
	}
}

func (ch *ChainConfig) model() ledger.Chain {
	return ledger.Chain{ID: ch.ID, Name: ch.Name, Kind: ledger.Kind(ch.Kind), Crypto: ledger.Crypto(ch.Crypto)}
}

// models describes every chain the configured chain produces: one per
// channel of a Fabric network, otherwise the chain itself. Each is
// ingested and audited on its own.
func (ch *ChainConfig) models() []ledger.Chain {
	if ledger.Kind(ch.Kind) == ledger.KindFabric {
		return ch.fabricModels()
	}
	return []ledger.Chain{ch.model()}
}

// openIndex opens the index with the configured options, under
// data_dir or in the PostgreSQL database of index.store: the one way
// every command opens the store. mustExist refuses a database with no
// index yet. log may be nil.
func (c *Config) openIndex(log *slog.Logger, readOnly, mustExist bool) (*index.DB, error) {
	o, err := c.indexOptions()
	if err != nil {
		return nil, err
	}
	o.Logger, o.ReadOnly = log, readOnly
	if c.Index.Store == "" {
		return index.Open(c.DataDir, o)
	}
	s, err := pgkv.Open(context.Background(), c.pgConfig(mustExist))
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	db, err := index.OpenStore(s, o)
	if err != nil {
		s.Close()
		return nil, err
	}
	return db, nil
}

// pgConfig is the configuration of the PostgreSQL store of index.store,
// partitioned by chain.
func (c *Config) pgConfig(mustExist bool) pgkv.Config {
	return pgkv.Config{
		DSN: c.Index.Store, Partitions: c.Index.Partitions, MustExist: mustExist,
		Partition: index.KeyPartition, PrefixPartition: index.PrefixPartition,
	}
}

// validate checks the index keys.
func (ic *IndexConfig) validate() error {
	if ic.MappedBudgetMiB < -1 || ic.MappedBudgetMiB > 1<<20 {
		return bad("index.mapped_budget_mib", "want a size in MiB, 0 for the default or -1 for no limit, not %d", ic.MappedBudgetMiB)
	}
	if ic.Store == "" {
		if ic.Partitions != 0 {
			return bad("index.partitions", "applies to a PostgreSQL store (index.store) only")
		}
		return nil
	}
	if !pgkv.IsDSN(ic.Store) {
		return bad("index.store", "want a postgres:// or postgresql:// URL")
	}
	if ic.EncryptionKeyFile != "" {
		return bad("index.encryption_key_file", "does not apply to a PostgreSQL store: encrypt its disks or use its own encryption at rest")
	}
	if err := (pgkv.Config{DSN: ic.Store, Partitions: ic.Partitions}).Validate(); err != nil {
		return bad("index.store", "%s", strings.TrimPrefix(err.Error(), pgkv.ErrConfig.Error()+": "))
	}
	return nil
}

// indexOptions turns the index keys into badger options.
func (c *Config) indexOptions() (index.Options, error) {
	o := index.Options{SyncWrites: c.Index.SyncWrites, MappedBudget: c.Index.MappedBudgetMiB << 20}
	if c.Index.EncryptionKeyFile != "" {
		k, err := os.ReadFile(c.Index.EncryptionKeyFile)
		if err != nil {
			return o, bad("index.encryption_key_file", "%v", err)
		}
		o.EncryptionKey = bytes.TrimSpace(k)
		if err := o.Validate(); err != nil {
			return o, bad("index.encryption_key_file", "%s", reason(err))
		}
	}
	return o, nil
}

// reason strips the generic "invalid input" prefix from a validation error.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), ledger.ErrInvalid.Error()+": ")
}
