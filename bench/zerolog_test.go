package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/zerologbridge"
)

// zerologOut is where the logger stored in zerologSpans writes; each
// variant points it at its own writer.
var zerologOut = &switchWriter{w: io.Discard}

type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// zerologSpans is a ring of request contexts, each with its own span and
// with a logger stored by middleware (Logger.WithContext). Spans are
// numbered so that consecutive ones fall into consecutive slots of
// logbridge's span cache, and the ring is far larger than the cache: every
// new span in a benchmark is one the bridge has not encoded yet.
var zerologSpans = func() []context.Context {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	stored := zerolog.New(zerologOut).Hook(zerologbridge.NewHook())
	ring := make([]context.Context, 1<<16)
	for i := range ring {
		var sid trace.SpanID
		binary.LittleEndian.PutUint64(sid[:], uint64(i)+1)
		sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
		ring[i] = stored.WithContext(trace.ContextWithSpanContext(context.Background(), sc))
	}
	return ring
}()

// zerologVariant is one way of writing the benchmark's line: the message
// "form stored" with two fields, and the request's trace where the way
// writes one.
type zerologVariant struct {
	name string
	new  func(w io.Writer) func(ctx context.Context)
}

var zerologVariants = []zerologVariant{
	{"bare", func(w io.Writer) func(context.Context) {
		l := zerolog.New(w)
		return func(context.Context) {
			l.Info().Str("form", "baseline").Int("items", 12).Msg("form stored")
		}
	}},
	{"zerologbridge.Hook", func(w io.Writer) func(context.Context) {
		return hookLine(w, zerologbridge.NewHook())
	}},
	// The logger taken from the request's context, bound to it: two
	// allocations per call (the bound Logger and its field buffer), none in
	// the hook.
	{"zerologbridge.Ctx", func(w io.Writer) func(context.Context) {
		zerologOut.w = w
		return func(ctx context.Context) {
			zerologbridge.Ctx(ctx).Info().Str("form", "baseline").Int("items", 12).Msg("form stored")
		}
	}},
	{"hand-written", func(w io.Writer) func(context.Context) {
		l := zerolog.New(w)
		return func(ctx context.Context) {
			sc := trace.SpanContextFromContext(ctx)
			l.Info().
				Str("trace_id", sc.TraceID().String()).
				Str("span_id", sc.SpanID().String()).
				Str("trace_flags", sc.TraceFlags().String()).
				Str("form", "baseline").Int("items", 12).Msg("form stored")
		}
	}},
	// The floors of a hook: what zerolog charges for a hook, Event.Ctx and
	// the three fields, with constant values (as three Str calls, or one
	// RawJSON of ready bytes), then with the span read from the context
	// and its fields copied as ready bytes (no hex). Their values are not
	// the span's.
	{"floor(hook: 3 constant Str)", func(w io.Writer) func(context.Context) {
		return hookLine(w, zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, _ string) {
			e.Str("trace_id", constTraceID).Str("span_id", constSpanID).Str("trace_flags", "01")
		}))
	}},
	{"floor(hook: constant RawJSON)", func(w io.Writer) func(context.Context) {
		return hookLine(w, zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, _ string) {
			e.RawJSON("trace_id", constRawFields)
		}))
	}},
	{"floor(hook: lookup, RawJSON)", func(w io.Writer) func(context.Context) {
		return hookLine(w, lookupCopyHook{"trace_id", constRawFields})
	}},
}

// constTraceID and constSpanID are the ids the floors write: any span's
// length, no span's value.
const (
	constTraceID = "0af7651916cd43dd8448eb211c80319c"
	constSpanID  = "b7ad6b7169203331"
)

// constRawFields is the value of a RawJSON call under the key trace_id
// that writes the three fields.
var constRawFields = []byte(`"` + constTraceID + `","span_id":"` + constSpanID + `","trace_flags":"01"`)

// hookLine returns the benchmark's line through a logger with hook h and
// the request's context given by Event.Ctx.
func hookLine(w io.Writer, h zerolog.Hook) func(context.Context) {
	l := zerolog.New(w).Hook(h)
	return func(ctx context.Context) {
		l.Info().Ctx(ctx).Str("form", "baseline").Int("items", 12).Msg("form stored")
	}
}

// BenchmarkZerolog measures one log line per op, with a new span every
// lines_per_span lines, so a span's first-line cost is spread as in a
// service that writes that many lines per span.
func BenchmarkZerolog(b *testing.B) {
	for _, perSpan := range []int{1, 5, 100} {
		for _, v := range zerologVariants {
			b.Run(fmt.Sprintf("lines_per_span=%d/%s", perSpan, v.name), func(b *testing.B) {
				log := v.new(io.Discard)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := zapProcessCPU()
				for i := 0; i < b.N; i++ {
					log(zerologSpans[(i/perSpan)%len(zerologSpans)])
				}
				if cpu != 0 {
					b.ReportMetric(float64(zapProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// TestZerologLines shows what each variant writes, and checks that the
// ones that claim trace fields write them once.
func TestZerologLines(t *testing.T) {
	ctx := zerologSpans[0]
	sc := trace.SpanContextFromContext(ctx)
	for _, v := range zerologVariants {
		var sb strings.Builder
		v.new(&sb)(ctx)
		line := sb.String()
		t.Logf("%-20s %s", v.name, strings.TrimSpace(line))
		ids := strings.Count(line, `"trace_id":"`+sc.TraceID().String()+`"`) +
			strings.Count(line, `"span_id":"`+sc.SpanID().String()+`"`) +
			strings.Count(line, `"trace_flags":"01"`)
		want := 3
		if v.name == "bare" {
			want = 0
		}
		if strings.HasPrefix(v.name, "floor") {
			continue // constant values, some of which may be the span's
		}
		if ids != want {
			t.Errorf("%s: %d trace fields, want %d: %s", v.name, ids, want, line)
		}
	}
	zerologOut.w = io.Discard
}

// TestZerologBursts is TestZapBursts for zerolog's variants:
//
//	TRACELINE_BURSTS=1 go test -count=1 -run ZerologBursts -v .
func TestZerologBursts(t *testing.T) {
	rounds := burstRounds(t)
	for _, perSpan := range []int{1, 5, 100} {
		vs := make([]burstVariant, len(zerologVariants))
		for v := range zerologVariants {
			log := zerologVariants[v].new(io.Discard)
			vs[v] = burstVariant{zerologVariants[v].name, func(i int) { log(zerologSpans[(i/perSpan)%len(zerologSpans)]) }}
		}
		runBursts(t, fmt.Sprintf("lines_per_span=%d", perSpan), rounds, vs)
	}
	zerologOut.w = io.Discard
}
