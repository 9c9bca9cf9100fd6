// Package search is the contract of GET /api/v1/search and `correlate
// search`: how the query parameters read into a store.SearchQuery, and
// the JSON of an answer. The service and the command line both read their
// input through ParseQuery, so a search means the same in both.
//
// Parameters (all optional):
//
//	since=15m           a Go duration: the window ends now (default 1h)
//	from=T&to=T         RFC 3339 times instead of since (either may be left out)
//	service=NAME        repeatable, exact
//	level=error         repeatable, exact; level=warn+ is warn and above
//	q=TEXT              in the message or the raw line, ignoring case
//	field=KEY=VALUE     repeatable, exact, a parsed field of the raw line
//	traced=1            only entries with a trace id
//	limit=N             page size, default 100, at most 1000
//	cursor=C            the "next" of the previous page
package search

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// DefaultSince is the window of a search that names none.
const DefaultSince = time.Hour

// Entry is one entry of an answer.
type Entry struct {
	Time       time.Time         `json:"time"`
	TimeApprox bool              `json:"time_approx"`
	Service    string            `json:"service"`
	Level      string            `json:"level"`
	Msg        string            `json:"msg"`
	TraceID    string            `json:"trace_id"`
	SpanID     string            `json:"span_id"`
	File       string            `json:"file"`
	Line       int64             `json:"line"`
	Fields     map[string]string `json:"fields"`
}

// Window is the time window of an answer.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Response is the answer of GET /api/v1/search.
type Response struct {
	Entries []Entry `json:"entries"`
	Next    string  `json:"next,omitempty"`
	Limit   int     `json:"limit"`
	Window  Window  `json:"window"`
	Scanned int     `json:"scanned"`
}

// ParseWindow reads since, or from and to, at time now; def is the
// window's length when none is given. A window that ends before it starts
// is an error.
func ParseWindow(v url.Values, now time.Time, def time.Duration) (from, to time.Time, err error) {
	since, f, t := v.Get("since"), v.Get("from"), v.Get("to")
	if since != "" && (f != "" || t != "") {
		return from, to, fmt.Errorf("since: give either since or from/to, not both")
	}
	to = now
	if since != "" {
		d, err := time.ParseDuration(since)
		if err != nil || d <= 0 {
			return from, to, fmt.Errorf("since: want a positive duration such as 15m or 2h, not %q", since)
		}
		return now.Add(-d).UTC(), now.UTC(), nil
	}
	if t != "" {
		if to, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return from, to, fmt.Errorf("to: want an RFC 3339 time such as 2026-03-01T12:00:00Z, not %q", t)
		}
	}
	from = to.Add(-def)
	if f != "" {
		if from, err = time.Parse(time.RFC3339Nano, f); err != nil {
			return from, to, fmt.Errorf("from: want an RFC 3339 time such as 2026-03-01T12:00:00Z, not %q", f)
		}
	}
	if !from.Before(to) {
		return from, to, fmt.Errorf("from: the window ends (%s) before it starts (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	return from.UTC(), to.UTC(), nil
}

// ParseLimit reads limit: def when absent, at most max.
func ParseLimit(v url.Values, def, max int) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("limit: want a positive number, not %q", s)
	}
	return min(n, max), nil
}

// ParseQuery reads the parameters of a search at time now.
func ParseQuery(v url.Values, now time.Time) (store.SearchQuery, error) {
	var q store.SearchQuery
	for k := range v {
		switch k {
		case "since", "from", "to", "service", "level", "q", "field", "traced", "limit", "cursor":
		default:
			return q, fmt.Errorf("%s: not a search parameter (since, from, to, service, level, q, field, traced, limit, cursor)", k)
		}
	}
	var err error
	if q.From, q.To, err = ParseWindow(v, now, DefaultSince); err != nil {
		return q, err
	}
	for _, s := range v["service"] {
		if s = strings.TrimSpace(s); s != "" {
			q.Services = append(q.Services, s)
		}
	}
	for _, l := range v["level"] {
		ls, err := store.ExpandLevel(l)
		if err != nil {
			return q, err
		}
		q.Levels = append(q.Levels, ls...)
	}
	q.Text = v.Get("q")
	for _, f := range v["field"] {
		k, val, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return q, fmt.Errorf("field: want KEY=VALUE, not %q", f)
		}
		q.Fields = append(q.Fields, store.FieldMatch{Key: k, Value: val})
	}
	switch t := v.Get("traced"); t {
	case "", "0", "false":
	case "1", "true":
		q.Traced = true
	default:
		return q, fmt.Errorf("traced: want 1 or 0, not %q", t)
	}
	if q.Limit, err = ParseLimit(v, store.DefaultSearchLimit, store.MaxSearchLimit); err != nil {
		return q, err
	}
	if q.After, err = store.ParseCursor(v.Get("cursor")); err != nil {
		return q, fmt.Errorf("cursor: %w", err)
	}
	return q, nil
}

// Run runs q on st and returns the answer.
func Run(ctx context.Context, st store.Searcher, q store.SearchQuery) (Response, error) {
	pg, err := st.Search(ctx, q)
	if err != nil {
		return Response{}, err
	}
	resp := Response{Entries: make([]Entry, 0, len(pg.Entries)), Limit: q.Limit, Window: Window{q.From, q.To}, Scanned: pg.Scanned}
	if pg.More {
		resp.Next = pg.Next.String()
	}
	for i := range pg.Entries {
		resp.Entries = append(resp.Entries, ToEntry(&pg.Entries[i]))
	}
	return resp, nil
}

// ToEntry is e as an answer shows it: its own time, or (when it has none)
// the time it sorts by, marked approximate, as is a time written to the
// second or coarser.
func ToEntry(e *store.Entry) Entry {
	t, approx := e.Time, e.Time.IsZero() || e.TimePrecision >= time.Second
	if t.IsZero() {
		t = e.At
	}
	id := e.TraceID
	if id == "" && e.TraceIDLow != "" {
		id = "0000000000000000" + e.TraceIDLow
	}
	return Entry{Time: t.UTC(), TimeApprox: approx, Service: e.Service, Level: e.Level, Msg: e.Msg,
		TraceID: id, SpanID: e.SpanID, File: e.File, Line: e.Line, Fields: store.Fields(e.Raw)}
}
