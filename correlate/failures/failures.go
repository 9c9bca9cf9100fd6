// Package failures lists the failing requests of a time window: the
// traces that, in the window, have a log line at level error or above, or
// (when a Jaeger is configured) a span in error status. It is the home
// view of the service (GET /api/v1/failures) and `correlate failures`.
//
// # How a failure is found
//
//   - Error lines: the store's search index (store.Searcher) is read
//     newest first, for the levels error, dpanic, panic and fatal only,
//     until Query.Limit distinct traces are found: listing the newest
//     failures costs about as many index reads as they have error lines,
//     however many lines the window holds.
//   - Error spans: Source.ErrorTraces, when a source is given.
//
// Each failing trace's lines are then read (store.Reader.Logs) and its
// spans looked up in the source, to tell its services, first error,
// lines, spans, duration and whether it was sampled.
//
// # Sampled or not
//
// With a source that answers, a failing trace whose spans Jaeger lacks is
// listed with Sampled false and the reason "not sampled: no spans in
// Jaeger" (with "(trace_flags 00)" when its lines say the request was not
// sampled). Without a source, Sampled follows the lines' trace_flags.
// When the source does not answer, Sampled follows the lines too and the
// reason says "Jaeger unreachable".
package failures

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/search"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/tracesource"
)

// DefaultLimit and MaxLimit bound how many failures a list holds.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Jaeger states of a Result.
const (
	JaegerNone        = "none"
	JaegerOK          = "ok"
	JaegerUnreachable = "unreachable"
)

// Reasons a failure is listed as not sampled, or with spans unknown.
const (
	ReasonNoSpans     = "not sampled: no spans in Jaeger"
	ReasonFlags00     = "not sampled (trace_flags 00)"
	ReasonUnreachable = "Jaeger unreachable"
)

// Query says which failures to list.
type Query struct {
	// From and To bound the window: From <= time < To.
	From, To time.Time
	// Services, when not empty, keep the failures whose error line or
	// error span is in one of them.
	Services []string
	// Limit is how many failures at most (DefaultLimit when <= 0, at most
	// MaxLimit).
	Limit int
}

// Store is what List needs of a store.
type Store interface {
	store.Searcher
	store.LogsReader
}

// Source is what List needs of a trace source (*tracesource.Jaeger).
type Source interface {
	tracesource.Source
	ErrorTraces(ctx context.Context, w tracesource.Window, limit int) ([]traces.Trace, error)
}

// Line is a failure's first error.
type Line struct {
	Time    time.Time `json:"time"`
	Service string    `json:"service"`
	Level   string    `json:"level"`
	Msg     string    `json:"msg"`
}

// Failure is one failing request.
type Failure struct {
	TraceID    string        `json:"trace_id"`
	Start      time.Time     `json:"start"`
	Duration   time.Duration `json:"-"`
	DurationMS float64       `json:"duration_ms"`
	Services   []string      `json:"services"`
	FirstError Line          `json:"first_error"`
	Lines      int           `json:"lines"`
	ErrorLines int           `json:"error_lines"`
	Spans      int           `json:"spans"`
	ErrorSpans int           `json:"error_spans"`
	Sampled    bool          `json:"sampled"`
	Reason     string        `json:"reason"`
}

// Result is a list of failures, newest first (by the first error's time).
type Result struct {
	Failures []Failure `json:"failures"`
	Window   Window    `json:"window"`
	// Jaeger is JaegerNone (no source), JaegerOK or JaegerUnreachable.
	Jaeger string `json:"jaeger"`
	// JaegerError says why Jaeger is unreachable.
	JaegerError string `json:"jaeger_error,omitempty"`
	// Scanned is how many index entries the store search read.
	Scanned int `json:"scanned"`
}

// Window is the time window of a Result.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// errorLevels are the levels that make a failure.
var errorLevels = func() []string {
	l, _ := store.ExpandLevel("error+")
	return l
}()

// List returns the failures q asks for, newest first. src may be nil (no
// Jaeger). A store error fails the list; a source error only marks it
// (Result.Jaeger).
func List(ctx context.Context, st Store, src Source, q Query) (Result, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	res := Result{Window: Window{q.From, q.To}, Jaeger: JaegerNone}

	// Error lines, newest first, until limit distinct traces.
	type found struct {
		id       string
		ids      []store.TraceID
		spanOnly *traces.Trace // found through Jaeger only
	}
	var order []found
	seen := map[string]bool{}
	// Only the trace ids are needed: the index alone tells them.
	sq := store.SearchQuery{From: q.From, To: q.To, Services: q.Services, Levels: errorLevels, Traced: true, IndexOnly: true,
		Limit: min(2*limit, store.MaxSearchLimit)}
	for len(order) < limit {
		pg, err := st.Search(ctx, sq)
		if err != nil {
			return res, err
		}
		res.Scanned += pg.Scanned
		for i := range pg.Entries {
			e := &pg.Entries[i]
			id, ok := store.TraceIDFromRecord(e.TraceID, e.TraceIDLow)
			if !ok {
				continue
			}
			key := traceKey(e.Record)
			if seen[key[16:]] { // by the low half: a trace's 64-bit-only lines are the same request
				continue
			}
			seen[key[16:]] = true
			// (a 128-bit id also finds the trace's 64-bit-only lines)
			order = append(order, found{id: key, ids: []store.TraceID{id}})
			if len(order) == limit {
				break
			}
		}
		if !pg.More {
			break
		}
		sq.After = pg.Next
	}

	// Error spans.
	spans := map[string]traces.Trace{}
	var srcErr error
	if src != nil {
		res.Jaeger = JaegerOK
		ts, err := src.ErrorTraces(ctx, tracesource.Window{Start: q.From, End: q.To}, limit)
		if err != nil {
			srcErr = err
		}
		for i := range ts {
			t := ts[i]
			if len(q.Services) > 0 && !errorSpanIn(t, q.Services) {
				continue
			}
			spans[t.TraceID] = t
			if len(t.TraceID) == 32 && !seen[t.TraceID[16:]] {
				seen[t.TraceID[16:]] = true
				if ids, err := store.ParseTraceID(t.TraceID); err == nil {
					order = append(order, found{id: t.TraceID, ids: ids, spanOnly: &ts[i]})
				}
			}
		}
	}

	// Each failure's lines and spans, a few at a time.
	out := make([]Failure, len(order))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var storeErr, lookupErr error
	listErr := srcErr
	for i, f := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			recs, err := st.Logs(ctx, f.ids...)
			if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrEmpty) {
				mu.Lock()
				storeErr = errors.Join(storeErr, err)
				mu.Unlock()
				return
			}
			id := fullID(f.id, recs)
			var tr *traces.Trace
			var terr error
			if t, ok := spans[id]; ok {
				tr = &t
			} else if src != nil && listErr == nil {
				t, err := src.Trace(ctx, id, window(recs))
				switch {
				case err == nil:
					tr = &t
				case errors.Is(err, tracesource.ErrTraceNotFound):
				default:
					terr = err
				}
			}
			fl := summarize(id, recs, tr)
			switch {
			case src == nil:
			case listErr != nil || terr != nil:
				fl.Reason = ReasonUnreachable
			case tr == nil || len(tr.Spans) == 0:
				fl.Sampled = false
				fl.Reason = ReasonNoSpans
				if sampledFlags(recs) == 0 {
					fl.Reason += " (trace_flags 00)"
				}
			default:
				fl.Sampled, fl.Reason = true, ""
			}
			mu.Lock()
			if terr != nil && lookupErr == nil {
				lookupErr = terr
			}
			mu.Unlock()
			out[i] = fl
		}()
	}
	wg.Wait()
	if storeErr != nil {
		return res, storeErr
	}
	if err := errors.Join(listErr, lookupErr); err != nil {
		res.Jaeger = JaegerUnreachable
		res.JaegerError = err.Error()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstError.Time.After(out[j].FirstError.Time) })
	if len(out) > limit {
		out = out[:limit]
	}
	res.Failures = out
	return res, nil
}

// fullID is the id a failure is listed under: id, or, when id was found
// by a 64-bit-only line, the full id another of its lines has.
func fullID(id string, recs []parse.Record) string {
	const zero = "0000000000000000"
	if !strings.HasPrefix(id, zero) {
		return id
	}
	for _, r := range recs {
		if len(r.TraceID) == 32 && r.TraceID[16:] == id[16:] && !strings.HasPrefix(r.TraceID, zero) {
			return r.TraceID
		}
	}
	return id
}

// traceKey is the id a record's trace is listed under: its 32 hex digits
// (a 64-bit id left-padded).
func traceKey(r parse.Record) string {
	if r.TraceID != "" {
		return r.TraceID
	}
	return "0000000000000000" + r.TraceIDLow
}

func errorSpanIn(t traces.Trace, services []string) bool {
	for _, s := range t.Spans {
		if s.Error && slices.Contains(services, s.Service) {
			return true
		}
	}
	return false
}

// window is the time range of recs, a hint for the source.
func window(recs []parse.Record) tracesource.Window {
	var w tracesource.Window
	for _, r := range recs {
		if r.Time.IsZero() {
			continue
		}
		if w.Start.IsZero() || r.Time.Before(w.Start) {
			w.Start = r.Time
		}
		if r.Time.After(w.End) {
			w.End = r.Time
		}
	}
	return w
}

// sampledFlags is 1 when a line says the trace was sampled, 0 when the
// lines say it was not, -1 when they do not say.
func sampledFlags(recs []parse.Record) int {
	v := -1
	for _, r := range recs {
		switch r.TraceFlags {
		case "":
		case "00":
			if v < 0 {
				v = 0
			}
		default:
			if r.TraceFlags[len(r.TraceFlags)-1]&1 == 1 {
				return 1
			}
			if v < 0 {
				v = 0
			}
		}
	}
	return v
}

// summarize describes one failing trace from its lines and spans.
func summarize(id string, recs []parse.Record, tr *traces.Trace) Failure {
	f := Failure{TraceID: id, Lines: len(recs), Services: []string{}}
	var start, end time.Time
	widen := func(a, b time.Time) {
		if a.IsZero() {
			return
		}
		if start.IsZero() || a.Before(start) {
			start = a
		}
		if b.After(end) {
			end = b
		}
	}
	addService := func(s string) {
		if s != "" && !slices.Contains(f.Services, s) {
			f.Services = append(f.Services, s)
		}
	}
	for _, r := range recs {
		widen(r.Time, r.Time)
		addService(r.Service)
		if store.LevelRank(r.Level) >= store.ErrorRank {
			f.ErrorLines++
			if f.FirstError.Time.IsZero() || !r.Time.IsZero() && r.Time.Before(f.FirstError.Time) {
				f.FirstError = Line{Time: r.Time, Service: r.Service, Level: r.Level, Msg: r.Msg}
			}
		}
	}
	if tr != nil {
		f.Spans = len(tr.Spans)
		for _, s := range tr.Spans {
			widen(s.Start, s.Start.Add(s.Duration))
			addService(s.Service)
			if s.Error {
				f.ErrorSpans++
				if f.ErrorLines == 0 && (f.FirstError.Time.IsZero() || s.Start.Before(f.FirstError.Time)) {
					msg := s.Name
					if s.StatusMsg != "" {
						msg += ": " + s.StatusMsg
					}
					f.FirstError = Line{Time: s.Start, Service: s.Service, Level: "error", Msg: msg}
				}
			}
		}
	}
	slices.Sort(f.Services)
	f.Start = start
	f.Duration = end.Sub(start)
	f.DurationMS = float64(f.Duration.Microseconds()) / 1000
	f.Sampled = sampledFlags(recs) != 0
	if !f.Sampled {
		f.Reason = ReasonFlags00
	}
	return f
}

// DefaultSince is the window of a list that names none.
const DefaultSince = 15 * time.Minute

// ParseQuery reads the parameters of GET /api/v1/failures (and `correlate
// failures`) at time now: since=15m or from=/to= (RFC 3339; default the
// last 15 minutes), service= (repeatable), limit= (default 100, at most
// 1000).
func ParseQuery(v url.Values, now time.Time) (Query, error) {
	var q Query
	var err error
	if q.From, q.To, err = search.ParseWindow(v, now, DefaultSince); err != nil {
		return q, err
	}
	for _, s := range v["service"] {
		if s = strings.TrimSpace(s); s != "" {
			q.Services = append(q.Services, s)
		}
	}
	for k := range v {
		switch k {
		case "since", "from", "to", "service", "limit":
		default:
			return q, fmt.Errorf("%s: not a parameter of a failures list (since, from, to, service, limit)", k)
		}
	}
	q.Limit, err = search.ParseLimit(v, DefaultLimit, MaxLimit)
	return q, err
}
