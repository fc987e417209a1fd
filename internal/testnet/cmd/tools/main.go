// Command tools builds (once) the chain binaries that tests, benchmarks
// and the demo run — geth, Fabric 2.5.9 and 3.1.1 with the test chaincode,
// and fiscochain (a FISCO BCOS test chain; see fisconet) —
// into the repository's ignored .cache folder, so that test packages running
// in parallel find them ready.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

func main() {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	t0 := time.Now()
	p, err := geth.Build(ctx)
	if err != nil {
		fail(err)
	}
	fmt.Printf("geth %s: %s (%s)\n", geth.Version, p, time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if p, err = fisconet.Build(ctx); err != nil {
		fail(err)
	}
	fmt.Printf("fiscochain %s: %s (%s)\n", fisconet.Version, p, time.Since(t0).Round(time.Millisecond))
	for _, v := range []string{"2.5.9", "3.1.1"} {
		t0 = time.Now()
		bin, err := fabnet.Build(ctx, v, log)
		if err != nil {
			fail(err)
		}
		fmt.Printf("fabric %s: %v (%s)\n", v, bin, time.Since(t0).Round(time.Millisecond))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tools:", err)
	os.Exit(1)
}
