package zapbridge

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
)

// benchSpans is a ring of request contexts, each with its own span, larger
// than logbridge's span cache, so every new span in a benchmark is one the
// bridge has not seen yet.
var benchSpans = func() []context.Context {
	ring := make([]context.Context, 4<<10)
	for i := range ring {
		var sid trace.SpanID
		binary.LittleEndian.PutUint64(sid[:], uint64(i)+1)
		ring[i] = spanCtx(testTraceID, sid, trace.FlagsSampled)
	}
	return ring
}()

// BenchmarkLine measures the line "form stored" with two fields, at 1, 5
// and 100 lines per span, written by a bare logger, by the hand-written way
// (zap.String of the three ids, computed from the span context each line),
// by NewCore over zapcore.NewCore, and by the bridge's JSON core, beside
// the floor of each core: the work no sound adapter of its kind avoids.
// bench/ compares with peer libraries.
func BenchmarkLine(b *testing.B) {
	cfg := zap.NewProductionEncoderConfig()
	ioCore := func() zapcore.Core {
		return zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	}
	bare := zap.New(ioCore())
	wrapped := zap.New(NewCore(ioCore()))
	json := zap.New(NewJSONCore(cfg, zapcore.AddSync(io.Discard), zapcore.InfoLevel))
	ctxLogger := New(bare)
	floorBridge := bridge.New()
	tmpl := floorBridge.JSONTemplate()
	rendered := make([]byte, 0, tmpl.Max())
	variants := []struct {
		name string
		log  func(ctx context.Context)
	}{
		{"bare", func(context.Context) { bare.Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12)) }},
		{"hand-written", func(ctx context.Context) {
			sc := trace.SpanContextFromContext(ctx)
			bare.Info("form stored",
				zap.String("trace_id", sc.TraceID().String()),
				zap.String("span_id", sc.SpanID().String()),
				zap.String("trace_flags", sc.TraceFlags().String()),
				zap.String("form", "baseline"), zap.Int("items", 12))
		}},
		{"NewCore", func(ctx context.Context) {
			wrapped.Info("form stored", Context(ctx), zap.String("form", "baseline"), zap.Int("items", 12))
		}},
		{"JSONCore", func(ctx context.Context) {
			json.Info("form stored", Context(ctx), zap.String("form", "baseline"), zap.Int("items", 12))
		}},
		{"Logger.Ctx", func(ctx context.Context) {
			ctxLogger.Ctx(ctx).Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		}},
		// What NewJSONCore cannot avoid: a context field in the call, the
		// span's lookup, and its fields rendered from the template.
		{"floor(JSONCore)", func(ctx context.Context) {
			bare.Info("form stored", Context(ctx), zap.String("form", "baseline"), zap.Int("items", 12))
			rendered = tmpl.Append(rendered[:0], trace.SpanContextFromContext(ctx))
		}},
		// What NewCore cannot avoid but for the wrapped core's own
		// CheckedEntry: the span's cached fields, encoded by zap's encoder.
		{"floor(NewCore)", func(ctx context.Context) {
			sf := floorBridge.SpanFields(trace.SpanContextFromContext(ctx))
			bare.Info("form stored", inline(sf), zap.String("form", "baseline"), zap.Int("items", 12))
		}},
	}
	for _, perSpan := range []int{1, 5, 100} {
		for _, v := range variants {
			b.Run(fmt.Sprintf("lines_per_span=%d/%s", perSpan, v.name), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					v.log(benchSpans[(i/perSpan)%len(benchSpans)])
				}
			})
		}
	}
}
