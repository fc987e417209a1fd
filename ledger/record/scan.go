package record

import (
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
