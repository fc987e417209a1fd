//go:build !unix

package api

import "time"

// cpuTime is not measured here: the load test reports no CPU per request.
func cpuTime() time.Duration { return 0 }
