package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoShort runs the whole demo in short mode (Jaeger, four service
// processes, the correlator) and checks what a newcomer is told to look at:
// the failing request's lines from all four services joined to the right
// spans, the deliberately dropped context in coverage, and nothing left
// running afterwards.
func TestDemoShort(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts Jaeger and five processes")
	}
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	jaeger := filepath.Join(root, "bin", "jaeger")
	if !isFile(jaeger) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Jaeger binary at %s in CI: `make jaeger` builds it", jaeger)
		}
		t.Skipf("no Jaeger binary at %s: run `make jaeger`", jaeger)
	}

	c := ShortConfig()
	c.Root, c.Jaeger, c.Dir = root, jaeger, t.TempDir()
	var out bytes.Buffer
	c.Out = &out
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	d, err := Start(ctx, c)
	defer func() {
		if t.Failed() {
			t.Logf("demo output:\n%s", out.String())
		}
	}()
	if err != nil {
		if d != nil {
			d.Close()
		}
		t.Fatalf("demo: %v", err)
	}
	res := d.Result()

	// Through the correlator's API while it runs (or the CLI's JSON when
	// this correlate has no serve).
	corr := &correlator{bin: res.Correlate, data: res.DataDir, logs: res.LogDir, jaeger: res.JaegerURL, url: res.CorrelatorURL}
	if err := corr.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	trace, raw, err := corr.traceJSON(ctx, res.Failing.TraceID)
	if err != nil {
		d.Close()
		t.Fatalf("joined trace: %v\n%s", err, raw)
	}
	d.Close()

	t.Run("failing request joined across all four services", func(t *testing.T) {
		if trace.TraceID != res.Failing.TraceID {
			t.Errorf("trace_id = %q, want %q", trace.TraceID, res.Failing.TraceID)
		}
		// Each service's own line, under a span of that service with the
		// name its instrumentation gives.
		tests := []struct {
			service, span, msg string
		}{
			{"epro-api", "/v1/submissions", "request failed"},
			{"data-collection", "/submissions", "answers invalid"},
			{"questionnaire", "POST /questionnaires/{id}/validate", "answers rejected"},
			{"notify-worker", "deliver notification", "study monitor notified"},
			{"notify-worker", "POST /notifications", "notification queued"},
		}
		for _, tt := range tests {
			t.Run(tt.service+"/"+tt.msg, func(t *testing.T) {
				for _, s := range trace.Spans {
					for _, l := range s.Logs {
						if l.Msg != tt.msg {
							continue
						}
						if s.Service != tt.service || !strings.Contains(s.Name, tt.span) {
							t.Errorf("%q placed under %s span %q, want a %s span %q", tt.msg, s.Service, s.Name, tt.service, tt.span)
						}
						if l.SpanID != s.SpanID || l.TraceID != trace.TraceID || l.Match != "exact" {
							t.Errorf("%q: span_id %s trace_id %s match %q, want %s %s exact", tt.msg, l.SpanID, l.TraceID, l.Match, s.SpanID, trace.TraceID)
						}
						return
					}
				}
				t.Errorf("%q of %s is under no span; orphans: %+v", tt.msg, tt.service, trace.Orphans)
			})
		}
		var errSpans []string
		for _, s := range trace.Spans {
			if s.Error {
				errSpans = append(errSpans, s.Service)
			}
		}
		for _, svc := range []string{"epro-api", "data-collection", "questionnaire"} {
			if !strings.Contains(strings.Join(errSpans, " "), svc) {
				t.Errorf("no error span of %s; error spans are of %v", svc, errSpans)
			}
		}
	})

	t.Run("dropped context shows in coverage", func(t *testing.T) {
		if !strings.Contains(res.Coverage, "notify-worker") || !strings.Contains(res.Coverage, "safety desk") {
			t.Errorf("coverage does not name the notify-worker's escalation line:\n%s", res.Coverage)
		}
	})

	t.Run("some requests unsampled", func(t *testing.T) {
		if res.Unsampled.TraceID == "" || res.Unsampled.Sampled {
			t.Errorf("no unsampled request among %d", len(res.Requests))
		}
	})

	t.Run("nothing left running", func(t *testing.T) {
		if len(res.PIDs) != len(Services)+2 && len(res.PIDs) != len(Services)+1 {
			t.Errorf("PIDs = %v, want Jaeger, %d services and maybe the correlator", res.PIDs, len(Services))
		}
		for name, pid := range res.PIDs {
			if alive(pid) {
				t.Errorf("%s (pid %d) still running after Close", name, pid)
			}
		}
	})
}
