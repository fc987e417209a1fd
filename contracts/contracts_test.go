package contracts

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

var testRule = &Rule[int]{
	Info: ledger.RuleInfo{
		ID: "TST-REENTRANCY", Title: "State change after external call", Severity: ledger.High,
		Category: ledger.CatContract, Clauses: []string{"SWC-107"}, Sources: []string{"https://swcregistry.io/docs/SWC-107"},
		Doc: "Storage is written after an external call that forwards gas.",
	},
	Run: func(int) error { return nil },
}

func init() { ledger.Register(&testRule.Info) }

func sampleFindings() []Finding {
	return []Finding{
		{
			Rule: "TST-REENTRANCY", Severity: ledger.High, SWC: "SWC-107", Message: "storage written after the external call at pc 641",
			Location: Location{Path: "contracts/dao.sol", Contract: "SimpleDAO", Function: "withdraw(uint256)", Line: 18, EndLine: 18, Column: 7,
				Bytecode: &Bytecode{PC: 655, Selector: "0x2e1a7d4d"}},
			Evidence: map[string]string{"callPC": "641"},
		},
		{
			Rule: "TST-UNDECLARED", Severity: ledger.Info, Message: "inventory note",
			Location: Location{Path: "0x00000000000000000000000000000000000000aa", Bytecode: &Bytecode{PC: 12}},
		},
		{
			Rule: "TST-REENTRANCY", Severity: ledger.High, SWC: "SWC-107", Message: "storage written after the external call at pc 641",
			Location: Location{Path: "contracts/dao.sol", Contract: "SimpleDAO", Function: "withdraw(uint256)", Line: 17},
		},
	}
}

func TestWriters(t *testing.T) {
	tests := []struct {
		golden string
		write  func(*bytes.Buffer, []Finding) error
	}{
		{"report.txt", func(b *bytes.Buffer, fs []Finding) error { return WriteText(b, fs, TextLabels{}) }},
		{"report.json", func(b *bytes.Buffer, fs []Finding) error { return WriteJSON(b, fs) }},
		{"report.sarif", func(b *bytes.Buffer, fs []Finding) error {
			return WriteSARIF(b, fs, SARIFOptions{ToolVersion: "0.1.0", InformationURI: "https://example.org/lianjian", HelpURI: "https://example.org/rules#"})
		}},
		{"empty.sarif", func(b *bytes.Buffer, _ []Finding) error { return WriteSARIF(b, nil, SARIFOptions{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, sampleFindings()); err != nil {
				t.Fatalf("write: %v", err)
			}
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update): %v", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s = \n%s\nwant\n%s", tt.golden, b.Bytes(), want)
			}
		})
	}
}

func TestSARIFShape(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, sampleFindings(), SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string            `json:"id"`
						Help       map[string]string `json:"help"`
						Properties map[string]any    `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID              string            `json:"ruleId"`
				RuleIndex           int               `json:"ruleIndex"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q runs %d, want 2.1.0 and 1", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	fps := map[string]bool{}
	for _, r := range run.Results {
		rule := run.Tool.Driver.Rules[r.RuleIndex]
		if rule.ID != r.RuleID {
			t.Errorf("result rule %s has index of %s", r.RuleID, rule.ID)
		}
		if _, ok := rule.Properties["security-severity"].(string); !ok || rule.Help["text"] == "" {
			t.Errorf("rule %s lacks security-severity string or help: %v", rule.ID, rule.Properties)
		}
		fp := r.PartialFingerprints["lianjianFinding/v1"]
		if fp == "" || fps[fp] {
			t.Errorf("result %s fingerprint %q empty or repeated", r.RuleID, fp)
		}
		fps[fp] = true
	}
}

func TestSecurityScore(t *testing.T) {
	for _, tt := range []struct {
		s    ledger.Severity
		want string
	}{{ledger.Critical, "9.5"}, {ledger.High, "8.0"}, {ledger.Medium, "5.5"}, {ledger.Low, "3.0"}, {ledger.Info, "0.0"}} {
		if got := SecurityScore(tt.s); got != tt.want {
			t.Errorf("SecurityScore(%s) = %s, want %s", tt.s, got, tt.want)
		}
	}
}

func TestLedger(t *testing.T) {
	fs := sampleFindings()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	subj := ledger.Subject{Kind: "contract", Ref: "0xabc"}
	a := fs[0].Ledger("chain1", subj, at)
	b := fs[2].Ledger("chain1", subj, at)
	if a.Rule != "TST-REENTRANCY" || a.Category != ledger.CatContract || a.Severity != ledger.High || a.Status != ledger.StatusOpen {
		t.Errorf("Ledger() = %+v, want rule, category, severity and open status filled", a)
	}
	if a.Evidence["pc"] != "655" || a.Evidence["swc"] != "SWC-107" || a.Evidence["callPC"] != "641" || a.Evidence["line"] != "18" {
		t.Errorf("Ledger().Evidence = %v, want pc, swc, line and detector evidence", a.Evidence)
	}
	if a.Subject != subj {
		t.Errorf("Ledger().Subject = %+v, want %+v", a.Subject, subj)
	}
	if a.ID == b.ID {
		t.Errorf("two places in one contract share finding id %s", a.ID)
	}
	if again := fs[0].Ledger("chain1", subj, at.Add(time.Hour)); again.ID != a.ID {
		t.Errorf("rescan id = %s, want stable %s", again.ID, a.ID)
	}
}

func TestRuleValidate(t *testing.T) {
	noRun := &Rule[int]{Info: testRule.Info}
	wrongCat := &Rule[int]{Info: testRule.Info, Run: testRule.Run}
	wrongCat.Info.Category = ledger.CatNode
	for _, tt := range []struct {
		name string
		r    *Rule[int]
		want error
	}{{"ok", testRule, nil}, {"no run", noRun, ErrNoRun}, {"category", wrongCat, ErrCategory}} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.r.Validate(); !errors.Is(err, tt.want) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
	if got := SWC(&testRule.Info); got != "SWC-107" {
		t.Errorf("SWC() = %q, want SWC-107", got)
	}
}

// TestReportProperties checks that JSON and SARIF reports carry the run's
// properties, such as the selector hash of an EVM scan.
func TestReportProperties(t *testing.T) {
	props := map[string]any{"selectorHash": "sm3"}
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
		get   func([]byte) (map[string]any, error)
	}{
		{"json", func(b *bytes.Buffer) error { return WriteJSONProps(b, sampleFindings(), props) }, func(data []byte) (map[string]any, error) {
			var r struct {
				Properties map[string]any `json:"properties"`
			}
			err := json.Unmarshal(data, &r)
			return r.Properties, err
		}},
		{"sarif", func(b *bytes.Buffer) error {
			return WriteSARIF(b, sampleFindings(), SARIFOptions{Properties: props})
		}, func(data []byte) (map[string]any, error) {
			var r struct {
				Runs []struct {
					Properties map[string]any `json:"properties"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(data, &r); err != nil || len(r.Runs) != 1 {
				return nil, fmt.Errorf("runs %d: %w", len(r.Runs), err)
			}
			return r.Runs[0].Properties, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			got, err := tt.get(b.Bytes())
			if err != nil || got["selectorHash"] != "sm3" {
				t.Errorf("%s properties = %v, %v; want selectorHash sm3", tt.name, got, err)
			}
		})
	}
}
