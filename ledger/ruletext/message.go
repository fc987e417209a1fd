package ruletext

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Values are what a message template reads: the built-ins every finding
// has (its subject, the subject's kind and height, its chain and owning
// org) and the finding's evidence.
type Values struct {
	Subject  string
	Kind     string // block, tx, identity, node, contract, config, chain
	Height   uint64
	Chain    string
	Org      string
	Evidence map[string]string
}

// Built-in template names. All but org are set on every finding.
var builtins = map[string]bool{"subject": true, "kind": true, "height": true, "chain": true, "org": false}

// maxValueRunes bounds one inserted value, so that a long evidence value
// (a PEM certificate, a list of weaknesses) does not swamp the message;
// the evidence table shows it whole.
const maxValueRunes = 160

// part is a piece of a parsed template: literal text, a {name}, or an
// optional [segment] of literals and names.
type part struct {
	text     string
	name     string
	optional []part
}

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// parseTemplate reads a message template: {name} inserts a value; [ … ]
// is a segment shown only when every name in it has a value. Segments do
// not nest, and the characters [ ] { } mean nothing else. A name outside
// a segment must be a built-in every finding has.
func parseTemplate(s string) ([]part, error) {
	var (
		out, seg []part
		inSeg    bool
		lit      strings.Builder
	)
	flush := func() {
		if lit.Len() == 0 {
			return
		}
		p := part{text: lit.String()}
		lit.Reset()
		if inSeg {
			seg = append(seg, p)
		} else {
			out = append(out, p)
		}
	}
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '[':
			if inSeg {
				return nil, fmt.Errorf("nested [ at byte %d", i)
			}
			flush()
			inSeg, seg = true, nil
			i++
		case ']':
			if !inSeg {
				return nil, fmt.Errorf("] without [ at byte %d", i)
			}
			flush()
			hasName := false
			for _, p := range seg {
				hasName = hasName || p.name != ""
			}
			if !hasName {
				return nil, fmt.Errorf("segment ending at byte %d holds no {name}", i)
			}
			out = append(out, part{optional: seg})
			inSeg = false
			i++
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("{ at byte %d is not closed", i)
			}
			name := s[i+1 : i+end]
			if !nameRE.MatchString(name) {
				return nil, fmt.Errorf("bad name {%s} at byte %d", name, i)
			}
			if always, ok := builtins[name]; !inSeg && (!ok || !always) {
				return nil, fmt.Errorf("{%s} may be empty, so it must be inside [ ]", name)
			}
			flush()
			p := part{name: name}
			if inSeg {
				seg = append(seg, p)
			} else {
				out = append(out, p)
			}
			i += end + 1
		case '}':
			return nil, fmt.Errorf("} without { at byte %d", i)
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			lit.WriteString(s[i : i+n])
			i += n
		}
	}
	if inSeg {
		return nil, fmt.Errorf("[ is not closed")
	}
	flush()
	return out, nil
}

// templateNames returns the names a template reads.
func templateNames(ps []part) []string {
	var out []string
	for _, p := range ps {
		if p.name != "" {
			out = append(out, p.name)
		}
		out = append(out, templateNames(p.optional)...)
	}
	return out
}

// value returns the text of name for a finding in lang.
func (v Values) value(name, lang string) string {
	var s string
	switch name {
	case "subject":
		s = v.Subject
	case "kind":
		return Kind(v.Kind, lang)
	case "height":
		s = strconv.FormatUint(v.Height, 10)
	case "chain":
		s = v.Chain
	case "org":
		s = v.Org
	default:
		raw := v.Evidence[name]
		if raw == "" {
			return ""
		}
		s = EvidenceValue(name, raw, lang)
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxValueRunes {
		r := []rune(s)
		s = string(r[:maxValueRunes-1]) + "…"
	}
	return s
}

// render fills a parsed template.
func render(ps []part, v Values, lang string) string {
	var b strings.Builder
	for _, p := range ps {
		switch {
		case p.optional != nil:
			var seg strings.Builder
			ok := true
			for _, q := range p.optional {
				if q.name == "" {
					seg.WriteString(q.text)
					continue
				}
				s := v.value(q.name, lang)
				if s == "" {
					ok = false
					break
				}
				seg.WriteString(s)
			}
			if ok {
				b.WriteString(seg.String())
			}
		case p.name != "":
			b.WriteString(v.value(p.name, lang))
		default:
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// Message returns the message of a finding of rule in lang. Findings
// record their message in English, so English (and a rule the language
// has no template for) returns recorded as it is; other languages fill the
// rule's template with the finding's values.
func Message(rule, lang, recorded string, v Values) string {
	l := Lang(lang)
	if l == EN {
		return recorded
	}
	ps, ok := templates()[l][rule]
	if !ok {
		return recorded
	}
	return render(ps, v, l)
}

// templates parses every language's message templates once. A template
// that does not parse is a programming error in a file that is part of
// the binary: the package's tests catch it.
var templates = sync.OnceValue(func() map[string]map[string][]part {
	out := map[string]map[string][]part{}
	for l, c := range catalogues() {
		out[l] = map[string][]part{}
		for id, t := range c.Rules {
			if t.Message == "" {
				continue
			}
			ps, err := parseTemplate(t.Message)
			if err != nil {
				panic(fmt.Sprintf("ruletext: %s message of %s: %v", l, id, err))
			}
			out[l][id] = ps
		}
	}
	return out
})

// EvidenceLabel names evidence key in lang; a key the language does not
// name is returned as written.
func EvidenceLabel(key, lang string) string {
	if s := catalogues()[Lang(lang)].Evidence[key]; s != "" {
		return s
	}
	return key
}

// EvidenceValue translates an evidence value our code writes from a fixed
// set (a reason, a state); other values (hashes, ids, numbers, library
// errors) are data and returned as written.
func EvidenceValue(key, raw, lang string) string {
	if s := catalogues()[Lang(lang)].Values[key][raw]; s != "" {
		return s
	}
	return raw
}

// Kind names a subject kind (block, tx, …) in lang.
func Kind(kind, lang string) string {
	if s := catalogues()[Lang(lang)].Kinds[kind]; s != "" {
		return s
	}
	return kind
}

// TemplateNames returns the names (built-ins and evidence keys) that rule
// id's message template in lang reads; ok is false when the language has
// no template for the rule.
func TemplateNames(id, lang string) (names []string, ok bool) {
	ps, ok := templates()[Lang(lang)][id]
	if !ok {
		return nil, false
	}
	return templateNames(ps), true
}

// Builtin reports whether name is a template built-in (subject, kind,
// height, chain, org) rather than an evidence key.
func Builtin(name string) bool {
	_, ok := builtins[name]
	return ok
}

// Labelled reports whether lang's catalogue labels evidence key.
func Labelled(key, lang string) bool {
	return catalogues()[Lang(lang)].Evidence[key] != ""
}
