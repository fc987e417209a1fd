# Lianjian (链鉴) — blockchain security supervision.
# `make help` lists the targets.

GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
TEST_FLAGS ?= -count=1 -timeout 75m
BENCH_COUNT ?= 5

.PHONY: help build tools test test-short bench bench-api bench-1m bench-api-reopen fabric-ledger fuzz lint vet tidy-check docs demo demo-cluster clean

#? help: list the targets
help:
	@grep -E '^#\? ' $(MAKEFILE_LIST) | sed 's/^#? /  /'

#? build: build bin/lianjian
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/lianjian ./cmd/lianjian

#? tools: build (once, cached in .cache/) the real geth and Fabric used by tests and the demo
tools:
	$(GO) run ./internal/testnet/cmd/tools

#? test: run every test, including integration tests against real geth and Fabric
test: tools
	$(GO) test $(TEST_FLAGS) ./...
	cd internal/testnet/chaincode && $(GO) test -count=1 ./...
	cd internal/testnet/tools/fisco && $(GO) test -count=1 ./...

#? test-short: run unit tests only (no real networks)
test-short:
	$(GO) test -short -count=1 ./...

FABRIC_LEDGER := $(CURDIR)/.cache/fabric-ledger

#? bench: run the benchmarks with their same-run baselines (see docs/benchmarks.md)
bench: tools fabric-ledger
	@mkdir -p $(BIN)
	$(GO) test -run '^$$' -bench IngestVsFetch -benchtime 3x -count $(BENCH_COUNT) -timeout 60m ./ledger/evm/ | tee $(BIN)/bench.txt
	$(GO) test -run '^$$' -bench Bulk -benchtime 3x -count $(BENCH_COUNT) -timeout 60m ./ledger/fabric/ | tee -a $(BIN)/bench.txt
	$(GO) test -run '^$$' -bench BenchmarkAudit -benchtime 5x -count $(BENCH_COUNT) -timeout 60m ./audit/ | tee -a $(BIN)/bench.txt
	$(GO) test -run '^$$' -bench FiscoVerify -benchtime 3x -count $(BENCH_COUNT) -timeout 60m ./ledger/fisco/ | tee -a $(BIN)/bench.txt
	$(GO) test -run '^$$' -bench . -count $(BENCH_COUNT) ./audit/ecfast/ | tee -a $(BIN)/bench.txt
	$(GO) test -run '^$$' -bench 'ScanCorpus' -benchtime 20x -count 3 ./contracts/evm/ | tee -a $(BIN)/bench.txt

#? bench-api: load-test the API over an index of 1 M transactions (api/testdata/BENCH.md)
bench-api:
	@mkdir -p $(BIN)
	$(GO) test ./api -run '^TestLoad$$' -load -load.dir $(BIN)/loadidx -load.conns 1 -v -timeout 60m

# bench-1m's ledger (about 3 GiB) and index; BIG_TX transactions in
# blocks of BIG_BLOCK.
BIG_LEDGER ?= $(CURDIR)/$(BIN)/big1m
BIG_INDEX  ?= $(CURDIR)/$(BIN)/big1m-index
BIG_TX     ?= 1000000
BIG_BLOCK  ?= 500
TIMEV      := /usr/bin/time -v -o

#? bench-1m: issue 16 at production size: verify, ingest and audit a generated ledger of 1 M Fabric txs in blocks of 500, max RSS and CPU in bin/big1m-*.time (docs/benchmarks.md)
bench-1m: build
	@test -d $(BIG_LEDGER)/chains || $(GO) test ./audit -run '^TestGenerateLedger$$' -gen.out $(BIG_LEDGER) -gen.tx $(BIG_TX) -gen.block $(BIG_BLOCK) -v -count=1 -timeout 0
	rm -rf $(BIG_INDEX)
	$(TIMEV) $(BIN)/big1m-verify.time $(BIN)/lianjian verify -q $(BIG_LEDGER)
	$(TIMEV) $(BIN)/big1m-ingest.time $(BIN)/lianjian ingest --data-dir $(BIG_INDEX) --fabric-dir $(BIG_LEDGER) --chain big
	$(TIMEV) $(BIN)/big1m-audit.time $(BIN)/lianjian audit --data-dir $(BIG_INDEX) --chain big-mychannel --from 0
	@grep -H -E 'Maximum resident|User time|System time|Elapsed' $(BIN)/big1m-*.time

#? bench-api-reopen: the API over 1 M txs with 4 connections, then its first minute after a reopen in a fresh process (api/testdata/BENCH.md)
bench-api-reopen:
	@mkdir -p $(BIN)
	$(GO) test ./api -run '^TestLoad$$' -load -load.dir $(CURDIR)/$(BIN)/loadidx -load.conns 4 -v -count=1 -timeout 60m
	$(GO) test -c -o $(BIN)/api.test ./api
	cd api && $(TIMEV) $(CURDIR)/$(BIN)/api-reopen.time $(CURDIR)/$(BIN)/api.test -test.run '^TestLoad$$' -load -load.dir $(CURDIR)/$(BIN)/loadidx -load.conns 4 -load.first 60s -test.v -test.timeout 60m
	@grep -H 'Maximum resident' $(BIN)/api-reopen.time

#? fabric-ledger: a bulk Fabric ledger (>= 5,000 txs) from a real network, in .cache/fabric-ledger
fabric-ledger: $(FABRIC_LEDGER)/.done
$(FABRIC_LEDGER)/.done:
	rm -rf $(FABRIC_LEDGER)
	$(GO) run ./internal/testnet/fabnet/cmd/fabnet up --dir $(FABRIC_LEDGER) --tx 5000 --block-size 50 --exit
	touch $@

#? fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

#? vet: go vet
vet:
	$(GO) vet ./...

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

#? lint: gofmt, go vet, staticcheck and the import rules (internal/archtest)
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...
	$(GO) test -count=1 ./internal/archtest/

#? tidy-check: fail when go.mod or go.sum are not tidy
tidy-check:
	$(GO) mod tidy -diff

#? docs: regenerate docs/rules.md from the rule declarations
docs: build
	$(BIN)/lianjian rules --format markdown > docs/rules.md

#? demo: start a local geth with real traffic plus lianjian serve, and print what to look at
# The demo runs as its own binary, not under go run, which exits 1 when
# interrupted even after the demo's clean shutdown on Ctrl-C.
demo: build tools
	$(GO) build -o $(BIN)/demo ./internal/demo
	$(BIN)/demo --lianjian $(BIN)/lianjian

#? demo-cluster: the demo chains with PostgreSQL, a 3-node NATS JetStream cluster, two workers and one API server, printing where each runs
demo-cluster: build tools
	$(GO) build -o $(BIN)/demo ./internal/demo
	$(BIN)/demo --lianjian $(BIN)/lianjian --cluster

#? clean: remove build output (keeps the .cache of built chain binaries)
clean:
	rm -rf $(BIN)
