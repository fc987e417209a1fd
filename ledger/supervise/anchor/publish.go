package anchor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/lianjian/lianjian/ledger/supervise"
)

// tailBytes is how much of the checkpoint file's end is read to find its
// last checkpoint; a line is well under it.
const tailBytes = 16 << 10

// start reads, once, how far the file has got; the webhook is taken to
// have every checkpoint before this process's first (a failed delivery is
// retried while the process runs, and reported).
func (a *Anchor) start(last uint64) error {
	if a.started {
		return nil
	}
	if a.cfg.File != "" {
		n, err := LastInFile(a.cfg.File)
		if err != nil {
			return err
		}
		a.fileSeq = n
	}
	a.hooked, a.started = last, true
	return nil
}

// publish writes the stored checkpoints up to upto that the file and the
// webhook have not taken yet.
func (a *Anchor) publish(ctx context.Context, upto uint64) error {
	from := upto + 1
	if a.cfg.File != "" {
		from = min(from, a.fileSeq+1)
	}
	if a.cfg.Webhook != "" {
		from = min(from, a.hooked+1)
	}
	if from > upto {
		return nil
	}
	var pending []supervise.Checkpoint
	err := a.store.AuditCheckpoints(ctx, from, func(c *supervise.Checkpoint) bool {
		if c.Seq > upto {
			return false
		}
		pending = append(pending, *c)
		return true
	})
	if err != nil {
		return fmt.Errorf("read audit log checkpoints: %w", err)
	}
	var errs []error
	if a.cfg.File != "" {
		errs = append(errs, a.appendFile(pending))
	}
	if a.cfg.Webhook != "" {
		errs = append(errs, a.post(ctx, pending))
	}
	return errors.Join(errs...)
}

// appendFile appends the checkpoints after fileSeq to the file, in one
// write, and syncs it.
func (a *Anchor) appendFile(cps []supervise.Checkpoint) error {
	var buf bytes.Buffer
	n := a.fileSeq
	for i := range cps {
		if cps[i].Seq <= a.fileSeq {
			continue
		}
		line, err := cps[i].MarshalLine()
		if err != nil {
			return err
		}
		buf.Write(line)
		n = cps[i].Seq
	}
	if buf.Len() == 0 {
		return nil
	}
	f, err := os.OpenFile(a.cfg.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("audit log checkpoint file: %w", err)
	}
	_, werr := f.Write(buf.Bytes())
	if werr == nil {
		werr = f.Sync()
	}
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("audit log checkpoint file %s: %w", a.cfg.File, err)
	}
	a.fileSeq = n
	return nil
}

// post sends the checkpoints after hooked to the webhook, one POST each,
// in order, stopping at the first failure.
func (a *Anchor) post(ctx context.Context, cps []supervise.Checkpoint) error {
	for i := range cps {
		c := &cps[i]
		if c.Seq <= a.hooked {
			continue
		}
		if err := a.postOne(ctx, c); err != nil {
			return fmt.Errorf("audit log checkpoint %d to webhook: %w", c.Seq, err)
		}
		a.hooked = c.Seq
	}
	return nil
}

func (a *Anchor) postOne(ctx context.Context, c *supervise.Checkpoint) error {
	body, err := c.MarshalLine()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.Webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lianjian-auditlog")
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// LastInFile returns the seq of the last checkpoint in a checkpoint file:
// 0 when the file does not exist or is empty. A last line that is not a
// checkpoint is an error.
func LastInFile(path string) (uint64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("audit log checkpoint file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("audit log checkpoint file: %w", err)
	}
	off := max(st.Size()-tailBytes, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("audit log checkpoint file %s: %w", path, err)
	}
	buf = bytes.TrimRight(buf, " \t\r\n")
	if len(buf) == 0 {
		return 0, nil
	}
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 && off > 0 {
		return 0, fmt.Errorf("%w: %s: last line longer than %d bytes", supervise.ErrFormat, path, tailBytes)
	}
	c, err := supervise.ParseCheckpoint(buf[i+1:])
	if err != nil {
		return 0, fmt.Errorf("%s: last line: %w", path, err)
	}
	return c.Seq, nil
}
