package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func init() {
	commands["version"] = command{run: runVersion}
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "lianjian %s\n", version)
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	fmt.Fprintf(e.stdout, "go: %s\n", bi.GoVersion)
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "vcs.modified" {
			fmt.Fprintf(e.stdout, "%s: %s\n", s.Key, s.Value)
		}
	}
	for _, d := range bi.Deps {
		switch d.Path {
		case "github.com/ethereum/go-ethereum", "github.com/hyperledger/fabric-sdk-go", "github.com/emmansun/gmsm",
			"github.com/dgraph-io/badger/v4", "github.com/gin-gonic/gin", "github.com/hyperledger/fabric-protos-go":
			fmt.Fprintf(e.stdout, "%s %s\n", d.Path, d.Version)
		}
	}
	return nil
}
