package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// lockedBuffer is a log sink the server's goroutines share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the JSON log lines whose msg is msg, waiting a little for
// the first: a request's own line may follow its answer.
func (l *lockedBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
				out = append(out, m)
			}
		}
		l.mu.Unlock()
		if len(out) > 0 || time.Now().After(deadline) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startTracedServer runs a server whose logger goes through Traceline's
// slog adapter, as `correlate serve` does, with tp as its tracer (nil for
// the default).
func startTracedServer(t *testing.T, tp trace.TracerProvider) (*lockedBuffer, string) {
	t.Helper()
	logs := &lockedBuffer{}
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.TracerProvider = tp
	st, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return logs, "http://" + runServer(t, cfg, st, log).Addr()
}

// TestRequestsAreTraced: each request runs in a server span named for its
// route, a child of the caller's traceparent, and the line the service
// logs about it carries that span's ids.
func TestRequestsAreTraced(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	logs, base := startTracedServer(t, tp)
	const id = "44444444444444444444444444444444"
	call(t, http.MethodPost, base+"/api/v1/ingest", `{"msg":"answers stored","trace_id":"`+id+`"}`)

	const caller = "0af7651916cd43dd8448eb211c80319c"
	req, _ := http.NewRequest(http.MethodDelete, base+"/api/v1/traces/"+id, nil)
	req.Header.Set("traceparent", "00-"+caller+"-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	var del sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(5 * time.Second); del == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, sp := range rec.Ended() {
			if sp.Name() == "DELETE /api/v1/traces/{traceID}" {
				del = sp
			}
		}
	}
	if del == nil {
		var names []string
		for _, sp := range rec.Ended() {
			names = append(names, sp.Name())
		}
		t.Fatalf("no span named for the DELETE route among %q", names)
	}
	if del.SpanKind() != trace.SpanKindServer || del.SpanContext().TraceID().String() != caller || del.Parent().SpanID().String() != "b7ad6b7169203331" {
		t.Errorf("span %s: kind %v, trace %s, parent %s; want a server span in the caller's trace",
			del.Name(), del.SpanKind(), del.SpanContext().TraceID(), del.Parent().SpanID())
	}
	lines := logs.lines(t, "trace deleted on request")
	if len(lines) != 1 {
		t.Fatalf("%d deletion log lines", len(lines))
	}
	if lines[0]["trace_id"] != caller || lines[0]["span_id"] != del.SpanContext().SpanID().String() || lines[0]["trace_flags"] != "01" {
		t.Errorf("the deletion's log line does not carry its request's span: %v", lines[0])
	}
	if served := logs.lines(t, "request served"); len(served) == 0 || served[0]["trace_id"] == nil {
		t.Errorf("request log lines without trace ids: %v", served)
	}
}

// TestRequestIDsWithoutExporter: with no tracer given, the log lines still
// carry a trace id, marked not sampled.
func TestRequestIDsWithoutExporter(t *testing.T) {
	logs, base := startTracedServer(t, nil)
	if code, _ := call(t, http.MethodGet, base+"/api/v1/traces/zz", ""); code != 400 {
		t.Fatalf("bad id: %d", code)
	}
	served := logs.lines(t, "request served")
	if len(served) != 1 {
		t.Fatalf("%d request lines", len(served))
	}
	if tid, _ := served[0]["trace_id"].(string); len(tid) != 32 || served[0]["trace_flags"] != "00" || served[0]["status"] != float64(400) {
		t.Errorf("request line: %v; want a 32-hex trace id, trace_flags 00, status 400", served[0])
	}
}
