package nodes

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/ledger"
)

// Products named by advisories.
const (
	ProductFabric = "fabric"
	ProductGeth   = "geth"
)

// Advisory is one published security advisory with the versions it
// affects.
type Advisory struct {
	ID       string          `json:"id"`
	CVE      string          `json:"cve,omitempty"`
	Product  string          `json:"product"`
	Severity ledger.Severity `json:"severity"`
	Summary  string          `json:"summary"`
	Ranges   []Range         `json:"ranges"`
	Source   string          `json:"source"`
}

// Range is a half-open version range [Introduced, Fixed); an empty
// Introduced starts at the first release, an empty Fixed never ends.
type Range struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// Advisories is a set of advisories to match versions against.
type Advisories struct {
	list []Advisory
}

//go:embed advisories.json
var shippedAdvisories []byte

// DefaultAdvisories returns the advisories shipped in advisories.json.
func DefaultAdvisories() *Advisories {
	a, err := ParseAdvisories(shippedAdvisories)
	if err != nil {
		panic(fmt.Sprintf("shipped advisories: %v", err)) // caught by any test
	}
	return a
}

// ParseAdvisories reads an advisory data file and checks every entry.
func ParseAdvisories(b []byte) (*Advisories, error) {
	var f struct {
		Advisories []Advisory `json:"advisories"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: advisories: %w", ErrConfig, err)
	}
	for _, a := range f.Advisories {
		switch {
		case a.ID == "" || a.Source == "" || a.Summary == "":
			return nil, fmt.Errorf("%w: advisory %q lacks id, summary or source", ErrConfig, a.ID)
		case a.Product != ProductFabric && a.Product != ProductGeth:
			return nil, fmt.Errorf("%w: advisory %s: unknown product %q", ErrConfig, a.ID, a.Product)
		case a.Severity.Rank() < 0 || len(a.Ranges) == 0:
			return nil, fmt.Errorf("%w: advisory %s: bad severity or no ranges", ErrConfig, a.ID)
		}
		for _, r := range a.Ranges {
			for _, v := range []string{r.Introduced, r.Fixed} {
				if _, ok := parseVersion(v); v != "" && !ok {
					return nil, fmt.Errorf("%w: advisory %s: version %q", ErrConfig, a.ID, v)
				}
			}
		}
	}
	return &Advisories{list: f.Advisories}, nil
}

// All returns every advisory.
func (a *Advisories) All() []Advisory { return append([]Advisory(nil), a.list...) }

// Match returns the advisories of product that affect version.
func (a *Advisories) Match(product, version string) []Advisory {
	v, ok := parseVersion(version)
	if !ok {
		return nil
	}
	var out []Advisory
	for _, adv := range a.list {
		if adv.Product != product {
			continue
		}
		for _, r := range adv.Ranges {
			if inRange(v, r) {
				out = append(out, adv)
				break
			}
		}
	}
	return out
}

func inRange(v [3]int, r Range) bool {
	if r.Introduced != "" {
		lo, _ := parseVersion(r.Introduced)
		if compareVersion(v, lo) < 0 {
			return false
		}
	}
	if r.Fixed != "" {
		hi, _ := parseVersion(r.Fixed)
		if compareVersion(v, hi) >= 0 {
			return false
		}
	}
	return true
}

var versionRE = regexp.MustCompile(`v?(\d+)\.(\d+)(?:\.(\d+))?`)

// parseVersion reads the first major.minor[.patch] in s, so that
// "Geth/v1.13.14-stable-2bd6bd01/linux-amd64/go1.21.7" and "2.5.9" both
// parse.
func parseVersion(s string) ([3]int, bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return [3]int{}, false
	}
	var v [3]int
	for i := range 3 {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return [3]int{}, false
		}
		v[i] = n
	}
	return v, true
}

func compareVersion(a, b [3]int) int {
	for i := range 3 {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return 0
}

// ClientProduct names the product of an EVM client version string, or ""
// when no advisory data covers it.
func ClientProduct(clientVersion string) string {
	if strings.HasPrefix(strings.ToLower(clientVersion), "geth/") {
		return ProductGeth
	}
	return ""
}
