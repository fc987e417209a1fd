package api

import "github.com/lianjian/lianjian/ledger/index"

// The badger index serves the stores the API reads; the API itself
// depends on the interfaces only (internal/archtest).
var (
	_ FabricReader = (*index.DB)(nil)
	_ FiscoReader  = (*index.DB)(nil)
	_ NodeStore    = (*index.DB)(nil)
)
