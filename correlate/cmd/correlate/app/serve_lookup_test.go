package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/internal/jaegertest"
)

// runningServe is a `correlate serve` run in process for a test.
type runningServe struct {
	URL, Data string
	stderr    *syncBuffer
}

// runServe runs `correlate serve --data DIR --listen 127.0.0.1:0` with
// the extra args and stops it when the test ends.
func runServe(t testing.TB, args ...string) runningServe {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "--data", data, "--listen", "127.0.0.1:0"}, args...),
			&Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	var info serveInfo
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(data, serveFile)); err == nil && json.Unmarshal(b, &info) == nil && info.URL != "" {
			return runningServe{URL: info.URL, Data: data, stderr: &errb}
		}
	}
	t.Fatalf("serve left no address; stderr: %s", errb.String())
	return runningServe{}
}

// traceLogs returns the messages of the trace's lines the service has.
func (s runningServe) traceLogs(t testing.TB, traceID string) []string {
	t.Helper()
	resp, err := http.Get(s.URL + "/api/v1/traces/" + traceID + "/logs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Logs []struct{ Msg string } }
	json.NewDecoder(resp.Body).Decode(&body)
	var msgs []string
	for _, l := range body.Logs {
		msgs = append(msgs, l.Msg)
	}
	return msgs
}

// waitLogs waits until the service has n lines of the trace.
func (s runningServe) waitLogs(t testing.TB, traceID string, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(s.traceLogs(t, traceID)) >= n {
			return
		}
	}
	t.Fatalf("the service never had %d lines of %s", n, traceID)
}

// TestTraceThroughServeUsesItsJaeger: `correlate trace --data DIR` on a
// folder `serve` holds asks the service for the lines and joins them with
// the service's Jaeger when no --jaeger is given.
func TestTraceThroughServeUsesItsJaeger(t *testing.T) {
	j := jaegertest.Start(t)
	api := j.TracerProvider(t, "api")
	_, root := api.Tracer("e2e").Start(context.Background(), "GET /forms", trace.WithSpanKind(trace.SpanKindServer))
	line := jsonLogLine(root.SpanContext(), "api", "info", "form read", true)
	root.End()
	jaegertest.Flush(t, api)
	tid := root.SpanContext().TraceID().String()
	j.WaitForTrace(t, tid, 1)

	logFile := filepath.Join(t.TempDir(), "api.log")
	os.WriteFile(logFile, []byte(line+"\n"), 0o644)
	s := runServe(t, "--logs", logFile, "--jaeger", j.QueryURL)
	s.waitLogs(t, tid, 1)

	r := traceCLI("--data", s.Data, tid, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc joinedJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(doc.Spans) != 1 || len(doc.Spans[0].Logs) != 1 || doc.Spans[0].Logs[0].Msg != "form read" {
		t.Errorf("joined trace: %+v\nstderr: %s", doc, r.stderr)
	}
	if strings.Contains(r.stderr, "no trace source") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

// TestTraceWaitsForLines: `correlate trace --wait` asks the index again for
// lines not yet written, not only Jaeger for spans.
func TestTraceWaitsForLines(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "api.log")
	os.WriteFile(logFile, nil, 0o644)
	s := runServe(t, "--logs", logFile)
	const tid = "4bf92f3577b34da6a3ce929d0e0e4736"
	go func() {
		time.Sleep(1500 * time.Millisecond)
		f, _ := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
		fmt.Fprintf(f, `{"level":"info","msg":"late line","trace_id":%q}`+"\n", tid)
		f.Close()
	}()
	r := traceCLI("--data", s.Data, tid, "--wait", "15s", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, "late line") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "no log line of the trace yet") {
		t.Errorf("stderr does not say it waited for lines:\n%s", r.stderr)
	}
}

// TestPushedLinesVisibleOnReturn: lines pushed to /api/v1/ingest and
// /v1/logs are found by a lookup made right after the request returns.
func TestPushedLinesVisibleOnReturn(t *testing.T) {
	s := runServe(t)
	const tid = "5bf92f3577b34da6a3ce929d0e0e4736"
	for i, push := range []struct{ path, ctype, body string }{
		{"/api/v1/ingest?source=app", "application/x-ndjson",
			`{"level":"info","msg":"pushed jsonl","trace_id":"` + tid + `"}` + "\n"},
		{"/v1/logs", "application/json",
			`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},` +
				`"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","severityText":"INFO",` +
				`"body":{"stringValue":"pushed otlp"},"traceId":"` + tid + `","spanId":"00f067aa0ba902b7"}]}]}]}`},
	} {
		resp, err := http.Post(s.URL+push.path, push.ctype, strings.NewReader(push.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", push.path, resp.Status)
		}
		if got := s.traceLogs(t, tid); len(got) != i+1 {
			t.Errorf("after %s returned, the trace has lines %q; want %d", push.path, got, i+1)
		}
	}
}
