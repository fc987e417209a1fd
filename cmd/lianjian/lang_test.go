package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/lianjian/lianjian/api/report"
)

// hasHan reports whether s holds Chinese characters.
func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// TestSummaryLanguages runs ingest, verify and scan on the shared fixtures
// in both languages: zh-CN by default, English with --lang en, the same
// numbers and ids in both.
func TestSummaryLanguages(t *testing.T) {
	needFixtures(t)
	fabricDir := filepath.Join(sharedFixtures, "fabric-2.5.9/peer")
	fiscoBlock := "../../ledger/fisco/testdata/real/v3/gm/getBlockByNumber-0-genesis-doc.json"
	data := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		zh, en []string // lines or parts of lines each language must print
	}{
		{"ingest fabric", []string{"ingest", "--data-dir", data, "--progress", "never", "--chain", "up", "--fabric-dir", fabricDir},
			[]string{"已从 " + fabricDir + " 导入 1 个通道的 13 个区块（15 笔交易），用时 ", "；0 个区块此前已在索引中\n"},
			[]string{"imported 0 blocks (0 txs) of 1 channel from " + fabricDir + " in ", "; 13 blocks were already indexed\n"}},
		{"ingest fisco", []string{"ingest", "--data-dir", data, "--chain", "gm", "--fisco-dir", fiscoBlock},
			[]string{"已导入 FISCO BCOS 链 gm（国密 SM2/SM3）的 1 个区块（0 笔交易），0 个区块此前已在索引中，另校验单独提供的交易与回执 0 项，发现问题 0 个\n"},
			[]string{"imported 0 blocks (0 txs) of FISCO BCOS chain gm (sm2-sm3), 1 already indexed, 0 standalone items verified, 0 findings\n"}},
		{"verify fabric", []string{"verify", fabricDir},
			[]string{"链 mychannel：区块 0..12（共 13 个），交易 15 笔，已校验签名 41 个（验证通过 41 个，验证失败 0 个；验签 ", "  完整性校验通过\n"},
			[]string{"chain mychannel: blocks 0..12 (13), txs 15, signatures checked 41 (", "  integrity OK\n"}},
		{"verify gm fabric", []string{"verify", "--gm", filepath.Join(sharedFixtures, "fabric-gm-sm2/peer")},
			[]string{"中       GM-HASH-NOT-SM3 ", "，SM2 预哈希 无，用时 ", "  GM-HASH-NOT-SM3          中       1\n"},
			[]string{"medium   GM-HASH-NOT-SM3 ", ", SM2 pre-hash none, ", "  GM-HASH-NOT-SM3          medium   1\n"}},
		{"verify fisco", []string{"verify", fiscoBlock},
			[]string{"链 fisco（FISCO BCOS 3.x，国密 SM2/SM3）：区块 0..0（共 1 个），交易 0 笔，共识节点签名 0 个，单独提供的交易与回执 0 项，用时 ", "  完整性校验通过\n"},
			[]string{"chain fisco (FISCO BCOS 3.x, sm2-sm3): blocks 0..0 (1), txs 0, sealer signatures 0, standalone items 0, ", "  integrity OK\n"}},
		{"scan", []string{"scan", "testdata/scan/killable.hex"},
			[]string{"  严重程度  规则              SWC      位置  函数  描述\n  严重      EVM-SELFDESTRUCT  SWC-106  pc 1  -     ", "共 1 个问题：严重 1，高 0，中 0，低 0，提示 0\n"},
			[]string{"  SEVERITY  RULE              SWC      WHERE  FUNCTION  MESSAGE\n  critical  EVM-SELFDESTRUCT  SWC-106  pc 1   -         ", "1 finding: 1 critical, 0 high, 0 medium, 0 low, 0 info\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, run := range []struct {
				extra []string
				want  []string
			}{{nil, tt.zh}, {[]string{"--lang", "en"}, tt.en}} {
				// Flags go before verify's paths.
				args := append(append([]string{tt.args[0]}, run.extra...), tt.args[1:]...)
				out, errOut, err := runCmd(t, args...)
				if err != nil {
					t.Fatalf("%v = %v\n%s", args, err, errOut)
				}
				for _, w := range run.want {
					if !strings.Contains(out, w) {
						t.Errorf("%v printed\n%s\nwant %q", args, out, w)
					}
				}
				if strings.Contains(out, "%!") {
					t.Errorf("%v printed a bad format verb:\n%s", args, out)
				}
				if english := run.extra != nil; english && hasHan(out) {
					t.Errorf("%v printed Chinese:\n%s", args, out)
				}
			}
		})
	}
}

// TestLangFlag checks that every command with a summary takes --lang and
// refuses a language it does not have.
func TestLangFlag(t *testing.T) {
	for _, args := range [][]string{
		{"ingest"}, {"verify"}, {"audit"}, {"fisco", "dump"}, {"scan"},
		{"users", "list"}, {"rules"}, {"nodes", "list"}, {"report"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			_, _, err := runCmd(t, append(args, "--lang", "fr")...)
			if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), `"fr" is not zh-CN or en`) {
				t.Errorf("%v --lang fr = %v, want a usage error", args, err)
			}
		})
	}
}

// TestLabelTables formats every line of every table with arguments of the
// right kinds: both languages are present, no verb is left unfilled or
// mistyped, and the Chinese lines are Chinese.
func TestLabelTables(t *testing.T) {
	type line struct {
		name string
		text func(lang) string
		args []any
	}
	lines := []line{
		{"ingest backfilled", func(l lang) string { return ingestTexts[l].Backfilled }, []any{10, 20, "evm", uint64(9), 1.5, 6.7, 13.3}},
		{"ingest up to date", func(l lang) string { return ingestTexts[l].UpToDate }, []any{"evm", uint64(9)}},
		{"ingest fabric", func(l lang) string { return ingestTexts[l].Fabric }, []any{10, 20, 1, "dir", 1.5, 13.3, 3}},
		{"ingest fisco", func(l lang) string { return ingestTexts[l].Fisco }, []any{10, 20, "fisco", "suite", 3, 4, 5}},
		{"progress bar", func(l lang) string { return ingestTexts[l].Bar }, []any{50.0, uint64(5), uint64(10), 2.0, time.Second}},
		{"byte bar", func(l lang) string { return ingestTexts[l].ByteBar }, []any{50.0, uint64(5), 2.0}},
		{"fisco dump", func(l lang) string { return fiscoDumpTexts[l] }, []any{uint64(0), uint64(9), 20, 3, "http://node", "out", time.Second}},
		{"verify chain", func(l lang) string { return verifyTexts[l].Chain }, []any{"c", uint64(0), uint64(9), 10, 20, 30, 28, 2, 25, 5, 5}},
		{"verify prehash", func(l lang) string { return verifyTexts[l].PreHash }, []any{"SM3"}},
		{"verify took", func(l lang) string { return verifyTexts[l].Took }, []any{time.Second}},
		{"verify fisco", func(l lang) string { return verifyTexts[l].Fisco }, []any{"c", "FISCO BCOS 3.x", "suite", uint64(0), uint64(9), 10, 20, 30, 4, time.Second}},
		{"verify ok", func(l lang) string { return verifyTexts[l].OK }, nil},
		{"verify failed", func(l lang) string { return verifyTexts[l].Failed }, []any{2}},
		{"verify incomplete", func(l lang) string { return verifyTexts[l].Incomplete }, nil},
		{"ingest break", func(l lang) string { return ingestTexts[l].Break }, []any{"c", uint64(5), errors.New("BRK-GAP at block 5"), uint64(4)}},
		{"ingest break first", func(l lang) string { return ingestTexts[l].BreakFirst }, []any{"c", uint64(0), errors.New("BRK-GAP at block 0")}},
		{"users created", func(l lang) string { return usersTexts[l].Created }, []any{"id", "alice", "regulator"}},
		{"users revoked", func(l lang) string { return usersTexts[l].Revoked }, []any{"id"}},
		{"users gone", func(l lang) string { return usersTexts[l].Gone }, []any{"2026-01-02"}},
		{"nodes probe", func(l lang) string { return nodesTexts[l].Probe }, []any{"peer0", "Org1MSP", "2026-01-02T03:04:05Z", "true", "2.5.9", uint64(7), int64(12)}},
		{"nodes ambiguous", func(l lang) string { return nodesTexts[l].Ambiguous }, []any{"peer0", "Org1MSP, Org2MSP"}},
		{"report written", func(l lang) string { return reportWritten[l] }, []any{3, "r.html"}},
	}
	for _, tt := range lines {
		for _, l := range []lang{report.LangZH, report.LangEN} {
			got := fmt.Sprintf(tt.text(l), tt.args...)
			switch {
			case tt.text(l) == "":
				t.Errorf("%s has no %s text", tt.name, l)
			case strings.Contains(got, "%!"):
				t.Errorf("%s (%s) = %q: bad format verbs", tt.name, l, got)
			case (l == report.LangZH) != hasHan(got):
				t.Errorf("%s (%s) = %q: wrong language", tt.name, l, got)
			}
		}
	}
	for name, n := range map[string]int{
		"ingest": len(ingestTexts), "fisco dump": len(fiscoDumpTexts), "verify": len(verifyTexts), "scan": len(scanTexts),
		"users": len(usersTexts), "nodes": len(nodesTexts), "rules": len(rulesHeaders), "report": len(reportWritten),
	} {
		if n != 2 {
			t.Errorf("%s has %d languages, want zh-CN and en", name, n)
		}
	}
	for _, l := range []lang{report.LangZH, report.LangEN} {
		if h := rulesHeaders[l]; len(h) != 4 {
			t.Errorf("rules header (%s) = %q, want 4 columns", l, h)
		}
		if u, n := usersTexts[l].Header, nodesTexts[l].Header; len(u) != 6 || len(n) != 9 {
			t.Errorf("users/nodes headers (%s) = %q / %q, want 6 and 9 columns", l, u, n)
		}
	}
}
