//go:build !race

package zapbridge

import (
	"context"
	"io"
	"testing"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestAllocs pins what the bridge adds to a zap line: nothing once a span's
// ids are encoded, and through NewCore one allocation (logbridge's cache
// entry) on a span's first line; nothing on any line when NewJSONCore
// renders the fields from a template. Each case is measured against the
// same call on a bare core in the same run.
func TestAllocs(t *testing.T) {
	none := []logbridge.Option{}
	newCore := func() zapcore.Core {
		return zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	}
	bare := zap.New(newCore())
	bridged := zap.New(NewCore(newCore()))
	profileOpts := []logbridge.Option{logbridge.WithService("questionnaire"),
		logbridge.WithProfile(logbridge.OTel, logbridge.GCP("epro"), logbridge.Datadog)}
	profiles := zap.New(NewCore(newCore(), profileOpts...))
	bareBound := bare.With(zap.String("a", "b"))
	bound := bridged.With(Context(spanCtx(testTraceID, testSpanID, 1)), zap.String("a", "b"))
	bareNS := bare.With(zap.Namespace("ns"), zap.String("a", "b"))
	boundNS := bridged.With(zap.Namespace("ns"), zap.String("a", "b"))
	ctxLogger := New(bridged)
	newJSON := func(opts ...logbridge.Option) *zap.Logger {
		return zap.New(NewJSONCore(encoderConfig, zapcore.AddSync(io.Discard), zapcore.InfoLevel, opts...))
	}
	spliced, splicedProfiles := newJSON(), newJSON(profileOpts...)
	splicedBound := spliced.With(Context(spanCtx(testTraceID, testSpanID, 1)), zap.String("a", "b"))
	splicedNS := spliced.With(zap.Namespace("ns"), zap.String("a", "b"))
	splicedBaggage := newJSON(logbridge.WithBaggage("trial_id"))
	escapedService := []logbridge.Option{logbridge.WithService("del\x7f")}
	splicedEscaped := newJSON(escapedService...)
	jsonCtxLogger := New(spliced)
	bagCtx := withBaggage(spanCtx(testTraceID, testSpanID, 1), "trial_id", "T-17")

	s1, s2 := zap.String("form", "baseline"), zap.Int("items", 12)
	tests := []struct {
		name      string
		bare      func()
		ours      func(ctx context.Context)
		firstLine []logbridge.Option // the bridge's options when the call reads a new span per new ctx
		renders   bool               // NewJSONCore renders the fields: a new span costs nothing
	}{
		// A call with one field allocates its variadic slice, bare or not.
		{"Context, no other field", func() { bare.Info("m", zap.Skip()) },
			func(ctx context.Context) { bridged.Info("m", Context(ctx)) }, none, false},
		{"Context and two fields", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { bridged.Info("m", Context(ctx), s1, s2) }, none, false},
		{"three profiles and service", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { profiles.Info("m", Context(ctx), s1, s2) }, profileOpts, false},
		{"NewJSONCore, Context and two fields", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { spliced.Info("m", Context(ctx), s1, s2) }, none, true},
		{"NewJSONCore, three profiles and service", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { splicedProfiles.Info("m", Context(ctx), s1, s2) }, profileOpts, true},
		{"NewJSONCore, zap.Any and two fields", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { spliced.Info("m", zap.Any("ctx", ctx), s1, s2) }, none, true},
		{"NewJSONCore, hand-written trace_id", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { spliced.Info("m", Context(ctx), zap.String("trace_id", "x"), s1) }, none, true},
		{"NewJSONCore, Logger.Ctx and two fields", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { jsonCtxLogger.Ctx(ctx).Info("m", s1, s2) }, none, true},
		{"NewJSONCore, span bound by With", func() { bareBound.Info("m", s1, s2) },
			func(context.Context) { splicedBound.Info("m", s1, s2) }, nil, false},
		{"NewJSONCore, namespace bound by With", func() { bareNS.Info("m", s1, s2) },
			func(ctx context.Context) { splicedNS.Info("m", Context(ctx), s1, s2) }, none, true},
		{"NewJSONCore, a service zap's encoder writes", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { splicedEscaped.Info("m", Context(ctx), s1, s2) }, escapedService, false},
		{"NewJSONCore, baggage", func() { bare.Info("m", s1, s2) },
			func(context.Context) { splicedBaggage.Info("m", Context(bagCtx), s1, s2) }, nil, false},
		{"zap.Any and two fields", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { bridged.Info("m", zap.Any("ctx", ctx), s1, s2) }, none, false},
		{"Logger.Ctx, no field", func() { bare.Info("m") },
			func(ctx context.Context) { ctxLogger.Ctx(ctx).Info("m") }, none, false},
		{"Logger.Ctx and two fields", func() { bare.Info("m", s1, s2) },
			func(ctx context.Context) { ctxLogger.Ctx(ctx).Info("m", s1, s2) }, none, false},
		{"span bound by With, two fields", func() { bareBound.Info("m", s1, s2) },
			func(context.Context) { bound.Info("m", s1, s2) }, nil, false},
		{"namespace bound by With, two fields", func() { bareNS.Info("m", s1, s2) },
			func(ctx context.Context) { boundNS.Info("m", Context(ctx), s1, s2) }, none, false},
		{"no context", func() { bare.Info("m", s1, s2) },
			func(context.Context) { bridged.Info("m", s1, s2) }, nil, false},
		{"disabled level", func() { bare.Debug("m", s1, s2) },
			func(ctx context.Context) { bridged.Debug("m", Context(ctx), s1, s2) }, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := testing.AllocsPerRun(500, tt.bare)
			ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
			tt.ours(ctx) // the span's first line
			later := testing.AllocsPerRun(500, func() { tt.ours(ctx) })
			if later != base {
				t.Errorf("later lines of a span: %v allocs, bare %v; want 0 added", later, base)
			}
			if tt.firstLine == nil {
				return
			}
			// Each run makes a new span context, at a cost to the caller
			// that is measured apart and subtracted.
			n := uint16(0)
			fresh := func() context.Context {
				n++
				return spanCtx(testTraceID, trace.SpanID{0xee, byte(n), byte(n >> 8), 4, 5, 6, 7, 8}, 1)
			}
			ctxCost := testing.AllocsPerRun(500, func() { _ = fresh() })
			first := testing.AllocsPerRun(500, func() { tt.ours(fresh()) })
			// What the adapter adds is logbridge's encoding of the span:
			// one allocation for the default profile, more when the ids of
			// several profiles outgrow a span's inline buffers.
			b := bridge.New(tt.firstLine...)
			encode := testing.AllocsPerRun(500, func() { b.Fields(fresh()) }) - ctxCost
			if len(tt.firstLine) == 0 && encode != 1 {
				t.Errorf("logbridge encodes a new span in %v allocations, want 1", encode)
			}
			if tt.renders {
				encode = 0
			}
			if added := first - base - ctxCost; added != encode {
				t.Errorf("first line of a span: %v allocs, bare %v, context %v; want %v added, got %v", first, base, ctxCost, encode, added)
			}
		})
	}
}
