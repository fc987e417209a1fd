package index

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Contract scan statuses.
const (
	// ScanDone marks a scan whose findings are stored.
	ScanDone = "scanned"
	// ScanPending marks a chaincode definition seen in _lifecycle that
	// no scan has been attached to yet.
	ScanPending = "pending"
	// ScanFailed marks code the scanner could not analyse.
	ScanFailed = "failed"
)

// Contract scan kinds and origins.
const (
	ScanKindEVM       = "evm"
	ScanKindChaincode = "chaincode"

	ScanByWatcher = "watcher"  // automatic scan of deployed code
	ScanByAuditor = "attached" // an auditor attached a source scan
)

// ContractScan records the scan of one deployed EVM contract or one
// chaincode definition (name, version, sequence), with the ids of the
// findings it produced.
type ContractScan struct {
	Chain    string `json:"chain"`
	Kind     string `json:"kind"` // ScanKindEVM or ScanKindChaincode
	Ref      string `json:"ref"`  // lower-case address or chaincode name
	Version  string `json:"version,omitempty"`
	Sequence uint64 `json:"sequence,omitempty"` // 0 for EVM contracts
	DeployTx string `json:"deployTx,omitempty"`
	Deployer string `json:"deployer,omitempty"`
	Height   uint64 `json:"height"`
	CodeHash string `json:"codeHash,omitempty"` // hex
	Status   string `json:"status"`             // ScanDone, ScanPending or ScanFailed
	By       string `json:"by"`                 // ScanByWatcher or ScanByAuditor
	// Tool names the scanner and its version; Source describes what an
	// auditor scanned (a path, a repository and commit, a digest).
	Tool     string                  `json:"tool,omitempty"`
	Source   string                  `json:"source,omitempty"`
	Error    string                  `json:"error,omitempty"`
	Findings []string                `json:"findings,omitempty"`
	Counts   map[ledger.Severity]int `json:"counts,omitempty"`
	Time     time.Time               `json:"time"`
}

func (s *ContractScan) key() []byte {
	return contractScanKey(s.Chain, strings.ToLower(s.Ref), s.Sequence)
}

func (s *ContractScan) validate() error {
	if !ValidChainID(s.Chain) || s.Ref == "" || strings.Contains(s.Ref, "/") {
		return fmt.Errorf("%w: contract scan %q of chain %q", ledger.ErrInvalid, s.Ref, s.Chain)
	}
	return nil
}

// ContractScanCheckpoint returns the last block the contract scan watcher
// finished for chain; ledger.ErrNotFound when it has not started.
func (d *DB) ContractScanCheckpoint(ctx context.Context, chain string) (ledger.Checkpoint, error) {
	var cp ledger.Checkpoint
	err := d.view(func(txn kv) error { return get(txn, contractScanCheckpointKey(chain), &cp) })
	return cp, err
}

// CommitContractScans stores the scans and findings of one block and moves
// the watcher checkpoint to cp, in one transaction. A pending record never
// replaces a finished scan of the same definition.
func (d *DB) CommitContractScans(ctx context.Context, chain string, cp ledger.Checkpoint, scans []ContractScan, fs []ledger.Finding) error {
	for i := range scans {
		if err := scans[i].validate(); err != nil {
			return err
		}
	}
	return d.update(ctx, func(txn kv) error {
		for i := range scans {
			if err := putScan(txn, &scans[i]); err != nil {
				return err
			}
		}
		if err := putFindings(txn, fs); err != nil {
			return err
		}
		return put(txn, contractScanCheckpointKey(chain), cp)
	})
}

// PutContractScan stores one scan with its findings, as an auditor's
// attached scan does.
func (d *DB) PutContractScan(ctx context.Context, s ContractScan, fs []ledger.Finding) error {
	if err := s.validate(); err != nil {
		return err
	}
	return d.update(ctx, func(txn kv) error {
		if err := putScan(txn, &s); err != nil {
			return err
		}
		return putFindings(txn, fs)
	})
}

func putScan(txn kv, s *ContractScan) error {
	if s.Status == ScanPending {
		var old ContractScan
		switch err := get(txn, s.key(), &old); {
		case err == nil:
			return nil // already recorded, perhaps already scanned
		case !errors.Is(err, ledger.ErrNotFound):
			return err
		}
	}
	return put(txn, s.key(), s)
}

// ContractScan returns the scan of a contract (seq 0) or of one chaincode
// definition.
func (d *DB) ContractScan(ctx context.Context, chain, ref string, seq uint64) (*ContractScan, error) {
	var s ContractScan
	err := d.view(func(txn kv) error { return get(txn, contractScanKey(chain, strings.ToLower(ref), seq), &s) })
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("contract scan %s#%d: %w", ref, seq, ledger.ErrNotFound)
	}
	return &s, err
}

// ContractScans lists a chain's contract scans in reference and sequence
// order; ref, when set, limits the list to one contract or chaincode.
func (d *DB) ContractScans(ctx context.Context, chain, ref string, p ledger.Page) ([]*ContractScan, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	prefix := contractScanPrefix(chain)
	if ref != "" {
		prefix = contractScanRefPrefix(chain, strings.ToLower(ref))
	}
	var out []*ContractScan
	next := ""
	err = d.view(func(txn kv) error {
		start, err := cursorKey(prefix, p.Cursor)
		if err != nil {
			return err
		}
		return scan(txn, prefix, start, func(k, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			if len(out) == limit {
				next = hex.EncodeToString(k[len(prefix):])
				return false, nil
			}
			var s ContractScan
			if err := decode(v, &s); err != nil {
				return false, err
			}
			out = append(out, &s)
			return true, nil
		})
	})
	return out, next, err
}
