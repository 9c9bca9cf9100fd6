package bench

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/traceline/traceline/adapters/zapbridge"
	contribotelzap "go.opentelemetry.io/contrib/bridges/otelzap"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// discardLogExporter drops the records the OTel log SDK exports, so the
// benchmark times building and emitting a record, not a network.
type discardLogExporter struct{}

func (discardLogExporter) Export(context.Context, []sdklog.Record) error { return nil }
func (discardLogExporter) Shutdown(context.Context) error                { return nil }
func (discardLogExporter) ForceFlush(context.Context) error              { return nil }

// BenchmarkZapOTLPTee compares zap writing the JSON line only (bare, and
// with zapbridge's trace fields) against zapbridge in a zapcore.NewTee with
// contrib otelzap, which also emits an OTel log record per line through
// the SDK (simple processor, discarding exporter).
func BenchmarkZapOTLPTee(b *testing.B) {
	provider := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(discardLogExporter{})))
	defer provider.Shutdown(context.Background())
	variants := []struct {
		name string
		l    *zap.Logger
	}{
		{"json-only/bare", zap.New(zapJSONCore(io.Discard))},
		{"json-only/zapbridge", zap.New(zapbridge.NewCore(zapJSONCore(io.Discard)))},
		{"tee/zapbridge+otelzap", zap.New(zapcore.NewTee(
			zapbridge.NewCore(zapJSONCore(io.Discard)),
			contribotelzap.NewCore("bench", contribotelzap.WithLoggerProvider(provider)),
		))},
	}
	for _, perSpan := range []int{1, 100} {
		for _, v := range variants {
			b.Run(fmt.Sprintf("lines_per_span=%d/%s", perSpan, v.name), func(b *testing.B) {
				b.ReportAllocs()
				b.ResetTimer()
				cpu := zapProcessCPU()
				for i := 0; i < b.N; i++ {
					v.l.Info("form stored", zapbridge.Context(zapSpans[(i/perSpan)%len(zapSpans)]),
						zap.String("form", "baseline"), zap.Int("items", 12))
				}
				if cpu != 0 {
					b.ReportMetric(float64(zapProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}
