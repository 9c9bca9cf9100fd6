package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/redact"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// startServer runs a real Server over a real Pebble store on a loopback
// port chosen by the kernel.
func startServer(t *testing.T, mutate func(*Config)) (*Server, store.Store, string) {
	t.Helper()
	return startServerOn(t, pebblestore.Options{}, mutate)
}

// startServerOn is startServer with the store opened with opts.
func startServerOn(t *testing.T, opts pebblestore.Options, mutate func(*Config)) (*Server, store.Store, string) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	if mutate != nil {
		mutate(&cfg)
	}
	st, err := pebblestore.Open(cfg.Data, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := runServer(t, cfg, st, nil)
	return srv, st, "http://" + srv.Addr()
}

// runServer starts a server on st (logging to log, or nowhere when nil)
// and closes both when the test ends.
func runServer(t *testing.T, cfg Config, st store.Store, log *slog.Logger) *Server {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := New(cfg, st, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		st.Close()
	})
	return srv
}

func traceLogs(t *testing.T, st store.Store, id string) int {
	t.Helper()
	ids, err := store.ParseTraceID(id)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.Logs(context.Background(), ids...)
	if err != nil {
		return 0
	}
	return len(recs)
}

func TestPushOTLPWithSDKExporter(t *testing.T) {
	_, st, base := startServer(t, nil)
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(base+"/v1/logs"), otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	res := resource.NewSchemaless(semconv.ServiceName("notify-worker"))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	logger := lp.Logger("test")

	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sctx := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	var rec otellog.Record
	rec.SetTimestamp(time.Date(2026, 11, 24, 12, 0, 0, 123456789, time.UTC))
	rec.SetSeverity(otellog.SeverityWarn)
	rec.SetBody(attribute.StringValue("monitor notified late"))
	rec.AddAttributes(attribute.String("code.filepath", "notify/worker.go"), attribute.Int("code.lineno", 42))
	logger.Emit(sctx, rec)
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatalf("exporter: %v", err)
	}

	ids, _ := store.ParseTraceID(tid.String())
	recs, err := st.Logs(ctx, ids...)
	if err != nil || len(recs) != 1 {
		t.Fatalf("want the pushed record in the index, got %d (%v)", len(recs), err)
	}
	r := recs[0]
	if r.SpanID != sid.String() || r.TraceFlags != "01" || r.Service != "notify-worker" || r.Level != "warn" ||
		r.Msg != "monitor notified late" || r.Caller != "notify/worker.go:42" || !r.Time.Equal(time.Date(2026, 11, 24, 12, 0, 0, 123456789, time.UTC)) {
		t.Errorf("record lost what OTLP carried: %+v", r)
	}
}

func TestPushRetriedBatchIsNotIndexedTwice(t *testing.T) {
	_, st, base := startServer(t, nil)
	batch := `{"time":"2026-11-24T12:00:00.1Z","level":"info","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"}
{"time":"2026-11-24T12:00:00.2Z","level":"info","msg":"same line twice","trace_id":"0af7651916cd43dd8448eb211c80319c"}
{"time":"2026-11-24T12:00:00.2Z","level":"info","msg":"same line twice","trace_id":"0af7651916cd43dd8448eb211c80319c"}
`
	for i := 0; i < 3; i++ {
		resp, err := http.Post(base+"/api/v1/ingest?source=vector", "application/x-ndjson", strings.NewReader(batch))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("ingest: %d %s", resp.StatusCode, body)
		}
	}
	if n := traceLogs(t, st, "0af7651916cd43dd8448eb211c80319c"); n != 3 {
		t.Errorf("three sends of a three-line batch gave %d lines, want 3", n)
	}
}

func TestPushCrossSiteTextPlainIsRefused(t *testing.T) {
	_, st, base := startServer(t, nil)
	line := `{"msg":"forged","trace_id":"11111111111111111111111111111111"}`
	resp, err := http.Post(base+"/api/v1/ingest", "text/plain", strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain POST: %d", resp.StatusCode)
	}
	if n := traceLogs(t, st, "11111111111111111111111111111111"); n != 0 {
		t.Errorf("a cross-site text/plain POST ingested %d lines", n)
	}
}

func TestPushRedacts(t *testing.T) {
	_, st, base := startServer(t, func(c *Config) { c.Redact.Keys = []string{"patient_name"} })
	line := `{"msg":"answers stored","patient_name":"Jane Doe","trace_id":"22222222222222222222222222222222"}`
	resp, err := http.Post(base+"/api/v1/ingest", "application/json", strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ids, _ := store.ParseTraceID("22222222222222222222222222222222")
	recs, err := st.Logs(context.Background(), ids...)
	if err != nil || len(recs) != 1 {
		t.Fatalf("got %d (%v)", len(recs), err)
	}
	if strings.Contains(recs[0].Raw, "Jane") || !strings.Contains(recs[0].Raw, redact.Mask) {
		t.Errorf("patient name reached the index: %s", recs[0].Raw)
	}
}

func TestHealthAndUnknownPath(t *testing.T) {
	_, _, base := startServer(t, nil)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/etc/passwd": 404, "/assets/../../go.mod": 404, "/api/v1/status": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d (%s)", path, resp.StatusCode, want, b)
		}
		if strings.Contains(string(b), "root:") || strings.Contains(string(b), "module ") {
			t.Errorf("%s served a file: %s", path, b)
		}
	}
}

func TestFollowedFilesAreRedacted(t *testing.T) {
	dir := t.TempDir()
	logFile := dir + "/app.log"
	line := `{"time":"2026-11-24T12:00:00Z","msg":"answers stored","patient_name":"Jane Doe","trace_id":"33333333333333333333333333333333"}` + "\n"
	if err := os.WriteFile(logFile, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	_, st, _ := startServer(t, func(c *Config) { c.Logs = []string{logFile}; c.Redact.Keys = []string{"patient_name"} })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && traceLogs(t, st, "33333333333333333333333333333333") == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	ids, _ := store.ParseTraceID("33333333333333333333333333333333")
	recs, err := st.Logs(context.Background(), ids...)
	if err != nil || len(recs) != 1 {
		t.Fatalf("got %d (%v)", len(recs), err)
	}
	if strings.Contains(recs[0].Raw, "Jane") || !strings.Contains(recs[0].Raw, redact.Mask) || recs[0].Line != 1 {
		t.Errorf("patient name reached the index from a followed file: %+v", recs[0])
	}
}

func TestDeleteTraceOnRequest(t *testing.T) {
	_, st, base := startServer(t, nil)
	batch := `{"msg":"answers stored","trace_id":"44444444444444444444444444444444"}` + "\n" + `{"msg":"kept","trace_id":"55555555555555555555555555555555"}`
	resp, err := http.Post(base+"/api/v1/ingest", "application/x-ndjson", strings.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodDelete, base+"/api/v1/traces/44444444444444444444444444444444", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"deleted":1`) {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	if n := traceLogs(t, st, "44444444444444444444444444444444"); n != 0 {
		t.Errorf("%d lines left after deletion", n)
	}
	if n := traceLogs(t, st, "55555555555555555555555555555555"); n != 1 {
		t.Errorf("another trace lost lines: %d", n)
	}
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("deleting again: %d, want 404", resp.StatusCode)
	}
}

func TestRetentionBySize(t *testing.T) {
	srv, st, base := startServer(t, func(c *Config) { c.RetentionBytes = 1 })
	var batch strings.Builder
	for day := 1; day <= 3; day++ {
		fmt.Fprintf(&batch, `{"time":"2026-11-0%dT12:00:00Z","msg":"day %d","trace_id":"6666666666666666666666666666666%d"}`+"\n", day, day, day)
	}
	resp, err := http.Post(base+"/api/v1/ingest", "application/x-ndjson", strings.NewReader(batch.String()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.expire(context.Background())
	if n := traceLogs(t, st, "66666666666666666666666666666661"); n != 0 {
		t.Errorf("the oldest day survived a size limit: %d lines", n)
	}
	if n := traceLogs(t, st, "66666666666666666666666666666663"); n != 1 {
		t.Errorf("the newest day was dropped: %d lines", n)
	}
}

// TestTraceLogsInReadingOrder: GET /api/v1/traces/{id}/logs gives a page
// as `correlate logs` prints it: a worker's whole-second lines after the
// gateway line of the same second that caused them, marked
// "time_approx", and a go-zero access line without a service under its
// source's service.
func TestTraceLogsInReadingOrder(t *testing.T) {
	const tid = "0af7651916cd43dd8448eb211c80319c"
	dir := t.TempDir()
	files := map[string]string{
		"gateway.log": `{"@timestamp":"2026-03-01T12:00:01.250Z","level":"info","content":"calling worker","service":"gateway","trace":"` + tid + `"}
{"@timestamp":"2026-03-01T12:00:01.650Z","level":"info","content":"[HTTP] 200 - POST /forms","trace":"` + tid + `"}
`,
		"worker.log": `{"level":"info","service":"worker","trace_id":"` + tid + `","time":"2026-03-01T12:00:01Z","message":"job started"}
{"level":"info","service":"worker","trace_id":"` + tid + `","time":"2026-03-01T12:00:01Z","message":"job done"}
`,
	}
	for name, body := range files {
		if err := os.WriteFile(dir+"/"+name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, st, base := startServer(t, func(c *Config) { c.Logs = []string{dir + "/*.log"} })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && traceLogs(t, st, tid) < 4 {
		time.Sleep(50 * time.Millisecond)
	}
	type line struct {
		Msg, Service string
		Approx       bool `json:"time_approx"`
	}
	for _, q := range []string{"", "?raw=1"} {
		resp, err := http.Get(base + "/api/v1/traces/" + tid + "/logs" + q)
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Logs []line }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := []line{{"calling worker", "gateway", false}, {"job started", "worker", true}, {"job done", "worker", true}, {"[HTTP] 200 - POST /forms", "gateway", false}}
		if !slices.Equal(page.Logs, want) {
			t.Errorf("%q: lines %+v, want %+v", q, page.Logs, want)
		}
	}
}
