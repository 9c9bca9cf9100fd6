package tracesource

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/internal/jaegertest"
	"github.com/traceline/traceline/correlate/traces"
)

// sendTrace sends, through the OpenTelemetry SDK, a trace of three spans
// over two services: frontend "GET /form" (server) → "POST /store"
// (client) → backend "store" (server, in error). Times carry nanoseconds
// below the microsecond. It returns the trace id and the spans as the SDK
// recorded them, converted to the model.
func sendTrace(t *testing.T, j *jaegertest.Jaeger) (string, []traces.Span) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	front := j.TracerProvider(t, "frontend", sdktrace.WithSpanProcessor(rec))
	back := j.TracerProvider(t, "backend", sdktrace.WithSpanProcessor(rec))
	base := time.Now().Truncate(time.Second).Add(123456789)
	at := func(d time.Duration) trace.SpanEventOption { return trace.WithTimestamp(base.Add(d)) }

	ctx, root := front.Tracer("form").Start(context.Background(), "GET /form", trace.WithSpanKind(trace.SpanKindServer), at(0))
	ctx, call := front.Tracer("form").Start(ctx, "POST /store", trace.WithSpanKind(trace.SpanKindClient), at(time.Millisecond+1))
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContextFromContext(ctx))
	_, store := back.Tracer("store").Start(remote, "store", trace.WithSpanKind(trace.SpanKindServer), at(2*time.Millisecond+7),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.Int("rows", 3)))
	store.AddEvent("retry", trace.WithAttributes(attribute.Int("attempt", 2)), trace.WithTimestamp(base.Add(3*time.Millisecond)))
	store.SetStatus(codes.Error, "disk full")
	store.End(at(5*time.Millisecond + 3))
	call.End(at(6 * time.Millisecond))
	root.End(at(10*time.Millisecond + 999))
	jaegertest.Flush(t, front)
	jaegertest.Flush(t, back)

	traceID := root.SpanContext().TraceID().String()
	var want []traces.Span
	for _, s := range rec.Ended() {
		ms := traces.Span{
			TraceID:  s.SpanContext().TraceID().String(),
			SpanID:   s.SpanContext().SpanID().String(),
			Service:  map[string]string{"GET /form": "frontend", "POST /store": "frontend", "store": "backend"}[s.Name()],
			Name:     s.Name(),
			Kind:     s.SpanKind().String(),
			Start:    s.StartTime().UTC(),
			Duration: s.EndTime().Sub(s.StartTime()),
			Error:    s.Status().Code == codes.Error,
		}
		if s.Parent().IsValid() {
			ms.ParentSpanID = s.Parent().SpanID().String()
		}
		if ms.Error {
			ms.Status = "error"
			ms.StatusMsg = s.Status().Description
		}
		want = append(want, ms)
	}
	j.WaitForTrace(t, traceID, len(want))
	return traceID, want
}

// comparable strips what the APIs legitimately add (attributes, checked
// apart, as are events) and rounds times to the API's precision.
func comparable(spans []traces.Span, precision time.Duration) map[string]traces.Span {
	out := make(map[string]traces.Span, len(spans))
	for _, s := range spans {
		s.Attributes, s.Own, s.Resource, s.Events = nil, nil, nil, nil
		s.Start = s.Start.Truncate(precision)
		s.Duration = s.Duration.Truncate(precision)
		out[s.SpanID] = s
	}
	return out
}

func TestRealJaeger(t *testing.T) {
	j := jaegertest.Start(t)
	traceID, want := sendTrace(t, j)
	hint := Window{Start: want[0].Start, End: want[0].End()}
	tests := []struct {
		name      string
		api       API
		hint      Window
		precision time.Duration
	}{
		{"api/v3", APIv3, Window{}, time.Nanosecond},
		{"api/v3 with hint", APIv3, hint, time.Nanosecond},
		{"classic api/traces: microseconds", APIClassic, Window{}, time.Microsecond},
		{"classic with hint", APIClassic, hint, time.Microsecond},
		{"auto picks v3", APIAuto, Window{}, time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewJaeger(j.QueryURL, WithAPI(tt.api), WithHintMargin(0))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			tr, err := src.Trace(t.Context(), strings.ToUpper(traceID), tt.hint)
			if err != nil {
				t.Fatal(err)
			}
			if tr.TraceID != traceID || len(tr.Spans) != len(want) {
				t.Fatalf("got trace %s with %d spans, want %s with %d", tr.TraceID, len(tr.Spans), traceID, len(want))
			}
			got, exp := comparable(tr.Spans, time.Nanosecond), comparable(want, tt.precision)
			if !reflect.DeepEqual(got, exp) {
				for id := range exp {
					if !reflect.DeepEqual(got[id], exp[id]) {
						t.Errorf("span %s:\n got %+v\nwant %+v", id, got[id], exp[id])
					}
				}
			}
			for i := 1; i < len(tr.Spans); i++ {
				if tr.Spans[i].Start.Before(tr.Spans[i-1].Start) {
					t.Errorf("spans not in start order")
				}
			}
			for _, s := range tr.Spans {
				if s.Name != "store" {
					continue
				}
				if s.Attributes["db.system"] != "postgresql" || s.Attributes["rows"] != "3" {
					t.Errorf("store attributes = %v", s.Attributes)
				}
				if !slices.Contains(s.Own, traces.Attr{Key: "db.system", Value: "postgresql"}) || !slices.Contains(s.Resource, traces.Attr{Key: "service.name", Value: "backend"}) {
					t.Errorf("store own attributes %v, resource %v", s.Own, s.Resource)
				}
				if len(s.Events) != 1 || s.Events[0].Name != "retry" || !slices.Contains(s.Events[0].Attributes, traces.Attr{Key: "attempt", Value: "2"}) {
					t.Errorf("store events = %+v", s.Events)
				}
			}
		})
	}
}

// TestRealJaegerStopped: Jaeger goes away mid-way, then comes back empty.
func TestRealJaegerStopped(t *testing.T) {
	j := jaegertest.Start(t)
	traceID, _ := sendTrace(t, j)
	src, err := NewJaeger(j.QueryURL, WithTimeout(time.Second, 3*time.Second), WithRetries(1, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Trace(t.Context(), traceID, Window{}); err != nil {
		t.Fatalf("before stop: %v", err)
	}

	j.Stop()
	start := time.Now()
	_, err = src.Trace(t.Context(), traceID, Window{})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "unreachable (connection refused") ||
		!strings.Contains(err.Error(), j.QueryURL) {
		t.Fatalf("stopped: err = %v, want a plain unreachable error", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("stopped: took %v", took)
	}

	j.Restart() // memory storage: the trace is gone
	_, err = src.Trace(t.Context(), traceID, Window{})
	if !errors.Is(err, ErrTraceNotFound) {
		t.Fatalf("restarted: err = %v, want ErrTraceNotFound", err)
	}
	traceID, _ = sendTrace(t, j)
	if _, err := src.Trace(t.Context(), traceID, Window{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

// recorder is an http.RoundTripper that records the query of every
// request it sends.
type recorder struct {
	mu      sync.Mutex
	queries []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.queries = append(r.queries, req.URL.RawQuery)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queries
	r.queries = nil
	return q
}

// TestRealJaegerParameterStyle asks the pinned Jaeger (v1.75.0, which reads
// only the snake_case api/v3 parameters) in camelCase first: the probe
// finds the camelCase ones ignored, its snake_case answer is the exact raw
// trace, and later lookups, with and without a time window, go out in
// snake_case alone.
func TestRealJaegerParameterStyle(t *testing.T) {
	j := jaegertest.Start(t)
	traceID, want := sendTrace(t, j)
	rec := &recorder{}
	src, err := NewJaeger(j.QueryURL, WithAPI(APIv3), WithHintMargin(0), WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	check := func(hint Window) {
		t.Helper()
		tr, err := src.Trace(t.Context(), traceID, hint)
		if err != nil {
			t.Fatal(err)
		}
		if got, exp := comparable(tr.Spans, time.Nanosecond), comparable(want, time.Nanosecond); !reflect.DeepEqual(got, exp) {
			t.Errorf("spans:\n got %+v\nwant %+v", got, exp)
		}
	}
	check(Window{})
	first := rec.take()
	if len(first) != 2 || first[0] != "rawTraces=true" || first[1] != "rawTraces=not-a-boolean&raw_traces=true" {
		t.Errorf("first lookup's queries = %q, want the camelCase lookup, then the probe", first)
	}
	if got := paramStyle(src.v3Params.Load()); got != paramsSnake {
		t.Fatalf("style = %d, want snake_case for Jaeger v1.75.0", got)
	}
	hint := Window{Start: want[0].Start.Add(-time.Second), End: want[0].End().Add(time.Second)}
	check(hint)
	later := rec.take()
	if len(later) != 1 || !strings.Contains(later[0], "start_time=") || !strings.Contains(later[0], "raw_traces=true") || strings.Contains(later[0], "Time=") {
		t.Errorf("later lookup's queries = %q, want one snake_case lookup with its window", later)
	}
}
