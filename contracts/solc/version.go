package solc

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a solc release number.
type Version struct{ Major, Minor, Patch int }

// String renders v as MAJOR.MINOR.PATCH.
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Compare orders versions: -1 when v < w, 0 when equal, +1 when v > w.
func (v Version) Compare(w Version) int {
	return cmp.Or(cmp.Compare(v.Major, w.Major), cmp.Compare(v.Minor, w.Minor), cmp.Compare(v.Patch, w.Patch))
}

var versionPattern = regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`)

// ParseVersion reads the first MAJOR.MINOR.PATCH in s, e.g. in
// "0.8.26+commit.8a97fa7a" or in solc --version output.
func ParseVersion(s string) (Version, error) {
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%w: no version in %q", ErrPragma, s)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	c, _ := strconv.Atoi(m[3])
	return Version{a, b, c}, nil
}

// releases lists the newest patch of every 0.MINOR series published as the
// npm solc package; every patch from 0 up to it exists.
var releases = map[int]int{4: 26, 5: 17, 6: 12, 7: 6, 8: 30}

// Releases returns the known solc releases, oldest first.
func Releases() []Version {
	var out []Version
	for minor := 4; minor <= 8; minor++ {
		for p := 0; p <= releases[minor]; p++ {
			out = append(out, Version{0, minor, p})
		}
	}
	return out
}

// comparator is one "OP VERSION" term of a constraint.
type comparator struct {
	op string // =, <, <=, >, >=
	v  Version
}

func (c comparator) match(v Version) bool {
	d := v.Compare(c.v)
	switch c.op {
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	}
	return d == 0
}

// Constraint is a parsed version pragma: alternatives (||) of
// conjunctions of comparators, as in npm semver.
type Constraint struct {
	text string
	alts [][]comparator
}

// String returns the constraint's source text.
func (c Constraint) String() string { return c.text }

// Match reports whether v satisfies the constraint. The zero Constraint
// matches every version.
func (c Constraint) Match(v Version) bool {
	if len(c.alts) == 0 {
		return true
	}
	for _, all := range c.alts {
		ok := true
		for _, t := range all {
			ok = ok && t.match(v)
		}
		if ok {
			return true
		}
	}
	return false
}

// And returns the constraint both c and d impose.
func (c Constraint) And(d Constraint) Constraint {
	switch {
	case len(c.alts) == 0:
		return d
	case len(d.alts) == 0:
		return c
	}
	out := Constraint{text: c.text + " " + d.text}
	for _, a := range c.alts {
		for _, b := range d.alts {
			out.alts = append(out.alts, append(append([]comparator{}, a...), b...))
		}
	}
	return out
}

// Exact returns the version when the constraint pins exactly one.
func (c Constraint) Exact() (Version, bool) {
	if len(c.alts) == 1 && len(c.alts[0]) == 1 && c.alts[0][0].op == "=" {
		return c.alts[0][0].v, true
	}
	return Version{}, false
}

var gluedPattern = regexp.MustCompile(`([0-9xX*])([<>=^~])`)

var termPattern = regexp.MustCompile(`^(\^|~|>=|<=|>|<|=)?\s*v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$`)

// ParseConstraint parses the expression of a `pragma solidity` directive,
// e.g. "^0.4.24", ">=0.5.0 <0.9.0" or "0.8.26".
func ParseConstraint(expr string) (Constraint, error) {
	c := Constraint{text: strings.TrimSpace(expr)}
	// Separate comparators written without spaces: ">=0.4.0<0.6.0".
	expr = gluedPattern.ReplaceAllString(expr, "$1 $2")
	for _, alt := range strings.Split(expr, "||") {
		// Join operators separated from their version by spaces.
		fields := strings.Fields(alt)
		var terms []string
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			if strings.Trim(f, "^~<>=") == "" && i+1 < len(fields) {
				f += fields[i+1]
				i++
			}
			terms = append(terms, f)
		}
		if len(terms) == 3 && terms[1] == "-" {
			terms = []string{">=" + terms[0], "<=" + terms[2]}
		}
		if len(terms) == 0 {
			return Constraint{}, fmt.Errorf("%w: empty alternative in %q", ErrPragma, expr)
		}
		var all []comparator
		for _, t := range terms {
			cs, err := parseTerm(t)
			if err != nil {
				return Constraint{}, fmt.Errorf("%w: %q in %q", ErrPragma, t, expr)
			}
			all = append(all, cs...)
		}
		c.alts = append(c.alts, all)
	}
	return c, nil
}

// parseTerm expands one term into comparators.
func parseTerm(t string) ([]comparator, error) {
	m := termPattern.FindStringSubmatch(t)
	if m == nil {
		return nil, ErrPragma
	}
	op := m[1]
	num := func(s string) (int, bool) {
		if s == "" || s == "x" || s == "X" || s == "*" {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	maj, hasMaj := num(m[2])
	minor, hasMin := num(m[3])
	patch, hasPatch := num(m[4])
	if !hasMaj {
		return nil, nil // "*" matches everything
	}
	v := Version{maj, minor, patch}
	// next is the first version past the partial one (0.8 -> 0.9.0).
	next := Version{maj + 1, 0, 0}
	if hasMin {
		next = Version{maj, minor + 1, 0}
	}
	if hasPatch {
		next = Version{maj, minor, patch + 1}
	}
	switch op {
	case "^":
		upper := Version{maj + 1, 0, 0}
		switch {
		case maj == 0 && hasMin && (minor > 0 || !hasPatch):
			upper = Version{0, minor + 1, 0}
		case maj == 0 && hasMin:
			upper = Version{0, 0, patch + 1}
		}
		return []comparator{{">=", v}, {"<", upper}}, nil
	case "~":
		upper := Version{maj + 1, 0, 0}
		if hasMin {
			upper = Version{maj, minor + 1, 0}
		}
		return []comparator{{">=", v}, {"<", upper}}, nil
	case ">", "<=":
		if !hasPatch { // >0.4 means >=0.5.0; <=0.4 means <0.5.0
			if op == ">" {
				return []comparator{{">=", next}}, nil
			}
			return []comparator{{"<", next}}, nil
		}
		return []comparator{{op, v}}, nil
	case ">=", "<":
		return []comparator{{op, v}}, nil
	}
	if !hasPatch {
		return []comparator{{">=", v}, {"<", next}}, nil
	}
	return []comparator{{"=", v}}, nil
}

var (
	pragmaPattern  = regexp.MustCompile(`pragma\s+solidity\s+([^;]+);`)
	commentPattern = regexp.MustCompile(`(?s)//[^\n]*|/\*.*?\*/`)
)

// Pragma returns the constraint of every `pragma solidity` directive in
// src, combined. A source without a pragma matches every version.
func Pragma(src []byte) (Constraint, error) {
	code := commentPattern.ReplaceAll(src, nil)
	var c Constraint
	for _, m := range pragmaPattern.FindAllSubmatch(code, -1) {
		d, err := ParseConstraint(string(m[1]))
		if err != nil {
			return Constraint{}, err
		}
		c = c.And(d)
	}
	return c, nil
}

// Units splits files into compilation units that can each be compiled by
// one release: a file joins the first unit whose combined pragmas it still
// satisfies together with some release. srcs maps each file to its text.
func Units(files []string, srcs map[string][]byte) ([][]string, error) {
	var units [][]string
	var wants []Constraint
	for _, f := range files {
		p, err := Pragma(srcs[f])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		placed := false
		for i := range units {
			if w := wants[i].And(p); anyRelease(w) {
				units[i], wants[i], placed = append(units[i], f), w, true
				break
			}
		}
		if !placed {
			units, wants = append(units, []string{f}), append(wants, p)
		}
	}
	return units, nil
}

func anyRelease(c Constraint) bool {
	for _, r := range Releases() {
		if c.Match(r) {
			return true
		}
	}
	return false
}
