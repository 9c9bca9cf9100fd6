package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDemoShort runs the demo command as `make demo` does, in short mode
// with --keep: it checks what a newcomer is told to look at (the failing
// request's lines from all four services joined to the right spans, read
// from the running correlator; the deliberately dropped context in
// coverage), then presses Ctrl-C and checks that nothing was left running.
func TestDemoShort(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and starts Jaeger and five processes")
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	bin := filepath.Join(t.TempDir(), "demo")
	if err := build(ctx, filepath.Join(root, "examples"), bin, "./cmd/demo"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.CommandContext(ctx, bin, "--short", "--keep", "--dir", dir)
	cmd.Dir = filepath.Join(root, "examples")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var output syncBuffer
	ready := make(chan struct{})
	go func() { // copy the report; signal once the demo says it keeps running
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			output.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Ctrl-C stops it") {
				once.Do(func() { close(ready) })
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if t.Failed() {
			t.Logf("demo stdout:\n%s\ndemo stderr:\n%s", output.String(), stderr.String())
		}
	}()
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("demo exited before it was ready: %v", err)
	case <-ctx.Done():
		t.Fatal("demo not ready in time")
	}

	var res Result
	raw, err := os.ReadFile(filepath.Join(dir, ResultFile))
	if err == nil {
		err = json.Unmarshal(raw, &res)
	}
	if err != nil {
		_ = cmd.Process.Signal(os.Interrupt)
		t.Fatalf("result: %v", err)
	}

	// Read the joined trace from the running correlator (its API, or the
	// CLI's JSON when this correlate has no serve).
	corr := &correlator{bin: res.Correlate, data: res.DataDir, logs: res.LogDir, jaeger: res.JaegerURL, url: res.CorrelatorURL}
	trace, body, err := corr.traceJSON(ctx, res.Failing.TraceID)

	// Ctrl-C, as a user in a terminal would.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("demo after Ctrl-C: %v", err)
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("demo still running 2 minutes after Ctrl-C")
	}

	t.Run("nothing left running", func(t *testing.T) {
		if len(res.PIDs) < len(Services)+1 {
			t.Errorf("PIDs = %v, want Jaeger, %d services and maybe the correlator", res.PIDs, len(Services))
		}
		for name, pid := range res.PIDs {
			if alive(pid) {
				t.Errorf("%s (pid %d) still running after Ctrl-C", name, pid)
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
	})
	if err != nil {
		t.Fatalf("joined trace: %v\n%s", err, body)
	}

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
			{"notify-worker", "POST /notifications", "notification queued"},
			{"notify-worker", "deliver notification", "study monitor notified"},
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
						if l.SpanID != s.SpanID || l.Match != "exact" {
							t.Errorf("%q: span_id %s match %q, want %s exact", tt.msg, l.SpanID, l.Match, s.SpanID)
						}
						return
					}
				}
				t.Errorf("%q of %s is under no span; orphans: %+v", tt.msg, tt.service, trace.Orphans)
			})
		}
		errSpans := map[string]bool{}
		for _, s := range trace.Spans {
			if s.Error {
				errSpans[s.Service] = true
			}
		}
		for _, svc := range []string{"epro-api", "data-collection", "questionnaire"} {
			if !errSpans[svc] {
				t.Errorf("no error span of %s; services with error spans: %v", svc, errSpans)
			}
		}
	})

	t.Run("dropped context shows in coverage", func(t *testing.T) {
		if !strings.Contains(res.Coverage, "notify-worker") || !strings.Contains(res.Coverage, "safety desk") {
			t.Errorf("coverage does not name the notify-worker's escalation line:\n%s", res.Coverage)
		}
	})

	t.Run("failing requests", func(t *testing.T) {
		if !strings.Contains(res.Failures, res.Failing.TraceID) {
			t.Errorf("correlate failures does not list the failing request %s:\n%s", res.Failing.TraceID, res.Failures)
		}
		if strings.Contains(res.Failures, res.Unsampled.TraceID) && !res.Unsampled.Failed() {
			t.Errorf("correlate failures lists the unsampled request %s, which did not fail:\n%s", res.Unsampled.TraceID, res.Failures)
		}
	})

	t.Run("report", func(t *testing.T) {
		if res.Unsampled.TraceID == "" || res.Unsampled.Sampled {
			t.Errorf("no unsampled request among %d", len(res.Requests))
		}
		out := output.String()
		for _, want := range []string{"no UI", res.LogDir, res.Failing.TraceID, "safety desk"} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if res.CorrelatorURL != "" && !strings.Contains(out, res.CorrelatorURL+"/trace/"+res.Failing.TraceID) {
			t.Errorf("report lacks the correlator page of the failing trace")
		}
		if res.CorrelatorURL != "" && !strings.Contains(out, "page: "+res.CorrelatorURL+"/\n") {
			t.Errorf("report lacks the failing-requests page")
		}
	})
}

// syncBuffer is a strings.Builder safe for two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) WriteString(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(v)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
