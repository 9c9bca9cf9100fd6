package bench

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/adapters/zerologbridge"
	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// TestFloorBursts measures what no sound adapter can avoid on a line at 5
// lines per span, piece by piece and in the same interleaved bursts as the
// adapters themselves, and logs the sum beside each adapter's target:
//
//   - reading the span context through OpenTelemetry's API
//     (trace.SpanFromContext, Span.SpanContext, IsValid);
//   - what each logger charges for the way a context reaches an adapter:
//     zerolog's hook call with Event.Ctx, zap's one more field in the
//     call's variadic slice, slog's Handle through one more handler;
//   - writing the fields: a copy of ready fields, and the ids in hex
//     (the cheaper of encoding/hex and the template's rendering less the
//     copy).
//
// Run: TRACELINE_BURSTS=1 go test -count=1 -run FloorBursts -v .
func TestFloorBursts(t *testing.T) {
	rounds := burstRounds(t)
	const perSpan = 5
	hot := zerologSpans[7]
	tmpl := bridge.New().JSONTemplate()
	sc := trace.SpanContextFromContext(hot)
	rendered := tmpl.Append(nil, sc)
	tid, sid := sc.TraceID(), sc.SpanID()
	var hexOut [48]byte
	buf := make([]byte, 0, 512)
	var sink bool
	parts := runBursts(t, "pieces", rounds, []burstVariant{
		{"nothing", func(i int) { sink = i < 0 }},
		{"trace.SpanFromContext", func(int) { sink = trace.SpanFromContext(hot) == nil }},
		{"logbridge.FromContext", func(int) { _, sink = logbridge.FromContext(hot) }},
		{"FromContext, SDK span ring", func(i int) { _, sink = logbridge.FromContext(slogSpans[(i/perSpan)%len(slogSpans)]) }},
		{"copy of the rendered fields", func(int) { buf = append(buf[:100], rendered...) }},
		{"hex.Encode of the ids", func(int) { hexIDs(&hexOut, &tid, &sid) }},
		{"JSONTemplate.Append", func(int) { buf = tmpl.Append(buf[:100], sc) }},
	})
	_ = sink
	// Writing the fields costs at least a copy of them and the ids' hex, at
	// the cheaper of encoding/hex and the template's rendering less its copy.
	// The zerolog hook floor below copies already: it adds the hex only.
	loop := parts[0]
	copyFields := parts[4] - loop
	hexOnly := min(parts[5]-loop, parts[6]-loop-copyFields)
	write := copyFields + hexOnly

	zl := func(h zerolog.Hook) func(int) {
		l := zerolog.New(io.Discard)
		if h == nil {
			return func(int) { l.Info().Str("form", "baseline").Int("items", 12).Msg("form stored") }
		}
		l = l.Hook(h)
		return func(i int) {
			l.Info().Ctx(zerologSpans[(i/perSpan)%len(zerologSpans)]).Str("form", "baseline").Int("items", 12).Msg("form stored")
		}
	}
	zr := runBursts(t, "zerolog", rounds, []burstVariant{
		{"bare", zl(nil)},
		{"+ a hook that does nothing", zl(zerolog.HookFunc(func(*zerolog.Event, zerolog.Level, string) {}))},
		{"+ hook: lookup, copy fixed fields", zl(lookupCopyHook{tmpl.Key(), tmpl.AppendValue(nil, sc)})},
		{"zerologbridge.NewHook", zl(zerologbridge.NewHook())},
	})

	zp := func(f func(l *zap.Logger, ctx context.Context)) func(int) {
		l := zap.New(zapJSONCore(io.Discard))
		return func(i int) { f(l, zapSpans[(i/perSpan)%len(zapSpans)]) }
	}
	zapBridge := zapVariantNamed("zapbridge.Context+JSONCore").new(io.Discard)
	zz := runBursts(t, "zap", rounds, []burstVariant{
		{"bare", zp(func(l *zap.Logger, _ context.Context) {
			l.Info("form stored", zap.String("form", "baseline"), zap.Int("items", 12))
		})},
		{"+ zap.Skip()", zp(func(l *zap.Logger, _ context.Context) {
			l.Info("form stored", zap.Skip(), zap.String("form", "baseline"), zap.Int("items", 12))
		})},
		{"+ zap.Skip(), lookup", zp(func(l *zap.Logger, ctx context.Context) {
			_, ok := logbridge.FromContext(ctx)
			if ok {
				l.Info("form stored", zap.Skip(), zap.String("form", "baseline"), zap.Int("items", 12))
			}
		})},
		{"zapbridge.Context+JSONCore", func(i int) { zapBridge(zapSpans[(i/perSpan)%len(zapSpans)]) }},
	})

	sl := func(h slog.Handler) func(int) {
		l := slog.New(h)
		return func(i int) {
			l.InfoContext(slogSpans[(i/perSpan)%len(slogSpans)], "form stored", "form", "baseline", "items", 12)
		}
	}
	ss := runBursts(t, "slog", rounds, []burstVariant{
		{"bare JSONHandler", sl(slog.NewJSONHandler(io.Discard, nil))},
		{"+ a handler passing it on", sl(passHandler{slog.NewJSONHandler(io.Discard, nil), false})},
		{"+ such a handler, lookup", sl(passHandler{slog.NewJSONHandler(io.Discard, nil), true})},
		{"slogbridge.NewJSONHandler", sl(slogbridge.NewJSONHandler(io.Discard, nil))},
	})

	for _, f := range []struct {
		name          string
		floor, actual float64
		target        int
	}{
		{"zerolog", zr[2] - zr[0] + hexOnly, zr[3] - zr[0], 30},
		{"zap", zz[2] - zz[0] + write, zz[3] - zz[0], 50},
		{"slog", ss[2] - ss[0] + write, ss[3] - ss[0], 60},
	} {
		t.Logf("%-8s floor %+6.1f ns, adapter %+6.1f ns, target <= %d ns", f.name, f.floor, f.actual, f.target)
	}
}

// hexIDs writes the ids in hex with the standard library.
func hexIDs(out *[48]byte, tid *trace.TraceID, sid *trace.SpanID) {
	hex.Encode(out[:32], tid[:])
	hex.Encode(out[32:], sid[:])
}

// lookupCopyHook reads the event's span context and, when it is valid,
// writes fixed fields of the same length as the real ones through
// zerolog's RawJSON (the first key, then the rest as its raw value): a
// hook's floor without the rendering.
type lookupCopyHook struct {
	key   string
	value []byte
}

func (h lookupCopyHook) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	if _, ok := logbridge.FromContext(e.GetCtx()); ok {
		e.RawJSON(h.key, h.value)
	}
}

// passHandler hands every record on to next, after reading the span
// context when lookup is set.
type passHandler struct {
	slog.Handler
	lookup bool
}

var passSink bool

func (h passHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.lookup {
		_, passSink = logbridge.FromContext(ctx)
	}
	return h.Handler.Handle(ctx, r)
}

func zapVariantNamed(name string) zapVariant {
	for _, v := range zapVariants {
		if v.name == name {
			return v
		}
	}
	panic("no zap variant " + name)
}
