package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// Outcomes of a long CLI action's audit entries.
const (
	outcomeStarted     = "started"
	outcomeOK          = "ok"
	outcomeError       = "error"
	outcomeInterrupted = "interrupted"
)

// cliAction is a long CLI action (ingest, audit) in the audit log: an
// entry when it starts and one when it ends, so a process that is killed
// leaves at least the first. Both name the object, usually a chain id.
type cliAction struct {
	e      *env
	db     *index.DB
	op     string
	target string
	start  uint64 // sequence number of the start entry
}

// startAction writes the start entry of op on target.
func startAction(ctx context.Context, e *env, db *index.DB, op, target, detail string) (*cliAction, error) {
	a := &cliAction{e: e, db: db, op: op, target: target}
	en, err := db.AppendAudit(context.WithoutCancel(ctx), supervise.Action{
		Time: time.Now(), Actor: cliActor(e), Op: op, Target: target, Remote: "cli", Outcome: outcomeStarted, Detail: detail,
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	a.start = en.Seq
	// An anchored log gets a checkpoint now, so that the start entry of
	// an action that never ends cannot be dropped unnoticed either.
	if err := checkpointCLI(ctx, e, db); err != nil {
		return nil, err
	}
	return a, nil
}

// end writes the end entry: ok, error, or interrupted when ctx was
// cancelled (a signal) before or while the action failed. It returns
// err, joined with any failure to write the entry.
func (a *cliAction) end(ctx context.Context, err error, detail string) error {
	outcome := outcomeOK
	switch {
	case err == nil:
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		outcome = outcomeInterrupted
	default:
		outcome = outcomeError
	}
	if detail != "" {
		detail += "; "
	}
	detail += fmt.Sprintf("started at entry %d", a.start)
	_, aerr := a.db.AppendAudit(context.WithoutCancel(ctx), supervise.Action{
		Time: time.Now(), Actor: cliActor(a.e), Op: a.op, Target: a.target, Remote: "cli", Outcome: outcome, Detail: detail,
	})
	if aerr != nil {
		return errors.Join(err, fmt.Errorf("audit log: %w", aerr))
	}
	if cerr := checkpointCLI(ctx, a.e, a.db); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}
