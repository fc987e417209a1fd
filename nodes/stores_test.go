package nodes

import "github.com/lianjian/lianjian/ledger/index"

// The badger index serves the supervision store; the nodes stage itself
// depends on the interface only (internal/archtest).
var _ SuperviseStore = (*index.DB)(nil)
