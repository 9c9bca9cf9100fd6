package zerologbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

const (
	tid      = "0af7651916cd43dd8448eb211c80319c"
	sid      = "b7ad6b7169203331"
	sidDec   = "13235353014750950193"
	childSid = "00f067aa0ba902b7"
)

var (
	testTraceID = trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
	testSpanID  = trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}
	childSpanID = trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
)

func spanContext(sid trace.SpanID, flags trace.TraceFlags, remote bool) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: sid, TraceFlags: flags, Remote: remote})
}

func spanCtx(parent context.Context, sid trace.SpanID, flags trace.TraceFlags) context.Context {
	return trace.ContextWithSpanContext(parent, spanContext(sid, flags, false))
}

// lines decodes every JSON line written to buf.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// traceKeys are every key a profile, service or baggage option may write.
var traceKeys = []string{
	"trace_id", "span_id", "trace_flags", "trace.id", "span.id", "dd.trace_id", "dd.span_id",
	"logging.googleapis.com/trace", "logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled",
	"trace", "span", "service.name", "dd.service", "serviceContext.service", "service", "trial_id",
}

// traceFields returns the fields of m that the bridge may have written.
func traceFields(m map[string]any) map[string]any {
	got := map[string]any{}
	for _, k := range traceKeys {
		if v, ok := m[k]; ok {
			got[k] = v
		}
	}
	return got
}

func equalFields(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func withBaggage(t *testing.T, ctx context.Context, key, value string) context.Context {
	t.Helper()
	m, err := baggage.NewMemberRaw(key, value)
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return baggage.ContextWithBaggage(ctx, bag)
}

func TestHook(t *testing.T) {
	sampled := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	otel := map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01"}
	long := strings.Repeat("x", logbridge.DefaultBaggageValueLimit+50)
	tests := []struct {
		name string
		opts []logbridge.Option
		ctx  context.Context
		want map[string]any
	}{
		{"nil context", nil, nil, map[string]any{}},
		{"context without span", nil, context.Background(), map[string]any{}},
		{"invalid span context", nil, trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}), map[string]any{}},
		{"sampled span", nil, sampled, otel},
		{"remote span context", nil, trace.ContextWithRemoteSpanContext(context.Background(), spanContext(testSpanID, trace.FlagsSampled, true)), otel},
		{"unsampled span", nil, spanCtx(context.Background(), testSpanID, 0),
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "00"}},
		{"ECS", []logbridge.Option{logbridge.WithProfile(logbridge.ECS)}, sampled,
			map[string]any{"trace.id": tid, "span.id": sid}},
		{"Datadog decimal span id", []logbridge.Option{logbridge.WithProfile(logbridge.Datadog)}, sampled,
			map[string]any{"dd.trace_id": tid, "dd.span_id": sidDec}},
		{"GCP bool sampled", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("epro"))}, sampled,
			map[string]any{"logging.googleapis.com/trace": "projects/epro/traces/" + tid, "logging.googleapis.com/spanId": sid, "logging.googleapis.com/trace_sampled": true}},
		{"GCP unsampled", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("epro"))}, spanCtx(context.Background(), testSpanID, 0),
			map[string]any{"logging.googleapis.com/trace": "projects/epro/traces/" + tid, "logging.googleapis.com/spanId": sid, "logging.googleapis.com/trace_sampled": false}},
		{"GoZero", []logbridge.Option{logbridge.WithProfile(logbridge.GoZero)}, sampled,
			map[string]any{"trace": tid, "span": sid}},
		{"several profiles and a service", []logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.Datadog), logbridge.WithService("questionnaire")}, sampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "dd.trace_id": tid, "dd.span_id": sidDec,
				"service.name": "questionnaire", "dd.service": "questionnaire"}},
		{"service", []logbridge.Option{logbridge.WithService("gateway")}, sampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "service.name": "gateway"}},
		{"service needing escapes", []logbridge.Option{logbridge.WithService("q\"s\\v\x01é")}, sampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "service.name": "q\"s\\v\x01é"}},
		{"service without span writes nothing", []logbridge.Option{logbridge.WithService("gateway")}, context.Background(), map[string]any{}},
		{"baggage", []logbridge.Option{logbridge.WithBaggage("trial_id")}, withBaggage(t, sampled, "trial_id", "T-17"),
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "trial_id": "T-17"}},
		{"baggage capped", []logbridge.Option{logbridge.WithBaggage("trial_id")}, withBaggage(t, sampled, "trial_id", long),
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "trial_id": long[:logbridge.DefaultBaggageValueLimit]}},
		{"baggage without span", []logbridge.Option{logbridge.WithBaggage("trial_id")}, withBaggage(t, context.Background(), "trial_id", "T-17"),
			map[string]any{"trial_id": "T-17"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := zerolog.New(&buf).Hook(NewHook(tt.opts...))
			logger.Info().Ctx(tt.ctx).Str("form", "F1").Msg("form stored")
			ls := lines(t, &buf)
			if len(ls) != 1 {
				t.Fatalf("got %d lines, want 1", len(ls))
			}
			if got := traceFields(ls[0]); !equalFields(got, tt.want) {
				t.Errorf("fields = %v, want %v", got, tt.want)
			}
			if ls[0]["form"] != "F1" || ls[0]["message"] != "form stored" {
				t.Errorf("caller's fields lost: %v", ls[0])
			}
		})
	}
}

func TestContextSources(t *testing.T) {
	parent := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	child := spanCtx(parent, childSpanID, trace.FlagsSampled)
	tests := []struct {
		name    string
		log     func(base zerolog.Logger)
		wantSid string // "" means no trace fields
	}{
		{"event context", func(l zerolog.Logger) { l.Info().Ctx(parent).Msg("m") }, sid},
		{"logger context", func(l zerolog.Logger) {
			l = l.With().Ctx(parent).Logger()
			l.Info().Msg("m")
		}, sid},
		{"event context wins over the logger's", func(l zerolog.Logger) {
			l = l.With().Ctx(parent).Logger()
			l.Info().Ctx(child).Msg("m")
		}, childSid},
		{"zerolog.Ctx alone carries no context", func(l zerolog.Logger) {
			zerolog.Ctx(l.WithContext(parent)).Info().Msg("m")
		}, ""},
		{"Ctx binds the stored logger", func(l zerolog.Logger) {
			Ctx(l.WithContext(parent)).Info().Msg("m")
		}, sid},
		{"Ctx binds the child span started after storing", func(l zerolog.Logger) {
			stored := l.WithContext(parent)
			Ctx(spanCtx(stored, childSpanID, trace.FlagsSampled)).Info().Msg("m")
		}, childSid},
		{"Ctx of a stored logger bound to an older context", func(l zerolog.Logger) {
			stored := l.With().Ctx(context.Background()).Logger().WithContext(parent)
			Ctx(stored).Info().Msg("m")
		}, sid},
		{"Ctx with nil context", func(l zerolog.Logger) {
			//lint:ignore SA1012 a nil context is an edge case under test
			Ctx(nil).Info().Msg("m") //nolint:staticcheck
		}, ""},
		{"With then a different context per call", func(l zerolog.Logger) {
			l = l.With().Str("handler", "forms").Logger()
			l.Info().Ctx(parent).Msg("first")
			l.Info().Ctx(child).Msg("m")
		}, childSid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(zerolog.New(&buf).Hook(NewHook()))
			ls := lines(t, &buf)
			if tt.name == "Ctx with nil context" {
				if len(ls) != 0 {
					t.Fatalf("the disabled default context logger wrote %v", ls)
				}
				return
			}
			last := ls[len(ls)-1]
			got, _ := last["span_id"].(string)
			if got != tt.wantSid {
				t.Errorf("span_id = %q, want %q (line %v)", got, tt.wantSid, last)
			}
			if len(ls) == 2 && ls[0]["span_id"] != sid {
				t.Errorf("first line span_id = %v, want %v", ls[0]["span_id"], sid)
			}
		})
	}
}

// countingCtx counts how often the hook reads the context.
type countingCtx struct {
	context.Context
	mu sync.Mutex
	n  int
}

func (c *countingCtx) Value(key any) any {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Context.Value(key)
}

func TestDisabledLevelReadsNothing(t *testing.T) {
	tests := []struct {
		name string
		log  func(l zerolog.Logger, ctx context.Context)
	}{
		{"level below the logger's", func(l zerolog.Logger, ctx context.Context) { l.Debug().Ctx(ctx).Msg("m") }},
		{"logger-level context, level below", func(l zerolog.Logger, ctx context.Context) {
			l = l.With().Ctx(ctx).Logger()
			l.Debug().Msg("m")
		}},
		{"discarded event", func(l zerolog.Logger, ctx context.Context) {
			e := l.Info().Ctx(ctx)
			e.Discard()
			e.Msg("m")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ctx := &countingCtx{Context: spanCtx(context.Background(), testSpanID, trace.FlagsSampled)}
			tt.log(zerolog.New(&buf).Level(zerolog.InfoLevel).Hook(NewHook(logbridge.WithBaggage("trial_id"))), ctx)
			if ctx.n != 0 {
				t.Errorf("context read %d times for a line not written", ctx.n)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %q", buf.String())
			}
		})
	}
}

// panicky panics when printed, as a context's String does when one of its
// values' String panics.
type panicky struct{}

func (panicky) String() string { panic("String called") }

type panickyKey struct{}

func TestPanickingStringElsewhere(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.WithValue(spanCtx(context.Background(), testSpanID, trace.FlagsSampled), panickyKey{}, panicky{})
	logger := zerolog.New(&buf).Hook(NewHook())
	logger.Info().Ctx(ctx).Interface("payload", panicky{}).Msg("m")
	ls := lines(t, &buf)
	if len(ls) != 1 || ls[0]["trace_id"] != tid {
		t.Errorf("got %v", ls)
	}
}

func TestConcurrent(t *testing.T) {
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	w := zerolog.SyncWriter(&lockedBuffer{mu: &mu, buf: &buf})
	logger := zerolog.New(w).Hook(NewHook(logbridge.WithService("svc"))).With().Str("app", "epro").Logger()
	const goroutines, perSpan = 8, 50
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s := trace.SpanID{0xab, byte(g + 1), 3, 4, 5, 6, 7, 8}
			ctx := spanCtx(context.Background(), s, trace.FlagsSampled)
			l := Ctx(logger.WithContext(ctx))
			for i := 0; i < perSpan; i++ {
				l.Info().Str("span", s.String()).Int("i", i).Msg("m")
			}
		}(g)
	}
	wg.Wait()
	ls := lines(t, &buf)
	if len(ls) != goroutines*perSpan {
		t.Fatalf("got %d lines, want %d", len(ls), goroutines*perSpan)
	}
	for _, l := range ls {
		if l["span_id"] != l["span"] || l["trace_id"] != tid || l["service.name"] != "svc" {
			t.Fatalf("line mixes spans: %v", l)
		}
	}
}

type lockedBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// retainingWriter keeps every slice it is given, as a buffering writer does,
// and the text each held when written.
type retainingWriter struct {
	kept   [][]byte
	atCall []string
}

func (w *retainingWriter) Write(p []byte) (int, error) {
	w.kept = append(w.kept, p)
	w.atCall = append(w.atCall, string(p))
	return len(p), nil
}

func TestBufferingWriters(t *testing.T) {
	first := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	second := spanCtx(context.Background(), childSpanID, 0)
	tests := []struct {
		name string
		run  func(t *testing.T) []string // the two lines as finally written
	}{
		{"ConsoleWriter", func(t *testing.T) []string {
			var buf bytes.Buffer
			cw := zerolog.ConsoleWriter{Out: &buf, NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}}
			l := zerolog.New(cw).Hook(NewHook())
			l.Info().Ctx(first).Msg("one")
			l.Info().Ctx(second).Msg("two")
			return strings.Split(strings.TrimSpace(buf.String()), "\n")
		}},
		{"diode writer", func(t *testing.T) []string {
			var buf bytes.Buffer
			dw := diode.NewWriter(&buf, 16, time.Millisecond, nil)
			l := zerolog.New(dw).Hook(NewHook())
			l.Info().Ctx(first).Msg("one")
			l.Info().Ctx(second).Msg("two")
			if err := dw.Close(); err != nil {
				t.Fatal(err)
			}
			return strings.Split(strings.TrimSpace(buf.String()), "\n")
		}},
		{"writer copying later", func(t *testing.T) []string {
			// zerolog reuses an event's buffer once Write returns, so a
			// writer may keep the bytes only by copying them (zerolog's
			// diode writer does); the bytes it was handed are right at the
			// call, and the copy stays right.
			w := &retainingWriter{}
			l := zerolog.New(w).Hook(NewHook())
			l.Info().Ctx(first).Msg("one")
			l.Info().Ctx(second).Msg("two")
			return w.atCall
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.run(t)
			if len(got) != 2 {
				t.Fatalf("got %d lines: %q", len(got), got)
			}
			for i, want := range []string{sid, childSid} {
				if !strings.Contains(got[i], want) {
					t.Errorf("line %d = %q, want span %s", i, got[i], want)
				}
			}
			if !strings.Contains(got[1], "00") || strings.Contains(got[0], childSid) {
				t.Errorf("lines mixed: %q", got)
			}
		})
	}
}

func TestJSONEncodingFound(t *testing.T) {
	// Without the binary_log build tag zerolog writes JSON: the hook must
	// take the rendered path.
	if !jsonEncoding {
		t.Fatal("zerolog's JSON encoding not recognised")
	}
}

// TestFieldByFieldSameLine checks the path taken when zerolog encodes CBOR
// (no ready JSON) gives the same line as the rendered path.
func TestFieldByFieldSameLine(t *testing.T) {
	ctx := withBaggage(t, spanCtx(context.Background(), testSpanID, 0), "trial_id", "T-17")
	tests := []struct {
		name string
		opts []logbridge.Option
	}{
		{"OTel", nil},
		{"every profile, service, baggage", []logbridge.Option{
			logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("p"), logbridge.GoZero),
			logbridge.WithService("svc"), logbridge.WithBaggage("trial_id")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := func() string {
				var buf bytes.Buffer
				l := zerolog.New(&buf).Hook(NewHook(tt.opts...))
				l.Info().Ctx(ctx).Msg("m")
				return buf.String()
			}
			rendered := line()
			jsonEncoding = false
			defer func() { jsonEncoding = true }()
			if byField := line(); byField != rendered {
				t.Errorf("field by field:\n%s\nrendered:\n%s", byField, rendered)
			}
		})
	}
}

// TestBufferSizes checks that a span's fields rendered in the large stack
// buffer give the same line as in the small one.
func TestBufferSizes(t *testing.T) {
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	cases := []struct {
		name string
		log  func(l zerolog.Logger)
	}{
		{"no fields", func(l zerolog.Logger) { l.Info().Ctx(ctx).Msg("m") }},
		{"fields before", func(l zerolog.Logger) { l.Info().Str("a", "b").Ctx(ctx).Int("n", 1).Msg("m") }},
		{"logger context fields", func(l zerolog.Logger) {
			sub := l.With().Str("app", "epro").Logger()
			sub.Info().Ctx(ctx).Msg("m")
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			line := func(h *Hook) string {
				var buf bytes.Buffer
				tt.log(zerolog.New(&buf).Hook(h))
				return buf.String()
			}
			small := NewHook()
			if !small.small {
				t.Fatal("the OTel template does not fit the small buffer")
			}
			large := NewHook()
			large.small = false
			if s, l := line(small), line(large); s != l {
				t.Errorf("large buffer:\n%s\nsmall buffer:\n%s", l, s)
			}
		})
	}
}
