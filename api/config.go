package api

import (
	"fmt"
	"net"
	"time"

	"github.com/lianjian/lianjian/ledger/supervise"
)

// Config holds the server's settings. Zero fields take the defaults below.
type Config struct {
	// Addr is the address the caller should listen on (default
	// 127.0.0.1:8080). Serve itself takes a listener.
	Addr string
	// ReadHeaderTimeout bounds reading request headers (default 5s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request (default 15s).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response (default 30s).
	WriteTimeout time.Duration
	// IdleTimeout bounds keep-alive idle time (default 2m).
	IdleTimeout time.Duration
	// RequestTimeout is the deadline of each handler's context; a request
	// that runs into it gets 503 timeout (default 10s).
	RequestTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown once Serve's context
	// ends (default 10s).
	ShutdownTimeout time.Duration
	// MaxHeaderBytes bounds request headers (default 64 KiB).
	MaxHeaderBytes int
	// DefaultPageSize is the page size when a request gives no limit
	// (default 50).
	DefaultPageSize int
	// MaxPageSize caps ?limit= (default 500). It must not exceed the
	// index's own maximum page size (1000 for the badger index).
	MaxPageSize int
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	// RateLimit is the sustained requests per second allowed to one
	// token (default 50); negative disables rate limiting, UnauthRate's
	// included.
	RateLimit float64
	// RateBurst is how many requests one token may send at once
	// (default 100).
	RateBurst int
	// UnauthRate is the sustained requests per second without a valid
	// token that one client address (IPv6: one /64) may send before it
	// is answered 429 (default 1); negative disables this limit.
	// Requests with a valid token never count against it.
	UnauthRate float64
	// UnauthBurst is how many requests without a valid token one
	// address may send at once (default 20).
	UnauthBurst int
	// RefusalWindow is the period over which the requests refused before
	// their handler ran (401, 429) are counted per client and written to
	// the audit log as one entry (default 1m).
	RefusalWindow time.Duration
	// MaxClients bounds the client addresses and tokens that the rate
	// limiters and the refusal counts track at once (default 1024);
	// clients past it share one bucket and one count.
	MaxClients int
	// AuditKey verifies the SM2 signatures of the audit log's
	// checkpoints (the config's auditlog.pubkey, else the public half of
	// auditlog.key). Zero leaves the log unanchored: GET auditlog/verify
	// then checks the hash chain only and says so.
	AuditKey supervise.PublicKey
	// AuditCheckpoints is the external checkpoint file, the authority
	// (auditlog.checkpoints), read on each GET auditlog/verify. Empty
	// compares the log with the index's checkpoints only. It needs
	// AuditKey.
	AuditCheckpoints string
}

// Defaults.
const (
	DefaultAddr            = "127.0.0.1:8080"
	defaultReadHeader      = 5 * time.Second
	defaultRead            = 15 * time.Second
	defaultWrite           = 30 * time.Second
	defaultIdle            = 2 * time.Minute
	defaultRequest         = 10 * time.Second
	defaultShutdown        = 10 * time.Second
	defaultMaxHeaderBytes  = 64 << 10
	defaultDefaultPageSize = 50
	defaultMaxPageSize     = 500
	defaultMaxBodyBytes    = 1 << 20
	defaultRateLimit       = 50
	defaultRateBurst       = 100
	defaultUnauthRate      = 1
	defaultUnauthBurst     = 20
	defaultRefusalWindow   = time.Minute
	defaultMaxClients      = 1024
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	def(&c.ReadHeaderTimeout, defaultReadHeader)
	def(&c.ReadTimeout, defaultRead)
	def(&c.WriteTimeout, defaultWrite)
	def(&c.IdleTimeout, defaultIdle)
	def(&c.RequestTimeout, defaultRequest)
	def(&c.ShutdownTimeout, defaultShutdown)
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = defaultMaxBodyBytes
	}
	if c.RateLimit == 0 {
		c.RateLimit = defaultRateLimit
	}
	if c.RateBurst == 0 {
		c.RateBurst = defaultRateBurst
	}
	if c.UnauthRate == 0 {
		c.UnauthRate = defaultUnauthRate
	}
	if c.UnauthBurst == 0 {
		c.UnauthBurst = defaultUnauthBurst
	}
	def(&c.RefusalWindow, defaultRefusalWindow)
	if c.MaxClients == 0 {
		c.MaxClients = defaultMaxClients
	}
	if c.MaxPageSize == 0 {
		c.MaxPageSize = defaultMaxPageSize
	}
	if c.DefaultPageSize == 0 {
		c.DefaultPageSize = min(defaultDefaultPageSize, c.MaxPageSize)
	}
	return c
}

// Validate reports whether c, with defaults applied, is usable.
func (c Config) Validate() error {
	c = c.withDefaults()
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("%w: addr %q: %w", ErrConfig, c.Addr, err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read header timeout", c.ReadHeaderTimeout},
		{"read timeout", c.ReadTimeout},
		{"write timeout", c.WriteTimeout},
		{"idle timeout", c.IdleTimeout},
		{"request timeout", c.RequestTimeout},
		{"shutdown timeout", c.ShutdownTimeout},
		{"refusal window", c.RefusalWindow},
	} {
		if d.v < 0 {
			return fmt.Errorf("%w: %s %v is negative", ErrConfig, d.name, d.v)
		}
	}
	switch {
	case c.MaxHeaderBytes < 0:
		return fmt.Errorf("%w: max header bytes %d is negative", ErrConfig, c.MaxHeaderBytes)
	case c.MaxBodyBytes < 0:
		return fmt.Errorf("%w: max body bytes %d is negative", ErrConfig, c.MaxBodyBytes)
	case c.RateBurst < 0:
		return fmt.Errorf("%w: rate burst %d is negative", ErrConfig, c.RateBurst)
	case c.UnauthBurst < 0:
		return fmt.Errorf("%w: unauthenticated burst %d is negative", ErrConfig, c.UnauthBurst)
	case c.MaxClients < 0:
		return fmt.Errorf("%w: max clients %d is negative", ErrConfig, c.MaxClients)
	case c.MaxPageSize < 1:
		return fmt.Errorf("%w: max page size %d is not positive", ErrConfig, c.MaxPageSize)
	case c.DefaultPageSize < 1 || c.DefaultPageSize > c.MaxPageSize:
		return fmt.Errorf("%w: default page size %d is not in 1..%d", ErrConfig, c.DefaultPageSize, c.MaxPageSize)
	case c.AuditCheckpoints != "" && c.AuditKey.IsZero():
		return fmt.Errorf("%w: audit checkpoints %q cannot be checked without an audit key", ErrConfig, c.AuditCheckpoints)
	}
	return nil
}
