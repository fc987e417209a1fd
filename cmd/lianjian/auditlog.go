package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger/supervise"
)

func init() {
	commands["auditlog"] = command{"verify or print the SM3 hash-chained log of mutating actions (auditlog verify|list)", runAuditLog}
}

func runAuditLog(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: auditlog: want verify or list", errUsage)
	}
	var c common
	fs := flag.NewFlagSet("auditlog "+args[0], flag.ContinueOnError)
	c.register(fs)
	from := uint64(1)
	if args[0] == "list" {
		fs.Uint64Var(&from, "from", 1, "first entry to print")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := openForCLI(e, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "verify":
		n, err := db.VerifyAudit(ctx)
		if err != nil {
			return fmt.Errorf("audit log: %d entries verified before the break: %w", n, err)
		}
		fmt.Fprintf(e.stdout, "audit log OK: %d entries, SM3 chain intact\n", n)
		return nil
	case "list":
		return db.AuditEntries(ctx, from, func(en *supervise.Entry) bool {
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%x\n", en.Seq, en.Time.Format(time.RFC3339),
				en.Actor, en.Op, en.Target, en.Remote, en.Outcome, en.Hash)
			return true
		})
	}
	return fmt.Errorf("%w: auditlog: unknown subcommand %q (want verify or list)", errUsage, args[0])
}
