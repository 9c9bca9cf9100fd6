package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/internal/jaegertest"
)

// jsonLogLine writes a line as the logging bridge does (OTel profile).
func jsonLogLine(sc trace.SpanContext, service, level, msg string, withSpan bool) string {
	s := fmt.Sprintf(`{"time":%q,"level":%q,"msg":%q,"service.name":%q,"trace_id":%q`,
		time.Now().UTC().Format(time.RFC3339Nano), level, msg, service, sc.TraceID().String())
	if withSpan {
		s += fmt.Sprintf(`,"span_id":%q`, sc.SpanID().String())
	}
	return s + fmt.Sprintf(`,"trace_flags":%q}`, sc.TraceFlags().String())
}

type joinedJSON struct {
	TraceID string `json:"trace_id"`
	Spans   []struct {
		SpanID string `json:"span_id"`
		Name   string `json:"name"`
		Error  bool   `json:"error"`
		Logs   []struct {
			Msg   string `json:"msg"`
			Match string `json:"match"`
		} `json:"logs"`
	} `json:"spans"`
	Orphans []struct {
		Msg    string `json:"msg"`
		Reason string `json:"reason"`
	} `json:"orphans"`
	SourceError string `json:"source_error"`
}

// TestTraceAgainstJaeger is the end-to-end test: spans sent with the OTel
// SDK to a real Jaeger, log lines written to files, indexed, and joined by
// `correlate trace` through Jaeger's query API; then a span exported late
// (--wait), then Jaeger stopped (the lines still show).
func TestTraceAgainstJaeger(t *testing.T) {
	noLeaks(t)
	j := jaegertest.Start(t)
	api := j.TracerProvider(t, "api")
	db := j.TracerProvider(t, "db")
	ctx := context.Background()

	var apiLines, dbLines []string
	rctx, root := api.Tracer("e2e").Start(ctx, "POST /forms", trace.WithSpanKind(trace.SpanKindServer))
	rsc := root.SpanContext()
	apiLines = append(apiLines, jsonLogLine(rsc, "api", "info", "request received", true))
	time.Sleep(2 * time.Millisecond)

	_, child := db.Tracer("e2e").Start(trace.ContextWithRemoteSpanContext(ctx, rsc), "INSERT forms")
	time.Sleep(time.Millisecond)
	dbLines = append(dbLines, jsonLogLine(child.SpanContext(), "db", "error", "insert failed: deadlock", true))
	time.Sleep(time.Millisecond)
	child.SetStatus(codes.Error, "deadlock")
	child.End()

	_, silent := api.Tracer("e2e").Start(rctx, "render")
	time.Sleep(time.Millisecond)
	silent.SetStatus(codes.Error, "template missing")
	silent.End()

	// pay samples its spans but never exports them (a collector dropping
	// them); audit does not sample at all.
	pay := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	_, paySpan := pay.Tracer("e2e").Start(trace.ContextWithRemoteSpanContext(ctx, rsc), "capture")
	payLines := []string{jsonLogLine(paySpan.SpanContext(), "pay", "info", "payment captured", true)}
	paySpan.End()
	audit := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	_, auditSpan := audit.Tracer("e2e").Start(trace.ContextWithRemoteSpanContext(ctx, rsc), "audit")
	payLines = append(payLines, jsonLogLine(auditSpan.SpanContext(), "pay", "info", "audit skipped", true))
	auditSpan.End()

	time.Sleep(2 * time.Millisecond)
	apiLines = append(apiLines, jsonLogLine(rsc, "api", "info", "only the trace id", false))
	// A span still running when the lines are read: not yet exported.
	_, late := api.Tracer("e2e").Start(rctx, "send mail")
	apiLines = append(apiLines, jsonLogLine(late.SpanContext(), "api", "info", "mail queued", true))
	time.Sleep(2 * time.Millisecond)
	root.End()
	jaegertest.Flush(t, api)
	jaegertest.Flush(t, db)
	tid := rsc.TraceID().String()
	j.WaitForTrace(t, tid, 3) // root, INSERT, render; send mail is still running

	data := buildIndex(t, map[string][]string{"api.log": apiLines, "db.log": dbLines, "pay.log": payLines})
	get := func(t *testing.T, extra ...string) (joinedJSON, cliRun) {
		t.Helper()
		// A long export delay keeps the young lines "not yet exported" however
		// slow this machine is; subtests that need otherwise override it.
		args := append([]string{"--data", data, "--jaeger", j.QueryURL, tid, "--format", "json", "--timeout", "3s",
			"--export-delay", "10m"}, extra...)
		r := traceCLI(args...)
		if r.code != 0 {
			t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
		}
		var doc joinedJSON
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, r.stdout)
		}
		return doc, r
	}
	where := func(doc joinedJSON) map[string]string {
		m := map[string]string{}
		for _, s := range doc.Spans {
			for _, l := range s.Logs {
				m[l.Msg] = s.Name + "/" + l.Match
			}
		}
		for _, o := range doc.Orphans {
			m[o.Msg] = "orphan/" + o.Reason
		}
		return m
	}

	t.Run("joined", func(t *testing.T) {
		doc, _ := get(t)
		if doc.TraceID != tid || len(doc.Spans) != 3 {
			t.Fatalf("trace %s with %d spans, want %s with 3", doc.TraceID, len(doc.Spans), tid)
		}
		want := map[string]string{
			"request received":        "POST /forms/exact",
			"insert failed: deadlock": "INSERT forms/exact",
			"only the trace id":       "POST /forms/inferred",
			"mail queued":             "orphan/not yet exported",
			"payment captured":        "orphan/not yet exported",
			"audit skipped":           "orphan/unsampled",
		}
		got := where(doc)
		for msg, w := range want {
			if got[msg] != w {
				t.Errorf("%q: %s, want %s", msg, got[msg], w)
			}
		}
		for _, s := range doc.Spans {
			if (s.Name == "INSERT forms" || s.Name == "render") != s.Error {
				t.Errorf("span %s error=%v", s.Name, s.Error)
			}
		}
	})

	t.Run("dropped downstream once the export delay is over", func(t *testing.T) {
		doc, _ := get(t, "--export-delay", "1ms")
		if got := where(doc)["payment captured"]; got != "orphan/dropped downstream" {
			t.Errorf("payment captured: %s, want orphan/dropped downstream", got)
		}
	})

	t.Run("waits for a late span", func(t *testing.T) {
		go func() {
			time.Sleep(300 * time.Millisecond)
			late.End()
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			api.ForceFlush(fctx)
		}()
		doc, r := get(t, "--wait", "4s") // "payment captured" never comes: it waits it out
		if got := where(doc)["mail queued"]; got != "send mail/exact" {
			t.Errorf("late line: %s, want send mail/exact\nstderr:\n%s", got, r.stderr)
		}
		if !strings.Contains(r.stderr, "asking again") {
			t.Errorf("stderr does not say it waited:\n%s", r.stderr)
		}
	})

	t.Run("text waterfall", func(t *testing.T) {
		r := traceCLI("--data", data, "--jaeger", j.QueryURL, tid)
		for _, s := range []string{"POST /forms", "INSERT forms ERROR: deadlock", "render ERROR: template missing (no log lines)", "insert failed: deadlock"} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("waterfall lacks %q:\n%s", s, r.stdout)
			}
		}
	})

	t.Run("jaeger stopped", func(t *testing.T) {
		j.Stop()
		doc, r := get(t, "--timeout", "2s")
		if doc.SourceError == "" || len(doc.Spans) != 0 || len(doc.Orphans) != 6 {
			t.Errorf("after stop: %d spans, %d orphans, source error %q", len(doc.Spans), len(doc.Orphans), doc.SourceError)
		}
		for _, o := range doc.Orphans {
			if o.Reason != "trace unavailable" && !(o.Msg == "audit skipped" && o.Reason == "unsampled") {
				t.Errorf("orphan %q reason %q", o.Msg, o.Reason)
			}
		}
		if !strings.Contains(r.stderr, "showing the log lines only") {
			t.Errorf("stderr:\n%s", r.stderr)
		}
	})
}
