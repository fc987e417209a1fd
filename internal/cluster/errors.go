package cluster

import "errors"

// Errors returned by the package.
var (
	// ErrInvalid reports a configuration that cannot work.
	ErrInvalid = errors.New("invalid cluster configuration")
	// ErrPartitions reports a chain stream created with another partition
	// count: chains would move between partitions, so it is refused.
	ErrPartitions = errors.New("chain stream has another partition count")
)
