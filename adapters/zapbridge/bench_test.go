package zapbridge

import (
	"context"
	"io"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// BenchmarkLine measures a line of one span against the same line on a bare
// core; bench/ compares with peers at several lines per span.
func BenchmarkLine(b *testing.B) {
	newCore := func() zapcore.Core {
		return zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	}
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	bare := zap.New(newCore())
	bridged := zap.New(NewCore(newCore()))
	ctxLogger := New(bare)
	tests := []struct {
		name string
		log  func(ctx context.Context)
	}{
		{"bare", func(context.Context) { bare.Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12)) }},
		{"Context", func(ctx context.Context) {
			bridged.Info("form stored", Context(ctx), zap.String("form", "baseline"), zap.Int("items", 12))
		}},
		{"no context", func(context.Context) {
			bridged.Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		}},
		{"Logger.Ctx", func(ctx context.Context) {
			ctxLogger.Ctx(ctx).Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tt.log(ctx)
			}
		})
	}
}
