package textcol

import (
	"strings"
	"testing"
	"text/tabwriter"
)

func TestWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"high", 4},
		{"严重程度", 8},
		{"（未命名）", 10},
		{"第 3 行", 7},
		{"pc 12、…", 8},
	}
	for _, tt := range tests {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestPad(t *testing.T) {
	if got := Pad("高", 4); got != "高  " {
		t.Errorf("Pad(高, 4) = %q, want %q", got, "高  ")
	}
	if got := Pad("critical", 4); got != "critical" {
		t.Errorf("Pad(critical, 4) = %q, want it unchanged", got)
	}
}

// TestWriteLikeTabwriter checks that ASCII tables come out exactly as
// text/tabwriter lays them out, so English output does not change.
func TestWriteLikeTabwriter(t *testing.T) {
	rows := [][]string{
		{"  SEVERITY", "RULE", "SWC", "MESSAGE"},
		{"  critical", "EVM-SELFDESTRUCT", "SWC-106", "SELFDESTRUCT is reachable"},
		{"  low", "X", "", "short"},
	}
	var want strings.Builder
	tw := tabwriter.NewWriter(&want, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		tw.Write([]byte(strings.Join(r, "\t") + "\n"))
	}
	tw.Flush()
	var got strings.Builder
	if err := Write(&got, rows, 2); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("Write = \n%s\nwant\n%s", got.String(), want.String())
	}
}

func TestWriteWide(t *testing.T) {
	var got strings.Builder
	if err := Write(&got, [][]string{{"严重程度", "规则", "描述"}, {"高", "EVM-REENTRANCY", "重入"}}, 2); err != nil {
		t.Fatal(err)
	}
	want := "严重程度  规则            描述\n高        EVM-REENTRANCY  重入\n"
	if got.String() != want {
		t.Errorf("Write = %q, want %q", got.String(), want)
	}
}
