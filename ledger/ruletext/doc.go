// Package ruletext holds what every rule says to a regulator, in each
// language the service speaks: its title, a description of the problem it
// detects and advice on how to remedy it (整改建议), citing the standard
// clauses the rule serves.
//
// The texts are data, not code: one JSON file per language (zh-CN.json,
// the default, and en.json), each mapping a rule id to its Text, plus the
// names of the clauses in that language. The rule declarations
// (ledger.RuleInfo) stay the source of ids, severities, categories and
// clauses; the English Title and Doc of a declaration are what docs/rules.md
// shows. A test in cmd/lianjian, where every rule-registering package is
// linked, walks the registered rules and fails when a text is missing or
// untranslated, or when a catalogue names a rule nobody registers.
package ruletext
