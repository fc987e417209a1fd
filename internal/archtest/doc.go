// Package archtest holds the architecture test: it checks that third-party
// imports stay behind their owners, as STYLE.md requires (badger only in the
// index, gin only in api, go-ethereum only in the EVM adapter and scanner,
// Fabric protobufs and fabric-sdk-go only in the Fabric adapter, the
// PostgreSQL driver only in ledger/storage/pgkv; SM
// cryptography, protobuf, Prometheus, NATS and x/tools only in today's
// importers), that no package but the index and cmd links badger even
// indirectly (the stages' records live in ledger/record), and that nothing
// imports api or cmd.
package archtest
