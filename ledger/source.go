package ledger

import "context"

// Source is a chain adapter: it serves blocks of one chain, already
// converted to the model and verified against what they claim. A source
// never decides what is stored; the ingester does.
type Source interface {
	// Head returns the height of the newest block the node has.
	Head(ctx context.Context) (uint64, error)
	// Blocks returns the blocks from..to inclusive, in order. The
	// ingester calls it from several goroutines at once for disjoint
	// ranges, unless the source is Sequential. With an error it may
	// return the blocks from `from` up to the failure: the ingester
	// commits them before it handles the error.
	Blocks(ctx context.Context, from, to uint64) ([]*Block, error)
}

// Sequential is implemented by sources whose Blocks calls must come one at
// a time, in height order: their decoding depends on blocks before, as a
// Fabric channel's config decides how its later blocks are read. The
// ingester then fetches one batch at a time.
type Sequential interface {
	Sequential()
}

// Subscriber is implemented by sources that can push new head heights.
// The ingester falls back to polling Head when a source lacks it or the
// subscription fails.
type Subscriber interface {
	// SubscribeHeads sends the height of each new head until ctx ends or
	// the subscription fails; the returned channel is closed then.
	SubscribeHeads(ctx context.Context) (<-chan uint64, error)
}

// HashSource is implemented by sources that can give the canonical hash at
// a height cheaply, used to find the common ancestor on a reorg.
type HashSource interface {
	HashAt(ctx context.Context, height uint64) ([]byte, error)
}

// Final is implemented by sources of chains whose blocks are final once
// written, such as a Fabric ledger read from files: a block that does not
// link to the indexed block before it is a break ([RuleBreakUnlinked])
// to file as a finding, not a reorg to roll back.
type Final interface {
	Final()
}

// Locator is implemented by sources that read blocks from files. The
// ingester names the file and offset of a block in the breaks it finds
// on committing it.
type Locator interface {
	// Locate returns where the block at height was read, when it was
	// among the blocks the last Blocks call returned.
	Locate(height uint64) (file string, offset int64, ok bool)
}
