package tracesource

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

const (
	tid   = "0af7651916cd43dd8448eb211c80319c"
	root  = "b7ad6b7169203331"
	child = "00f067aa0ba902b7"
)

// kv builds sorted attributes from key, value pairs.
func kv(pairs ...string) []traces.Attr {
	out := make([]traces.Attr, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, traces.Attr{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 123456789, time.UTC)

// v3Doc is what Jaeger's api/v3 answers for a two-span, two-service trace.
const v3Doc = `{"result":{"resourceSpans":[
 {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"frontend"}},{"key":"host.name","value":{"stringValue":"h1"}}]},
  "scopeSpans":[{"scope":{"name":"app","version":"1.0"},"spans":[
   {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"GET /form","kind":2,
    "startTimeUnixNano":"1795521600123456789","endTimeUnixNano":"1795521600173456789",
    "attributes":[{"key":"http.status_code","value":{"intValue":"200"}},{"key":"ok","value":{"boolValue":true}},
                  {"key":"ratio","value":{"doubleValue":0.5}},{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"1"}]}}},
                  {"key":"m","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}}],
    "status":{}}]}]},
 {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"backend"}}]},
  "scopeSpans":[{"scope":{},"spans":[
   {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","parentSpanId":"b7ad6b7169203331","name":"store","kind":3,
    "startTimeUnixNano":"1795521600133456789","endTimeUnixNano":"1795521600143456789",
    "status":{"code":2,"message":"disk full"},
    "events":[{"timeUnixNano":"1795521600143000000","name":"retry","attributes":[{"key":"attempt","value":{"intValue":"2"}}]},
              {"timeUnixNano":"1795521600134000000","name":"exception","attributes":[{"key":"exception.message","value":{"stringValue":"disk full"}}]}]}]}]}]}}`

func TestDecodeV3(t *testing.T) {
	got, err := DecodeV3([]byte(v3Doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []traces.Trace{{TraceID: tid, Spans: []traces.Span{
		{
			TraceID: tid, SpanID: root, Service: "frontend", Name: "GET /form", Kind: "server",
			Start: t0, Duration: 50 * time.Millisecond,
			Attributes: map[string]string{
				"service.name": "frontend", "host.name": "h1", "otel.scope.name": "app", "otel.scope.version": "1.0",
				"http.status_code": "200", "ok": "true", "ratio": "0.5", "tags": `["a",1]`, "m": `{"k":"v"}`,
			},
			Own:      kv("http.status_code", "200", "m", `{"k":"v"}`, "ok", "true", "otel.scope.name", "app", "otel.scope.version", "1.0", "ratio", "0.5", "tags", `["a",1]`),
			Resource: kv("host.name", "h1", "service.name", "frontend"),
		},
		{
			TraceID: tid, SpanID: child, ParentSpanID: root, Service: "backend", Name: "store", Kind: "client",
			Start: t0.Add(10 * time.Millisecond), Duration: 10 * time.Millisecond,
			Error: true, Status: "error", StatusMsg: "disk full",
			Attributes: map[string]string{"service.name": "backend"},
			Resource:   kv("service.name", "backend"),
			Events: []traces.Event{
				{Time: time.Date(2026, 11, 24, 12, 0, 0, 134000000, time.UTC), Name: "exception", Attributes: kv("exception.message", "disk full")},
				{Time: time.Date(2026, 11, 24, 12, 0, 0, 143000000, time.UTC), Name: "retry", Attributes: kv("attempt", "2")},
			},
		},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeV3:\n got %+v\nwant %+v", got, want)
	}
}

func TestDecodeOTLPVariants(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, s traces.Span)
	}{
		{
			name: "base64 ids, numeric times, enum names",
			doc: `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[
				{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE=","name":"x","kind":"SPAN_KIND_CONSUMER",
				 "startTimeUnixNano":1795521600123456789,"endTimeUnixNano":1795521600123457789,"status":{"code":"STATUS_CODE_ERROR"}}]}]}]}`,
			check: func(t *testing.T, s traces.Span) {
				if s.TraceID != tid || s.SpanID != root || s.Kind != "consumer" || !s.Error || s.Duration != time.Microsecond || s.Service != "svc" {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name: "pre-1.0 instrumentationLibrarySpans, error attribute",
			doc: `{"resourceSpans":[{"instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"lib"},"spans":[
				{"traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"B7AD6B7169203331","name":"x",
				 "attributes":[{"key":"error","value":{"boolValue":true}}]}]}]}]}`,
			check: func(t *testing.T, s traces.Span) {
				if s.TraceID != tid || !s.Error || s.Attributes["otel.scope.name"] != "lib" || !s.Start.IsZero() {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name: "end before start gives zero duration",
			doc: `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + tid + `","spanId":"` + root + `",
				"startTimeUnixNano":"20","endTimeUnixNano":"10"}]}]}]}`,
			check: func(t *testing.T, s traces.Span) {
				if s.Duration != 0 || s.Service != "" {
					t.Errorf("got %+v", s)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeOTLP([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || len(got[0].Spans) != 1 {
				t.Fatalf("got %+v", got)
			}
			tt.check(t, got[0].Spans[0])
		})
	}
}

// classicDoc is Jaeger's classic JSON (and the UI download) for the trace
// of v3Doc, as Jaeger renders it: microseconds, a 64-bit-style id.
const classicDoc = `{"data":[{"traceID":"0af7651916cd43dd8448eb211c80319c","spans":[
  {"traceID":"0af7651916cd43dd8448eb211c80319c","spanID":"00f067aa0ba902b7","operationName":"store",
   "references":[{"refType":"FOLLOWS_FROM","traceID":"0af7651916cd43dd8448eb211c80319c","spanID":"1111111111111111"},
                 {"refType":"CHILD_OF","traceID":"0af7651916cd43dd8448eb211c80319c","spanID":"b7ad6b7169203331"}],
   "startTime":1795521600133456,"duration":10000,
   "tags":[{"key":"span.kind","type":"string","value":"client"},{"key":"error","type":"bool","value":true},
           {"key":"otel.status_code","type":"string","value":"ERROR"},{"key":"otel.status_description","type":"string","value":"disk full"}],
   "logs":[{"timestamp":1795521600134000,"fields":[{"key":"event","type":"string","value":"exception"},{"key":"exception.message","type":"string","value":"disk full"}]}],
   "processID":"p2","warnings":null},
  {"traceID":"0af7651916cd43dd8448eb211c80319c","spanID":"b7ad6b7169203331","operationName":"GET /form","references":[],
   "startTime":1795521600123456,"duration":50000,
   "tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"http.status_code","type":"int64","value":200}],
   "processID":"p1"}],
 "processes":{"p1":{"serviceName":"frontend","tags":[{"key":"host.name","type":"string","value":"h1"}]},
              "p2":{"serviceName":"backend","tags":[]}},
 "warnings":null}],"total":0,"limit":0,"offset":0,"errors":null}`

func TestDecodeClassic(t *testing.T) {
	got, err := DecodeClassic([]byte(classicDoc))
	if err != nil {
		t.Fatal(err)
	}
	us := t0.Truncate(time.Microsecond)
	want := []traces.Trace{{TraceID: tid, Spans: []traces.Span{
		{
			TraceID: tid, SpanID: root, Service: "frontend", Name: "GET /form", Kind: "server",
			Start: us, Duration: 50 * time.Millisecond,
			Attributes: map[string]string{"host.name": "h1", "span.kind": "server", "http.status_code": "200"},
			Own:        kv("http.status_code", "200", "span.kind", "server"),
			Resource:   kv("host.name", "h1", "service.name", "frontend"),
		},
		{
			TraceID: tid, SpanID: child, ParentSpanID: root, Service: "backend", Name: "store", Kind: "client",
			Start: us.Add(10 * time.Millisecond), Duration: 10 * time.Millisecond, Error: true, Status: "error", StatusMsg: "disk full",
			Attributes: map[string]string{"span.kind": "client", "error": "true", "otel.status_code": "ERROR", "otel.status_description": "disk full"},
			Own:        kv("error", "true", "otel.status_code", "ERROR", "otel.status_description", "disk full", "span.kind", "client"),
			Resource:   kv("service.name", "backend"),
			Events:     []traces.Event{{Time: time.Date(2026, 11, 24, 12, 0, 0, 134000000, time.UTC), Name: "exception", Attributes: kv("exception.message", "disk full")}},
		},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeClassic:\n got %+v\nwant %+v", got, want)
	}
}

func TestDecodeClassicShapes(t *testing.T) {
	const span = `{"traceID":"8448eb211c80319c","spanID":"B7AD6B7169203331","operationName":"op","startTime":1,"duration":2,"processID":"p1"}`
	const trace = `{"traceID":"8448eb211c80319c","spans":[` + span + `],"processes":{"p1":{"serviceName":"s"}}}`
	tests := []struct {
		name    string
		doc     string
		wantErr string
	}{
		{name: "response", doc: `{"data":[` + trace + `]}`},
		{name: "bare trace", doc: trace},
		{name: "array of traces", doc: `[` + trace + `]`},
		{name: "errors only", doc: `{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}`, wantErr: "trace not found"},
		{name: "unrelated object", doc: `{"hello":1}`, wantErr: `no "data"`},
		{name: "not JSON", doc: `<html>`, wantErr: "not Jaeger JSON"},
		{name: "truncated", doc: `{"data":[` + trace[:40], wantErr: "not Jaeger JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeClassic([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || len(got[0].Spans) != 1 {
				t.Fatalf("got %+v", got)
			}
			s := got[0].Spans[0]
			if s.TraceID != "00000000000000008448eb211c80319c" || s.SpanID != root || s.Service != "s" ||
				!s.Start.Equal(time.UnixMicro(1)) || s.Duration != 2*time.Microsecond {
				t.Errorf("got %+v", s)
			}
		})
	}
}

func TestDecodeV3Errors(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"error body", `{"error":{"httpCode":404,"message":"trace not found"}}`, "trace not found"},
		{"no result", `{"resourceSpans":[]}`, `no "result"`},
		{"not JSON", `<html><body>oops</body></html>`, "not Jaeger api/v3 JSON"},
		{"truncated", v3Doc[:200], "not Jaeger api/v3 JSON"},
		{"bad time", `{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]}}`, "not an unsigned integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeV3([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeSniffs(t *testing.T) {
	otlp := v3Doc[len(`{"result":`) : len(v3Doc)-1]
	oneLine := strings.Join(strings.Fields(otlp), "")
	tests := []struct {
		name      string
		doc       string
		wantSpans int
		wantErr   string
	}{
		{name: "api/v3 answer", doc: v3Doc, wantSpans: 2},
		{name: "OTLP JSON", doc: otlp, wantSpans: 2},
		{name: "OTLP JSON Lines merged", doc: oneLine + "\n" + oneLine + "\n", wantSpans: 2}, // same spans twice: deduplicated
		{name: "Jaeger UI download", doc: classicDoc, wantSpans: 2},
		{name: "empty", doc: " \n", wantErr: "empty"},
		{name: "unknown object", doc: `{"x":1}`, wantErr: "not a trace document"},
		{name: "garbage", doc: "hello\nworld", wantErr: "not a JSON trace document"},
		{name: "bad second line", doc: oneLine + "\n{\n", wantErr: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || len(got[0].Spans) != tt.wantSpans {
				t.Fatalf("got %d traces %+v", len(got), got)
			}
		})
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
	}{
		{"jaeger.json", classicDoc},
		{"otlp.json", v3Doc[len(`{"result":`) : len(v3Doc)-1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := f.Trace(t.Context(), strings.ToUpper(tid), Window{})
			if err != nil || len(tr.Spans) != 2 || tr.Spans[1].Service != "backend" {
				t.Fatalf("Trace = %+v, %v", tr, err)
			}
			_, err = f.Trace(t.Context(), "1", Window{})
			if !errors.Is(err, ErrTraceNotFound) || !strings.Contains(err.Error(), path) {
				t.Errorf("missing trace: err = %v", err)
			}
			_, err = f.Trace(t.Context(), "xyz", Window{})
			if !errors.Is(err, ErrInvalidTraceID) {
				t.Errorf("bad id: err = %v", err)
			}
		})
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("ReadFile of a missing file: no error")
	}
}
