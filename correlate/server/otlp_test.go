package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
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
	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/traceline/traceline/correlate/internal/jaegertest"
	"github.com/traceline/traceline/correlate/store"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func post(t *testing.T, url, contentType, encoding string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// otlpJSON is an OTLP/JSON export request as the OTLP specification
// encodes it: trace and span ids as hex, times as decimal strings.
const otlpJSON = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ePRO-api"}}]},
"scopeLogs":[{"scope":{"name":"test"},"logRecords":[{"timeUnixNano":"1795780800123456789","severityText":"INFO",
"body":{"stringValue":"answers stored"},"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","flags":1}]}]}]}`

func otlpProto(t *testing.T, traceID, spanID []byte, msg string) []byte {
	t.Helper()
	req := &collogs.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "ePRO-api"}}}}},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{{
			TimeUnixNano: 1795780800123456789, SeverityText: "INFO", TraceId: traceID, SpanId: spanID, Flags: 1,
			Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: msg}},
		}}}},
	}}}
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOTLPAsExportersSendIt: OTLP/HTTP logs in the encodings exporters
// use (protobuf, JSON with hex ids, each plain or gzip'ed) are indexed
// under their trace and span.
func TestOTLPAsExportersSendIt(t *testing.T) {
	_, st, base := startServer(t, nil)
	tid := []byte{0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c}
	sid := []byte{0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74}
	tests := []struct {
		name, contentType, encoding string
		body                        []byte
	}{
		{"JSON, hex ids", "application/json", "", []byte(otlpJSON)},
		{"JSON, hex ids, gzip", "application/json", "gzip", gzipped(t, []byte(otlpJSON))},
		{"protobuf", "application/x-protobuf", "", otlpProto(t, tid, sid, "answers stored")},
		{"protobuf, gzip", "application/x-protobuf", "gzip", otlpProto(t, tid, sid, "answers stored")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.encoding == "gzip" && tt.contentType != "application/json" {
				body = gzipped(t, body)
			}
			code, msg := post(t, base+"/v1/logs", tt.contentType, tt.encoding, body)
			if code != http.StatusOK {
				t.Fatalf("%d %s", code, msg)
			}
			ids, _ := store.ParseTraceID("5b8efff798038103d269b633813fc60c")
			recs, err := st.Logs(context.Background(), ids...)
			if err != nil || len(recs) != 1 {
				t.Fatalf("want the record under its trace, got %d (%v)", len(recs), err)
			}
			if recs[0].SpanID != "eee19b7ec3c1b174" || recs[0].Msg != "answers stored" {
				t.Errorf("record: span %q msg %q", recs[0].SpanID, recs[0].Msg)
			}
		})
	}
}

// TestOTLPBadEncodings: a body that is not what its headers say is a 4xx
// with a reason, not a 200 that stores nothing or a lost record.
func TestOTLPBadEncodings(t *testing.T) {
	_, _, base := startServer(t, nil)
	tests := []struct {
		name, contentType, encoding string
		body                        []byte
		want                        int
		msg                         string
	}{
		{"unknown encoding", "application/x-protobuf", "br", []byte("x"), http.StatusUnsupportedMediaType, "Content-Encoding"},
		{"gzip that is not", "application/x-protobuf", "gzip", []byte("not gzip"), http.StatusBadRequest, "gzip"},
		{"truncated gzip", "application/json", "gzip", gzipped(t, []byte(otlpJSON))[:40], http.StatusBadRequest, "gzip"},
		{"bad hex id", "application/json", "", []byte(strings.Replace(otlpJSON, "5B8EFFF7", "ZZZZZZZZ", 1)), http.StatusBadRequest, "traceId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := post(t, base+"/v1/logs", tt.contentType, tt.encoding, tt.body)
			if code != tt.want || !strings.Contains(msg, tt.msg) {
				t.Errorf("got %d %s, want %d mentioning %q", code, msg, tt.want, tt.msg)
			}
		})
	}
}

// TestPushGzipJSONLines: JSON lines may come gzip'ed (Vector, Fluent Bit).
func TestPushGzipJSONLines(t *testing.T) {
	_, st, base := startServer(t, nil)
	const id = "6a0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
	lines := `{"time":"2026-11-24T12:00:00Z","msg":"a","trace_id":"` + id + `"}` + "\n" + `{"time":"2026-11-24T12:00:01Z","msg":"b","trace_id":"` + id + `"}` + "\n"
	code, msg := post(t, base+"/api/v1/ingest", "application/x-ndjson", "gzip", gzipped(t, []byte(lines)))
	if code != http.StatusOK || traceLogs(t, st, id) != 2 {
		t.Fatalf("%d %s; %d lines indexed, want 2", code, msg, traceLogs(t, st, id))
	}
}

// TestOTLPThroughCollector: the OpenTelemetry Go SDK's otlploghttp
// exporter sends log records to a real OpenTelemetry Collector (the Jaeger
// v2 binary), whose otlphttp exporter forwards them, gzip'ed, as protobuf
// and as JSON, to the service: the lines are indexed under their trace.
func TestOTLPThroughCollector(t *testing.T) {
	for _, enc := range []string{"proto", "json"} {
		t.Run(enc, func(t *testing.T) {
			_, st, base := startServer(t, nil)
			j := jaegertest.Start(t, jaegertest.WithLogsTo(base+"/v1/logs", enc))
			tid, sid := emitLogs(t, otlploghttp.WithEndpoint(j.OTLPHTTPEndpoint), otlploghttp.WithInsecure())
			deadline := time.Now().Add(30 * time.Second)
			for traceLogs(t, st, tid.String()) < 3 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			checkEmitted(t, st, tid, sid)
		})
	}
}

// TestOTLPFromSDKWithGzip: the Go SDK's exporter straight to the service,
// with gzip compression.
func TestOTLPFromSDKWithGzip(t *testing.T) {
	_, st, base := startServer(t, nil)
	tid, sid := emitLogs(t, otlploghttp.WithEndpointURL(base+"/v1/logs"), otlploghttp.WithCompression(otlploghttp.GzipCompression))
	checkEmitted(t, st, tid, sid)
}

// emitLogs sends three records of one span through an SDK exporter with
// opts and returns their ids.
func emitLogs(t *testing.T, opts ...otlploghttp.Option) (trace.TraceID, trace.SpanID) {
	t.Helper()
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, append(opts, otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}))...)
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(resource.NewSchemaless(semconv.ServiceName("ePRO-api"))),
		sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	tid, _ := trace.TraceIDFromHex("7f1c2b3a4d5e6f708192a3b4c5d6e7f8")
	sid, _ := trace.SpanIDFromHex("0123456789abcdef")
	sctx := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	for i, msg := range []string{"form received", "answers stored", "monitor notified"} {
		var rec otellog.Record
		rec.SetTimestamp(time.Date(2026, 11, 24, 12, 0, i, 0, time.UTC))
		rec.SetSeverity(otellog.SeverityInfo)
		rec.SetBody(attribute.StringValue(msg))
		lp.Logger("test").Emit(sctx, rec)
	}
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatalf("exporter: %v", err)
	}
	return tid, sid
}

func checkEmitted(t *testing.T, st store.Store, tid trace.TraceID, sid trace.SpanID) {
	t.Helper()
	ids, _ := store.ParseTraceID(tid.String())
	recs, err := st.Logs(context.Background(), ids...)
	if err != nil || len(recs) != 3 {
		t.Fatalf("want 3 records under trace %s, got %d (%v)", tid, len(recs), err)
	}
	for i, want := range []string{"form received", "answers stored", "monitor notified"} {
		if recs[i].Msg != want || recs[i].SpanID != sid.String() || recs[i].Service != "ePRO-api" {
			t.Errorf("record %d: msg %q span %q service %q", i, recs[i].Msg, recs[i].SpanID, recs[i].Service)
		}
	}
}

// TestPushedLinesAreCheckedAsFollowedOnes: a pushed line goes through the
// checks a followed line does: a binary line is dropped and counted, a
// line over the 1 MiB limit is cut (keeping the trace named at its end).
func TestPushedLinesAreCheckedAsFollowedOnes(t *testing.T) {
	_, st, base := startServer(t, nil)
	const id = "7b0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
	long := `{"time":"2026-11-24T12:00:00Z","msg":"` + strings.Repeat("x", 2<<20) + `","trace_id":"` + id + `"}`
	binary := "\x00\x01\x02 not a log line \x00 trace_id=" + id
	body := long + "\n" + binary + "\n"
	code, msg := post(t, base+"/api/v1/ingest", "application/x-ndjson", "", []byte(body))
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, msg)
	}
	if !strings.Contains(msg, `"skipped":1`) {
		t.Errorf("answer %s does not count the binary line as skipped", msg)
	}
	ids, _ := store.ParseTraceID(id)
	recs, err := st.Logs(context.Background(), ids...)
	if err != nil || len(recs) != 1 {
		t.Fatalf("want the long line alone under its trace, got %d (%v)", len(recs), err)
	}
	if n := len(recs[0].Raw); n > 1<<20 {
		t.Errorf("a pushed line of %d bytes was kept whole (%d bytes), want it cut at 1 MiB", len(long), n)
	}
}
