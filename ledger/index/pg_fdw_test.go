package index

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// fdwSchema lays out the store on the coordinator with its four hash
// partitions on two other servers, through postgres_fdw: partitions 0
// and 1 on shard a, 2 and 3 on shard b. It stands in for a table
// distributed by chain with Citus, which cannot be installed here.
const fdwSchema = `
CREATE EXTENSION postgres_fdw;
CREATE SERVER shard_a FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '%d', dbname 'postgres');
CREATE SERVER shard_b FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '%d', dbname 'postgres');
CREATE USER MAPPING FOR postgres SERVER shard_a OPTIONS (user 'postgres');
CREATE USER MAPPING FOR postgres SERVER shard_b OPTIONS (user 'postgres');
CREATE TABLE kv (part text NOT NULL, key bytea NOT NULL, value bytea NOT NULL) PARTITION BY HASH (part);
CREATE FOREIGN TABLE kv_p0 PARTITION OF kv FOR VALUES WITH (MODULUS 4, REMAINDER 0) SERVER shard_a;
CREATE FOREIGN TABLE kv_p1 PARTITION OF kv FOR VALUES WITH (MODULUS 4, REMAINDER 1) SERVER shard_a;
CREATE FOREIGN TABLE kv_p2 PARTITION OF kv FOR VALUES WITH (MODULUS 4, REMAINDER 2) SERVER shard_b;
CREATE FOREIGN TABLE kv_p3 PARTITION OF kv FOR VALUES WITH (MODULUS 4, REMAINDER 3) SERVER shard_b;
CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO schema_migrations (version, name) VALUES (1, 'kv');
`

// shardTable is the table of one partition on its shard.
const shardTable = `CREATE TABLE %s (part text NOT NULL, key bytea NOT NULL, value bytea NOT NULL, PRIMARY KEY (key, part))`

// TestPGForeignPartitions runs the index on a coordinator whose store
// partitions live on two other PostgreSQL servers (postgres_fdw foreign
// partitions), commits and audits-style rewrites six chains, reads them
// back through the coordinator, and checks on the shards that every key
// of a chain went to one partition on one server.
func TestPGForeignPartitions(t *testing.T) {
	coord, a, b := pgtest.Start(t), pgtest.Start(t), pgtest.Start(t)
	for shard, tables := range map[*pgtest.Server][]string{a: {"kv_p0", "kv_p1"}, b: {"kv_p2", "kv_p3"}} {
		for _, tb := range tables {
			if _, err := shard.Exec("postgres", fmt.Sprintf(shardTable, tb)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := coord.Exec("postgres", fmt.Sprintf(fdwSchema, a.Port, b.Port)); err != nil {
		t.Fatal(err)
	}
	db := openPG(t, coord.DSN("postgres"))
	defer db.Close()
	ctx := context.Background()
	var chains []string
	for i := range 6 {
		id := fmt.Sprintf("chain-%d", i)
		chains = append(chains, id)
		if err := db.PutChain(ctx, ledger.Chain{ID: id, Kind: ledger.KindEVM}); err != nil {
			t.Fatal(err)
		}
		blocks := ledgertest.Chain(id, "main", 0, 5, nil)
		for _, blk := range blocks {
			if err := db.Commit(ctx, blk); err != nil {
				t.Fatalf("Commit(%s, %d) = %v", id, blk.Height, err)
			}
		}
		// A reorganisation rewrites keys already present (the
		// checkpoint, heights 3 and 4): foreign partitions take no
		// ON CONFLICT, so sets there delete, then insert.
		fork := ledgertest.Chain(id, "fork", 3, 2, blocks[2].Hash)
		reorg := ledger.Reorg{Chain: id, Ancestor: 2, Depth: 2, OldHashes: [][]byte{blocks[3].Hash, blocks[4].Hash},
			NewHashes: [][]byte{fork[0].Hash, fork[1].Hash}, Time: time.Unix(1700000000, 0)}
		if err := db.Rollback(ctx, reorg); err != nil {
			t.Fatalf("Rollback(%s) = %v", id, err)
		}
		for _, blk := range fork {
			if err := db.Commit(ctx, blk); err != nil {
				t.Fatalf("Commit(%s fork, %d) = %v", id, blk.Height, err)
			}
		}
		cp, err := db.Checkpoint(ctx, id)
		if err != nil || cp.Height != 4 || string(cp.Hash) != string(fork[1].Hash) {
			t.Fatalf("Checkpoint(%s) = %+v, %v; want the fork's head", id, cp, err)
		}
		got, err := db.Block(ctx, id, 4)
		if err != nil || string(got.Hash) != string(fork[1].Hash) || len(got.Txs) != len(fork[1].Txs) {
			t.Fatalf("Block(%s, 4) = %v, %v; want the fork's", id, got, err)
		}
	}
	listed, err := db.Chains(ctx)
	if err != nil || len(listed) != len(chains) {
		t.Fatalf("Chains = %d, %v; want %d", len(listed), err, len(chains))
	}
	// Each chain's keys are on one server, in one partition.
	where := map[string][]string{}
	for name, shard := range map[string]*pgtest.Server{"a": a, "b": b} {
		for _, tb := range []string{"kv_p0", "kv_p1", "kv_p2", "kv_p3"} {
			out, err := shard.Exec("postgres", fmt.Sprintf("SELECT part, count(*) FROM %s GROUP BY part ORDER BY part", tb))
			if err != nil {
				continue // the table is on the other shard
			}
			for l := range strings.SplitSeq(out, "\n") {
				if part, n, ok := strings.Cut(l, "|"); ok && n != "0" {
					where[part] = append(where[part], name+"/"+tb)
				}
			}
		}
	}
	servers := map[string]bool{}
	for _, id := range chains {
		if len(where[id]) != 1 {
			t.Errorf("keys of %s are in %v, want one partition", id, where[id])
			continue
		}
		servers[strings.Split(where[id][0], "/")[0]] = true
	}
	if len(servers) != 2 {
		t.Errorf("the six chains use servers %v; want both shards", servers)
	}
	for part, tables := range where {
		if !strings.HasPrefix(part, "chain-") && part != "" {
			t.Errorf("unexpected partition value %q in %v", part, tables)
		}
	}
	t.Logf("placement: %v", where)
}
