package tracesource_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/internal/jaegertest"
	"github.com/traceline/traceline/correlate/tracesource"
)

// TestErrorTracesAgainstJaeger sends one failing and one healthy trace to
// a real Jaeger and asks it for the traces with error spans.
func TestErrorTracesAgainstJaeger(t *testing.T) {
	j := jaegertest.Start(t)
	api := j.TracerProvider(t, "api")
	db := j.TracerProvider(t, "db")
	ctx := context.Background()
	start := time.Now()

	rctx, root := api.Tracer("t").Start(ctx, "POST /forms", trace.WithSpanKind(trace.SpanKindServer))
	_, child := db.Tracer("t").Start(rctx, "INSERT forms")
	child.SetStatus(codes.Error, "deadlock")
	child.End()
	root.End()
	_, ok := api.Tracer("t").Start(ctx, "GET /health")
	ok.End()
	jaegertest.Flush(t, api)
	jaegertest.Flush(t, db)
	failing := root.SpanContext().TraceID().String()
	j.WaitForTrace(t, failing, 2)
	j.WaitForTrace(t, ok.SpanContext().TraceID().String(), 1)

	src, err := tracesource.NewJaeger(j.QueryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ts, err := src.ErrorTraces(ctx, tracesource.Window{Start: start.Add(-time.Second), End: time.Now().Add(time.Second)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].TraceID != failing || len(ts[0].Spans) != 2 {
		var ids []string
		for _, tr := range ts {
			ids = append(ids, tr.TraceID)
		}
		t.Fatalf("error traces %v, want only %s with its 2 spans", ids, failing)
	}
	// a window before the spans: none
	ts, err = src.ErrorTraces(ctx, tracesource.Window{Start: start.Add(-time.Hour), End: start.Add(-time.Minute)}, 10)
	if err != nil || len(ts) != 0 {
		t.Fatalf("window before: %d traces, %v; want none", len(ts), err)
	}
	// Jaeger gone: an error saying so
	j.Stop()
	if _, err := src.ErrorTraces(ctx, tracesource.Window{}, 10); err == nil {
		t.Fatal("no error with Jaeger stopped")
	}
}
