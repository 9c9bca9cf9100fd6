package failures_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/traceline/traceline/correlate/failures"
	"github.com/traceline/traceline/correlate/internal/jaegertest"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
	"github.com/traceline/traceline/correlate/tracesource"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type line struct {
	at          time.Duration
	svc, level  string
	msg         string
	trace, span string
	flags       string
}

func write(t *testing.T, st store.Writer, t0 time.Time, lines []line) {
	t.Helper()
	var es []store.Entry
	for i, l := range lines {
		at := t0.Add(l.at)
		raw := fmt.Sprintf(`{"time":%q,"level":%q,"msg":%q,"service.name":%q,"trace_id":%q,"span_id":%q,"trace_flags":%q}`,
			at.Format(time.RFC3339Nano), l.level, l.msg, l.svc, l.trace, l.span, l.flags)
		es = append(es, store.Entry{At: at, Record: parse.Record{File: "app.log", Line: int64(i + 1), Offset: int64(i * 200),
			Time: at, TimePrecision: time.Nanosecond, Level: l.level, Msg: l.msg, Service: l.svc,
			TraceID: l.trace, SpanID: l.span, TraceFlags: l.flags, Raw: raw, Lines: 1}})
	}
	if err := st.Write(context.Background(), es, store.Checkpoint{FileID: 1, Path: "app.log", Offset: int64(len(es) * 200)}); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T) *pebblestore.Store {
	t.Helper()
	st, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

const (
	ta = "4bf92f3577b34da6a3ce929d0e0e4736"
	tb = "0af7651916cd43dd8448eb211c80319c"
	tc = "11111111111111111111111111111111"
	td = "22222222222222222222222222222222"
	sp = "00f067aa0ba902b7"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// corpus: A fails twice in worker (first error at 30 ms), B fails in
// ledger later (fatal, not sampled), C is healthy, D failed an hour
// before.
var corpus = []line{
	{0, "gateway", "info", "request received", ta, sp, "01"},
	{10 * time.Millisecond, "worker", "info", "form stored", ta, sp, "01"},
	{30 * time.Millisecond, "worker", "error", "database timeout", ta, sp, "01"},
	{40 * time.Millisecond, "worker", "error", "retry failed", ta, sp, "01"},
	{50 * time.Millisecond, "gateway", "info", "answered 500", ta, sp, "01"},
	{60 * time.Millisecond, "ledger", "fatal", "ledger crashed", tb, sp, "00"},
	{70 * time.Millisecond, "gateway", "info", "health ok", tc, sp, "01"},
	{-time.Hour, "worker", "error", "old failure", td, sp, "01"},
}

func TestListFromLines(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	write(t, st, t0, corpus)
	win := failures.Query{From: t0.Add(-time.Minute), To: t0.Add(time.Minute)}
	tests := []struct {
		name string
		q    failures.Query
		want []string
	}{
		{"window", win, []string{tb, ta}},
		{"wider window", failures.Query{From: t0.Add(-2 * time.Hour), To: t0.Add(time.Minute)}, []string{tb, ta, td}},
		{"service", failures.Query{From: win.From, To: win.To, Services: []string{"worker"}}, []string{ta}},
		{"service without errors", failures.Query{From: win.From, To: win.To, Services: []string{"gateway"}}, nil},
		{"limit", failures.Query{From: win.From, To: win.To, Limit: 1}, []string{tb}},
		{"empty window", failures.Query{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := failures.List(ctx, st, nil, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Failures {
				got = append(got, f.TraceID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("failures %v, want %v", got, tt.want)
			}
			if res.Jaeger != failures.JaegerNone {
				t.Errorf("jaeger %q without a source", res.Jaeger)
			}
		})
	}
	res, _ := failures.List(ctx, st, nil, win)
	a := res.Failures[1]
	if a.Lines != 5 || a.ErrorLines != 2 || a.FirstError.Msg != "database timeout" || a.FirstError.Service != "worker" ||
		!slices.Equal(a.Services, []string{"gateway", "worker"}) || a.DurationMS != 50 || !a.Start.Equal(t0) || !a.Sampled || a.Reason != "" {
		t.Errorf("trace A: %+v", a)
	}
	b := res.Failures[0]
	if b.Sampled || b.Reason != failures.ReasonFlags00 || b.FirstError.Level != "fatal" {
		t.Errorf("trace B (trace_flags 00): %+v", b)
	}
}

// TestListWithJaeger: a real Jaeger holds the spans of one failing trace
// and of one whose only error is a span; another failing trace has no
// spans (not sampled).
func TestListWithJaeger(t *testing.T) {
	ctx := context.Background()
	j := jaegertest.Start(t)
	api := j.TracerProvider(t, "api")
	start := time.Now()
	// A: an error line and spans
	actx, aroot := api.Tracer("t").Start(ctx, "POST /forms", trace.WithSpanKind(trace.SpanKindServer))
	_ = actx
	aroot.End()
	// D: no error line, an error span
	_, droot := api.Tracer("t").Start(ctx, "GET /report")
	droot.SetStatus(codes.Error, "template missing")
	droot.End()
	jaegertest.Flush(t, api)
	a, d := aroot.SpanContext().TraceID().String(), droot.SpanContext().TraceID().String()
	j.WaitForTrace(t, a, 1)
	j.WaitForTrace(t, d, 1)

	st := open(t)
	write(t, st, start, []line{
		{time.Millisecond, "api", "error", "insert failed", a, aroot.SpanContext().SpanID().String(), "01"},
		{2 * time.Millisecond, "api", "info", "report rendered", d, droot.SpanContext().SpanID().String(), "01"},
		{3 * time.Millisecond, "worker", "error", "lost", tb, sp, "01"},
	})
	src, err := tracesource.NewJaeger(j.QueryURL, tracesource.WithTimeout(time.Second, 3*time.Second), tracesource.WithRetries(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	q := failures.Query{From: start.Add(-time.Minute), To: time.Now().Add(time.Minute)}
	res, err := failures.List(ctx, st, src, q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Jaeger != failures.JaegerOK {
		t.Fatalf("jaeger %q (%s)", res.Jaeger, res.JaegerError)
	}
	by := map[string]failures.Failure{}
	for _, f := range res.Failures {
		by[f.TraceID] = f
	}
	if len(by) != 3 {
		t.Fatalf("%d failures, want 3: %+v", len(by), res.Failures)
	}
	if f := by[a]; !f.Sampled || f.Spans != 1 || f.ErrorSpans != 0 || f.ErrorLines != 1 {
		t.Errorf("A: %+v", f)
	}
	if f := by[d]; !f.Sampled || f.ErrorSpans != 1 || f.ErrorLines != 0 || f.Lines != 1 || f.FirstError.Msg != "GET /report: template missing" {
		t.Errorf("D (error span only): %+v", f)
	}
	if f := by[tb]; f.Sampled || f.Reason != failures.ReasonNoSpans || f.Spans != 0 {
		t.Errorf("B (no spans): %+v", f)
	}

	j.Stop()
	res, err = failures.List(ctx, st, src, q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Jaeger != failures.JaegerUnreachable || res.JaegerError == "" || len(res.Failures) != 2 {
		t.Fatalf("Jaeger stopped: jaeger %q, %d failures", res.Jaeger, len(res.Failures))
	}
	for _, f := range res.Failures {
		if f.Reason != failures.ReasonUnreachable {
			t.Errorf("%s: reason %q, want %q", f.TraceID, f.Reason, failures.ReasonUnreachable)
		}
	}
}
