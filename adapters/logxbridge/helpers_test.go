package logxbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
)

// The span of every test line, the W3C traceparent example; the root
// module's conformance table uses the same one.
const (
	goldenTrace = "0af7651916cd43dd8448eb211c80319c"
	goldenSpan  = "b7ad6b7169203331"
)

func goldenContext(flags trace.TraceFlags) context.Context {
	tid, _ := trace.TraceIDFromHex(goldenTrace)
	sid, _ := trace.SpanIDFromHex(goldenSpan)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

// recorder is a logx.Writer that keeps what it was handed.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	level  string
	v      any
	fields []logx.LogField
}

func (r *recorder) add(level string, v any, fields []logx.LogField) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{level, v, append([]logx.LogField(nil), fields...)})
}

func (r *recorder) last() call {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return call{}
	}
	return r.calls[len(r.calls)-1]
}

func (r *recorder) Alert(v any)                          { r.add("alert", v, nil) }
func (r *recorder) Close() error                         { return nil }
func (r *recorder) Debug(v any, fields ...logx.LogField) { r.add("debug", v, fields) }
func (r *recorder) Error(v any, fields ...logx.LogField) { r.add("error", v, fields) }
func (r *recorder) Info(v any, fields ...logx.LogField)  { r.add("info", v, fields) }
func (r *recorder) Severe(v any)                         { r.add("severe", v, nil) }
func (r *recorder) Slow(v any, fields ...logx.LogField)  { r.add("slow", v, fields) }
func (r *recorder) Stack(v any)                          { r.add("stack", v, nil) }
func (r *recorder) Stat(v any, fields ...logx.LogField)  { r.add("stat", v, fields) }

// discard is a logx.Writer that does nothing, for allocation pins.
type discard struct{}

func (discard) Alert(any)                   {}
func (discard) Close() error                { return nil }
func (discard) Debug(any, ...logx.LogField) {}
func (discard) Error(any, ...logx.LogField) {}
func (discard) Info(any, ...logx.LogField)  {}
func (discard) Severe(any)                  {}
func (discard) Slow(any, ...logx.LogField)  {}
func (discard) Stack(any)                   {}
func (discard) Stat(any, ...logx.LogField)  {}

// fieldMap turns fields into key → value, failing on a key written twice.
func fieldMap(t *testing.T, fields []logx.LogField) map[string]any {
	t.Helper()
	m := map[string]any{}
	for _, f := range fields {
		if _, dup := m[f.Key]; dup {
			t.Errorf("key %q written twice in %v", f.Key, fields)
		}
		m[f.Key] = f.Value
	}
	return m
}

// parseLine reads one logx line in either encoding into key → value.
// JSON values are kept as decoded; plain "k=v" values as strings.
func parseLine(t *testing.T, line string) map[string]any {
	t.Helper()
	line = strings.TrimSpace(line)
	m := map[string]any{}
	if strings.HasPrefix(line, "{") {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		return m
	}
	// plain: time, level, message, then k=v, tab-separated.
	parts := strings.Split(line, "\t")
	if len(parts) < 3 {
		t.Fatalf("plain line %q has fewer than 3 parts", line)
	}
	m["level"], m["content"] = parts[1], parts[2]
	for _, kv := range parts[3:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("plain field %q in %q is not k=v", kv, line)
		}
		if _, dup := m[k]; dup {
			t.Errorf("key %q written twice in %q", k, line)
		}
		m[k] = v
	}
	return m
}

// lines splits captured output into non-empty lines.
func lines(b *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for logx's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) take() *bytes.Buffer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := bytes.NewBuffer(append([]byte(nil), s.b.Bytes()...))
	s.b.Reset()
	return out
}
