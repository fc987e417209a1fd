package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/api/console"
	"github.com/lianjian/lianjian/ledger"
)

// Deps are the components the server reads from. Only Index is required.
type Deps struct {
	// Index answers every ledger and finding query.
	Index Index
	// Heads reports node head heights per chain; nil leaves head and lag
	// null in chain responses.
	Heads HeadReporter
	// Auth authenticates callers; nil leaves the API open.
	Auth Authenticator
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
	// Rules lists the rule catalogue; nil means ledger.Rules.
	Rules func() []*ledger.RuleInfo
	// Supervisor stores tokens, the findings workflow and the audit log
	// and answers searches; nil uses Index when it implements Supervisor,
	// else the supervision routes answer 503.
	Supervisor Supervisor
	// Metrics collects Prometheus metrics; nil makes a new set.
	Metrics *Metrics
}

// Server is the HTTP API over the index.
type Server struct {
	cfg     Config
	idx     Index
	heads   HeadReporter
	auth    Authenticator
	log     *slog.Logger
	rules   func() []*ledger.RuleInfo
	sup     Supervisor
	metrics *Metrics
	limit   *limiter  // per token
	unauth  *limiter  // per client address, for requests without a valid token
	refused *refusals // summary of refused requests for the audit log
	routes  []route
	spec    []byte
	handler http.Handler
}

// New builds a server from cfg (zero fields take defaults) and deps.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Index == nil {
		return nil, fmt.Errorf("%w: no index", ErrConfig)
	}
	s := &Server{
		cfg:   cfg.withDefaults(),
		idx:   deps.Index,
		heads: deps.Heads,
		auth:  deps.Auth,
		log:   deps.Logger,
		rules: deps.Rules,
		sup:   deps.Supervisor,
	}
	if s.sup == nil {
		s.sup, _ = deps.Index.(Supervisor)
	}
	s.limit = newLimiter(s.cfg.RateLimit, s.cfg.RateBurst, s.cfg.MaxClients)
	if s.cfg.RateLimit >= 0 {
		s.unauth = newLimiter(s.cfg.UnauthRate, s.cfg.UnauthBurst, s.cfg.MaxClients)
	}
	s.refused = newRefusals(s.cfg.RefusalWindow, s.cfg.MaxClients)
	s.metrics = deps.Metrics
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.rules == nil {
		s.rules = ledger.Rules
	}
	s.routes = s.table()
	spec, err := OpenAPI(describe(s.routes))
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	s.spec = spec
	s.metrics.watch(s)
	s.handler = s.engine()
	return s, nil
}

// engine builds the gin router from the route table.
func (s *Server) engine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.UseRawPath = true
	e.UnescapePathValues = true
	// Clients connect directly or through a proxy we do not know about:
	// never trust forwarded headers for the client address.
	_ = e.SetTrustedProxies(nil) // cannot fail for an empty list
	e.Use(s.logRequests, s.observe, s.recovery, s.timeout, s.limitBody)
	for _, rt := range s.routes {
		e.Handle(rt.Method, rt.Path, s.wrap(rt))
	}
	e.Match([]string{http.MethodGet, http.MethodHead}, console.Path+"*asset", gin.WrapH(console.Handler())) // the web console: api/console
	e.NoRoute(s.noRoute)
	e.NoMethod(s.noMethod)
	return e
}

// Handler returns the server's HTTP handler, for tests or for mounting
// under another server. Without Serve, a client's refusal summary is
// written only when a later refusal finds its window ended.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the route table: every route the server serves, with the
// permission it requires.
func (s *Server) Routes() []Route { return describe(s.routes) }

// Table returns the route table without building a server, for tools that
// generate the API description or check role assignments.
func Table() []Route { return describe((&Server{}).table()) }

func describe(rs []route) []Route {
	out := make([]Route, len(rs))
	for i, rt := range rs {
		out[i] = rt.Route
	}
	return out
}

// Serve serves HTTP on l until ctx ends, then shuts down gracefully,
// waiting up to the shutdown timeout for requests in flight. It returns
// nil after a graceful shutdown and the server's error otherwise. Serve
// closes l. While it runs it writes the refusal summaries of ended
// windows to the audit log, and the open ones when it returns.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	sweepCtx, stopSweep := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() { defer close(swept); s.sweepRefusals(sweepCtx) }()
	defer func() {
		stopSweep()
		<-swept
		s.writeRefusals(context.WithoutCancel(ctx), s.refused.close(time.Now(), true))
	}()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		_ = srv.Close() // shutdown timed out: drop the remaining connections
		return fmt.Errorf("shut down http: %w", err)
	}
	return nil
}
