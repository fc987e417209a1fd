package pgkv

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"text/template"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles are the numbered schema migrations, NNNN_name.sql,
// applied in order. Each is a text/template of the partition count
// (.Partitions) and the partition numbers (.Parts). Never edit one that
// has shipped: add the next.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema step.
type migration struct {
	version int
	name    string
	sql     *template.Template
}

// migrations returns the embedded migrations in order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for i, n := range names { // fs.Glob sorts
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, name, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("pgkv: migration %s is not number %d", n, i+1)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		t, err := template.New(base).Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("pgkv: migration %s: %w", n, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: t})
	}
	return ms, nil
}

// SchemaVersion is the schema version this binary migrates a database
// to.
func SchemaVersion() int {
	ms, _ := migrations()
	return len(ms)
}

// migrationLock is the advisory lock key under which Open migrates, so
// that processes starting together migrate one after the other.
const migrationLock = 0x6c69616e6a69616e // "lianjian"

// migrate brings the schema of the database to this binary's version in
// one transaction, and refuses a newer one (and, when mustExist, one
// with no schema yet).
func migrate(ctx context.Context, pool *pgxpool.Pool, partitions int, mustExist bool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("pgkv: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
			return fmt.Errorf("pgkv: migrate: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("pgkv: migrate: %w", err)
		}
		if have == 0 && mustExist {
			return ErrNoSchema
		}
		if have > len(ms) {
			return fmt.Errorf("%w: it is at version %d, this binary knows versions up to %d; run a newer lianjian against it",
				ErrSchemaNewer, have, len(ms))
		}
		parts := make([]int, partitions)
		for i := range parts {
			parts[i] = i
		}
		for _, m := range ms[have:] {
			var sql bytes.Buffer
			if err := m.sql.Execute(&sql, map[string]any{"Partitions": partitions, "Parts": parts}); err != nil {
				return fmt.Errorf("pgkv: migration %d: %w", m.version, err)
			}
			if _, err := tx.Exec(ctx, sql.String()); err != nil {
				return fmt.Errorf("pgkv: migration %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("pgkv: migration %d: %w", m.version, err)
			}
		}
		return nil
	})
}
