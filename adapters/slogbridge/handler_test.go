package slogbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

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

func testSpanContext(sid trace.SpanID, flags trace.TraceFlags, remote bool) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: sid, TraceFlags: flags, Remote: remote})
}

func spanCtx(parent context.Context, sid trace.SpanID, flags trace.TraceFlags) context.Context {
	return trace.ContextWithSpanContext(parent, testSpanContext(sid, flags, false))
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

// jsonHandler writes JSON lines without the time, so lines compare exactly.
func jsonHandler(w *bytes.Buffer, level slog.Level) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime})
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

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

var traceKeys = []string{
	"trace_id", "span_id", "trace_flags", "trace.id", "span.id", "dd.trace_id", "dd.span_id",
	"logging.googleapis.com/trace", "logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled",
	"trace", "span", "service.name", "dd.service", "serviceContext.service", "service", "trial_id",
}

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

func TestHandler(t *testing.T) {
	sampled := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	otel := map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01"}
	long := strings.Repeat("é", logbridge.DefaultBaggageValueLimit) // 2 bytes a rune: cut at a rune boundary
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
		{"remote span context", nil, trace.ContextWithRemoteSpanContext(context.Background(), testSpanContext(testSpanID, trace.FlagsSampled, true)), otel},
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
		{"several profiles and a service", []logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog), logbridge.WithService("questionnaire")}, sampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "trace.id": tid, "span.id": sid, "dd.trace_id": tid, "dd.span_id": sidDec,
				"service.name": "questionnaire", "dd.service": "questionnaire"}},
		{"service", []logbridge.Option{logbridge.WithService("gateway")}, sampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "service.name": "gateway"}},
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
			h := NewHandler(jsonHandler(&buf, slog.LevelInfo), tt.opts...)
			r := slog.NewRecord(time.Time{}, slog.LevelInfo, "form stored", 0)
			r.AddAttrs(slog.String("form", "F1"))
			if err := h.Handle(tt.ctx, r); err != nil {
				t.Fatal(err)
			}
			ls := lines(t, &buf)
			if len(ls) != 1 {
				t.Fatalf("got %d lines, want 1", len(ls))
			}
			if got := traceFields(ls[0]); !equalFields(got, tt.want) {
				t.Errorf("fields = %v, want %v", got, tt.want)
			}
			if ls[0]["form"] != "F1" || ls[0]["msg"] != "form stored" {
				t.Errorf("caller's fields lost: %v", ls[0])
			}
		})
	}
}

func TestContextSourcesAndGroups(t *testing.T) {
	parent := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	child := spanCtx(parent, childSpanID, trace.FlagsSampled)
	otelParent := `"trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01"`
	otelChild := `"trace_id":"` + tid + `","span_id":"` + childSid + `","trace_flags":"01"`
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want string // the whole last line
	}{
		{"call context", func(l *slog.Logger) { l.InfoContext(parent, "m", "a", 1) },
			`{"level":"INFO","msg":"m","a":1,` + otelParent + `}`},
		{"context attribute, dropped and used", func(l *slog.Logger) { l.Info("m", "ctx", parent, "a", 1) },
			`{"level":"INFO","msg":"m","a":1,` + otelParent + `}`},
		{"call context wins over an attribute", func(l *slog.Logger) { l.InfoContext(child, "m", slog.Any("ctx", parent)) },
			`{"level":"INFO","msg":"m",` + otelChild + `}`},
		{"With context, dropped and used", func(l *slog.Logger) { l.With("ctx", parent, "a", 1).Info("m") },
			`{"level":"INFO","msg":"m","a":1,` + otelParent + `}`},
		{"call context wins over With", func(l *slog.Logger) { l.With("ctx", parent).InfoContext(child, "m") },
			`{"level":"INFO","msg":"m",` + otelChild + `}`},
		{"With then a different context per call", func(l *slog.Logger) {
			l = l.With("handler", "forms")
			l.InfoContext(parent, "first")
			l.InfoContext(child, "m")
		}, `{"level":"INFO","msg":"m","handler":"forms",` + otelChild + `}`},
		{"group stays around the caller's attributes only", func(l *slog.Logger) {
			l.WithGroup("req").InfoContext(parent, "m", "a", 1)
		}, `{"level":"INFO","msg":"m","req":{"a":1},` + otelParent + `}`},
		{"attributes before and inside nested groups", func(l *slog.Logger) {
			l.With("app", "epro").WithGroup("req").With("id", 7).WithGroup("form").InfoContext(parent, "m", "a", 1)
		}, `{"level":"INFO","msg":"m","app":"epro","req":{"id":7,"form":{"a":1}},` + otelParent + `}`},
		{"empty group left out", func(l *slog.Logger) { l.WithGroup("req").InfoContext(parent, "m") },
			`{"level":"INFO","msg":"m",` + otelParent + `}`},
		{"context nested in a group removed", func(l *slog.Logger) {
			l.InfoContext(parent, "m", slog.Group("g", "ctx", child, "a", 1), slog.Group("only", "ctx", child))
		}, `{"level":"INFO","msg":"m","g":{"a":1},` + otelParent + `}`},
		{"context nested in a group supplies the span", func(l *slog.Logger) {
			l.Info("m", slog.Group("g", slog.Any("ctx", child)))
		}, `{"level":"INFO","msg":"m",` + otelChild + `}`},
		{"context in With inside a group", func(l *slog.Logger) {
			l.WithGroup("req").With("ctx", parent, "id", 7).Info("m")
		}, `{"level":"INFO","msg":"m","req":{"id":7},` + otelParent + `}`},
		{"context without span dropped", func(l *slog.Logger) { l.Info("m", "ctx", context.Background()) },
			`{"level":"INFO","msg":"m"}`},
		{"nil context", func(l *slog.Logger) {
			//lint:ignore SA1012 a nil context is an edge case under test
			l.Log(nil, slog.LevelInfo, "m") //nolint:staticcheck
		}, `{"level":"INFO","msg":"m"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(slog.New(NewHandler(jsonHandler(&buf, slog.LevelInfo))))
			all := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if got := all[len(all)-1]; got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if strings.Contains(buf.String(), "context.Background") {
				t.Errorf("a context was printed: %s", buf.String())
			}
		})
	}
}

func TestSlogtest(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(slog.NewJSONHandler(&buf, nil))
	results := func() []map[string]any {
		var ms []map[string]any
		for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		return ms
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Fatal(err)
	}
}

// retainingHandler keeps every record it is given, as slog's docs allow a
// handler to do after Clone, and as some do without it.
type retainingHandler struct {
	mu      sync.Mutex
	clone   bool
	records []slog.Record
}

func (h *retainingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *retainingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *retainingHandler) WithGroup(string) slog.Handler            { return h }
func (h *retainingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clone {
		r = r.Clone()
	}
	h.records = append(h.records, r)
	return nil
}

func attrsOf(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

func TestRetainedRecords(t *testing.T) {
	first := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	second := spanCtx(context.Background(), childSpanID, 0)
	for _, clone := range []bool{false, true} {
		for _, nattrs := range []int{0, 2, 7} {
			name := map[bool]string{false: "kept as given", true: "cloned"}[clone] + "/" + string(rune('0'+nattrs)) + " attrs"
			t.Run(name, func(t *testing.T) {
				inner := &retainingHandler{clone: clone}
				h := NewHandler(inner, logbridge.WithService("svc"))
				rec := func(ctx context.Context) slog.Record {
					r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
					for i := 0; i < nattrs; i++ {
						r.AddAttrs(slog.Int("a"+string(rune('0'+i)), i))
					}
					return r
				}
				r1 := rec(first)
				if err := h.Handle(first, r1); err != nil {
					t.Fatal(err)
				}
				// The caller goes on using its record: our additions must
				// not be visible in it, nor its additions in ours.
				r1.AddAttrs(slog.String("late", "x"))
				if got := attrsOf(r1); got["trace_id"] != "" || len(got) != nattrs+1 {
					t.Errorf("caller's record changed: %v", got)
				}
				if err := h.Handle(second, rec(second)); err != nil {
					t.Fatal(err)
				}
				got := attrsOf(inner.records[0])
				if got["span_id"] != sid || got["trace_flags"] != "01" || got["service.name"] != "svc" || got["late"] != "" {
					t.Errorf("first record later: %v", got)
				}
				if got := attrsOf(inner.records[1]); got["span_id"] != childSid || got["trace_flags"] != "00" {
					t.Errorf("second record: %v", got)
				}
			})
		}
	}
}

// countingCtx counts how often the handler reads the context.
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
	var buf bytes.Buffer
	ctx := &countingCtx{Context: spanCtx(context.Background(), testSpanID, trace.FlagsSampled)}
	l := slog.New(NewHandler(jsonHandler(&buf, slog.LevelWarn), logbridge.WithBaggage("trial_id")))
	grouped := l.WithGroup("g").With("ctx", ctx)
	ctx.n = 0 // With looks at its context once, when it is called
	l.InfoContext(ctx, "m", "a", 1)
	grouped.DebugContext(ctx, "m", "ctx", ctx)
	if ctx.n != 0 || buf.Len() != 0 {
		t.Errorf("context read %d times, wrote %q", ctx.n, buf.String())
	}
	l.WarnContext(ctx, "m")
	if ctx.n == 0 {
		t.Error("an enabled line did not read the context")
	}
}

type panickyValuer struct{}

func (panickyValuer) LogValue() slog.Value { panic("LogValue called") }

type panickyStringer struct{}

func (panickyStringer) String() string { panic("String called") }

type panickyKey struct{}

func TestPanickingValuesElsewhere(t *testing.T) {
	ctx := context.WithValue(spanCtx(context.Background(), testSpanID, trace.FlagsSampled), panickyKey{}, panickyStringer{})
	for _, group := range []string{"", "g"} {
		t.Run("group "+group, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(NewHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime})))
			if group != "" {
				l = l.WithGroup(group)
			}
			l.InfoContext(ctx, "m", "valuer", panickyValuer{}, "stringer", panickyStringer{}, "ctx", ctx)
			out := buf.String()
			if !strings.Contains(out, "trace_id="+tid) || !strings.Contains(out, "panic") {
				t.Errorf("got %q", out)
			}
		})
	}
}

// TestConcurrent logs from many goroutines through one handler and handlers
// derived from it, each goroutine under its own span, every third line
// without one: each line must carry its own goroutine's fields, or none.
func TestConcurrent(t *testing.T) {
	for _, tt := range []struct {
		name string
		new  func(w io.Writer, opts ...logbridge.Option) slog.Handler
	}{
		{"NewHandler", func(w io.Writer, opts ...logbridge.Option) slog.Handler {
			return NewHandler(slog.NewJSONHandler(w, nil), opts...)
		}},
		{"NewJSONHandler", func(w io.Writer, opts ...logbridge.Option) slog.Handler { return NewJSONHandler(w, nil, opts...) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			buf := &lockedWriter{w: &out} // the test's handlers may write at once
			base := slog.New(tt.new(buf, logbridge.WithService("svc"))).With("app", "epro")
			const goroutines, perG = 8, 150
			var wg sync.WaitGroup
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					s := trace.SpanID{0xab, byte(g + 1), 3, 4, 5, 6, 7, 8}
					traced := spanCtx(context.Background(), s, trace.FlagsSampled)
					l := base
					if g%2 == 1 {
						l = base.WithGroup("req").With("g", g)
					}
					for i := 0; i < perG; i++ {
						if i%3 == 0 {
							l.InfoContext(context.Background(), "m", "want_span", "", "i", i)
						} else {
							l.InfoContext(traced, "m", "want_span", s.String(), "i", i)
						}
					}
				}(g)
			}
			wg.Wait()
			ls := lines(t, &out)
			if len(ls) != goroutines*perG {
				t.Fatalf("got %d lines, want %d", len(ls), goroutines*perG)
			}
			for _, l := range ls {
				span := l["want_span"]
				if req, ok := l["req"].(map[string]any); ok {
					span = req["want_span"]
				}
				want := map[string]any{}
				if span != "" {
					want = map[string]any{"trace_id": tid, "span_id": span, "trace_flags": "01", "service.name": "svc"}
				}
				if got := traceFields(l); !equalFields(got, want) {
					t.Fatalf("line mixes spans: %v", l)
				}
			}
		})
	}
}
