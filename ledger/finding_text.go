package ledger

import (
	"sort"

	"github.com/lianjian/lianjian/ledger/ruletext"
)

// EvidenceItem is one piece of a finding's evidence as a reader sees it:
// the key as recorded, its label and its value in a language.
type EvidenceItem struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// MessageIn returns the finding's message in lang (zh-CN by default; see
// ledger/ruletext): the rule's template filled with the finding's subject
// and evidence, or the message as recorded (in English) for English and
// for a rule without a template.
func (f *Finding) MessageIn(lang string) string { return f.MessageAs(lang, f.Subject.Ref) }

// MessageAs is MessageIn with the subject named as ref: a view that
// shows the subject in another form (a 0x-prefixed transaction id) names
// it the same way in the message.
func (f *Finding) MessageAs(lang, ref string) string {
	return ruletext.Message(f.Rule, lang, f.Message, ruletext.Values{
		Subject: ref, Kind: f.Subject.Kind, Height: f.Subject.Height,
		Chain: f.Chain, Org: f.Subject.Org, Evidence: f.Evidence,
	})
}

// EvidenceIn returns the finding's evidence in lang, sorted by key: each
// key's label, and its value translated where it is one of the fixed
// words our checks write (data such as hashes stays as recorded).
func (f *Finding) EvidenceIn(lang string) []EvidenceItem {
	out := make([]EvidenceItem, 0, len(f.Evidence))
	for k, v := range f.Evidence {
		out = append(out, EvidenceItem{Key: k, Label: ruletext.EvidenceLabel(k, lang), Value: ruletext.EvidenceValue(k, v, lang)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
