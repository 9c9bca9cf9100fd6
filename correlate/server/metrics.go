package server

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/traceline/traceline/correlate/ingest"
	"net/http"
)

// metrics are what /metrics exposes, on a registry of the Server's own so
// several servers in one process (tests) do not collide.
type metrics struct {
	reg          *prometheus.Registry
	lines        prometheus.Counter
	entries      prometheus.Counter
	traced       prometheus.Counter
	skipped      *prometheus.CounterVec
	lookup       prometheus.Histogram
	jaegerErrors prometheus.Counter
	pushed       *prometheus.CounterVec
	ingestWait   prometheus.Histogram

	mu   sync.Mutex
	last ingest.Stats // follower totals already counted
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		lines: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "correlate_lines_read_total", Help: "Physical log lines read from followed files."}),
		entries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "correlate_entries_indexed_total", Help: "Log entries written to the index from followed files."}),
		traced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "correlate_traced_entries_indexed_total", Help: "Indexed entries that carry a trace id."}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "correlate_parse_problems_total", Help: "Entries skipped or damaged while parsing, by reason."}, []string{"reason"}),
		lookup: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "correlate_lookup_seconds", Help: "Time to answer a trace lookup (index read, trace fetch and join).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
		jaegerErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "correlate_trace_source_errors_total", Help: "Trace lookups where Jaeger failed (down, slow, 5xx, garbage)."}),
		pushed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "correlate_pushed_entries_total", Help: "Entries received by push ingest, by protocol."}, []string{"protocol"}),
		ingestWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "correlate_ingest_wait_seconds", Help: "Time an ingest batch (pushed or followed) waited for trace lookups in flight; batches that did not wait are not counted.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}),
	}
	m.reg.MustRegister(m.lines, m.entries, m.traced, m.skipped, m.lookup, m.jaegerErrors, m.pushed, m.ingestWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// followed takes the follower's running totals and adds what is new.
func (m *metrics) followed(st ingest.Stats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := st.Lines - m.last.Lines; d > 0 {
		m.lines.Add(float64(d))
	}
	if d := st.Entries - m.last.Entries; d > 0 {
		m.entries.Add(float64(d))
	}
	if d := st.Traced - m.last.Traced; d > 0 {
		m.traced.Add(float64(d))
	}
	for reason, n := range st.Skipped {
		if d := n - m.last.Skipped[reason]; d > 0 {
			m.skipped.WithLabelValues(reason).Add(float64(d))
		}
	}
	prevSkipped := make(map[string]int64, len(st.Skipped))
	for k, v := range st.Skipped {
		prevSkipped[k] = v
	}
	m.last = st
	m.last.Skipped = prevSkipped
}
