package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/watch"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// ScanStore is the part of the index the contract scan routes use: the
// automatic scans' records and the writes an auditor's attached scan
// makes. The routes answer 503 when the index does not implement it.
type ScanStore interface {
	ContractScans(ctx context.Context, chain, ref string, p ledger.Page) ([]*record.ContractScan, string, error)
	ChaincodeHistory(ctx context.Context, chain, name string) ([]ledger.Contract, error)
	PutContractScan(ctx context.Context, s record.ContractScan, fs []ledger.Finding) error
	PutFindings(ctx context.Context, fs []ledger.Finding) error
}

// maxScanFindings bounds the findings of one submitted scan.
const maxScanFindings = 5000

// ContractScanView is the scan of a deployed EVM contract or of a
// chaincode definition.
type ContractScanView struct {
	Chain    string         `json:"chain"`
	Kind     string         `json:"kind"` // evm or chaincode
	Ref      string         `json:"ref"`  // address or chaincode name
	Version  string         `json:"version,omitempty"`
	Sequence uint64         `json:"sequence,omitempty"`
	DeployTx string         `json:"deployTx,omitempty"`
	Deployer string         `json:"deployer,omitempty"`
	Height   uint64         `json:"height"`
	CodeHash string         `json:"codeHash,omitempty"`
	Status   string         `json:"status"` // scanned, pending or failed
	By       string         `json:"by"`     // watcher or attached
	Tool     string         `json:"tool,omitempty"`
	Source   string         `json:"source,omitempty"`
	Error    string         `json:"error,omitempty"`
	Findings []string       `json:"findings"`
	Counts   map[string]int `json:"counts"`
	Time     time.Time      `json:"time"`
}

func contractScanView(s *record.ContractScan) ContractScanView {
	v := ContractScanView{
		Chain: s.Chain, Kind: s.Kind, Ref: s.Ref, Version: s.Version, Sequence: s.Sequence, DeployTx: s.DeployTx,
		Deployer: s.Deployer, Height: s.Height, CodeHash: s.CodeHash, Status: s.Status, By: s.By, Tool: s.Tool,
		Source: s.Source, Error: s.Error, Findings: s.Findings, Counts: map[string]int{}, Time: s.Time,
	}
	if v.Findings == nil {
		v.Findings = []string{}
	}
	for sev, n := range s.Counts {
		v.Counts[string(sev)] = n
	}
	return v
}

// ScanBytecodeInput places a submitted finding in EVM bytecode.
type ScanBytecodeInput struct {
	PC       int    `json:"pc"`
	Selector string `json:"selector,omitempty"`
}

// ScanLocationInput places a submitted finding in the scanned artifact.
type ScanLocationInput struct {
	Path     string             `json:"path,omitempty"`
	Contract string             `json:"contract,omitempty"`
	Function string             `json:"function,omitempty"`
	Line     int                `json:"line,omitempty"`
	EndLine  int                `json:"endLine,omitempty"`
	Column   int                `json:"column,omitempty"`
	Bytecode *ScanBytecodeInput `json:"bytecode,omitempty"`
}

// ScanFindingInput is one finding of a submitted scan, as `lianjian scan
// --format json` prints it.
type ScanFindingInput struct {
	Rule     string            `json:"rule"`
	Severity string            `json:"severity,omitempty"` // default: the rule's
	SWC      string            `json:"swc,omitempty"`
	Message  string            `json:"message"`
	Location ScanLocationInput `json:"location"`
	Evidence map[string]string `json:"evidence,omitempty"`
}

// ScanRequest submits the findings of a contract scan run elsewhere, such
// as `lianjian scan --server`.
type ScanRequest struct {
	// Version and Sequence name the chaincode definition an attached
	// scan belongs to; Sequence is required there, Version checked when
	// set.
	Version  string             `json:"version,omitempty"`
	Sequence uint64             `json:"sequence,omitempty"`
	Tool     string             `json:"tool,omitempty"`
	Source   string             `json:"source"` // what was scanned: path, repository@commit, digest
	Findings []ScanFindingInput `json:"findings"`
}

// ScanResultView answers a submitted scan with the ids of the stored
// findings.
type ScanResultView struct {
	Stored   int               `json:"stored"`
	Findings []string          `json:"findings"`
	Scan     *ContractScanView `json:"scan,omitempty"`
}

func (r *ScanRequest) findings() ([]contracts.Finding, error) {
	if len(r.Findings) > maxScanFindings {
		return nil, badParam("findings", "more than %d findings", maxScanFindings)
	}
	if _, err := name("source", r.Source, maxNameLen*4); err != nil && r.Source != "" {
		return nil, err
	}
	out := make([]contracts.Finding, len(r.Findings))
	for i, f := range r.Findings {
		l := f.Location
		out[i] = contracts.Finding{
			Rule: f.Rule, Severity: ledger.Severity(f.Severity), SWC: f.SWC, Message: f.Message, Evidence: f.Evidence,
			Location: contracts.Location{Path: l.Path, Contract: l.Contract, Function: l.Function, Line: l.Line, EndLine: l.EndLine, Column: l.Column},
		}
		if l.Bytecode != nil {
			out[i].Location.Bytecode = &contracts.Bytecode{PC: l.Bytecode.PC, Selector: l.Bytecode.Selector}
		}
	}
	return out, nil
}

// knownChain refuses a scan for a chain the index does not hold: its
// findings would be stored under a chain no other route knows.
func (s *Server) knownChain(ctx context.Context, chain string) error {
	_, err := s.idx.Chain(ctx, chain)
	if errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrUnknownChain) {
		return &unknownChainError{chain: chain}
	}
	return err
}

// scanStore returns the index as a ScanStore.
func (s *Server) scanStore() (ScanStore, error) {
	st, ok := s.idx.(ScanStore)
	if !ok {
		return nil, fmt.Errorf("%w: contract scans", errNoSupervisor)
	}
	return st, nil
}

// contractScans lists a chain's contract scans, optionally of one
// contract or chaincode (?ref=).
func (s *Server) contractScans(c *gin.Context) (any, error) {
	return s.listScans(c, c.Query("ref"))
}

// contractScansOf lists the scans of one contract or chaincode.
func (s *Server) contractScansOf(c *gin.Context) (any, error) {
	addr, err := addrParam(c)
	if err != nil {
		return nil, err
	}
	return s.listScans(c, addr)
}

func (s *Server) listScans(c *gin.Context, ref string) (any, error) {
	st, err := s.scanStore()
	if err != nil {
		return nil, err
	}
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	if ref != "" {
		if ref, err = name("ref", ref, maxAddrLen); err != nil {
			return nil, err
		}
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	scans, next, err := st.ContractScans(c.Request.Context(), chain, ref, p)
	if err != nil {
		return nil, err
	}
	out := make([]ContractScanView, 0, len(scans))
	for _, sc := range scans {
		out = append(out, contractScanView(sc))
	}
	return list(out, next), nil
}

// submitScan stores the findings of a source or bytecode scan that is not
// tied to a chaincode definition.
func (s *Server) submitScan(c *gin.Context) (any, error) {
	st, err := s.scanStore()
	if err != nil {
		return nil, err
	}
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	var body ScanRequest
	if err := bindJSON(c, &body); err != nil {
		return nil, err
	}
	fs, err := body.findings()
	if err != nil {
		return nil, err
	}
	if body.Source == "" {
		return nil, badParam("source", "must not be empty")
	}
	if err := s.knownChain(c.Request.Context(), chain); err != nil {
		return nil, err
	}
	ids, err := watch.Submit(c.Request.Context(), st, chain, body.Source, fs, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	c.Set(auditDetailKey, fmt.Sprintf("source %s: %d findings", body.Source, len(ids)))
	return ScanResultView{Stored: len(ids), Findings: ids}, nil
}

// attachScan attaches an auditor's scan of chaincode source to one
// chaincode definition (name, sequence, optionally version).
func (s *Server) attachScan(c *gin.Context) (any, error) {
	st, err := s.scanStore()
	if err != nil {
		return nil, err
	}
	chain, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	cc, err := name("name", c.Param("name"), maxAddrLen)
	if err != nil {
		return nil, err
	}
	var body ScanRequest
	if err := bindJSON(c, &body); err != nil {
		return nil, err
	}
	if body.Sequence == 0 {
		return nil, badParam("sequence", "must be a positive integer")
	}
	fs, err := body.findings()
	if err != nil {
		return nil, err
	}
	auditTarget(c, "chaincode %s/%s sequence %d", chain, cc, body.Sequence)
	if err := s.knownChain(c.Request.Context(), chain); err != nil {
		return nil, err
	}
	sc, err := watch.Attach(c.Request.Context(), st, watch.Attachment{
		Chain: chain, Name: cc, Version: body.Version, Sequence: body.Sequence,
		Tool: body.Tool, Source: body.Source, Findings: fs, At: time.Now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	c.Set(auditDetailKey, fmt.Sprintf("source %s: %d findings", sc.Source, len(sc.Findings)))
	v := contractScanView(sc)
	return ScanResultView{Stored: len(sc.Findings), Findings: v.Findings, Scan: &v}, nil
}

// scanRoutes are the contract scan routes, appended to the route table.
func (s *Server) scanRoutes(get, post func(path string, perm Permission, summary string, h handler) route) []route {
	const v = Version
	return []route{
		get(v+"/chains/:chain/scans", PermContractRead, "contract scans: every deployed EVM contract and chaincode definition, with status and finding ids", s.contractScans).in(append([]string{"ref"}, pageQuery...)...).out(List[ContractScanView]{}),
		get(v+"/chains/:chain/contracts/:addr/scans", PermContractRead, "the scans of one contract or chaincode (one per definition sequence)", s.contractScansOf).in(pageQuery...).out(List[ContractScanView]{}),
		post(v+"/chains/:chain/scans", PermScanWrite, "store the findings of a source or bytecode scan (lianjian scan --server)", s.submitScan).body(ScanRequest{}).out(ScanResultView{}).acts("chain :chain"),
		post(v+"/chains/:chain/chaincodes/:name/scans", PermScanWrite, "attach a chaincode source scan to the definition (name, version, sequence)", s.attachScan).body(ScanRequest{}).out(ScanResultView{}).acts("chaincode :chain/:name"),
	}
}
