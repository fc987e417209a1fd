package evm

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// TestDetectors runs every detector over the annotated assembly samples in
// testdata/detect: each `; want "RULE"` comment expects exactly one
// finding of that rule at that instruction, and nothing else is reported.
func TestDetectors(t *testing.T) {
	files, err := filepath.Glob("testdata/detect/*.asm")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".asm"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			code, wants := assemble(t, string(src))
			res, err := Scan(code, Options{})
			if err != nil {
				t.Fatalf("Scan() error: %v", err)
			}
			var got []asmWant
			for _, f := range res.Findings {
				got = append(got, asmWant{f.Rule, f.Location.Bytecode.PC})
			}
			cmp := func(a, b asmWant) int { return strings.Compare(formatWants([]asmWant{a}), formatWants([]asmWant{b})) }
			slices.SortFunc(got, cmp)
			slices.SortFunc(wants, cmp)
			if !slices.Equal(got, wants) {
				t.Errorf("Scan(%s) findings = %s, want %s\n%s", file, formatWants(got), formatWants(wants), res.Program)
			}
		})
	}
}

// TestConstructor scans the annotated creation-code samples in
// testdata/constructor as constructors: only ConstructorDetectors run and
// findings name the function "constructor".
func TestConstructor(t *testing.T) {
	files, err := filepath.Glob("testdata/constructor/*.asm")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".asm"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			code, wants := assemble(t, string(src))
			res, err := Scan(code, Options{Constructor: true})
			if err != nil {
				t.Fatalf("Scan() error: %v", err)
			}
			var got []asmWant
			for _, f := range res.Findings {
				got = append(got, asmWant{f.Rule, f.Location.Bytecode.PC})
				if f.Location.Function != "constructor" {
					t.Errorf("%s at pc %d function = %q, want constructor", f.Rule, f.Location.Bytecode.PC, f.Location.Function)
				}
			}
			cmp := func(a, b asmWant) int { return strings.Compare(formatWants([]asmWant{a}), formatWants([]asmWant{b})) }
			slices.SortFunc(got, cmp)
			slices.SortFunc(wants, cmp)
			if !slices.Equal(got, wants) {
				t.Errorf("Scan(%s, Constructor) findings = %s, want %s", file, formatWants(got), formatWants(wants))
			}
		})
	}
}

func TestDetectorsDeclared(t *testing.T) {
	covered := map[string]bool{}
	for _, d := range All() {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.Info.ID, err)
		}
		if r, ok := ledger.LookupRule(d.Info.ID); !ok || r != &d.Info {
			t.Errorf("%s is not registered in the ledger catalogue", d.Info.ID)
		}
		covered[d.Info.ID] = true
	}
	files, _ := filepath.Glob("testdata/detect/*.asm")
	tested := map[string]bool{}
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for _, m := range wantRe.FindAllStringSubmatch(string(src), -1) {
			tested[m[1]] = true
		}
	}
	for id := range covered {
		if !tested[id] {
			t.Errorf("detector %s has no annotated sample in testdata/detect", id)
		}
	}
}

func TestScanFunctions(t *testing.T) {
	src, err := os.ReadFile("testdata/detect/selfdestruct.asm")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := assemble(t, string(src))
	res, err := Scan(code, Options{Signatures: NewSignatures("destroy()")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Functions {
		got = append(got, f.Label())
	}
	if want := []string{"kill()", "destroy()"}; !slices.Equal(got, want) {
		t.Errorf("Functions = %v, want %v", got, want)
	}
	if res.Findings[0].Location.Function != "kill()" || res.Findings[0].Location.Bytecode.Selector != "0x41c0e1b5" {
		t.Errorf("finding location = %+v, want kill() 0x41c0e1b5", res.Findings[0].Location)
	}
	if _, err := Scan(nil, Options{}); err != ErrEmptyCode {
		t.Errorf("Scan(nil) error = %v, want ErrEmptyCode", err)
	}
}

func TestMinimalProxy(t *testing.T) {
	// EIP-1167 runtime code delegating to 0xbebe…be.
	code := mustHex(t, "363d3d373d3d3d363d73"+strings.Repeat("be", 20)+"5af43d82803e903d91602b57fd5bf3")
	res, err := Scan(code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Rule != Proxy.Info.ID || res.Findings[0].Evidence["implementation"] != "0x"+strings.Repeat("be", 20) {
		t.Errorf("Scan(EIP-1167) findings = %+v, want one EVM-PROXY naming the implementation", res.Findings)
	}
}

// TestAccessControlCaller checks that the access-check inventory names
// the caller identity each check compares.
func TestAccessControlCaller(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"testdata/detect/txorigin.asm", "check tx.origin against slot:0"},
		{"testdata/detect/owner.asm", "check msg.sender against"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			code, _ := assemble(t, string(src))
			res, err := Scan(code, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, f := range res.Findings {
				if f.Rule == AccessControl.Info.ID {
					msgs = append(msgs, f.Message)
				}
			}
			if len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Errorf("%s messages = %q, want one with %q", AccessControl.Info.ID, msgs, tt.want)
			}
		})
	}
}

// TestFindingEvidence checks that findings reported where the fix goes
// name the other end of the flaw in their evidence: the write after a
// reentrant call, the use of a random block value, the owner write of a
// misnamed constructor.
func TestFindingEvidence(t *testing.T) {
	for _, tt := range []struct {
		file, rule, key string
		at, other       Op
	}{
		{"testdata/detect/reentrancy.asm", Reentrancy.Info.ID, "writePC", CALL, SSTORE},
		{"testdata/detect/randomness.asm", WeakRandomness.Info.ID, "usePC", BLOCKHASH, JUMPI},
		{"testdata/detect/owner.asm", OwnerOverwrite.Info.ID, "writePC", JUMPDEST, SSTORE},
	} {
		t.Run(tt.rule, func(t *testing.T) {
			src, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			code, _ := assemble(t, string(src))
			res, err := Scan(code, Options{})
			if err != nil {
				t.Fatal(err)
			}
			opAt := func(pc int) Op {
				if i := res.Program.At(pc); i >= 0 {
					return res.Program.Instrs[i].Op
				}
				return STOP
			}
			n := 0
			for _, f := range res.Findings {
				if f.Rule != tt.rule {
					continue
				}
				n++
				pc, err := strconv.Atoi(f.Evidence[tt.key])
				if op := opAt(f.Location.Bytecode.PC); op != tt.at {
					t.Errorf("%s reported at %s, want %s", tt.rule, op, tt.at)
				}
				if err != nil || opAt(pc) != tt.other {
					t.Errorf("%s evidence %s = %q (%s), want the pc of a %s", tt.rule, tt.key, f.Evidence[tt.key], opAt(pc), tt.other)
				}
			}
			if n != 1 {
				t.Errorf("%s findings = %d, want 1", tt.rule, n)
			}
		})
	}
}
