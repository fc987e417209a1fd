package index

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/supervise"
)

func scanKey(s *record.ContractScan) []byte {
	return contractScanKey(s.Chain, strings.ToLower(s.Ref), s.Sequence)
}

func validateScan(s *record.ContractScan) error {
	if !ledger.ValidChainID(s.Chain) || s.Ref == "" || strings.Contains(s.Ref, "/") {
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
func (d *DB) CommitContractScans(ctx context.Context, chain string, cp ledger.Checkpoint, scans []record.ContractScan, fs []ledger.Finding) error {
	for i := range scans {
		if err := validateScan(&scans[i]); err != nil {
			return err
		}
	}
	return d.withFindings(ctx, fs, func(ws []supervise.Write) error {
		return d.update(ctx, func(txn kv) error {
			for i := range scans {
				if err := putScan(txn, &scans[i]); err != nil {
					return err
				}
			}
			if err := putFindings(txn, ws); err != nil {
				return err
			}
			return put(txn, contractScanCheckpointKey(chain), cp)
		})
	})
}

// PutContractScan stores one scan with its findings, as an auditor's
// attached scan does.
func (d *DB) PutContractScan(ctx context.Context, s record.ContractScan, fs []ledger.Finding) error {
	if err := validateScan(&s); err != nil {
		return err
	}
	return d.withFindings(ctx, fs, func(ws []supervise.Write) error {
		return d.update(ctx, func(txn kv) error {
			if err := putScan(txn, &s); err != nil {
				return err
			}
			return putFindings(txn, ws)
		})
	})
}

func putScan(txn kv, s *record.ContractScan) error {
	if s.Status == record.ScanPending {
		var old record.ContractScan
		switch err := get(txn, scanKey(s), &old); {
		case err == nil:
			return nil // already recorded, perhaps already scanned
		case !errors.Is(err, ledger.ErrNotFound):
			return err
		}
	}
	return put(txn, scanKey(s), s)
}

// ContractScan returns the scan of a contract (seq 0) or of one chaincode
// definition.
func (d *DB) ContractScan(ctx context.Context, chain, ref string, seq uint64) (*record.ContractScan, error) {
	var s record.ContractScan
	err := d.view(func(txn kv) error { return get(txn, contractScanKey(chain, strings.ToLower(ref), seq), &s) })
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("contract scan %s#%d: %w", ref, seq, ledger.ErrNotFound)
	}
	return &s, err
}

// ContractScans lists a chain's contract scans in reference and sequence
// order; ref, when set, limits the list to one contract or chaincode.
func (d *DB) ContractScans(ctx context.Context, chain, ref string, p ledger.Page) ([]*record.ContractScan, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	prefix := contractScanPrefix(chain)
	if ref != "" {
		prefix = contractScanRefPrefix(chain, strings.ToLower(ref))
	}
	var out []*record.ContractScan
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
			var s record.ContractScan
			if err := decode(v, &s); err != nil {
				return false, err
			}
			out = append(out, &s)
			return true, nil
		})
	})
	return out, next, err
}
