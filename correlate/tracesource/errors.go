package tracesource

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

// ErrorSearcher is a Source that can list the traces with a span in error
// status in a window (*Jaeger can).
type ErrorSearcher interface {
	Source
	ErrorTraces(ctx context.Context, w Window, limit int) ([]traces.Trace, error)
}

var _ ErrorSearcher = (*Jaeger)(nil)

// ErrorTraces returns the traces that have a span in error status which
// started within w, among the newest limit traces (100 when limit <= 0)
// of each service in w. It asks Jaeger's classic search API (GET
// /api/services, then GET /api/traces?service=S per service: the search
// every Jaeger release answers; api/v3's needs a search depth and a
// service too) and keeps the traces that hold an error span. It filters
// itself: Jaeger v2's own tag filter does not match a span's status
// (tags={"error":"true"} finds nothing in its memory store). A trace
// found under several services is returned once. Errors are *Error, as
// Trace's.
func (j *Jaeger) ErrorTraces(ctx context.Context, w Window, limit int) ([]traces.Trace, error) {
	if limit <= 0 {
		limit = 100
	}
	ctx, cancel := context.WithTimeout(ctx, j.cfg.totalTimeout)
	defer cancel()
	l := &lookup{j: j, started: time.Now(), url: j.base + "/api/services"}
	status, body, err := l.get(ctx)
	if err != nil {
		return nil, l.finish(err)
	}
	if status != http.StatusOK {
		return nil, l.finish(l.statusError(status, body))
	}
	var svcs struct {
		Data []string `json:"data"`
	}
	if err := json.Unmarshal(body, &svcs); err != nil {
		return nil, l.finish(l.fail(ErrBadResponse, status, err, "answered /api/services with something that is not a list of services; it starts "+snippet(body)))
	}
	byID := map[string]int{}
	var out []traces.Trace
	for _, svc := range svcs.Data {
		q := classicQuery(w)
		q.Set("service", svc)
		q.Set("limit", strconv.Itoa(limit))
		l.url = j.base + "/api/traces?" + q.Encode()
		status, body, err := l.get(ctx)
		if err != nil {
			return nil, l.finish(err)
		}
		if status != http.StatusOK {
			return nil, l.finish(l.statusError(status, body))
		}
		ts, err := DecodeClassic(body)
		if err != nil {
			return nil, l.finish(l.fail(ErrBadResponse, status, err, fmt.Sprintf("answered a search with something that is not Jaeger JSON (%v); it starts %s", err, snippet(body))))
		}
		for _, t := range ts {
			if !hasErrorSpan(t, w) {
				continue
			}
			if i, ok := byID[t.TraceID]; ok {
				if len(t.Spans) > len(out[i].Spans) {
					out[i] = t
				}
				continue
			}
			byID[t.TraceID] = len(out)
			out = append(out, t)
		}
	}
	return out, nil
}

// hasErrorSpan reports whether t has a span in error status that started
// in w.
func hasErrorSpan(t traces.Trace, w Window) bool {
	for _, s := range t.Spans {
		if s.Error && (w.Start.IsZero() || !s.Start.Before(w.Start)) && (w.End.IsZero() || s.Start.Before(w.End)) {
			return true
		}
	}
	return false
}

// statusError is the error of a search answered with another status than 200.
func (l *lookup) statusError(status int, body []byte) error {
	kind := ErrBadResponse
	if status >= 500 || status == http.StatusTooManyRequests {
		kind = ErrUnavailable
	}
	return l.fail(kind, status, nil, fmt.Sprintf("answered HTTP %d %s: %s", status, http.StatusText(status), jaegerMessage(body)))
}
