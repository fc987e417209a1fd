package watch_test

import (
	"github.com/lianjian/lianjian/contracts/watch"
	"github.com/lianjian/lianjian/ledger/index"
)

// The badger index serves the watcher's stores; the watcher itself
// depends on the interfaces only (internal/archtest).
var (
	_ watch.Store       = (*index.DB)(nil)
	_ watch.AttachStore = (*index.DB)(nil)
)
