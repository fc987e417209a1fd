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
	ProductFisco  = "fisco-bcos"
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
		case a.Product != ProductFabric && a.Product != ProductGeth && a.Product != ProductFisco:
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

func inRange(v version, r Range) bool {
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

// version is major, minor, patch and a pre-release rank: alphaN, betaN
// and rcN sort before the release itself (FISCO BCOS shipped 3.0.0-rc1
// to rc4 before 3.0.0).
type version [4]int

// Pre-release ranks; a release outranks all of them.
const (
	rankAlpha   = 0
	rankBeta    = 1 << 10
	rankRC      = 2 << 10
	rankRelease = 3 << 10
)

var versionRE = regexp.MustCompile(`(?i)v?(\d+)\.(\d+)(?:\.(\d+))?(?:-(alpha|beta|rc)\.?(\d*))?`)

// parseVersion reads the first major.minor[.patch][-rcN] in s, so that
// "Geth/v1.13.14-stable-2bd6bd01/linux-amd64/go1.21.7", "2.5.9" and
// "3.0.0-rc2" all parse.
func parseVersion(s string) (version, bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return version{}, false
	}
	var v version
	for i := range 3 {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return version{}, false
		}
		v[i] = n
	}
	v[3] = rankRelease
	if m[4] != "" {
		n, _ := strconv.Atoi(m[5]) // empty means 0
		if n >= 1<<10 {
			return version{}, false
		}
		v[3] = map[string]int{"alpha": rankAlpha, "beta": rankBeta, "rc": rankRC}[strings.ToLower(m[4])] + n
	}
	return v, true
}

func compareVersion(a, b version) int {
	for i := range a {
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
