package record

import (
	"encoding/json"
	"time"
)

// Node supervision records (package nodes). The index stores them as
// documents the nodes stage encodes: it knows only orgs, ids, revisions
// and times, which is all ordering and history need. A node is
// identified by its org and its id: two orgs may each register "peer0".
// Every registry change is a new revision; no revision is ever rewritten
// or deleted.

// NodeRevision is one revision of a registered node.
type NodeRevision struct {
	Org  string          `json:"org"` // the owning org; with ID, the node's identity
	ID   string          `json:"id"`
	Rev  uint64          `json:"rev"` // 1 for the registration, then +1 per change
	Time time.Time       `json:"time"`
	Doc  json.RawMessage `json:"doc"`
}

// ProbeRecord is one stored probe run of one node, with its evidence.
type ProbeRecord struct {
	Org  string          `json:"org"`
	Node string          `json:"node"`
	Time time.Time       `json:"time"`
	Doc  json.RawMessage `json:"doc"`
}

// RiskPoint is one risk score of a subject (a node, an org or a chain)
// at one time, kept for the trend.
type RiskPoint struct {
	Subject string          `json:"subject"` // e.g. node/ORG/ID, org/CHAIN/MSP, chain/CHAIN
	Time    time.Time       `json:"time"`
	Doc     json.RawMessage `json:"doc"`
}

// NodeUpdate computes the next document of a node from its current
// revision (nil when the node is not registered yet). It runs inside the
// index transaction and may run more than once, so it must not have side
// effects.
type NodeUpdate func(cur *NodeRevision) (json.RawMessage, error)
