package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// ErrConfig means a Config is unusable.
var ErrConfig = errors.New("invalid alert config")

// Hook is one webhook.
type Hook struct {
	Name string
	URL  string
	// Secret keys the HMAC-SHA256 signature of every payload.
	Secret string
	// MinSeverity is the least severe finding sent (default high).
	MinSeverity ledger.Severity
	// Orgs limits the hook to findings of these orgs; empty sends all.
	Orgs []string
}

// Config configures the dispatcher. Zero fields take the defaults.
type Config struct {
	Hooks []Hook
	// Attempts is how often one alert is tried (default 6).
	Attempts int
	// Backoff is the first retry delay, doubled per attempt (default 1s).
	Backoff time.Duration
	// MaxBackoff caps the retry delay (default 5m).
	MaxBackoff time.Duration
	// Timeout bounds one HTTP attempt (default 5s).
	Timeout time.Duration
	// Queue is how many alerts may wait (default 1024).
	Queue int
	// Workers deliver in parallel (default 2).
	Workers int
	// Poll is how often Watch looks for new findings (default 10s).
	Poll time.Duration
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Backoff, time.Second)
	def(&c.MaxBackoff, 5*time.Minute)
	def(&c.Timeout, 5*time.Second)
	def(&c.Poll, 10*time.Second)
	if c.Attempts == 0 {
		c.Attempts = 6
	}
	if c.Queue == 0 {
		c.Queue = 1024
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	for i := range c.Hooks {
		if c.Hooks[i].MinSeverity == "" {
			c.Hooks[i].MinSeverity = ledger.High
		}
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	c = c.withDefaults()
	for i, h := range c.Hooks {
		u, err := url.Parse(h.URL)
		switch {
		case h.Name == "":
			return fmt.Errorf("%w: hook %d has no name", ErrConfig, i)
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			return fmt.Errorf("%w: hook %s: url %q is not http(s)", ErrConfig, h.Name, h.URL)
		case len(h.Secret) < 16:
			return fmt.Errorf("%w: hook %s: secret shorter than 16 bytes", ErrConfig, h.Name)
		case h.MinSeverity.Rank() < 0:
			return fmt.Errorf("%w: hook %s: severity %q", ErrConfig, h.Name, h.MinSeverity)
		}
	}
	if c.Attempts < 1 || c.Queue < 1 || c.Workers < 1 || c.Backoff < 0 || c.Timeout < 0 {
		return fmt.Errorf("%w: attempts, queue and workers must be positive", ErrConfig)
	}
	return nil
}

// Recorder stores delivery records. The index implements it.
type Recorder interface {
	PutDelivery(ctx context.Context, d supervise.Delivery) error
}

// Payload is the JSON body sent to a hook.
type Payload struct {
	Event   string         `json:"event"` // EventFinding or EventReopened
	Sent    time.Time      `json:"sent"`
	Finding ledger.Finding `json:"finding"`
}

// Signature headers. The signature is hex HMAC-SHA256 over
// timestamp + "." + body, so a receiver can reject replays.
const (
	HeaderSignature = "X-Lianjian-Signature"
	HeaderTimestamp = "X-Lianjian-Timestamp"
)

// Sign returns the signature header value for a body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

type job struct {
	hook   *Hook
	f      ledger.Finding
	event  string
	queued time.Time
}

// Dispatcher queues alerts and delivers them.
type Dispatcher struct {
	cfg    Config
	rec    Recorder
	client *http.Client
	log    *slog.Logger
	queue  chan job
	sleep  func(ctx context.Context, d time.Duration) error
	wg     sync.WaitGroup
}

// New builds a dispatcher. client nil uses a client with the configured
// timeout; log nil discards logs.
func New(cfg Config, rec Recorder, client *http.Client, log *slog.Logger) (*Dispatcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{cfg: cfg, rec: rec, client: client, log: log, queue: make(chan job, cfg.Queue), sleep: sleepCtx}, nil
}

// Notify queues f, a finding first seen, for every hook that wants it. It
// never blocks: when the queue is full the alert is dropped and the drop
// recorded.
func (d *Dispatcher) Notify(ctx context.Context, f ledger.Finding) {
	d.notify(ctx, f, EventFinding)
}

func (d *Dispatcher) notify(ctx context.Context, f ledger.Finding, event string) {
	for i := range d.cfg.Hooks {
		h := &d.cfg.Hooks[i]
		if !wants(h, &f) {
			continue
		}
		j := job{hook: h, f: f, event: event, queued: time.Now()}
		select {
		case d.queue <- j:
		default:
			d.record(ctx, j, "dropped", 0, 0, errors.New("queue full"))
		}
	}
}

func wants(h *Hook, f *ledger.Finding) bool {
	if f.Severity.Rank() < h.MinSeverity.Rank() {
		return false
	}
	if len(h.Orgs) == 0 {
		return true
	}
	for _, o := range h.Orgs {
		if o == f.Subject.Org {
			return true
		}
	}
	return false
}

// Run delivers queued alerts until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	for range d.cfg.Workers {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-d.queue:
					d.deliver(ctx, j)
				}
			}
		}()
	}
	d.wg.Wait()
	return nil
}

// deliver tries one alert with capped, jittered exponential backoff and
// records the outcome.
func (d *Dispatcher) deliver(ctx context.Context, j job) {
	body, err := json.Marshal(Payload{Event: j.event, Sent: time.Now().UTC(), Finding: j.f})
	if err != nil {
		d.record(ctx, j, "failed", 0, 0, err)
		return
	}
	var code int
	backoff := d.cfg.Backoff
	for attempt := 1; ; attempt++ {
		code, err = d.post(ctx, j.hook, body)
		if err == nil {
			d.record(ctx, j, "delivered", attempt, code, nil)
			return
		}
		if attempt == d.cfg.Attempts || ctx.Err() != nil {
			d.record(ctx, j, "failed", attempt, code, err)
			return
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff = min(2*backoff, d.cfg.MaxBackoff)
		if d.sleep(ctx, wait) != nil {
			d.record(ctx, j, "failed", attempt, code, err)
			return
		}
	}
}

func (d *Dispatcher) post(ctx context.Context, h *Hook, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(h.Secret, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("hook answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

func (d *Dispatcher) record(ctx context.Context, j job, outcome string, attempts, code int, err error) {
	now := time.Now().UTC()
	rec := supervise.Delivery{
		ID: j.f.ID + "." + j.hook.Name + "." + strconv.FormatInt(j.queued.UnixNano(), 36), Hook: j.hook.Name,
		Finding: j.f.ID, Severity: string(j.f.Severity), Org: j.f.Subject.Org, Outcome: outcome,
		Attempts: attempts, Code: code, Queued: j.queued.UTC(), Done: now,
	}
	if err != nil {
		rec.Error = err.Error()
	}
	if d.rec == nil {
		return
	}
	if perr := d.rec.PutDelivery(context.WithoutCancel(ctx), rec); perr != nil {
		d.log.Error("record alert delivery", "hook", j.hook.Name, "finding", j.f.ID, "err", perr)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
