package app

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/traceline/traceline/correlate/traces"
)

const (
	testTrace = "0af7651916cd43dd8448eb211c80319c"
	spanRoot  = "00f067aa0ba902b7"
	spanDB    = "b7ad6b7169203331"
	spanGone  = "e1e2e3e4e5e6e7e8"
)

var testT0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// testLines are the log files of the test index: one trace over two
// services, an orphan, and untraced lines for coverage.
func testLines() map[string][]string {
	at := func(ms int) string { return testT0.Add(time.Duration(ms) * time.Millisecond).Format(time.RFC3339Nano) }
	line := func(ms int, level, msg, span, extra string) string {
		s := fmt.Sprintf(`{"time":%q,"level":%q,"msg":%q`, at(ms), level, msg)
		if span != "" {
			s += fmt.Sprintf(`,"trace_id":%q,"span_id":%q,"trace_flags":"01"`, testTrace, span)
		}
		return s + extra + "}"
	}
	return map[string][]string{
		"api.log": {
			line(1, "info", "request received", spanRoot, `,"service.name":"api","caller":"handler.go:10"`),
			line(50, "info", "sending mail", "", `,"service.name":"api","caller":"mail.go:20"`),
			line(90, "info", "request done", spanRoot, `,"service.name":"api","caller":"handler.go:30"`),
			line(95, "info", "audit written", spanGone, `,"service.name":"api","caller":"audit.go:5"`),
		},
		"db.log": {
			line(20, "error", "insert failed", spanDB, `,"service.name":"db"`),
		},
	}
}

// buildIndex writes files into a temp folder and indexes them with
// `correlate index`, as a user would.
func buildIndex(t testing.TB, files map[string][]string) string {
	t.Helper()
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, lines := range files {
		if err := os.WriteFile(filepath.Join(logs, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := runCorrelate("", "index", "--quiet", "--data", data, logs); r.code != 0 {
		t.Fatalf("correlate index: exit %d: %s", r.code, r.stderr)
	}
	return data
}

// testSpans is the trace of testLines: api root with a db child in error.
func testSpans() traces.Trace {
	return traces.Trace{TraceID: testTrace, Spans: []traces.Span{
		{TraceID: testTrace, SpanID: spanRoot, Service: "api", Name: "POST /forms", Start: testT0, Duration: 100 * time.Millisecond},
		{TraceID: testTrace, SpanID: spanDB, ParentSpanID: spanRoot, Service: "db", Name: "INSERT", Start: testT0.Add(10 * time.Millisecond),
			Duration: 30 * time.Millisecond, Error: true},
	}}
}

// otlpJSON renders tr as OTLP JSON (TracesData), the format of a trace file
// and, wrapped in {"result":…}, of Jaeger's api/v3.
func otlpJSON(tr traces.Trace) []byte {
	type kv struct {
		Key   string            `json:"key"`
		Value map[string]string `json:"value"`
	}
	var rss []any
	for _, s := range tr.Spans {
		sp := map[string]any{
			"traceId": s.TraceID, "spanId": s.SpanID, "parentSpanId": s.ParentSpanID, "name": s.Name, "kind": 1,
			"startTimeUnixNano": fmt.Sprint(s.Start.UnixNano()), "endTimeUnixNano": fmt.Sprint(s.End().UnixNano()),
		}
		if s.Error {
			sp["status"] = map[string]any{"code": 2, "message": "boom"}
		}
		rss = append(rss, map[string]any{
			"resource":   map[string]any{"attributes": []kv{{"service.name", map[string]string{"stringValue": s.Service}}}},
			"scopeSpans": []any{map[string]any{"scope": map[string]any{"name": "test"}, "spans": []any{sp}}},
		})
	}
	b, _ := json.Marshal(map[string]any{"resourceSpans": rss})
	return b
}

func writeTraceFile(t *testing.T, tr traces.Trace) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.json")
	if err := os.WriteFile(path, otlpJSON(tr), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeJaeger answers api/v3 with status and body.
func fakeJaeger(t *testing.T, status int, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// deadURL is an address nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// noLeaks fails t if goroutines started during it outlive it and its
// cleanups (Jaeger sources, HTTP transports, exporters).
func noLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// runCorrelate runs the command line in process, as main does.
func runCorrelate(stdin string, args ...string) cliRun {
	return runCmd(stdin, nil, args...)
}

func traceCLI(args ...string) cliRun {
	return runCorrelate("", append([]string{"trace"}, args...)...)
}

func TestTraceCommand(t *testing.T) {
	noLeaks(t)
	data := buildIndex(t, testLines())
	file := writeTraceFile(t, testSpans())
	v3 := append(append([]byte(`{"result":`), otlpJSON(testSpans())...), '}')
	okJaeger := fakeJaeger(t, 200, v3)
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings
		stderr     []string
		noStdout   bool
		jsonReason string // every orphan's reason, when set
	}{
		{"waterfall from a trace file", []string{"--data", data, "--trace-file", file, testTrace}, 0,
			[]string{"POST /forms", "INSERT ERROR", "request received", "insert failed", "[dropped downstream, span " + spanGone + "]"}, nil, false, ""},
		{"flags after the id", []string{testTrace, "--data", data, "--trace-file", file, "--view", "merged"}, 0,
			[]string{"request received  ← POST /forms", "insert failed  ← INSERT"}, nil, false, ""},
		{"json from jaeger", []string{"--data", data, "--jaeger", okJaeger, testTrace, "--format", "json"}, 0,
			[]string{`"match":"exact"`, `"reason":"dropped downstream"`, `"name":"INSERT"`}, nil, false, "dropped downstream"},
		{"jaeger down: logs still shown", []string{"--data", data, "--jaeger", deadURL(t), "--timeout", "2s", testTrace, "--format", "json"}, 0,
			[]string{`"source_error":`, `"msg":"request received"`}, []string{"showing the log lines only"}, false, "trace unavailable"},
		{"jaeger 503: logs still shown", []string{"--data", data, "--jaeger", fakeJaeger(t, 503, []byte("overloaded")), "--timeout", "2s", testTrace, "--format", "json"}, 0,
			[]string{`"msg":"insert failed"`}, []string{"showing the log lines only"}, false, "trace unavailable"},
		{"jaeger garbage: logs still shown", []string{"--data", data, "--jaeger", fakeJaeger(t, 200, []byte("<html>")), testTrace}, 0,
			[]string{"request received", "trace unavailable"}, []string{"showing the log lines only"}, false, ""},
		{"jaeger 404: trace missing", []string{"--data", data, "--jaeger", fakeJaeger(t, 404, []byte(`{"error":{"code":5,"message":"trace not found"}}`)), testTrace, "--format", "json"}, 0,
			[]string{`"spans":[]`}, []string{"has no span of"}, false, "trace missing"},
		{"no trace source: logs only", []string{"--data", data, testTrace}, 0,
			[]string{"request received"}, []string{"no trace source"}, false, ""},
		{"trace without logs", []string{"--data", data, "--trace-file", file, "4bf92f3577b34da6a3ce929d0e0e4736"}, 1,
			nil, []string{"nothing for trace 4bf92f3577b34da6a3ce929d0e0e4736", "has no trace"}, true, ""},
		{"trace file only", []string{"--trace-file", file, testTrace}, 0,
			[]string{"POST /forms"}, []string{"no log line of trace"}, false, ""},
		{"nothing at all", []string{"--data", data, "--jaeger", deadURL(t), "--timeout", "1s", "4bf92f3577b34da6a3ce929d0e0e4736"}, 1,
			nil, []string{"nothing for trace", "no such trace in the index"}, true, ""},
		{"bad id", []string{"--data", data, "xyz"}, 2, nil, []string{"trace id"}, true, ""},
		{"no id", []string{"--data", data}, 2, nil, []string{"want exactly one TRACE_ID", "Usage: correlate trace"}, true, ""},
		{"bad format", []string{"--data", data, testTrace, "--format", "yaml"}, 2, nil, []string{"--format must be"}, true, ""},
		{"no index there", []string{"--data", filepath.Join(t.TempDir(), "none"), testTrace}, 1, nil, []string{"no index"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := traceCLI(tt.args...)
			r.expect(t, tt.code, tt.stdout, tt.stderr)
			if tt.noStdout && r.stdout != "" {
				t.Errorf("stdout not empty:\n%s", r.stdout)
			}
			if strings.Contains(r.stdout, "\x1b[") {
				t.Error("colour on a non-terminal")
			}
			if tt.jsonReason != "" {
				var doc struct {
					Orphans []struct{ Reason string } `json:"orphans"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
				}
				if len(doc.Orphans) == 0 {
					t.Fatal("no orphans")
				}
				for _, o := range doc.Orphans {
					if o.Reason != tt.jsonReason {
						t.Errorf("orphan reason %q, want %q", o.Reason, tt.jsonReason)
					}
				}
			}
		})
	}
}
