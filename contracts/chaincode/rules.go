package chaincode

import (
	"fmt"
	"runtime/debug"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/lianjian/lianjian/ledger"
)

// Rule is a declared chaincode rule: its catalogue entry and the analyzer
// that reports it. Diagnostics carry the rule id as their Category.
type Rule struct {
	ledger.RuleInfo
	Analyzer *analysis.Analyzer
}

// Rule ids.
const (
	ruleGlobal        = "CC-GLOBAL-STATE"
	ruleMapOrder      = "CC-MAP-ORDER"
	ruleGoroutine     = "CC-GOROUTINE"
	ruleRand          = "CC-RANDOM"
	ruleTime          = "CC-SYSTEM-TIME"
	ruleExternal      = "CC-EXTERNAL-ACCESS"
	ruleNonStd        = "CC-NONSTD-LIB"
	rulePointer       = "CC-POINTER"
	rulePhantom       = "CC-PHANTOM-READ"
	ruleReadYourWrite = "CC-READ-YOUR-WRITE"
	ruleCrossChannel  = "CC-CROSS-CHANNEL"
	ruleField         = "CC-CHAINCODE-FIELD"
)

const yamashita = "https://doi.org/10.1109/IWBOSE.2019.8666486"

// The chaincode rules.
var (
	GlobalState = flowRule(ruleGlobal, "ccglobalstate", ledger.High, "Yamashita2019:global-state",
		"Package-level variable written by chaincode",
		"A package-level variable written outside package initialisation keeps state in the chaincode process. That state is not on the ledger: it differs between peers (each started, restarted and invoked at different times), so endorsements diverge, and it is lost on restart. Keep the value in the world state (PutState) or derive it from the transaction.")
	MapOrder = flowRule(ruleMapOrder, "ccmaporder", ledger.High, "Yamashita2019:map-iteration",
		"Map iteration order reaches state or response",
		"Go randomises the iteration order of maps. A slice, string or buffer built while ranging over a map has a different order on each endorser, so the written value or the response differs and endorsement fails or, worse, different peers commit different bytes. Collect the keys, sort them (sort.Strings, slices.Sort) and iterate the sorted keys.")
	Goroutine = flowRule(ruleGoroutine, "ccgoroutine", ledger.Medium, "Yamashita2019:concurrency",
		"Goroutine in chaincode",
		"Goroutines make the order of state reads, writes and results depend on the scheduler, which differs between endorsers; the shim's stub is also not safe for concurrent use. Run the work sequentially inside the transaction.")
	Random = flowRule(ruleRand, "ccrandom", ledger.High, "Yamashita2019:random",
		"Random number generation",
		"math/rand and crypto/rand give each endorser a different value, so endorsements never match (or, with a single endorser, the peer decides unverifiable values). Derive pseudo-random values deterministically from the transaction (tx id, inputs) or generate them off-chain and pass them in.")
	SystemTime = flowRule(ruleTime, "ccsystemtime", ledger.Medium, "Yamashita2019:timestamp",
		"System time in chaincode",
		"time.Now and friends read the peer's clock, which differs between endorsers and from the time the transaction is ordered. Use stub.GetTxTimestamp(), which is the client's signed timestamp and the same on every endorser.")
	ExternalAccess = flowRule(ruleExternal, "ccexternal", ledger.High, "Yamashita2019:web-service,Yamashita2019:system-command,Yamashita2019:external-file",
		"External network, file, process or environment access",
		"Calls to web services, other network endpoints, files, processes or the environment give each endorser different answers and let the outside world steer chaincode. Bring external data in through transaction arguments (an oracle) and keep chaincode a pure function of the ledger and its inputs.")
	Pointer = flowRule(rulePointer, "ccpointer", ledger.Medium, "Yamashita2019:reified-object-address",
		"Memory address reaches state or response",
		"A pointer printed with %p, a uintptr or unsafe.Pointer converted to a number is the address of an object in one process. It differs between peers and runs, so a state value or response built from it diverges. Use a stable identifier instead.")
	PhantomRead = flowRule(rulePhantom, "ccphantomread", ledger.Medium, "Yamashita2019:range-query",
		"Query result used to write state",
		"Range queries (GetStateByRange, partial composite keys) are re-executed at commit, so a concurrent change invalidates the transaction with PHANTOM_READ_CONFLICT. Rich queries (GetQueryResult), history queries and private data range queries are not re-executed at all: a write computed from their results can rest on stale or incomplete data without any conflict. Read the keys you depend on with GetState, or keep query-driven updates to read-only transactions plus a second, key-based update.")
	ReadYourWrite = flowRule(ruleReadYourWrite, "ccreadyourwrite", ledger.Medium, "Yamashita2019:read-your-write",
		"Read of a key written earlier in the same transaction",
		"Fabric's transaction simulator does not apply writes until commit: GetState after PutState of the same key in one transaction returns the value committed before the transaction. Code that expects to read its own write works on stale data. Keep the written value in a variable.")
	CrossChannel = flowRule(ruleCrossChannel, "cccrosschannel", ledger.Medium, "Yamashita2019:cross-channel-invocation",
		"Chaincode invoked on another channel",
		"InvokeChaincode with a channel other than the current one only queries: the called chaincode's writes are discarded and its reads are not part of the transaction's read set, so they are not validated. Do not rely on such calls for updates or for consistent reads; pass an empty channel to call chaincode on the same channel.")
)

func flowRule(id, name string, sev ledger.Severity, clause, title, doc string) *Rule {
	r := &Rule{RuleInfo: ledger.RuleInfo{
		ID: id, Title: title, Doc: doc, Severity: sev, Category: ledger.CatContract,
		Clauses: strings.Split(clause, ","), Sources: []string{yamashita},
	}}
	r.Analyzer = &analysis.Analyzer{
		Name:     name,
		Doc:      title + "\n\n" + doc,
		Requires: []*analysis.Analyzer{Flow},
		Run: guard(func(pass *analysis.Pass) (any, error) {
			res, _ := pass.ResultOf[Flow].(*flowResult)
			if res == nil {
				return nil, nil
			}
			for _, rep := range res.reports {
				if rep.rule == id {
					pass.Report(analysis.Diagnostic{Pos: rep.pos, Category: id, Message: rep.msg})
				}
			}
			return nil, nil
		}),
	}
	return r
}

// guard turns a panic of an analyzer into an error wrapping ErrInternal,
// so that no Go input can crash the process running the analyzers.
func guard(run func(*analysis.Pass) (any, error)) func(*analysis.Pass) (any, error) {
	return func(pass *analysis.Pass) (res any, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %s: %v\n%s", ErrInternal, pass.Pkg.Path(), r, debug.Stack())
			}
		}()
		return run(pass)
	}
}

// Rules returns every chaincode rule in catalogue order.
func Rules() []*Rule {
	return []*Rule{
		ChaincodeField, CrossChannel, ExternalAccess, GlobalState, Goroutine, MapOrder,
		NonStandardLib, PhantomRead, Pointer, Random, ReadYourWrite, SystemTime,
	}
}

// Analyzers returns the analyzers of every rule.
func Analyzers() []*analysis.Analyzer {
	rs := Rules()
	out := make([]*analysis.Analyzer, len(rs))
	for i, r := range rs {
		out[i] = r.Analyzer
	}
	return out
}

func init() {
	for _, r := range Rules() {
		ledger.Register(&r.RuleInfo)
	}
}
