package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/coverage"
	"github.com/traceline/traceline/correlate/links"
	"github.com/traceline/traceline/correlate/lookup"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/view"
)

// joinedTrace is GET /api/v1/traces/{traceID}: the JSON of `correlate trace
// --format json`, plus "jaeger_ui" (base of the "open in Jaeger" links),
// "jaeger_url" (this trace there) and "notes" (what a person should know:
// the trace source failed, spans are not exported yet…).
func (s *Server) joinedTrace(w http.ResponseWriter, r *http.Request) {
	ids, ok := traceIDs(w, r)
	if !ok {
		return
	}
	start := time.Now()
	res := lookup.Trace(r.Context(), s.store, s.src, ids, lookup.Options{ExportDelay: s.cfg.ExportDelay})
	s.metrics.lookup.Observe(time.Since(start).Seconds())
	if res.Fault() != nil {
		s.metrics.jaegerErrors.Inc()
	}
	if res.IndexFailed() {
		writeError(w, http.StatusServiceUnavailable, "reading the index failed: "+res.LogErr.Error())
		return
	}
	if res.Empty() {
		writeError(w, http.StatusNotFound, s.nothingFound(ids, res))
		return
	}
	var notes []string
	switch {
	case s.src == nil:
		notes = append(notes, "No trace source is configured (--jaeger URL): showing the log lines only.")
	case res.Fault() != nil:
		notes = append(notes, "The trace source failed ("+res.Fault().Error()+"): showing the log lines only.")
	case len(res.Trace.Spans) == 0:
		notes = append(notes, "Jaeger has no span of this trace: "+orphanHint(res))
	}
	if n := res.Waiting(); n > 0 {
		notes = append(notes, plural(n, "line waits", "lines wait")+" for spans not yet exported: reload in a few seconds.")
	}
	if len(res.Records) == 0 {
		notes = append(notes, "No log line of this trace is in the index: "+res.LogErr.Error()+".")
	}
	buf := getBody()
	defer putBody(buf)
	body := view.AppendJSON((*buf)[:0], res.Trace)
	body = appendExtra(body, map[string]any{
		"jaeger_ui":  s.jaegerUI(),
		"jaeger_url": links.Jaeger(s.jaegerUI(), res.TraceID, ""),
		"notes":      notes,
	})
	*buf = body
	writeBody(w, body)
}

func orphanHint(res *lookup.Result) string {
	for _, o := range res.Trace.Orphans {
		if o.Reason != "" {
			return "its lines say why (" + string(o.Reason) + ")."
		}
	}
	return "it was not sampled, or not exported yet."
}

func (s *Server) nothingFound(ids []store.TraceID, res *lookup.Result) string {
	why := strings.TrimSuffix(notFound(ids, res.LogErr), notFoundCauses)
	switch {
	case s.src == nil:
		return why + ", and no trace source is configured (--jaeger URL)"
	case res.Fault() != nil:
		return why + ", and the trace source failed: " + res.Fault().Error()
	default:
		return why + ", and Jaeger has no such trace"
	}
}

// appendExtra adds keys to the JSON object in body (which ends with "}").
func appendExtra(body []byte, extra map[string]any) []byte {
	body = bytes.TrimRight(body, "\n")
	if len(body) == 0 || body[len(body)-1] != '}' {
		return body
	}
	body = body[:len(body)-1]
	for k, v := range extra {
		b, err := json.Marshal(v)
		if err != nil {
			continue
		}
		kb, _ := json.Marshal(k)
		body = append(body, ',')
		body = append(body, kb...)
		body = append(body, ':')
		body = append(body, b...)
	}
	return append(body, '}', '\n')
}

func (s *Server) jaegerUI() string {
	if s.cfg.JaegerUI != "" {
		return s.cfg.JaegerUI
	}
	return s.cfg.Jaeger
}

// traceLogs is GET /api/v1/traces/{traceID}/logs: the trace's lines in time
// order, the objects of `correlate logs`.
func (s *Server) traceLogs(w http.ResponseWriter, r *http.Request) {
	ids, ok := traceIDs(w, r)
	if !ok {
		return
	}
	start := time.Now()
	recs, err := s.store.Logs(r.Context(), ids...)
	s.metrics.lookup.Observe(time.Since(start).Seconds())
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrEmpty):
		writeError(w, http.StatusNotFound, notFound(ids, err))
		return
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "reading the index failed: "+err.Error())
		return
	}
	pooled := getBody()
	defer putBody(pooled)
	buf := append((*pooled)[:0], `{"trace_id":`...)
	tid, _ := json.Marshal(lookup.ID(ids, recs))
	buf = append(buf, tid...)
	buf = append(buf, `,"logs":[`...)
	raw := r.URL.Query().Get("raw") == "1"
	for i := range recs {
		if i > 0 {
			buf = append(buf, ',')
		}
		if raw {
			buf = recs[i].AppendJSONRaw(buf)
		} else {
			buf = recs[i].AppendJSON(buf)
		}
	}
	buf = append(buf, "]}\n"...)
	*pooled = buf
	writeBody(w, buf)
}

// findRequest is the body of POST /api/v1/find.
type findRequest struct {
	Line string `json:"line"`
}

// findResponse says where a pasted line belongs.
type findResponse struct {
	TraceID    string `json:"trace_id"`
	SpanID     string `json:"span_id,omitempty"`
	TraceFlags string `json:"trace_flags,omitempty"`
	Service    string `json:"service,omitempty"`
	Correlator string `json:"correlator_url"`
	Jaeger     string `json:"jaeger_url,omitempty"`
}

func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	var req findRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "the pasted line is too long")
			return
		}
		writeError(w, http.StatusBadRequest, `want {"line": "<a log line or a trace id>"}`)
		return
	}
	line := strings.TrimSpace(req.Line)
	var rec parse.Record
	if len(line) >= 16 && idShaped(line) {
		// A bare id, not a log line: read it as the path would.
		ids, err := parseTraceID(line)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		rec.TraceID = ids[len(ids)-1].String()
	} else {
		parse.ParseLine([]byte(line), &rec, &parse.Config{})
	}
	if rec.TraceID == "" && rec.TraceIDLow != "" {
		rec.TraceID = strings.Repeat("0", 16) + rec.TraceIDLow
	}
	if rec.TraceID == "" {
		writeError(w, http.StatusUnprocessableEntity, "no trace id in that line: it has no trace_id/traceId/trace.id/dd.trace_id/traceparent field, so it was written without the request's context")
		return
	}
	base := "http://" + r.Host
	writeJSON(w, http.StatusOK, findResponse{
		TraceID: rec.TraceID, SpanID: rec.SpanID, TraceFlags: rec.TraceFlags, Service: rec.Service,
		Correlator: links.Correlator(base, rec.TraceID),
		Jaeger:     links.Jaeger(s.jaegerUI(), rec.TraceID, rec.SpanID),
	})
}

// coverageReport is GET /api/v1/coverage.
func (s *Server) coverageReport(w http.ResponseWriter, r *http.Request) {
	rep, err := coverage.Analyze(r.Context(), coverage.StoreSource(s.store))
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "coverage: "+err.Error())
		return
	}
	var notes []string
	for _, svc := range rep.CallersMissing {
		notes = append(notes, svc+" writes no caller, so its call sites are message templates. Turn callers on: "+coverage.Hint)
	}
	writeJSON(w, http.StatusOK, struct {
		*coverage.Report
		Notes []string `json:"notes"`
	}{rep, notes})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// entries is GET /api/v1/entries[?from=RFC3339&to=RFC3339]: every entry,
// traced and untraced, in time order, as JSON lines — the line object of
// `correlate logs --raw` with "at", the time the entry sorts by. Commands
// run on a data folder that the service holds read through it.
func (s *Server) entries(w http.ResponseWriter, r *http.Request) {
	var from, to time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, p.name+": want an RFC 3339 time")
				return
			}
			*p.dst = t
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	buf := make([]byte, 0, 4096)
	obj := make([]byte, 0, 4096)
	flusher, _ := w.(http.Flusher)
	n := 0
	err := s.store.Range(r.Context(), from, to, func(e *store.Entry) bool {
		buf = append(buf[:0], `{"at":"`...)
		buf = e.At.UTC().AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, `",`...)
		obj = e.Record.AppendJSONRaw(obj[:0])
		buf = append(buf, obj[1:]...) // the record's object without its "{"
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return false
		}
		if n++; n%4096 == 0 && flusher != nil {
			flusher.Flush()
		}
		return true
	})
	if err != nil && n == 0 {
		writeError(w, http.StatusServiceUnavailable, "reading the index failed: "+err.Error())
	}
}

// traceDeleter is a store that can forget a trace (the embedded store and
// ClickHouse can).
type traceDeleter interface {
	DeleteTrace(ctx context.Context, ids ...store.TraceID) (int, error)
}

// deleteTrace is DELETE /api/v1/traces/{traceID}: a privacy request to
// forget every line of a trace.
func (s *Server) deleteTrace(w http.ResponseWriter, r *http.Request) {
	ids, ok := traceIDs(w, r)
	if !ok {
		return
	}
	d, ok := s.store.(traceDeleter)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this store cannot delete lines; drop them with retention instead")
		return
	}
	n, err := d.DeleteTrace(r.Context(), ids...)
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrEmpty):
		writeError(w, http.StatusNotFound, "nothing to delete: "+notFound(ids, err))
		return
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "deleting failed: "+err.Error())
		return
	}
	s.log.InfoContext(r.Context(), "trace deleted on request", "trace_id", lookup.ID(ids, nil), "lines", n)
	writeJSON(w, http.StatusOK, map[string]any{"trace_id": lookup.ID(ids, nil), "deleted": n})
}

// bodies keeps the buffers of lookup answers between requests: a
// 10,000-line trace is megabytes of JSON, and growing a fresh buffer for
// each lookup costs copies, page clearing and collector work that a
// lookup competing with ingest for the CPU can ill afford. A channel, not
// a sync.Pool: under ingest the collector runs every few milliseconds and
// would empty a pool as often.
var bodies = make(chan *[]byte, 2)

// maxPooledBody caps what is kept, so one huge trace does not pin its
// buffer for good.
const maxPooledBody = 16 << 20

func getBody() *[]byte {
	select {
	case b := <-bodies:
		return b
	default:
		b := make([]byte, 0, 64<<10)
		return &b
	}
}

func putBody(b *[]byte) {
	if cap(*b) > maxPooledBody {
		return
	}
	*b = (*b)[:0]
	select {
	case bodies <- b:
	default:
	}
}

// writeBody answers 200 with a JSON body, its length known so the client
// reads it in one go.
func writeBody(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
