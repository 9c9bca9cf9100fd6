package zerologbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// TestTemplateChoice: the hook renders from logbridge's template when it
// fits its stack buffer, and writes the fields one by one otherwise; both
// give the same line.
func TestTemplateChoice(t *testing.T) {
	every := logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("epro-prod"), logbridge.GoZero)
	tests := []struct {
		name     string
		opts     []logbridge.Option
		compiles bool
	}{
		{"OTel", nil, true},
		{"GCP project needing escapes", []logbridge.Option{logbridge.WithProfile(logbridge.GCP(`odd"project\`))}, true},
		{"every profile and a service", []logbridge.Option{every, logbridge.WithService("questionnaire")}, true},
		{"service that looks like flags", []logbridge.Option{logbridge.WithService("01")}, false},
		{"too long to render on the stack", []logbridge.Option{every, logbridge.WithService(strings.Repeat("s", maxRendered))}, false},
	}
	rng := rand.New(rand.NewSource(1))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHook(tt.opts...)
			if (h.tmpl != nil) != tt.compiles {
				t.Fatalf("template used = %v, want %v", h.tmpl != nil, tt.compiles)
			}
			b := bridge.New(tt.opts...)
			for i := 0; i < 200; i++ {
				var cfg trace.SpanContextConfig
				rng.Read(cfg.TraceID[:])
				rng.Read(cfg.SpanID[:])
				cfg.TraceFlags = trace.TraceFlags(rng.Intn(2))
				sc := trace.NewSpanContext(cfg)
				if !sc.IsValid() {
					continue
				}
				var buf bytes.Buffer
				l := zerolog.New(&buf).Hook(h)
				l.Info().Ctx(trace.ContextWithSpanContext(context.Background(), sc)).Msg("m")
				got := map[string]any{}
				if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
					t.Fatalf("line %s: %v", buf.Bytes(), err)
				}
				delete(got, "level")
				delete(got, "message")
				want := map[string]any{}
				for _, f := range b.SpanFields(sc).Fields {
					if f.Kind == bridge.BoolKind {
						want[f.Key] = f.Bool
					} else {
						want[f.Key] = f.String
					}
				}
				if !equalFields(got, want) {
					t.Fatalf("line %v, logbridge %v", got, want)
				}
			}
		})
	}
}

// TestAlternatingSpans logs alternately two spans whose low id bits match
// (they shared a slot of the hook's old rendering cache) and a third with
// the same ids but other flags: each line must carry its own span.
func TestAlternatingSpans(t *testing.T) {
	a := trace.SpanID{0x01, 0x00, 0, 0, 0, 0, 0, 0x0a}
	b := trace.SpanID{0x01, 0x04, 0, 0, 0, 0, 0, 0x0b} // 1024 apart in the low bits
	var buf bytes.Buffer
	l := zerolog.New(&buf).Hook(NewHook())
	ctxs := []context.Context{
		spanCtx(context.Background(), a, trace.FlagsSampled),
		spanCtx(context.Background(), b, trace.FlagsSampled),
		spanCtx(context.Background(), a, 0),
	}
	for i := 0; i < 9; i++ {
		l.Info().Ctx(ctxs[i%3]).Int("i", i).Msg("m")
	}
	for i, line := range lines(t, &buf) {
		sc := trace.SpanContextFromContext(ctxs[i%3])
		if line["span_id"] != sc.SpanID().String() || line["trace_flags"] != sc.TraceFlags().String() {
			t.Errorf("line %d: %v, want span %s flags %s", i, line, sc.SpanID(), sc.TraceFlags())
		}
	}
}
