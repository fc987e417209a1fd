// Command tools builds (once) the real chain binaries that tests and the
// demo run, into the repository's ignored .cache folder, so that test
// packages running in parallel find them ready.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
)

func main() {
	ctx := context.Background()
	t0 := time.Now()
	p, err := geth.Build(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tools:", err)
		os.Exit(1)
	}
	fmt.Printf("geth %s: %s (%s)\n", geth.Version, p, time.Since(t0).Round(time.Millisecond))
}
