// Command tools builds (once) the chain binaries that tests, benchmarks
// and the demo run — geth, Fabric 2.5.9 and 3.1.1 with the test chaincode,
// and fiscochain (a FISCO BCOS test chain; see fisconet) —
// into the repository's ignored .cache folder, so that test packages running
// in parallel find them ready.
//
// A cold build compiles geth and Fabric from the Go module proxy and takes
// tens of minutes on two cores, so each step that is still running says so
// every minute; a cached step prints only its result.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

// Progress intervals: the first note after firstNote (a cached step is
// done by then), then one every everyNote.
const (
	firstNote = 5 * time.Second
	everyNote = time.Minute
)

func main() {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	steps := []struct {
		name string
		run  func() (string, error)
	}{
		{"geth " + geth.Version, func() (string, error) { return geth.Build(ctx) }},
		{"fiscochain " + fisconet.Version, func() (string, error) { return fisconet.Build(ctx) }},
	}
	for _, v := range []string{"2.5.9", "3.1.1"} {
		steps = append(steps, struct {
			name string
			run  func() (string, error)
		}{"fabric " + v, func() (string, error) {
			bin, err := fabnet.Build(ctx, v, log)
			return fmt.Sprint(bin), err
		}})
	}
	for i, s := range steps {
		t0 := time.Now()
		out, err := step(os.Stdout, fmt.Sprintf("[%d/%d] %s", i+1, len(steps), s.name), firstNote, everyNote, s.run)
		if err != nil {
			fail(err)
		}
		fmt.Printf("%s: %s (%s)\n", s.name, out, time.Since(t0).Round(time.Millisecond))
	}
}

// step runs fn, writing to w that name is being built when fn is still
// running after first, and again every every, with the time so far.
func step(w io.Writer, name string, first, every time.Duration, fn func() (string, error)) (string, error) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	t0 := time.Now()
	go func() {
		defer close(stopped)
		t := time.NewTimer(first)
		defer t.Stop()
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if n == 0 {
				fmt.Fprintf(w, "tools: building %s from the Go module proxy into .cache (first run only; a cold build of all four takes about 30 minutes on 2 cores)…\n", name)
			} else {
				fmt.Fprintf(w, "tools: still building %s (%s so far)\n", name, time.Since(t0).Round(time.Second))
			}
			t.Reset(every)
		}
	}()
	out, err := fn()
	close(done)
	<-stopped
	return out, err
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tools:", err)
	os.Exit(1)
}
