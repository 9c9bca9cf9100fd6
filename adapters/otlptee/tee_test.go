package otlptee

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/logbridge"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	goldenTrace = "0af7651916cd43dd8448eb211c80319c"
	goldenSpan  = "b7ad6b7169203331"
)

// memoryExporter is an sdklog.Exporter that keeps the records the SDK
// exports, so the test reads what an OTLP exporter would send.
type memoryExporter struct {
	mu      sync.Mutex
	records []sdklog.Record
}

func (e *memoryExporter) Export(_ context.Context, records []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range records {
		e.records = append(e.records, r.Clone())
	}
	return nil
}

func (e *memoryExporter) Shutdown(context.Context) error   { return nil }
func (e *memoryExporter) ForceFlush(context.Context) error { return nil }

func (e *memoryExporter) take() []sdklog.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.records
	e.records = nil
	return r
}

func newProvider(t *testing.T) (*sdklog.LoggerProvider, *memoryExporter) {
	exp := &memoryExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	t.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	return lp, exp
}

func spanContext(flags trace.TraceFlags) context.Context {
	tid, _ := trace.TraceIDFromHex(goldenTrace)
	sid, _ := trace.SpanIDFromHex(goldenSpan)
	return trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true}))
}

// teeCase is one logging call and what both outputs must show.
type teeCase struct {
	name      string
	ctx       context.Context
	wantIDs   bool
	wantFlags string
}

var teeCases = []teeCase{
	{"sampled span", spanContext(trace.FlagsSampled), true, "01"},
	{"unsampled span", spanContext(0), true, "00"},
	{"no span", context.Background(), false, ""},
}

// check compares the one JSON line and the one OTel record a call made.
func check(t *testing.T, tc teeCase, out *bytes.Buffer, records []sdklog.Record, msg string) {
	t.Helper()
	text := strings.TrimSpace(out.String())
	if strings.Count(text, "\n") != 0 || text == "" {
		t.Fatalf("want one JSON line, got %q", text)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(text), &line); err != nil {
		t.Fatalf("line %s: %v", text, err)
	}
	if strings.Contains(text, "context.Background") || strings.Contains(text, "WithValue") {
		t.Errorf("the context was printed: %s", text)
	}
	if len(records) != 1 {
		t.Fatalf("the SDK exported %d records, want 1", len(records))
	}
	r := records[0]
	if got := r.Body().AsString(); got != msg {
		t.Errorf("record body %q, want %q", got, msg)
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if strings.Contains(kv.Value.String(), "context.Background") {
			t.Errorf("the context became attribute %s", kv.Key)
		}
		return true
	})
	if !tc.wantIDs {
		for _, k := range []string{"trace_id", "span_id", "trace_flags"} {
			if _, ok := line[k]; ok {
				t.Errorf("%s written without a span: %s", k, text)
			}
		}
		if r.TraceID().IsValid() || r.SpanID().IsValid() {
			t.Errorf("record has ids %s/%s without a span", r.TraceID(), r.SpanID())
		}
		return
	}
	want := map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan, "trace_flags": tc.wantFlags}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("line %s = %v, want %v: %s", k, line[k], v, text)
		}
	}
	if r.TraceID().String() != goldenTrace || r.SpanID().String() != goldenSpan {
		t.Errorf("record ids %s/%s, want %s/%s", r.TraceID(), r.SpanID(), goldenTrace, goldenSpan)
	}
	if wantSampled := tc.wantFlags == "01"; r.TraceFlags().IsSampled() != wantSampled {
		t.Errorf("record TraceFlags %s, want sampled=%v", r.TraceFlags(), wantSampled)
	}
}

func TestZapTeeOtelzap(t *testing.T) {
	fields := []struct {
		name  string
		field func(ctx context.Context) zap.Field
	}{
		{"zapbridge.Context", zapbridge.Context},
		{"zap.Any", func(ctx context.Context) zap.Field { return zap.Any("ctx", ctx) }},
	}
	for _, tc := range teeCases {
		for _, f := range fields {
			t.Run(tc.name+"/"+f.name, func(t *testing.T) {
				lp, exp := newProvider(t)
				var out bytes.Buffer
				jsonCore := zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder}),
					zapcore.AddSync(&out), zap.InfoLevel)
				logger := zap.New(zapcore.NewTee(
					zapbridge.NewCore(jsonCore),
					otelzap.NewCore("questionnaire", otelzap.WithLoggerProvider(lp)),
				))
				logger.Info("form stored", f.field(tc.ctx), zap.String("form", "F-1"))
				check(t, tc, &out, exp.take(), "form stored")
			})
		}
	}
}

func TestSlogTeeOtelslog(t *testing.T) {
	for _, tc := range teeCases {
		t.Run(tc.name, func(t *testing.T) {
			lp, exp := newProvider(t)
			var out bytes.Buffer
			logger := slog.New(slog.NewMultiHandler(
				slogbridge.NewHandler(slog.NewJSONHandler(&out, nil), logbridge.WithProfile(logbridge.OTel)),
				otelslog.NewHandler("questionnaire", otelslog.WithLoggerProvider(lp)),
			))
			logger.InfoContext(tc.ctx, "form stored", "form", "F-1")
			check(t, tc, &out, exp.take(), "form stored")
		})
	}
}
