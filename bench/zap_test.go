package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/internal/bridge"
	"github.com/uptrace/opentelemetry-go-extra/otelzap"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapSpans is a ring of request contexts, each with its own span. Spans
// are numbered so that consecutive ones fall into consecutive slots of
// logbridge's span cache, and the ring is far larger than the cache: every
// new span in a benchmark is a span the bridge has not encoded yet (span
// i and span i+1024 share a slot). It is kept small so that it adds little
// to the live heap the GC scans.
var zapSpans = func() []context.Context {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	ring := make([]context.Context, 4<<10)
	for i := range ring {
		var sid trace.SpanID
		binary.LittleEndian.PutUint64(sid[:], uint64(i)+1)
		sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
		ring[i] = trace.ContextWithSpanContext(context.Background(), sc)
	}
	return ring
}()

// zapJSONCore is the bare logger's core: production JSON to io.Discard.
func zapJSONCore(w io.Writer) zapcore.Core {
	return zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(w), zapcore.InfoLevel)
}

// zapVariant is one way of writing the benchmark's line: the message
// "form stored" with two fields, and the request's trace where the way
// writes one.
type zapVariant struct {
	name string
	new  func(w io.Writer) func(ctx context.Context)
}

var zapVariants = []zapVariant{
	{"bare", func(w io.Writer) func(context.Context) {
		l := zap.New(zapJSONCore(w))
		return func(context.Context) {
			l.Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	{"zapbridge.Context", func(w io.Writer) func(context.Context) {
		l := zap.New(zapbridge.NewCore(zapJSONCore(w)))
		return func(ctx context.Context) {
			l.Info("form stored", zapbridge.Context(ctx), zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	// The same, with the bridge's JSON core (zap's line, with the span's
	// fields rendered in as ready JSON).
	{"zapbridge.Context+JSONCore", func(w io.Writer) func(context.Context) {
		l := zap.New(zapbridge.NewJSONCore(zap.NewProductionEncoderConfig(), zapcore.AddSync(w), zapcore.InfoLevel))
		return func(ctx context.Context) {
			l.Info("form stored", zapbridge.Context(ctx), zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	{"zapbridge.Any", func(w io.Writer) func(context.Context) {
		l := zap.New(zapbridge.NewCore(zapJSONCore(w)))
		return func(ctx context.Context) {
			l.Info("form stored", zap.Any("ctx", ctx), zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	{"zapbridge.Ctx", func(w io.Writer) func(context.Context) {
		l := zapbridge.New(zap.New(zapJSONCore(w)))
		return func(ctx context.Context) {
			l.Ctx(ctx).Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	{"hand-written", func(w io.Writer) func(context.Context) {
		l := zap.New(zapJSONCore(w))
		return func(ctx context.Context) {
			sc := trace.SpanContextFromContext(ctx)
			l.Info("form stored",
				zap.String("trace_id", sc.TraceID().String()),
				zap.String("span_id", sc.SpanID().String()),
				zap.String("trace_flags", sc.TraceFlags().String()),
				zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	// The floor: the same three fields as constant strings. It costs what
	// encoding the extra bytes costs, with no lookup and no allocation.
	{"floor(constant ids)", func(w io.Writer) func(context.Context) {
		l := zap.New(zapJSONCore(w))
		return func(context.Context) {
			l.Info("form stored",
				zap.String("trace_id", "0af7651916cd43dd8448eb211c80319c"),
				zap.String("span_id", "b7ad6b7169203331"),
				zap.String("trace_flags", "01"),
				zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	// The floor of a core that wraps another: it checks each entry with
	// the wrapped core (zapcore's Check-before-Write), reads the span and
	// hands the wrapped core the span's cached fields as one field, with
	// the line's fields less the context. It keeps none of NewCore's rules
	// (With, a key of ours given by the caller, namespaces, baggage).
	{"floor(wrapping core)", func(w io.Writer) func(context.Context) {
		l := zap.New(&wrapCore{Core: zapJSONCore(w), b: bridge.New()})
		return func(ctx context.Context) {
			l.Info("form stored", zapbridge.Context(ctx), zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	// uptrace's otelzap writes no ids into the line: below its minimum level
	// (warn by default) it only wraps the call.
	{"otelzap", func(w io.Writer) func(context.Context) {
		l := otelzap.New(zap.New(zapJSONCore(w)))
		return func(ctx context.Context) {
			l.Ctx(ctx).Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
	// At or above its minimum level it also emits an OpenTelemetry log
	// record (to the global, here no-op, LoggerProvider) with the caller;
	// the line itself still has no ids.
	{"otelzap.MinLevel(info)", func(w io.Writer) func(context.Context) {
		l := otelzap.New(zap.New(zapJSONCore(w)), otelzap.WithMinLevel(zapcore.InfoLevel))
		return func(ctx context.Context) {
			l.Ctx(ctx).Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		}
	}},
}

// BenchmarkZap measures one log line per op, with a new span every
// lines_per_span lines, so a span's first-line cost is spread as in a
// service that writes that many lines per span.
func BenchmarkZap(b *testing.B) {
	for _, perSpan := range []int{1, 5, 100} {
		for _, v := range zapVariants {
			b.Run(fmt.Sprintf("lines_per_span=%d/%s", perSpan, v.name), func(b *testing.B) {
				log := v.new(io.Discard)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := zapProcessCPU()
				for i := 0; i < b.N; i++ {
					log(zapSpans[(i/perSpan)%len(zapSpans)])
				}
				if cpu != 0 {
					b.ReportMetric(float64(zapProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// TestZapLines shows what each variant writes, and checks that the ones
// that claim trace fields write them and never print the context.
func TestZapLines(t *testing.T) {
	ctx := zapSpans[0]
	sc := trace.SpanContextFromContext(ctx)
	for _, v := range zapVariants {
		var sb strings.Builder
		v.new(&sb)(ctx)
		line := sb.String()
		t.Logf("%-24s %s", v.name, strings.TrimSpace(line))
		hasIDs := strings.Contains(line, `"trace_id":"`+sc.TraceID().String()+`"`) &&
			strings.Contains(line, `"span_id":"`+sc.SpanID().String()+`"`)
		wantIDs := strings.HasPrefix(v.name, "zapbridge") || v.name == "hand-written" || v.name == "floor(wrapping core)"
		if strings.HasPrefix(v.name, "floor(constant") {
			continue
		}
		if hasIDs != wantIDs {
			t.Errorf("%s: ids in line = %v, want %v: %s", v.name, hasIDs, wantIDs, line)
		}
		if strings.Contains(line, "context.") {
			t.Errorf("%s printed the context: %s", v.name, line)
		}
	}
}
