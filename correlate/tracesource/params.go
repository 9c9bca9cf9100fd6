package tracesource

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

// paramStyle is how a Jaeger spells the query parameters of
// GET /api/v3/traces/{id}.
type paramStyle int32

const (
	paramsUnknown paramStyle = iota // not asked yet
	paramsCamel                     // rawTraces, startTime, endTime: current Jaeger
	paramsSnake                     // raw_traces, start_time, end_time: earlier releases
)

// v3Query is the query of an api/v3 trace lookup in style s.
func v3Query(s paramStyle, w Window) url.Values {
	raw, start, end := "rawTraces", "startTime", "endTime"
	if s == paramsSnake {
		raw, start, end = "raw_traces", "start_time", "end_time"
	}
	q := url.Values{}
	q.Set(raw, "true")
	if !w.Start.IsZero() {
		q.Set(start, w.Start.UTC().Format(time.RFC3339Nano))
	}
	if !w.End.IsZero() {
		q.Set(end, w.End.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// fetchV3 asks api/v3 for the trace, in the camelCase parameters current
// Jaeger documents, or in the snake_case ones of the releases before them.
//
// Which one a Jaeger reads is learnt on its first answer and kept for the
// life of the source, from status codes alone. A Jaeger that rejects the
// camelCase request (400) gets the snake_case one. A Jaeger that answers it
// (200, or its own "trace not found") may have read the parameters or
// ignored them; ignored, rawTraces=true would not stop its adjusters from
// rewriting times and ids. So the source asks once more, in snake_case and
// with a camelCase rawTraces that is not a boolean: a Jaeger that reads
// camelCase rejects that with 400, and the first answer stands; one that
// ignores it answers the snake_case lookup, and that answer is the one
// used. No answer at all (a fault) decides nothing.
func (l *lookup) fetchV3(ctx context.Context, w Window) (traces.Trace, error) {
	style := paramStyle(l.j.v3Params.Load())
	if style == paramsSnake {
		return l.fetchV3As(ctx, paramsSnake, w)
	}
	l.url = l.v3URL(v3Query(paramsCamel, w))
	status, body, err := l.get(ctx)
	if err != nil {
		return traces.Trace{}, err
	}
	if style == paramsCamel {
		return l.interpret(apiV3, status, body)
	}
	switch {
	case status == http.StatusBadRequest:
		l.j.v3Params.Store(int32(paramsSnake))
		return l.fetchV3As(ctx, paramsSnake, w)
	case status == http.StatusOK || status == http.StatusNotFound && isJaegerNotFound(apiV3, body):
		if s, pstatus, pbody := l.probeCamel(ctx, w); s == paramsSnake {
			return l.interpret(apiV3, pstatus, pbody)
		}
	}
	return l.interpret(apiV3, status, body)
}

// probeCamel sends the snake_case lookup with a camelCase rawTraces that
// is not a boolean (see fetchV3) and returns the style the answer shows,
// paramsUnknown when none came; for paramsSnake also the answer, which is
// the lookup's.
func (l *lookup) probeCamel(ctx context.Context, w Window) (paramStyle, int, []byte) {
	q := v3Query(paramsSnake, w)
	q.Set("rawTraces", "not-a-boolean")
	first, attempts := l.url, l.attempts
	l.url = l.v3URL(q)
	status, body, err := l.once(ctx)
	l.attempts = attempts // a probe is not an attempt at the lookup
	switch {
	case err != nil:
	case status == http.StatusBadRequest:
		l.j.v3Params.Store(int32(paramsCamel))
	case status == http.StatusOK || status == http.StatusNotFound && isJaegerNotFound(apiV3, body):
		l.j.v3Params.Store(int32(paramsSnake))
		l.url = l.v3URL(v3Query(paramsSnake, w))
		return paramsSnake, status, body
	}
	l.url = first
	return paramStyle(l.j.v3Params.Load()), 0, nil
}

// fetchV3As asks api/v3 in style s.
func (l *lookup) fetchV3As(ctx context.Context, s paramStyle, w Window) (traces.Trace, error) {
	l.url = l.v3URL(v3Query(s, w))
	status, body, err := l.get(ctx)
	if err != nil {
		return traces.Trace{}, err
	}
	return l.interpret(apiV3, status, body)
}

func (l *lookup) v3URL(q url.Values) string {
	return l.j.base + "/api/v3/traces/" + l.id + "?" + q.Encode()
}
