package zerologbridge

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

// benchSpans is a ring of request contexts, each with a span of its own,
// far more than any cache holds: every new span is one not seen before.
var benchSpans = func() []context.Context {
	ring := make([]context.Context, 1<<14)
	for i := range ring {
		var sid trace.SpanID
		binary.BigEndian.PutUint64(sid[:], uint64(i)*0x9e3779b97f4a7c15+1)
		sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: sid, TraceFlags: trace.FlagsSampled})
		ring[i] = trace.ContextWithSpanContext(context.Background(), sc)
	}
	return ring
}()

// BenchmarkHook writes one line per op, with a new span every
// lines_per_span lines: the bare logger, the hook, the hook behind a
// Writer, and the hand-written way (the three ids computed and written with
// Event.Str on every line).
func BenchmarkHook(b *testing.B) {
	variants := []struct {
		name string
		log  func(ctx context.Context)
	}{
		{"bare", func() func(context.Context) {
			l := zerolog.New(io.Discard)
			return func(ctx context.Context) {
				l.Info().Ctx(ctx).Str("form", "baseline").Int("items", 12).Msg("form stored")
			}
		}()},
		{"hook", func() func(context.Context) {
			l := zerolog.New(io.Discard).Hook(NewHook())
			return func(ctx context.Context) {
				l.Info().Ctx(ctx).Str("form", "baseline").Int("items", 12).Msg("form stored")
			}
		}()},
		{"hook behind a Writer", func() func(context.Context) {
			l := zerolog.New(NewWriter(io.Discard)).Hook(NewHook())
			return func(ctx context.Context) {
				l.Info().Ctx(ctx).Str("form", "baseline").Int("items", 12).Msg("form stored")
			}
		}()},
		{"hand-written", func() func(context.Context) {
			l := zerolog.New(io.Discard)
			return func(ctx context.Context) {
				sc := trace.SpanContextFromContext(ctx)
				l.Info().
					Str("trace_id", sc.TraceID().String()).
					Str("span_id", sc.SpanID().String()).
					Str("trace_flags", sc.TraceFlags().String()).
					Str("form", "baseline").Int("items", 12).Msg("form stored")
			}
		}()},
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
