package nodes

import (
	"testing"

	"github.com/lianjian/lianjian/ledger/ruletext"
)

func TestAdvisoryMatch(t *testing.T) {
	adv := DefaultAdvisories()
	for _, c := range []struct {
		product, version string
		want             []string
	}{
		{ProductFabric, "2.2.6", []string{"GHSA-72x4-cq6r-jp4p"}},
		{ProductFabric, "2.2.7", nil},
		{ProductFabric, "2.4.4", []string{"GHSA-72x4-cq6r-jp4p", "GHSA-qj6r-fhrc-jj5r"}},
		{ProductFabric, "2.4.5", []string{"GHSA-qj6r-fhrc-jj5r"}},
		{ProductFabric, "v2.5.9", nil},
		{ProductFabric, "latest", nil},
		{ProductGeth, "Geth/v1.13.14-stable-2bd6bd01/linux-amd64/go1.21.7", []string{"GHSA-4xc9-8hmq-j652", "GHSA-mr7q-c9w9-wh4h"}},
		{ProductGeth, "Geth/v1.16.8-stable/linux-amd64/go1.25", nil},
		{ProductGeth, "Geth/v1.17.10-stable/linux-amd64/go1.26", nil},
		{ProductGeth, "1.9.23", []string{"GHSA-m6gx-rhvj-fh52", "GHSA-r33q-22hv-j29q", "GHSA-ppjg-v974-84cm", "GHSA-4xc9-8hmq-j652", "GHSA-mr7q-c9w9-wh4h"}},
	} {
		var got []string
		for _, a := range adv.Match(c.product, c.version) {
			got = append(got, a.ID)
		}
		if len(got) != len(c.want) {
			t.Errorf("Match(%s, %s) = %v, want %v", c.product, c.version, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Match(%s, %s) = %v, want %v", c.product, c.version, got, c.want)
				break
			}
		}
	}
}

func TestAdvisoriesDocumented(t *testing.T) {
	for _, a := range DefaultAdvisories().All() {
		if a.Source == "" || a.Summary == "" {
			t.Errorf("advisory %s lacks a source or summary", a.ID)
		}
	}
	if _, err := ParseAdvisories([]byte(`{"advisories":[{"id":"X","product":"fabric","severity":"high","summary":"s","source":"u","ranges":[{"fixed":"two"}]}]}`)); err == nil {
		t.Error("ParseAdvisories(bad version) = nil, want an error")
	}
}

func TestClientProduct(t *testing.T) {
	if ClientProduct("Geth/v1.17.10") != ProductGeth || ClientProduct("besu/v24.1.0") != "" {
		t.Error("ClientProduct does not tell geth from others")
	}
}

// TestAdvisorySummariesInChinese: every advisory's summary, which a
// NODE-VERSION-ADVISORY finding shows, has a zh-CN translation in the
// rule texts' value table (key "summary"); an advisory added without one
// fails here.
func TestAdvisorySummariesInChinese(t *testing.T) {
	for _, a := range DefaultAdvisories().All() {
		if zh := ruletext.EvidenceValue("summary", a.Summary, ruletext.ZH); zh == a.Summary {
			t.Errorf("advisory %s: summary %q has no zh-CN translation in ledger/ruletext/zh-CN.json values.summary", a.ID, a.Summary)
		}
	}
}
