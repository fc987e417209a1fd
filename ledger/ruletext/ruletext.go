package ruletext

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// The languages of the catalogue. ZH is the default.
const (
	ZH = "zh-CN"
	EN = "en"
)

// Text is what a rule says in one language.
type Text struct {
	Title       string `json:"title"`
	Description string `json:"description"` // the problem the rule detects and why it matters
	Advice      string `json:"advice"`      // what to change, where, and the clauses served
	// Message is the template of a finding's message (see Message); empty
	// in English, whose findings record their message as it reads.
	Message string `json:"message,omitempty"`
}

// catalogue is one language's file.
type catalogue struct {
	// Clauses names the standard clauses (as ledger.RuleInfo.Clauses
	// writes them) in the language; a clause it does not hold is shown
	// as written.
	Clauses map[string]string `json:"clauses"`
	Rules   map[string]Text   `json:"rules"`
	// Evidence labels the evidence keys findings carry; Values translates
	// the evidence values our code writes from a fixed set, by key; Kinds
	// names the kinds of object a finding is about (block, tx, …).
	Evidence map[string]string            `json:"evidence"`
	Values   map[string]map[string]string `json:"values,omitempty"`
	Kinds    map[string]string            `json:"kinds"`
}

//go:embed zh-CN.json en.json
var files embed.FS

// catalogues decodes the files once, on first use. The files are part of
// the binary, so a file that does not decode is a programming error that
// every test of a linking package catches.
var catalogues = sync.OnceValue(func() map[string]catalogue {
	out := map[string]catalogue{}
	for _, l := range []string{ZH, EN} {
		b, err := files.ReadFile(l + ".json")
		if err != nil {
			panic(err)
		}
		var c catalogue
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields() // a misspelt field would read as a missing text
		if err := dec.Decode(&c); err != nil {
			panic(fmt.Sprintf("ruletext: decode %s.json: %v", l, err))
		}
		out[l] = c
	}
	return out
})

// Lang returns the catalogue language for lang: EN for "en" and its
// regional forms (en-US, en-GB), ZH for everything else.
func Lang(lang string) string {
	if l := strings.ToLower(lang); l == EN || strings.HasPrefix(l, "en-") {
		return EN
	}
	return ZH
}

// For returns the text of rule id in lang (see Lang; zh-CN is the
// default). A field the language lacks is taken from English. ok is false
// when neither language holds the rule.
func For(id, lang string) (t Text, ok bool) {
	own, okOwn := catalogues()[Lang(lang)].Rules[id]
	en, okEN := catalogues()[EN].Rules[id]
	if !okOwn && !okEN {
		return Text{}, false
	}
	t = own
	if t.Title == "" {
		t.Title = en.Title
	}
	if t.Description == "" {
		t.Description = en.Description
	}
	if t.Advice == "" {
		t.Advice = en.Advice
	}
	return t, true
}

// Exact returns the text of rule id as lang's file holds it, without
// falling back to another language: what a completeness check reads.
func Exact(id, lang string) (Text, bool) {
	t, ok := catalogues()[Lang(lang)].Rules[id]
	return t, ok
}

// Clause names clause c (as a rule declares it, e.g.
// "GB/T 42570-2023 (data integrity)") in lang; a clause the language does
// not name is returned as written.
func Clause(c, lang string) string {
	if s, ok := catalogues()[Lang(lang)].Clauses[c]; ok && s != "" {
		return s
	}
	return c
}

// IDs returns the rule ids lang's file holds, sorted.
func IDs(lang string) []string {
	rs := catalogues()[Lang(lang)].Rules
	out := make([]string, 0, len(rs))
	for id := range rs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
