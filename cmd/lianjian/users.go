package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/internal/textcol"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

func init() {
	commands["users"] = command{run: runUsers}
}

// cliActor names the person running a command in the audit log.
func cliActor(e *env) string {
	if u := e.getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// recordCLI appends a CLI action to the audit log and, when the log is
// anchored, signs a checkpoint of it; the action's own error decides the
// outcome.
func recordCLI(ctx context.Context, e *env, db *index.DB, op, target string, err error) error {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	// An interrupted command is still logged.
	_, aerr := db.AppendAudit(context.WithoutCancel(ctx), supervise.Action{
		Time: time.Now(), Actor: cliActor(e), Op: op, Target: target, Remote: "cli", Outcome: outcome,
	})
	if aerr != nil {
		return errors.Join(err, fmt.Errorf("audit log: %w", aerr))
	}
	if cerr := checkpointCLI(ctx, e, db); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

func runUsers(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: users: want create, list or revoke", errUsage)
	}
	var c common
	fs := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	c.register(fs)
	l := langFlag(fs)
	switch args[0] {
	case "create":
		name := fs.String("name", "", "who holds the token (required)")
		role := fs.String("role", "", "regulator, operator or auditor (required)")
		org := fs.String("org", "", "the operator's org (MSP id); operators only")
		ttl := fs.Duration("ttl", 0, "lifetime, e.g. 720h; 0 never expires")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *name == "" {
			return fmt.Errorf("%w: users create: --name is required", errUsage)
		}
		if err := supervise.ValidateRole(supervise.Role(*role), *org); err != nil {
			return fmt.Errorf("%w: users create: %w", errUsage, err)
		}
		db, err := openForCLI(e, &c, *l, createIndex)
		if err != nil {
			return err
		}
		defer db.Close()
		t, secret, err := supervise.NewToken(*name, supervise.Role(*role), *org, cliActor(e), time.Now(), *ttl)
		if err == nil {
			err = db.PutToken(ctx, t)
		}
		if err := recordCLI(ctx, e, db, "cli users create", t.ID, err); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, usersTexts[*l].Created, t.ID, t.Name, t.Role)
		fmt.Fprintln(e.stdout, secret)
		return nil
	case "list":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := openForCLI(e, &c, *l, readIndex)
		if err != nil {
			return err
		}
		defer db.Close()
		ts, err := db.Tokens(ctx)
		if err != nil {
			return err
		}
		ut := usersTexts[*l]
		rows := [][]string{ut.Header}
		now := time.Now()
		for _, t := range ts {
			state := ut.Active
			switch {
			case !t.Revoked.IsZero():
				state = fmt.Sprintf(ut.Gone, t.Revoked.Format(time.DateOnly))
			case !t.Active(now):
				state = ut.Expired
			}
			rows = append(rows, []string{t.ID, t.Name, string(t.Role), t.Org, t.Created.Format(time.DateOnly), state})
		}
		return textcol.Write(e.stdout, rows, 2)
	case "revoke":
		rest := args[1:]
		if wantsHelp(rest) {
			return parse(fs, rest)
		}
		if len(rest) == 0 {
			return fmt.Errorf("%w: users revoke TOKEN-ID [flags]", errUsage)
		}
		id := rest[0]
		if err := parse(fs, rest[1:]); err != nil {
			return err
		}
		db, err := openForCLI(e, &c, *l, updateIndex)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.RevokeToken(ctx, id, time.Now())
		if err := recordCLI(ctx, e, db, "cli users revoke", id, err); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, usersTexts[*l].Revoked, id)
		return nil
	}
	return fmt.Errorf("%w: users: unknown subcommand %q (want create, list or revoke)", errUsage, args[0])
}
