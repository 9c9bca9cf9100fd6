package server

import (
	"bufio"
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

// joinedTrace is GET /api/v1/traces/{traceID}[?limit=N&cursor=C]: the
// JSON of `correlate trace --format json` for one page of the trace's
// lines (all its spans, the page's lines under them), plus "jaeger_ui"
// (base of the "open in Jaeger" links), "jaeger_url" (this trace there),
// "notes" (what a person should know: the trace source failed, spans are
// not exported yet…), "limit" (the page size) and "next" (the cursor of
// the next page, "" after the last).
func (s *Server) joinedTrace(w http.ResponseWriter, r *http.Request) {
	ids, ok := traceIDs(w, r)
	if !ok {
		return
	}
	limit, after, ok := s.pageParams(w, r)
	if !ok {
		return
	}
	release := s.admit.lookup()
	start := time.Now()
	res := lookup.Trace(r.Context(), s.store, s.src, ids, lookup.Options{ExportDelay: s.cfg.ExportDelay, Limit: limit, After: after})
	s.metrics.lookup.Observe(time.Since(start).Seconds())
	release()
	if res.Fault() != nil {
		s.metrics.jaegerErrors.Inc()
	}
	if errors.Is(res.LogErr, store.ErrBadCursor) {
		writeError(w, http.StatusBadRequest, "cursor: "+res.LogErr.Error())
		return
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
	if len(res.Records) == 0 && res.LogErr != nil {
		notes = append(notes, "No log line of this trace is in the index: "+res.LogErr.Error()+".")
	}
	buf := getBody()
	defer putBody(buf)
	body := view.AppendJSON((*buf)[:0], res.Trace)
	body = appendExtra(body, map[string]any{
		"jaeger_ui":  s.jaegerUI(),
		"jaeger_url": links.Jaeger(s.jaegerUI(), res.TraceID, ""),
		"notes":      notes,
		"limit":      limit,
		"next":       next(res.More, res.Next),
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

// traceLogs is GET /api/v1/traces/{traceID}/logs[?limit=N&cursor=C]: a
// page of the trace's lines in reading order (lookup.ReadingOrder), the
// objects of `correlate logs`, under "logs"; "next" is the cursor of the next page ("" after
// the last) and "limit" the page size.
func (s *Server) traceLogs(w http.ResponseWriter, r *http.Request) {
	ids, ok := traceIDs(w, r)
	if !ok {
		return
	}
	limit, after, ok := s.pageParams(w, r)
	if !ok {
		return
	}
	release := s.admit.lookup()
	start := time.Now()
	pg, err := store.ReadPage(r.Context(), s.store, ids, after, limit)
	s.metrics.lookup.Observe(time.Since(start).Seconds())
	release()
	switch {
	case errors.Is(err, store.ErrBadCursor):
		writeError(w, http.StatusBadRequest, "cursor: "+err.Error())
		return
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrEmpty):
		writeError(w, http.StatusNotFound, notFound(ids, err))
		return
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "reading the index failed: "+err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Streamed: the page is never in memory twice.
	bw := bufio.NewWriterSize(w, 64<<10)
	buf := make([]byte, 0, 4096)
	buf = append(buf, `{"trace_id":`...)
	tid, _ := json.Marshal(lookup.ID(ids, pg.Records))
	buf = append(buf, tid...)
	buf = append(buf, `,"logs":[`...)
	raw := r.URL.Query().Get("raw") == "1"
	approx := lookup.ReadingOrder(pg.Records)
	for i := range pg.Records {
		if i > 0 {
			buf = append(buf, ',')
		}
		if raw {
			buf = pg.Records[i].AppendJSONRaw(buf)
		} else {
			buf = pg.Records[i].AppendJSON(buf)
		}
		if approx != nil && approx[i] {
			buf = append(buf[:len(buf)-1], `,"time_approx":true}`...)
		}
		if _, err := bw.Write(buf); err != nil {
			return
		}
		buf = buf[:0]
		pg.Records[i] = parse.Record{} // written: let it go
	}
	buf = append(buf, `],"limit":`...)
	buf = strconv.AppendInt(buf, int64(limit), 10)
	buf = append(buf, `,"next":`...)
	nb, _ := json.Marshal(next(pg.More, pg.Next))
	buf = append(buf, nb...)
	buf = append(buf, "}\n"...)
	bw.Write(buf)
	bw.Flush()
}

// pageParams reads ?limit= (default and most Config.PageLines) and
// ?cursor= (a "next" of an earlier answer); it answers 400 itself on bad
// ones.
func (s *Server) pageParams(w http.ResponseWriter, r *http.Request) (int, store.Cursor, bool) {
	q := r.URL.Query()
	limit := s.cfg.PageLines
	if limit <= 0 {
		limit = store.DefaultPageLines
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit: want a positive number of lines")
			return 0, store.Cursor{}, false
		}
		limit = min(n, limit)
	}
	after, err := store.ParseCursor(q.Get("cursor"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cursor: "+err.Error())
		return 0, store.Cursor{}, false
	}
	return limit, after, true
}

// next is the "next" of an answer: the next page's cursor, "" after the last.
func next(more bool, c store.Cursor) string {
	if !more {
		return ""
	}
	return c.String()
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
	// File and Line are where the index holds the pasted line, when it
	// does: the trace page highlights it (/trace/{id}?line=FILE:LINE).
	File string `json:"file,omitempty"`
	Line int64  `json:"line,omitempty"`
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
	resp := findResponse{
		TraceID: rec.TraceID, SpanID: rec.SpanID, TraceFlags: rec.TraceFlags, Service: rec.Service,
		Correlator: links.Correlator(base, rec.TraceID),
		Jaeger:     links.Jaeger(s.jaegerUI(), rec.TraceID, rec.SpanID),
	}
	resp.File, resp.Line = s.placePasted(r.Context(), &rec)
	writeJSON(w, http.StatusOK, resp)
}

// pastedPages bounds the pages of a trace read to place a pasted line.
const pastedPages = 20

// placePasted finds where the index holds the pasted line rec: an entry of
// its trace with its span id and time; the message, then the level, break
// ties (redaction at ingest may have changed the message), and a line
// without a time must match by message. It reads at most pastedPages
// pages of the trace and answers "" when the line is not there.
func (s *Server) placePasted(ctx context.Context, rec *parse.Record) (string, int64) {
	if rec.Time.IsZero() && rec.Msg == "" {
		return "", 0
	}
	ids, err := parseTraceID(rec.TraceID)
	if err != nil {
		return "", 0
	}
	release := s.admit.lookup()
	defer release()
	var file string
	var line int64
	sameLevel := false
	var after store.Cursor
	for range pastedPages {
		pg, err := store.ReadPage(ctx, s.store, ids, after, 0)
		if err != nil {
			return file, line
		}
		for i := range pg.Records {
			e := &pg.Records[i]
			if e.SpanID != rec.SpanID || !e.Time.Equal(rec.Time) {
				continue
			}
			if e.Msg == rec.Msg {
				return e.File, e.Line
			}
			if rec.Time.IsZero() || sameLevel {
				continue
			}
			if file == "" || e.Level == rec.Level {
				file, line, sameLevel = e.File, e.Line, e.Level == rec.Level
			}
		}
		if !pg.More {
			break
		}
		after = pg.Next
	}
	return file, line
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
