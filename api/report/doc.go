// Package report builds supervision reports: the scope examined (chains,
// channels, contracts and their versions), the basis (rules and the
// standard clauses they serve), the findings with their workflow status
// and deadline, rectification progress and a summary. A report renders as
// JSON, CSV or a self-contained, printable HTML page in Chinese (zh-CN,
// the default) or English.
package report
