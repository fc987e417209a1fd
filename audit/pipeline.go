package audit

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/lianjian/lianjian/ledger/fabric"
)

// job is one block travelling through the pipeline.
type job struct {
	raw  fabric.RawBlock
	p    *prepared
	done chan struct{}
}

// run audits the blocks of a Fabric channel in order. Blocks are decoded
// and their signatures verified by Config.Workers goroutines, at most
// Config.Window blocks ahead of the ordered checks; emit receives each
// block's result in source order. run stops at the first error of src,
// of emit or of ctx.
func (a *fabricChecks) run(ctx context.Context, src iter.Seq2[fabric.RawBlock, error], emit func(*BlockResult) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *job)
	order := make(chan *job, a.cfg.Window)
	var wg sync.WaitGroup
	for range a.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				j.p = a.prepare(j.raw.Bytes)
				close(j.done)
			}
		}()
	}
	var srcErr error
	go func() {
		defer close(order)
		defer close(work)
		for rb, err := range src {
			if err != nil {
				srcErr = fmt.Errorf("read blocks: %w", err)
				return
			}
			j := &job{raw: rb, done: make(chan struct{})}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case work <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	for j := range order {
		if err != nil {
			continue // drain so the reader can stop
		}
		if err = ctx.Err(); err != nil {
			continue
		}
		select {
		case <-j.done:
		case <-ctx.Done():
			err = ctx.Err()
			continue
		}
		if e := emit(a.checkBlock(j.p)); e != nil {
			err = e
			cancel()
		}
	}
	wg.Wait()
	if err == nil {
		err = srcErr
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}
