package evm

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/crypto/sha3"
)

// fiscoHelloWorldABI is the ABI of FISCO BCOS go-sdk v3.0.2's
// examples/hello_world/HelloWorld.sol, whose runtime code (built by
// FISCO's keccak and GM solc 0.8.11) is in testdata/fisco.
const fiscoHelloWorldABI = `[{"inputs":[{"internalType":"string","name":"initValue","type":"string"}],"stateMutability":"nonpayable","type":"constructor"},
{"anonymous":false,"inputs":[{"indexed":false,"internalType":"string","name":"v","type":"string"},{"indexed":true,"internalType":"address","name":"from","type":"address"},{"indexed":true,"internalType":"address","name":"to","type":"address"},{"indexed":false,"internalType":"int256","name":"value","type":"int256"}],"name":"setValue","type":"event"},
{"inputs":[],"name":"get","outputs":[{"internalType":"string","name":"","type":"string"}],"stateMutability":"view","type":"function"},
{"inputs":[{"internalType":"string","name":"v","type":"string"}],"name":"set","outputs":[{"internalType":"string","name":"","type":"string"}],"stateMutability":"nonpayable","type":"function"},
{"inputs":[],"name":"version","outputs":[{"internalType":"int256","name":"","type":"int256"}],"stateMutability":"view","type":"function"}]`

// TestHashSelector pins selectors under both hashes. The SM3 values of
// get(), set(string), version() and Panic(uint256) are the PUSH4
// constants in FISCO's GM-compiled HelloWorld (testdata/fisco); every
// value is also recomputed here with sha3 and gmsm directly.
func TestHashSelector(t *testing.T) {
	tests := []struct {
		sig          string
		keccak, sm3x uint32
	}{
		{"set(string)", 0x4ed3885e, 0x3590b49f},
		{"get()", 0x6d4ce63c, 0x299f7f9d},
		{"version()", 0x54fd4d50, 0xad56e1dc},
		{"Panic(uint256)", 0x4e487b71, 0xb95aa355},
		{"transfer(address,uint256)", 0xa9059cbb, 0x6904e965},
		{"balanceOf(address)", 0x70a08231, 0xcc8be70e},
	}
	for _, tt := range tests {
		t.Run(tt.sig, func(t *testing.T) {
			k := sha3.NewLegacyKeccak256()
			k.Write([]byte(tt.sig))
			s := sm3.Sum([]byte(tt.sig))
			for _, c := range []struct {
				h          Hash
				want, self uint32
			}{
				{"", tt.keccak, binary.BigEndian.Uint32(k.Sum(nil))},
				{HashKeccak256, tt.keccak, binary.BigEndian.Uint32(k.Sum(nil))},
				{HashSM3, tt.sm3x, binary.BigEndian.Uint32(s[:])},
			} {
				if got := c.h.Selector(tt.sig); got != c.want || got != c.self {
					t.Errorf("Hash(%q).Selector(%s) = %08x, want %08x (computed %08x)", c.h, tt.sig, got, c.want, c.self)
				}
			}
			if got := Selector(tt.sig); got != tt.keccak {
				t.Errorf("Selector(%s) = %08x, want %08x", tt.sig, got, tt.keccak)
			}
		})
	}
	// The setValue event topic, as PUSH32 in each HelloWorld build.
	const sig = "setValue(string,address,address,int256)"
	for h, want := range map[Hash]string{
		HashKeccak256: "c3bf5911f8e0476e774566ef3fa1259f04156ba5c61ea5ff35c0201390381f96",
		HashSM3:       "292b41e0d55affa2665ff1997c27450654b980f63cba971653b8c113829478ff",
	} {
		if got := hex.EncodeToString(h.Sum([]byte(sig))); got != want {
			t.Errorf("%s.Sum(%s) = %s, want %s", h, sig, got, want)
		}
	}
}

func TestParseHash(t *testing.T) {
	tests := []struct {
		in   string
		want Hash
		err  error
	}{
		{"", HashKeccak256, nil},
		{"keccak", HashKeccak256, nil},
		{"Keccak256", HashKeccak256, nil},
		{"sm3", HashSM3, nil},
		{"GM", HashSM3, nil},
		{"sha256", "", ErrUnknownHash},
	}
	for _, tt := range tests {
		got, err := ParseHash(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParseHash(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	if err := Hash("md5").Validate(); !errors.Is(err, ErrUnknownHash) {
		t.Errorf("Hash(md5).Validate() = %v, want ErrUnknownHash", err)
	}
	if _, err := Scan([]byte{byte(STOP)}, Options{Hash: "md5"}); !errors.Is(err, ErrUnknownHash) {
		t.Errorf("Scan with Hash md5 error = %v, want ErrUnknownHash", err)
	}
	if s := Hash("").String(); s != "keccak256" {
		t.Errorf(`Hash("").String() = %q, want keccak256`, s)
	}
}

// TestFISCOHelloWorld scans FISCO's HelloWorld built by the keccak and
// the GM compiler: each build's functions are named only under its own
// hash, from an ABI parsed once.
func TestFISCOHelloWorld(t *testing.T) {
	abi, err := ParseABI([]byte(fiscoHelloWorldABI))
	if err != nil {
		t.Fatal(err)
	}
	named := []string{"get()", "set(string)", "version()"}
	tests := []struct {
		file string
		hash Hash
		want []string
	}{
		{"helloworld.hex", "", []string{"set(string)", "version()", "get()"}},
		{"helloworld.hex", HashSM3, []string{"0x4ed3885e", "0x54fd4d50", "0x6d4ce63c"}},
		{"helloworld_sm.hex", HashSM3, named},
		{"helloworld_sm.hex", HashKeccak256, []string{"0x299f7f9d", "0x3590b49f", "0xad56e1dc"}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.hash.String(), func(t *testing.T) {
			text, err := os.ReadFile("testdata/fisco/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			code := mustHex(t, strings.TrimSpace(string(text)))
			res, err := Scan(code, Options{Hash: tt.hash, Signatures: abi})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Functions {
				got = append(got, f.Label())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%s, %s) Functions = %v, want %v", tt.file, tt.hash, got, tt.want)
			}
			if res.Hash != Hash(tt.hash.String()) || res.WASM {
				t.Errorf("Scan(%s, %s) Hash = %q, WASM = %v", tt.file, tt.hash, res.Hash, res.WASM)
			}
			for _, f := range res.Findings {
				if f.Rule == IntegerOverflow.Info.ID {
					t.Errorf("Scan(%s, %s) reports %s on solc 0.8 code: %s", tt.file, tt.hash, f.Rule, f.Message)
				}
			}
		})
	}
}

// TestBuiltinSM3 rewrites a sample's dispatcher to SM3 selectors: the
// built-in table names them under SM3 only.
func TestBuiltinSM3(t *testing.T) {
	src, err := os.ReadFile("testdata/detect/selfdestruct.asm")
	if err != nil {
		t.Fatal(err)
	}
	gm := string(src)
	for _, sig := range []string{"kill()", "destroy()"} {
		gm = strings.Replace(gm, fmt.Sprintf("SELECT 0x%08x", Selector(sig)), fmt.Sprintf("SELECT 0x%08x", HashSM3.Selector(sig)), 1)
	}
	if gm == string(src) {
		t.Fatal("selfdestruct.asm has no kill()/destroy() dispatcher to rewrite")
	}
	code, _ := assemble(t, gm)
	kill := fmt.Sprintf("0x%08x", HashSM3.Selector("kill()"))
	for _, tt := range []struct {
		hash Hash
		fn   string // function of the EVM-SELFDESTRUCT finding
	}{
		{HashSM3, "kill()"},
		{HashKeccak256, kill},
	} {
		res, err := Scan(code, Options{Hash: tt.hash})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) == 0 || res.Findings[0].Location.Function != tt.fn || res.Findings[0].Location.Bytecode.Selector != kill {
			t.Errorf("Scan(SM3 selfdestruct, %s) findings = %+v, want one in %s", tt.hash, res.Findings, tt.fn)
		}
	}
}

// TestProxySlotsSM3 checks the EIP-1967 slots: the keccak derivation
// gives the EIP's constants, and a GM chain also knows the SM3 ones.
func TestProxySlotsSM3(t *testing.T) {
	eip := map[string]string{
		"0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc": "implementation",
		"0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103": "admin",
		"0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50": "beacon",
	}
	if got := HashKeccak256.known().slots; !maps.Equal(got, eip) {
		t.Errorf("keccak EIP-1967 slots = %v, want %v", got, eip)
	}
	src, err := os.ReadFile("testdata/detect/proxy.asm")
	if err != nil {
		t.Fatal(err)
	}
	var gmSlot string
	for s, role := range HashSM3.known().slots {
		if role == "implementation" && eip[s] == "" {
			gmSlot = s
		}
	}
	gm := strings.Replace(string(src), "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc", gmSlot, 1)
	for _, tt := range []struct {
		name, src string
		hash      Hash
		want      string
	}{
		{"eip slot on keccak chain", string(src), HashKeccak256, "EIP-1967 implementation slot"},
		{"eip slot on gm chain", string(src), HashSM3, "EIP-1967 implementation slot"},
		{"sm3 slot on gm chain", gm, HashSM3, "EIP-1967 implementation slot"},
		{"sm3 slot on keccak chain", gm, HashKeccak256, "storage slot " + gmSlot},
	} {
		code, _ := assemble(t, tt.src)
		res, err := Scan(code, Options{Hash: tt.hash, Detectors: []*Detector{Proxy}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 1 || !strings.HasSuffix(res.Findings[0].Message, tt.want) {
			t.Errorf("%s: findings = %+v, want one ending %q", tt.name, res.Findings, tt.want)
		}
	}
}

// TestCheckedArithmeticSM3 recognises solc 0.8 checked arithmetic by the
// SM3 Panic(uint256) selector in GM code without metadata.
func TestCheckedArithmeticSM3(t *testing.T) {
	text, err := os.ReadFile("testdata/fisco/helloworld_sm.hex")
	if err != nil {
		t.Fatal(err)
	}
	p := Disassemble(mustHex(t, strings.TrimSpace(string(text))))
	p.Metadata = nil
	for _, tt := range []struct {
		hash Hash
		want bool
	}{{HashSM3, true}, {HashKeccak256, false}} {
		if got := checkedArithmetic(p, tt.hash.known().panic); got != tt.want {
			t.Errorf("checkedArithmetic(GM HelloWorld, %s) = %v, want %v", tt.hash, got, tt.want)
		}
	}
}
