-- The key-value table, hash-partitioned by the chain a key belongs to
-- ('' for keys of no chain). The primary key leads with the key so that
-- one index serves point reads, ordered scans within a partition and
-- ordered scans across partitions (a merge of the partitions' indexes).
CREATE TABLE kv (
	part  text  NOT NULL,
	key   bytea NOT NULL,
	value bytea NOT NULL,
	PRIMARY KEY (key, part)
) PARTITION BY HASH (part);
{{range .Parts}}
CREATE TABLE kv_p{{.}} PARTITION OF kv FOR VALUES WITH (MODULUS {{$.Partitions}}, REMAINDER {{.}});
{{- end}}
-- Values may be up to 100 MB: keep them out of line, uncompressed
-- (blocks are mostly compressed or random bytes already).
ALTER TABLE kv ALTER COLUMN value SET STORAGE EXTERNAL;
