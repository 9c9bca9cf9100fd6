package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/traceline/traceline/adapters/logxbridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
)

// logxVariant is one way a go-zero service writes the benchmark's line:
// logx.WithContext(ctx).Infow("form stored", two fields). logx's writer is
// global, so set installs the variant's writer before the run.
type logxVariant struct {
	name string
	set  func(w io.Writer)
	// enrich is applied once per request, as the rest middleware does.
	enrich func(ctx context.Context) context.Context
}

// logxEnrich puts on a context what the rest middleware or the zrpc
// interceptor puts on a request's.
func logxEnrich(ctx context.Context) context.Context {
	_, _ = logxInterceptor(ctx, nil, nil, func(c context.Context, _ any) (any, error) {
		ctx = c
		return nil, nil
	})
	return ctx
}

var logxInterceptor = logxbridge.UnaryServerInterceptor(logbridge.WithService("gateway"))

var logxVariants = []logxVariant{
	// logx's own trace and span fields, under its keys.
	{"native", func(w io.Writer) { logx.SetWriter(logx.NewWriter(w)) }, nil},
	// The same line through NewWriter: the ids under OTel's keys.
	{"logxbridge.NewWriter", func(w io.Writer) {
		logx.SetWriter(logxbridge.NewWriter(logx.NewWriter(w)))
	}, nil},
	// What a service set up as the README says writes on go-zero before
	// v1.9.1: the middleware's flags and service name, and NewWriter.
	{"logxbridge.NewWriter+Middleware", func(w io.Writer) {
		logx.SetWriter(logxbridge.NewWriter(logx.NewWriter(w), logbridge.WithService("gateway")))
	}, logxEnrich},
}

// BenchmarkLogx measures one logx line per op through each variant, a new
// span every lines_per_span lines. The target for logxbridge.NewWriter:
// no allocation and at most 10% time over native.
func BenchmarkLogx(b *testing.B) {
	defer logx.SetWriter(logx.NewWriter(io.Discard))
	for _, perSpan := range []int{1, 5, 100} {
		for _, v := range logxVariants {
			b.Run(fmt.Sprintf("lines_per_span=%d/%s", perSpan, v.name), func(b *testing.B) {
				v.set(io.Discard)
				ctxs := zapSpans
				if v.enrich != nil {
					ctxs = make([]context.Context, len(zapSpans))
					for i, ctx := range zapSpans {
						ctxs[i] = v.enrich(ctx)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				cpu := zapProcessCPU()
				for i := 0; i < b.N; i++ {
					logx.WithContext(ctxs[(i/perSpan)%len(ctxs)]).Infow("form stored",
						logx.Field("form", "baseline"), logx.Field("items", 12))
				}
				if cpu != 0 {
					b.ReportMetric(float64(zapProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// logxDiscard is a logx.Writer that does nothing, to time NewWriter alone.
type logxDiscard struct{}

func (logxDiscard) Alert(any)                   {}
func (logxDiscard) Close() error                { return nil }
func (logxDiscard) Debug(any, ...logx.LogField) {}
func (logxDiscard) Error(any, ...logx.LogField) {}
func (logxDiscard) Info(any, ...logx.LogField)  {}
func (logxDiscard) Severe(any)                  {}
func (logxDiscard) Slow(any, ...logx.LogField)  {}
func (logxDiscard) Stack(any)                   {}
func (logxDiscard) Stat(any, ...logx.LogField)  {}

// BenchmarkLogxWriterOnly times what NewWriter adds to one line, without
// logx's encoding: the fields logx hands a writer, rewritten.
func BenchmarkLogxWriterOnly(b *testing.B) {
	fields := []logx.LogField{
		logx.Field("form", "baseline"), logx.Field("items", 12), logx.Field("caller", "logic/store.go:31"),
		logx.Field("trace", "0af7651916cd43dd8448eb211c80319c"), logx.Field("span", "b7ad6b7169203331"),
	}
	for _, v := range []struct {
		name string
		w    logx.Writer
	}{
		{"discard", logxDiscard{}},
		{"logxbridge.NewWriter(discard)", logxbridge.NewWriter(logxDiscard{})},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := zapProcessCPU()
			for i := 0; i < b.N; i++ {
				v.w.Info("form stored", fields...)
			}
			if cpu != 0 {
				b.ReportMetric(float64(zapProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// TestLogxLines shows what each variant writes and checks the ids are
// there once, under logx's keys for native and OTel's otherwise.
func TestLogxLines(t *testing.T) {
	defer logx.SetWriter(logx.NewWriter(io.Discard))
	ctx := zapSpans[0]
	sc := trace.SpanContextFromContext(ctx)
	for _, v := range logxVariants {
		var sb strings.Builder
		v.set(&sb)
		if v.enrich != nil {
			ctx = v.enrich(ctx)
		}
		logx.WithContext(ctx).Infow("form stored", logx.Field("form", "baseline"), logx.Field("items", 12))
		line := sb.String()
		t.Logf("%-32s %s", v.name, strings.TrimSpace(line))
		traceKey, spanKey := `"trace_id":"`, `"span_id":"`
		if v.name == "native" {
			traceKey, spanKey = `"trace":"`, `"span":"`
		}
		if strings.Count(line, traceKey+sc.TraceID().String()) != 1 || strings.Count(line, spanKey+sc.SpanID().String()) != 1 {
			t.Errorf("%s: want the ids once under %s and %s: %s", v.name, traceKey, spanKey, line)
		}
	}
}
