package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	ddslog "github.com/DataDog/dd-trace-go/contrib/log/slog/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/mocoarow/slogotel"
	slogotelremy "github.com/remychantenay/slog-otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// slogSpans is a ring of request contexts, each with its own recording
// span from the OpenTelemetry SDK (some peers write ids only for recording
// spans) and, under it, a Datadog span with the same ids, for Datadog's
// handler. The ring is eight times logbridge's span cache, and span ids
// are random, so a span coming round again has nearly always been evicted:
// every new span in a benchmark is one the bridge must encode.
var slogSpans = func() []context.Context {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	otel := tp.Tracer("bench")
	ring := make([]context.Context, 1<<13)
	for i := range ring {
		_, span := otel.Start(context.Background(), "request")
		dd := withDatadogSpan(context.Background(), span.SpanContext())
		ring[i] = trace.ContextWithSpan(dd, span)
	}
	return ring
}()

// ddFields are the fields Datadog's log correlation writes.
var ddFields = []string{"dd.trace_id", "dd.span_id"}

var datadogProfile = logbridge.WithProfile(logbridge.Datadog)

// slogVariant is one way of writing the benchmark's line: the message
// "form stored" with two attributes, and the request's trace where the way
// writes one.
type slogVariant struct {
	name string
	// fields the variant writes besides the caller's: the trace fields,
	// or what the peer writes instead.
	fields []string
	new    func(w io.Writer) func(ctx context.Context)
}

func slogJSON(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) }

// renameMsg is the ReplaceAttr of the "+ReplaceAttr" variants.
var renameMsg = &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.MessageKey {
		a.Key = "message"
	}
	return a
}}

var slogVariants = []slogVariant{
	{"bare", nil, func(w io.Writer) func(context.Context) {
		l := slog.New(slogJSON(w))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	// The same three fields with fixed values: what the JSON handler itself
	// spends writing them, a floor for every way that writes them.
	{"bare+3 fixed attrs", nil, func(w io.Writer) func(context.Context) {
		l := slog.New(slogJSON(w))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12,
				"trace_id", "0af7651916cd43dd8448eb211c80319c", "span_id", "b7ad6b7169203331", "trace_flags", "00")
		}
	}},
	// The floors of a wrapping handler: one more handler that adds three
	// attributes to a clone of the record, with constant values, then with
	// the span read from the context and its fields taken from the
	// bridge's cache (what NewHandler does on its common path, without the
	// checks that keep its rules: a context among the attributes, a key of
	// ours given by the caller, groups, baggage).
	{"floor(handler: 3 constant attrs)", nil, func(w io.Writer) func(context.Context) {
		l := slog.New(constAttrsHandler{slogJSON(w)})
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"floor(handler: cached span fields)", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(cachedFieldsHandler{slogJSON(w), bridge.New()})
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"slogbridge", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewHandler(slogJSON(w)))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	// slog's JSONHandler with the span's fields copied into the line as
	// ready JSON.
	{"slogbridge.NewJSONHandler", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewJSONHandler(w, nil))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"slogbridge.NewJSONHandler+WithGroup", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewJSONHandler(w, nil)).WithGroup("request")
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	// With a ReplaceAttr (here renaming msg to message, as many services
	// do): NewJSONHandler offers the trace fields to it and, as it keeps
	// them, still splices them. Compare with "bare+ReplaceAttr".
	{"bare+ReplaceAttr", nil, func(w io.Writer) func(context.Context) {
		l := slog.New(slog.NewJSONHandler(w, renameMsg))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"slogbridge+ReplaceAttr", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(w, renameMsg)))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"slogbridge.NewJSONHandler+ReplaceAttr", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewJSONHandler(w, renameMsg))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	// A group is open: the handler builds the nested record itself so the
	// trace fields stay top-level (allocations allowed there).
	{"slogbridge.WithGroup", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewHandler(slogJSON(w))).WithGroup("request")
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"hand-written", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogJSON(w))
		return func(ctx context.Context) {
			sc := trace.SpanContextFromContext(ctx)
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12,
				"trace_id", sc.TraceID().String(),
				"span_id", sc.SpanID().String(),
				"trace_flags", sc.TraceFlags().String())
		}
	}},
	// Datadog's fields, dd.trace_id (32 hex) and dd.span_id (decimal),
	// from the OpenTelemetry span, against Datadog's own handler reading
	// its span.
	{"slogbridge(Datadog)", ddFields, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewHandler(slogJSON(w), datadogProfile))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"slogbridge.NewJSONHandler(Datadog)", ddFields, func(w io.Writer) func(context.Context) {
		l := slog.New(slogbridge.NewJSONHandler(w, nil, datadogProfile))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	{"hand-written(Datadog)", ddFields, func(w io.Writer) func(context.Context) {
		l := slog.New(slogJSON(w))
		return func(ctx context.Context) {
			span, ok := tracer.SpanFromContext(ctx)
			if !ok {
				l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
				return
			}
			sc := span.Context()
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12,
				"dd.trace_id", sc.TraceID(), "dd.span_id", strconv.FormatUint(sc.SpanID(), 10))
		}
	}},
	// github.com/DataDog/dd-trace-go/contrib/log/slog/v2, Datadog's log
	// correlation for slog, over slog's JSONHandler (its NewJSONHandler).
	{"datadog/slog", ddFields, func(w io.Writer) func(context.Context) {
		l := slog.New(ddslog.WrapHandler(slogJSON(w)))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	// github.com/mocoarow/slogotel, set to write what we write: trace_id,
	// span_id and trace_flags for any valid span, no span event, no
	// baggage. Inside a group its ids are nested in the group.
	{"mocoarow/slogotel", []string{"trace_id", "span_id", "trace_flags"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogotel.New(slogJSON(w),
			slogotel.WithSpanEvent(false), slogotel.WithBaggage(false), slogotel.WithTraceFlagsKey("trace_flags")))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
	// github.com/remychantenay/slog-otel with span events off: trace_id and
	// span_id, no flags, and only for recording spans (a span context
	// propagated without a local span gets nothing); every baggage member
	// unbounded.
	{"remychantenay/slog-otel", []string{"trace_id", "span_id"}, func(w io.Writer) func(context.Context) {
		l := slog.New(slogotelremy.New(slogJSON(w), slogotelremy.WithNoTraceEvents(true)))
		return func(ctx context.Context) {
			l.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
		}
	}},
}

// constAttrsHandler adds three constant attributes to every record.
type constAttrsHandler struct{ slog.Handler }

func (h constAttrsHandler) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(slog.String("trace_id", constTraceID), slog.String("span_id", constSpanID), slog.String("trace_flags", "00"))
	return h.Handler.Handle(ctx, r)
}

// cachedFieldsHandler adds the fields of the record's span, as the
// bridge's cache holds them, to every record with a valid span.
type cachedFieldsHandler struct {
	slog.Handler
	b *bridge.Bridge
}

func (h cachedFieldsHandler) Handle(ctx context.Context, r slog.Record) error {
	sc, ok := logbridge.FromContext(ctx)
	if !ok {
		return h.Handler.Handle(ctx, r)
	}
	f := h.b.SpanFields(sc).Fields
	r = r.Clone()
	r.AddAttrs(slog.String(f[0].Key, f[0].String), slog.String(f[1].Key, f[1].String), slog.String(f[2].Key, f[2].String))
	return h.Handler.Handle(ctx, r)
}

// TestSlogBursts is TestZapBursts for slog's variants:
//
//	TRACELINE_BURSTS=1 go test -count=1 -run SlogBursts -v .
func TestSlogBursts(t *testing.T) {
	rounds := burstRounds(t)
	for _, perSpan := range []int{1, 5, 100} {
		vs := make([]burstVariant, len(slogVariants))
		for v := range slogVariants {
			log := slogVariants[v].new(io.Discard)
			vs[v] = burstVariant{slogVariants[v].name, func(i int) { log(slogSpans[(i/perSpan)%len(slogSpans)]) }}
		}
		runBursts(t, fmt.Sprintf("lines_per_span=%d", perSpan), rounds, vs)
	}
}

// BenchmarkSlog measures one log line per op, with a new span every
// lines_per_span lines, so a span's first-line cost is spread as in a
// service that writes that many lines per span.
func BenchmarkSlog(b *testing.B) {
	for _, perSpan := range []int{1, 5, 100} {
		for _, v := range slogVariants {
			b.Run(fmt.Sprintf("lines_per_span=%d/%s", perSpan, v.name), func(b *testing.B) {
				log := v.new(io.Discard)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := zapProcessCPU()
				for i := 0; i < b.N; i++ {
					log(slogSpans[(i/perSpan)%len(slogSpans)])
				}
				if cpu != 0 {
					b.ReportMetric(float64(zapProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// TestSlogLines shows what each variant writes, and checks it writes the
// fields it is said to, once each.
func TestSlogLines(t *testing.T) {
	ctx := slogSpans[0]
	sc := trace.SpanContextFromContext(ctx)
	value := map[string]string{"trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String(), "trace_flags": "01",
		"dd.trace_id": sc.TraceID().String(), "dd.span_id": strconv.FormatUint(ddSpanID(sc.SpanID()), 10)}
	for _, v := range slogVariants {
		var sb strings.Builder
		v.new(&sb)(ctx)
		line := sb.String()
		t.Logf("%-24s %s", v.name, strings.TrimSpace(line))
		for _, k := range []string{"trace_id", "span_id", "trace_flags", "dd.trace_id", "dd.span_id"} {
			want := 0
			for _, f := range v.fields {
				if f == k {
					want = 1
				}
			}
			if n := strings.Count(line, `"`+k+`":"`+value[k]+`"`); n != want {
				t.Errorf("%s: %s written %d times, want %d: %s", v.name, k, n, want, line)
			}
		}
	}
}
