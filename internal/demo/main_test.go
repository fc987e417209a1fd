package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as a demo that, like run, waits for
// Ctrl-C and shuts down cleanly, when DEMO_TEST_UNTIL_SIGNAL is set.
func TestMain(m *testing.M) {
	if os.Getenv("DEMO_TEST_UNTIL_SIGNAL") == "1" {
		os.Exit(untilSignal(os.Stderr, func(ctx context.Context) error {
			fmt.Println("ready")
			<-ctx.Done()
			step("stopping")
			return nil
		}))
	}
	os.Exit(m.Run())
}

// TestInterruptExitsZero sends SIGINT to a demo process waiting as run
// does: it shuts down and exits 0.
func TestInterruptExitsZero(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "DEMO_TEST_UNTIL_SIGNAL=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(out)
			if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
				t.Fatalf("demo printed %q, %v; want ready", line, err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(r)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("demo after %v: %v (printed %q), want exit 0", sig, err, rest)
				}
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("demo did not exit after %v", sig)
			}
		})
	}
}

// TestUntilSignalError checks that a failing demo exits 1 with its error.
func TestUntilSignalError(t *testing.T) {
	var w strings.Builder
	if code := untilSignal(&w, func(context.Context) error { return errors.New("geth did not start") }); code != 1 || w.String() != "demo: geth did not start\n" {
		t.Errorf("untilSignal(failing) = %d with %q, want 1 with the error", code, w.String())
	}
}

// TestMakeRunsDemoBinary checks that make demo runs the demo binary
// itself: under go run, which exits 1 whenever it is interrupted, a clean
// Ctrl-C ended with "make: *** [Makefile: demo] Error 1".
func TestMakeRunsDemoBinary(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	out, err := exec.Command("make", "-n", "-C", "../..", "demo").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n demo: %v\n%s", err, out)
	}
	var runs []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "internal/demo") && strings.Contains(line, " run ") {
			t.Errorf("make demo runs the demo under go run: %s", line)
		}
		if strings.Contains(line, "/demo --lianjian") {
			runs = append(runs, line)
		}
	}
	if len(runs) != 1 {
		t.Errorf("make demo runs the demo binary %d times, want once:\n%s", len(runs), out)
	}
}
