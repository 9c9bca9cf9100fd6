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
type Source = tracesource.ErrorSearcher

// Line is a failure's first error.
type Line struct {
	Time    time.Time `json:"time"`
	Service string    `json:"service"`
	Level   string    `json:"level"`
	Msg     string    `json:"msg"`
}

// Failure is one failing request.
type Failure struct {
	TraceID    string    `json:"trace_id"`
	Start      time.Time `json:"start"`
	DurationMS float64   `json:"duration_ms"`
	Services   []string  `json:"services"`
	FirstError Line      `json:"first_error"`
	Lines      int       `json:"lines"`
	ErrorLines int       `json:"error_lines"`
	Spans      int       `json:"spans"`
	ErrorSpans int       `json:"error_spans"`
	Sampled    bool      `json:"sampled"`
	Reason     string    `json:"reason"`
}

// Result is a list of failures, newest first (by the first error's time).
type Result struct {
	Failures []Failure `json:"failures"` // never nil: "[]" when nothing failed
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
		id  string
		ids []store.TraceID
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
					order = append(order, found{id: t.TraceID, ids: ids})
				}
			}
		}
	}

	// Each failure's lines and spans, a few at a time. A store that reads
	// many traces' first pages at once (ClickHouse) gives them in one
	// request; the rest of a long trace comes a page at a time.
	var first []store.Page
	if fp, ok := st.(store.FirstPager); ok && len(order) > 0 {
		traces := make([][]store.TraceID, len(order))
		for i, f := range order {
			traces[i] = f.ids
		}
		var err error
		if first, err = fp.FirstPages(ctx, traces, pageLines); err != nil {
			return res, err
		}
	}
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
			// The trace's lines a page at a time: a trace of a million
			// lines costs a page of memory.
			tl := newTally(f.id)
			after := store.Cursor{}
			for page := 0; ; page++ {
				var pg store.Page
				var err error
				if page == 0 && first != nil {
					pg = first[i]
				} else {
					pg, err = store.ReadPage(ctx, st, f.ids, after, pageLines)
				}
				if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrEmpty) {
					break
				}
				if err != nil {
					mu.Lock()
					storeErr = errors.Join(storeErr, err)
					mu.Unlock()
					return
				}
				tl.addLines(pg.Records)
				if !pg.More {
					break
				}
				after = pg.Next
			}
			id := tl.f.TraceID
			var tr *traces.Trace
			var terr error
			if t, ok := spans[id]; ok {
				tr = &t
			} else if src != nil && listErr == nil {
				t, err := src.Trace(ctx, id, tl.window())
				switch {
				case err == nil:
					tr = &t
				case errors.Is(err, tracesource.ErrTraceNotFound):
				default:
					terr = err
				}
			}
			tl.addTrace(tr)
			fl := tl.failure()
			switch {
			case src == nil:
			case listErr != nil || terr != nil:
				fl.Reason = ReasonUnreachable
			case tr == nil || len(tr.Spans) == 0:
				fl.Sampled = false
				fl.Reason = ReasonNoSpans
				if tl.flags == 0 {
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

// pageLines is how many of a failing trace's lines are read at once. A
// variable for tests.
var pageLines = store.DefaultPageLines

// tally accumulates what a failure shows of a trace: its lines a page at
// a time, then its spans.
type tally struct {
	f          Failure
	start, end time.Time
	// flags says what the lines' trace_flags say: 1 sampled, 0 not, -1
	// nothing.
	flags int
}

func newTally(id string) *tally {
	return &tally{f: Failure{TraceID: id, Services: []string{}}, flags: -1}
}

func (t *tally) widen(a, b time.Time) {
	if a.IsZero() {
		return
	}
	if t.start.IsZero() || a.Before(t.start) {
		t.start = a
	}
	if b.After(t.end) {
		t.end = b
	}
}

func (t *tally) addService(s string) {
	if s != "" && !slices.Contains(t.f.Services, s) {
		t.f.Services = append(t.f.Services, s)
	}
}

// addLines counts a page of the trace's lines.
func (t *tally) addLines(recs []parse.Record) {
	const zero = "0000000000000000"
	t.f.Lines += len(recs)
	for _, r := range recs {
		t.widen(r.Time, r.Time)
		t.addService(r.Service)
		if store.LevelRank(r.Level) >= store.ErrorRank {
			t.f.ErrorLines++
			if t.f.FirstError.Time.IsZero() || !r.Time.IsZero() && r.Time.Before(t.f.FirstError.Time) {
				t.f.FirstError = Line{Time: r.Time, Service: r.Service, Level: r.Level, Msg: r.Msg}
			}
		}
		switch {
		case r.TraceFlags == "":
		case r.TraceFlags[len(r.TraceFlags)-1]&1 == 1:
			t.flags = 1
		case t.flags < 0:
			t.flags = 0
		}
		// Found by a 64-bit-only line: name the trace by its full id
		// when another of its lines has it.
		if id := t.f.TraceID; strings.HasPrefix(id, zero) && len(r.TraceID) == 32 && r.TraceID[16:] == id[16:] && !strings.HasPrefix(r.TraceID, zero) {
			t.f.TraceID = r.TraceID
		}
	}
}

// window is the time range of the lines so far, a hint for the source.
func (t *tally) window() tracesource.Window {
	return tracesource.Window{Start: t.start, End: t.end}
}

// addTrace counts the trace's spans (tr may be nil).
func (t *tally) addTrace(tr *traces.Trace) {
	if tr == nil {
		return
	}
	t.f.Spans = len(tr.Spans)
	for _, s := range tr.Spans {
		t.widen(s.Start, s.Start.Add(s.Duration))
		t.addService(s.Service)
		if !s.Error {
			continue
		}
		t.f.ErrorSpans++
		if t.f.ErrorLines == 0 && (t.f.FirstError.Time.IsZero() || s.Start.Before(t.f.FirstError.Time)) {
			msg := s.Name
			if s.StatusMsg != "" {
				msg += ": " + s.StatusMsg
			}
			t.f.FirstError = Line{Time: s.Start, Service: s.Service, Level: "error", Msg: msg}
		}
	}
}

// failure is the failure as counted; Sampled follows the lines' flags.
func (t *tally) failure() Failure {
	f := t.f
	f.Services = slices.Clone(f.Services)
	slices.Sort(f.Services)
	f.Start = t.start
	f.DurationMS = float64(t.end.Sub(t.start).Microseconds()) / 1000
	f.Sampled = t.flags != 0
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
