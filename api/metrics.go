package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lianjian/lianjian/ledger"
)

// Metrics holds the Prometheus metrics the server exposes at /metrics:
// HTTP latency, ingest height and lag per chain, findings by severity and
// status, audit throughput, and the Go runtime.
type Metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
	audited *prometheus.CounterVec
}

// NewMetrics makes a fresh metric set with its own registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lianjian_http_request_duration_seconds",
			Help:    "API request latency by route pattern, method and status code.",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, 1, 5},
		}, []string{"route", "method", "code"}),
		audited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lianjian_audit_objects_total",
			Help: "Objects re-verified by audit, by chain and kind (block, tx, signature).",
		}, []string{"chain", "kind"}),
	}
	m.reg.MustRegister(m.latency, m.audited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, so other components can add their own
// metrics to the same /metrics page.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// AuditObserved counts n objects of a kind ("block", "tx", "signature")
// re-verified by audit on chain. It is safe for concurrent use and cheap
// enough to call per block.
func (m *Metrics) AuditObserved(chain, kind string, n int) {
	m.audited.WithLabelValues(chain, kind).Add(float64(n))
}

// watch registers the collectors that read the server's index at scrape
// time. A metric set shared by two servers keeps the first.
func (m *Metrics) watch(s *Server) {
	err := m.reg.Register(&indexCollector{idx: s.idx, heads: s.heads, log: s.log})
	var are prometheus.AlreadyRegisteredError
	if err != nil && !errors.As(err, &are) {
		panic(err) // descriptors are constant: a programming error
	}
}

// Handler serves the metrics page: the API serves it at /metrics, and a
// worker that runs no API serves it alone.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records the latency of every request by route pattern.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.metrics.latency.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).
		Observe(time.Since(start).Seconds())
}

var (
	descHeight = prometheus.NewDesc("lianjian_ingest_height",
		"Height of the last block committed to the index, by chain.", []string{"chain"}, nil)
	descHead = prometheus.NewDesc("lianjian_ingest_head",
		"Head height last reported by the chain's node, by chain.", []string{"chain"}, nil)
	descLag = prometheus.NewDesc("lianjian_ingest_lag_blocks",
		"Blocks the index is behind the node's head, by chain.", []string{"chain"}, nil)
	descAudit = prometheus.NewDesc("lianjian_audit_height",
		"Height the auditor has re-verified, by chain; its rate is audit throughput in blocks/s.", []string{"chain"}, nil)
	descAuditLag = prometheus.NewDesc("lianjian_audit_lag_blocks",
		"Blocks ingested but not yet re-verified by audit, by chain.", []string{"chain"}, nil)
	descFindings = prometheus.NewDesc("lianjian_findings",
		"Findings in the index by severity and workflow status.", []string{"severity", "status"}, nil)
)

// auditHeights is implemented by indexes that hold the auditor's
// checkpoints.
type auditHeights interface {
	AuditHeight(ctx context.Context, chain string) (uint64, bool, error)
}

// maxScrapeFindings bounds the findings counted per scrape.
const maxScrapeFindings = 200_000

// indexCollector reads ingest progress and finding counts at scrape time.
type indexCollector struct {
	idx   Index
	heads HeadReporter
	log   *slog.Logger
	// worker limits the collector to the chains whose head heads knows
	// (those a cluster worker runs), and leaves the findings, which
	// concern the whole index, to the API servers.
	worker bool
}

// WatchIngest adds, for a cluster worker that serves no API, the ingest
// and audit progress (height, head, lag) of the chains it runs, whose
// heads heads reports, to the metrics.
func (m *Metrics) WatchIngest(idx Index, heads HeadReporter, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return m.reg.Register(&indexCollector{idx: idx, heads: heads, log: log, worker: true})
}

// Describe implements prometheus.Collector.
func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descHeight
	ch <- descHead
	ch <- descLag
	ch <- descAudit
	ch <- descAuditLag
	ch <- descFindings
}

// Collect implements prometheus.Collector: it reads checkpoints, heads
// and findings at scrape time.
func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	chains, err := c.idx.Chains(ctx)
	if err != nil {
		c.log.Warn("metrics: list chains", "err", err)
		return
	}
	for _, chain := range chains {
		head, headOK := uint64(0), false
		if c.heads != nil {
			head, headOK = c.heads.Head(chain.ID)
		}
		if c.worker && !headOK {
			continue
		}
		cp, err := c.idx.Checkpoint(ctx, chain.ID)
		have := err == nil
		if have {
			ch <- prometheus.MustNewConstMetric(descHeight, prometheus.GaugeValue, float64(cp.Height), chain.ID)
		}
		if ar, ok := c.idx.(auditHeights); ok {
			if h, ok, err := ar.AuditHeight(ctx, chain.ID); err == nil && ok {
				ch <- prometheus.MustNewConstMetric(descAudit, prometheus.GaugeValue, float64(h), chain.ID)
				if have {
					ch <- prometheus.MustNewConstMetric(descAuditLag, prometheus.GaugeValue, float64(cp.Height-min(cp.Height, h)), chain.ID)
				}
			}
		}
		if headOK {
			ch <- prometheus.MustNewConstMetric(descHead, prometheus.GaugeValue, float64(head), chain.ID)
			if have {
				ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(head-min(head, cp.Height)), chain.ID)
			}
		}
	}
	if c.worker {
		return
	}
	counts := map[[2]string]int{}
	p := ledger.Page{Limit: 1000}
	for n := 0; n < maxScrapeFindings; {
		fs, next, err := c.idx.Findings(ctx, ledger.FindingFilter{}, p)
		if err != nil {
			c.log.Warn("metrics: count findings", "err", err)
			return
		}
		for _, f := range fs {
			counts[[2]string{string(f.Severity), string(f.Status)}]++
		}
		n += len(fs)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	for k, v := range counts {
		ch <- prometheus.MustNewConstMetric(descFindings, prometheus.GaugeValue, float64(v), k[0], k[1])
	}
}
