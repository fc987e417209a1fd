package index

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// PutToken stores a new API token. It refuses to overwrite an existing
// token id.
func (d *DB) PutToken(ctx context.Context, t supervise.Token) error {
	if t.ID == "" || len(t.Hash) == 0 {
		return fmt.Errorf("%w: token without id or hash", ledger.ErrInvalid)
	}
	return d.update(ctx, func(txn kv) error {
		if ok, err := txn.Has(tokenKey(t.ID)); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: token %s exists", ledger.ErrInvalid, t.ID)
		}
		return put(txn, tokenKey(t.ID), t)
	})
}

// Token returns a token by its public id.
func (d *DB) Token(ctx context.Context, id string) (supervise.Token, error) {
	var t supervise.Token
	err := d.view(func(txn kv) error { return get(txn, tokenKey(id), &t) })
	if errors.Is(err, ledger.ErrNotFound) {
		return t, fmt.Errorf("token %s: %w", id, ledger.ErrNotFound)
	}
	return t, err
}

// Tokens lists every token, revoked ones included, in id order.
func (d *DB) Tokens(ctx context.Context) ([]supervise.Token, error) {
	var out []supervise.Token
	err := d.view(func(txn kv) error {
		return scan(txn, []byte{tagToken, '/'}, nil, func(_, v []byte) (bool, error) {
			var t supervise.Token
			if err := decode(v, &t); err != nil {
				return false, err
			}
			out = append(out, t)
			return true, nil
		})
	})
	return out, err
}

// RevokeToken marks a token revoked at the given time. Revoking twice
// keeps the first time.
func (d *DB) RevokeToken(ctx context.Context, id string, at time.Time) (supervise.Token, error) {
	var t supervise.Token
	err := d.update(ctx, func(txn kv) error {
		if err := get(txn, tokenKey(id), &t); err != nil {
			if errors.Is(err, ledger.ErrNotFound) {
				return fmt.Errorf("token %s: %w", id, ledger.ErrNotFound)
			}
			return err
		}
		if !t.Revoked.IsZero() {
			return nil
		}
		t.Revoked = at.UTC()
		return put(txn, tokenKey(id), t)
	})
	return t, err
}

// PutDelivery records an alert delivery.
func (d *DB) PutDelivery(ctx context.Context, r supervise.Delivery) error {
	if r.ID == "" {
		return fmt.Errorf("%w: delivery without id", ledger.ErrInvalid)
	}
	return d.update(ctx, func(txn kv) error { return put(txn, deliveryKey(r.Done.UnixNano(), r.ID), r) })
}

// Deliveries lists alert deliveries, newest first. The cursor is opaque.
func (d *DB) Deliveries(ctx context.Context, p ledger.Page) ([]supervise.Delivery, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	prefix := []byte{tagDelivery, '/'}
	var out []supervise.Delivery
	next := ""
	err = d.view(func(txn kv) error {
		start, err := cursorKey(prefix, p.Cursor)
		if err != nil {
			return err
		}
		if start == nil {
			start = append(bytes.Clone(prefix), 0xff)
		}
		it := txn.NewIterator(prefix, start[len(prefix):], true)
		defer it.Release()
		for it.Next() {
			k := it.Key()
			if len(out) == limit {
				next = hex.EncodeToString(k[len(prefix):])
				return nil
			}
			var r supervise.Delivery
			if err := decodeValue(it, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return it.Error()
	})
	return out, next, err
}
