package zapbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/traceline/traceline/logbridge"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const (
	tid    = "0af7651916cd43dd8448eb211c80319c"
	sid    = "b7ad6b7169203331"
	sidDec = "13235353014750950193" // sid as a decimal uint64 (Datadog)
	tid2   = "4bf92f3577b34da6a3ce929d0e0e4736"
	sid2   = "00f067aa0ba902b7"
)

var (
	testTraceID  = trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
	testSpanID   = trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}
	otherTraceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	otherSpanID  = trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
)

// spanCtx returns a context holding a local span context.
func spanCtx(t trace.TraceID, s trace.SpanID, flags trace.TraceFlags) context.Context {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: t, SpanID: s, TraceFlags: flags})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

func withBaggage(ctx context.Context, kv ...string) context.Context {
	var ms []baggage.Member
	for i := 0; i+1 < len(kv); i += 2 {
		m, err := baggage.NewMemberRaw(kv[i], kv[i+1])
		if err != nil {
			panic(err)
		}
		ms = append(ms, m)
	}
	bag, err := baggage.New(ms...)
	if err != nil {
		panic(err)
	}
	return baggage.ContextWithBaggage(ctx, bag)
}

// encoderConfig has no time and no caller, so lines are deterministic.
var encoderConfig = zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Sync() error { return nil }

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func jsonLogger(lvl zapcore.Level, opts ...logbridge.Option) (*zap.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return zap.New(NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), buf, lvl), opts...)), buf
}

// setups are the two ways of building a bridged JSON core: NewCore over
// zap's own core, and NewJSONCore.
var setups = []struct {
	name string
	core func(cfg zapcore.EncoderConfig, ws zapcore.WriteSyncer, enab zapcore.LevelEnabler, opts ...logbridge.Option) zapcore.Core
}{
	{"NewCore", func(cfg zapcore.EncoderConfig, ws zapcore.WriteSyncer, enab zapcore.LevelEnabler, opts ...logbridge.Option) zapcore.Core {
		return NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), ws, enab), opts...)
	}},
	{"NewJSONCore", func(cfg zapcore.EncoderConfig, ws zapcore.WriteSyncer, enab zapcore.LevelEnabler, opts ...logbridge.Option) zapcore.Core {
		return NewJSONCore(cfg, ws, enab, opts...)
	}},
}

func decode(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

type panicStringer struct{}

func (panicStringer) String() string { panic("boom") }

// panicCtx is a context whose Value panics.
type panicCtx struct{ context.Context }

func (*panicCtx) Value(any) any { panic("bad context") }

func TestLine(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	ctx2 := spanCtx(otherTraceID, otherSpanID, trace.FlagsSampled)
	otel := map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01"}
	otel2 := map[string]any{"trace_id": tid2, "span_id": sid2, "trace_flags": "01"}
	remote := trace.ContextWithRemoteSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: testSpanID, TraceFlags: trace.FlagsSampled, Remote: true}))
	invalid := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{SpanID: testSpanID, TraceFlags: trace.FlagsSampled}))
	long := strings.Repeat("x", logbridge.DefaultBaggageValueLimit+50)
	merge := func(ms ...map[string]any) map[string]any {
		out := map[string]any{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		name string
		opts []logbridge.Option
		log  func(l *zap.Logger)
		want map[string]any // every key of the line but level and msg
	}{
		{"Context", nil, func(l *zap.Logger) { l.Info("m", Context(ctx), zap.Int("n", 1)) },
			merge(otel, map[string]any{"n": 1.0})},
		{"zap.Any", nil, func(l *zap.Logger) { l.Info("m", zap.Any("ctx", ctx), zap.Int("n", 1)) },
			merge(otel, map[string]any{"n": 1.0})},
		{"zap.Reflect", nil, func(l *zap.Logger) { l.Info("m", zap.Reflect("ctx", ctx)) }, otel},
		{"sugar", nil, func(l *zap.Logger) { l.Sugar().Infow("m", "ctx", ctx, "n", 1) },
			merge(otel, map[string]any{"n": 1.0})},
		{"nil context", nil, func(l *zap.Logger) { l.Info("m", Context(nil), zap.Int("n", 1)) },
			map[string]any{"n": 1.0}},
		{"context without span", nil, func(l *zap.Logger) {
			l.Info("m", Context(context.Background()), zap.Any("ctx", context.TODO()))
		}, map[string]any{}},
		{"invalid span context", nil, func(l *zap.Logger) { l.Info("m", zap.Any("ctx", invalid)) }, map[string]any{}},
		{"context whose Value panics", nil, func(l *zap.Logger) {
			l.Info("m", zap.Any("ctx", &panicCtx{context.Background()}), zap.Int("n", 1))
		}, map[string]any{"n": 1.0}},
		{"remote span context", nil, func(l *zap.Logger) { l.Info("m", Context(remote)) }, otel},
		{"unsampled", nil, func(l *zap.Logger) { l.Info("m", Context(spanCtx(testTraceID, testSpanID, 0))) },
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "00"}},
		{"last context counts", nil, func(l *zap.Logger) { l.Info("m", Context(ctx), Context(ctx2)) }, otel2},
		{"With", nil, func(l *zap.Logger) { l.With(Context(ctx), zap.String("a", "b")).Info("m") },
			merge(otel, map[string]any{"a": "b"})},
		{"With then another span per call", nil, func(l *zap.Logger) { l.With(Context(ctx)).Info("m", Context(ctx2)) }, otel2},
		{"With then zap.Any per call", nil, func(l *zap.Logger) { l.With(Context(ctx)).Info("m", zap.Any("c", ctx2)) }, otel2},
		{"With then a call context without span", nil, func(l *zap.Logger) {
			l.With(Context(ctx)).Info("m", Context(context.Background()))
		}, otel},
		{"With twice", nil, func(l *zap.Logger) { l.With(Context(ctx)).With(Context(ctx2)).Info("m") }, otel2},
		{"With a context without span keeps the bound span", nil, func(l *zap.Logger) {
			l.With(Context(ctx)).With(zap.Any("c", context.Background())).Info("m")
		}, otel},
		{"With a span-less context", nil, func(l *zap.Logger) { l.With(Context(context.Background())).Info("m", zap.Int("n", 1)) },
			map[string]any{"n": 1.0}},
		{"namespace bound by With", nil, func(l *zap.Logger) {
			l.With(zap.String("top", "t"), zap.Namespace("ns"), zap.Int("a", 1)).Info("m", Context(ctx), zap.Int("b", 2))
		}, merge(otel, map[string]any{"top": "t", "ns": map[string]any{"a": 1.0, "b": 2.0}})},
		{"namespace, then more With", nil, func(l *zap.Logger) {
			l.With(zap.Namespace("ns")).With(zap.Int("a", 1), Context(ctx)).With(zap.Int("c", 3)).Info("m", zap.Int("b", 2))
		}, merge(otel, map[string]any{"ns": map[string]any{"a": 1.0, "b": 2.0, "c": 3.0}})},
		{"namespace in the call", nil, func(l *zap.Logger) { l.Info("m", zap.Namespace("ns"), zap.Int("b", 2), Context(ctx)) },
			merge(otel, map[string]any{"ns": map[string]any{"b": 2.0}})},
		{"namespace bound, no span", nil, func(l *zap.Logger) { l.With(zap.Namespace("ns"), zap.Int("a", 1)).Info("m") },
			map[string]any{"ns": map[string]any{"a": 1.0}}},
		{"hand-written trace_id gives way", nil, func(l *zap.Logger) {
			l.Info("m", zap.String("trace_id", "hand"), Context(ctx), zap.String("span_id", "hand"))
		}, otel},
		{"hand-written trace_id kept without span", nil, func(l *zap.Logger) {
			l.Info("m", zap.String("trace_id", "hand"), Context(context.Background()))
		}, map[string]any{"trace_id": "hand"}},
		{"hand-written trace_id bound by With gives way", nil, func(l *zap.Logger) {
			l.With(zap.String("trace_id", "hand"), zap.String("a", "b")).Info("m", Context(ctx))
		}, merge(otel, map[string]any{"a": "b"})},
		{"hand-written trace_id bound by With kept without span", nil, func(l *zap.Logger) {
			l.With(zap.String("trace_id", "hand"), zap.String("a", "b")).Info("m")
		}, map[string]any{"trace_id": "hand", "a": "b"}},
		{"hand-written trace_id bound by With, span bound later", nil, func(l *zap.Logger) {
			l.With(zap.String("trace_id", "hand")).With(Context(ctx)).Info("m")
		}, otel},
		{"hand-written trace_id inside a namespace stays", nil, func(l *zap.Logger) {
			l.Info("m", Context(ctx), zap.Namespace("ns"), zap.String("trace_id", "hand"))
		}, merge(otel, map[string]any{"ns": map[string]any{"trace_id": "hand"}})},
		{"hand-written baggage key gives way", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *zap.Logger) {
			l.Info("m", zap.String("trial_id", "hand"), Context(withBaggage(ctx, "trial_id", "EPRO-2031")))
		}, merge(otel, map[string]any{"trial_id": "EPRO-2031"})},
		{"hand-written baggage key kept when the member is absent", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *zap.Logger) {
			l.Info("m", zap.String("trial_id", "hand"), Context(ctx))
		}, merge(otel, map[string]any{"trial_id": "hand"})},
		{"hand-written baggage key bound by With gives way", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *zap.Logger) {
			l.With(zap.String("trial_id", "hand"), zap.Namespace("ns"), zap.Int("a", 1)).Info("m", Context(withBaggage(ctx, "trial_id", "EPRO-2031")))
		}, merge(otel, map[string]any{"trial_id": "EPRO-2031", "ns": map[string]any{"a": 1.0}})},
		{"hand-written baggage key bound by With kept when the member is absent", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *zap.Logger) {
			l.With(zap.String("trial_id", "hand"), zap.Namespace("ns"), zap.Int("a", 1)).Info("m", Context(ctx))
		}, merge(otel, map[string]any{"trial_id": "hand", "ns": map[string]any{"a": 1.0}})},
		{"service name needing escapes", []logbridge.Option{logbridge.WithService(`q"s\<é>`)}, func(l *zap.Logger) { l.Info("m", Context(ctx)) },
			merge(otel, map[string]any{"service.name": `q"s\<é>`})},
		{"panicking String in another field", nil, func(l *zap.Logger) {
			l.Info("m", zap.Stringer("bad", panicStringer{}), Context(ctx))
		}, merge(otel, map[string]any{"badError": "PANIC=boom"})},
		{"ECS", []logbridge.Option{logbridge.WithProfile(logbridge.ECS)}, func(l *zap.Logger) { l.Info("m", Context(ctx)) },
			map[string]any{"trace.id": tid, "span.id": sid}},
		{"Datadog", []logbridge.Option{logbridge.WithProfile(logbridge.Datadog)}, func(l *zap.Logger) { l.Info("m", Context(ctx)) },
			map[string]any{"dd.trace_id": tid, "dd.span_id": sidDec}},
		{"GCP sampled", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("epro"))}, func(l *zap.Logger) { l.Info("m", Context(ctx)) },
			map[string]any{"logging.googleapis.com/trace": "projects/epro/traces/" + tid, "logging.googleapis.com/spanId": sid, "logging.googleapis.com/trace_sampled": true}},
		{"GCP unsampled", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("epro"))}, func(l *zap.Logger) {
			l.Info("m", Context(spanCtx(testTraceID, testSpanID, 0)))
		}, map[string]any{"logging.googleapis.com/trace": "projects/epro/traces/" + tid, "logging.googleapis.com/spanId": sid, "logging.googleapis.com/trace_sampled": false}},
		{"GoZero", []logbridge.Option{logbridge.WithProfile(logbridge.GoZero)}, func(l *zap.Logger) { l.Info("m", Context(ctx)) },
			map[string]any{"trace": tid, "span": sid}},
		{"several profiles", []logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog)}, func(l *zap.Logger) {
			l.Info("m", Context(ctx))
		}, merge(otel, map[string]any{"trace.id": tid, "span.id": sid, "dd.trace_id": tid, "dd.span_id": sidDec})},
		{"service", []logbridge.Option{logbridge.WithService("questionnaire")}, func(l *zap.Logger) { l.Info("m", Context(ctx)) },
			merge(otel, map[string]any{"service.name": "questionnaire"})},
		{"baggage, capped", []logbridge.Option{logbridge.WithBaggage("trial_id", "note")}, func(l *zap.Logger) {
			l.Info("m", Context(withBaggage(ctx, "trial_id", "EPRO-2031", "note", long, "secret", "no")))
		}, merge(otel, map[string]any{"trial_id": "EPRO-2031", "note": long[:logbridge.DefaultBaggageValueLimit]})},
		{"baggage without span", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *zap.Logger) {
			l.Info("m", Context(withBaggage(context.Background(), "trial_id", "EPRO-2031")))
		}, map[string]any{"trial_id": "EPRO-2031"}},
		{"baggage bound by With", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *zap.Logger) {
			l.With(Context(withBaggage(ctx, "trial_id", "EPRO-2031"))).Info("m")
		}, merge(otel, map[string]any{"trial_id": "EPRO-2031"})},
		{"call baggage replaces With baggage", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *zap.Logger) {
			l.With(Context(withBaggage(ctx, "trial_id", "A"))).Info("m", Context(withBaggage(ctx2, "trial_id", "B")))
		}, merge(otel2, map[string]any{"trial_id": "B"})},
		{"Logger.Ctx", nil, func(l *zap.Logger) { New(l).Ctx(ctx).Info("m", zap.Int("n", 1)) },
			merge(otel, map[string]any{"n": 1.0})},
		{"Logger.Ctx nil", nil, func(l *zap.Logger) { New(l).Ctx(nil).Warn("m") }, //nolint:staticcheck // a nil context is an edge case
			map[string]any{}},
		{"Logger.Ctx With", nil, func(l *zap.Logger) { New(l).Ctx(ctx).With(zap.String("a", "b")).Error("m") },
			merge(otel, map[string]any{"a": "b"})},
	}
	for _, setup := range setups {
		for _, tt := range tests {
			t.Run(setup.name+"/"+tt.name, func(t *testing.T) {
				buf := &syncBuffer{}
				l := zap.New(setup.core(encoderConfig, buf, zapcore.DebugLevel, tt.opts...))
				tt.log(l)
				out := buf.String()
				if strings.Contains(out, "context.") || strings.Contains(out, "WithValue") || strings.Contains(out, `"ctx"`) {
					t.Errorf("the context reached the encoder: %s", out)
				}
				lines := decode(t, out)
				if len(lines) != 1 {
					t.Fatalf("got %d lines, want 1: %s", len(lines), out)
				}
				got := lines[0]
				delete(got, "level")
				delete(got, "msg")
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("line %s\n got %v\nwant %v", out, got, tt.want)
				}
				// encoding/json keeps the last of duplicate keys; count them.
				for k := range tt.want {
					if n, want := strings.Count(out, `"`+k+`":`), countKey(tt.want, k); n != want {
						t.Errorf("key %q written %d times, want %d: %s", k, n, want, out)
					}
				}
			})
		}
	}
}

// countKey returns how often key is a key of m and of the objects in it.
func countKey(m map[string]any, key string) int {
	n := 0
	for k, v := range m {
		if k == key {
			n++
		}
		if inner, ok := v.(map[string]any); ok {
			n += countKey(inner, key)
		}
	}
	return n
}

// countingCtx counts how often a logger reads it.
type countingCtx struct {
	context.Context
	reads *int
}

func (c countingCtx) Value(key any) any {
	*c.reads++
	return c.Context.Value(key)
}

func TestDisabledLevel(t *testing.T) {
	reads := 0
	ctx := countingCtx{spanCtx(testTraceID, testSpanID, 1), &reads}
	l, buf := jsonLogger(zapcore.InfoLevel)
	l.Debug("hidden", Context(ctx))
	l.Debug("hidden", zap.Any("ctx", ctx))
	New(l).Ctx(ctx).Debug("hidden")
	if ce := l.Check(zapcore.DebugLevel, "hidden"); ce != nil {
		t.Error("Check returned an entry for a disabled level")
	}
	if reads != 0 || buf.String() != "" {
		t.Errorf("disabled level read the context %d times and wrote %q", reads, buf.String())
	}
	l.Info("shown", Context(ctx))
	if reads == 0 || !strings.Contains(buf.String(), tid) {
		t.Errorf("enabled level: %d reads, %q", reads, buf.String())
	}
}

func TestTee(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, 1)
	jsonBuf, textBuf := &syncBuffer{}, &syncBuffer{}
	tee := zapcore.NewTee(
		zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), jsonBuf, zapcore.InfoLevel),
		zapcore.NewCore(zapcore.NewConsoleEncoder(encoderConfig), textBuf, zapcore.WarnLevel),
	)
	l := zap.New(NewCore(tee))
	l.Info("info line", zap.Any("ctx", ctx))
	l.Warn("warn line", Context(ctx))
	l.With(zap.Any("ctx", ctx)).Warn("bound")
	for name, out := range map[string]string{"json": jsonBuf.String(), "console": textBuf.String()} {
		if strings.Contains(out, "context.") || strings.Contains(out, "WithValue") {
			t.Errorf("%s core printed the context: %s", name, out)
		}
		if !strings.Contains(out, tid) || !strings.Contains(out, sid) {
			t.Errorf("%s core lacks the trace fields: %s", name, out)
		}
	}
	if strings.Contains(textBuf.String(), "info line") {
		t.Errorf("the warn-level core of the tee got an info line: %s", textBuf.String())
	}
	if n := strings.Count(jsonBuf.String(), "\n"); n != 3 {
		t.Errorf("json core got %d lines, want 3", n)
	}

	// The bridge beneath a tee, and its Write called directly.
	under := &syncBuffer{}
	l = zap.New(zapcore.NewTee(NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), under, zapcore.InfoLevel)), zapcore.NewNopCore()))
	l.Info("m", Context(ctx))
	c := NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), under, zapcore.InfoLevel))
	if err := c.Write(zapcore.Entry{Message: "direct"}, []zapcore.Field{zap.Any("ctx", ctx)}); err != nil {
		t.Fatal(err)
	}
	for _, line := range decode(t, under.String()) {
		if line["trace_id"] != tid || line["ctx"] != nil {
			t.Errorf("line under a tee: %v", line)
		}
	}
}

func TestObserverKeepsCorrectFields(t *testing.T) {
	obs, logs := observer.New(zapcore.DebugLevel)
	l := zap.New(NewCore(obs))
	ctx1 := spanCtx(testTraceID, testSpanID, 1)
	ctx2 := spanCtx(otherTraceID, otherSpanID, 0)
	l.Info("one", Context(ctx1), zap.String("k", "v1"))
	l.Info("two", zap.Any("ctx", ctx2), zap.String("k", "v2"))
	New(l).Ctx(ctx1).Info("three", zap.String("k", "v3"))
	l.With(Context(ctx2)).Info("four", zap.String("k", "v4"))
	// Later lines reuse the pooled scratch space.
	for i := 0; i < 100; i++ {
		l.Info("later", Context(spanCtx(otherTraceID, trace.SpanID{1, byte(i)}, 1)), zap.String("k", "later"), zap.Int("i", i))
	}
	want := []map[string]any{
		{"trace_id": tid, "span_id": sid, "trace_flags": "01", "k": "v1"},
		{"trace_id": tid2, "span_id": sid2, "trace_flags": "00", "k": "v2"},
		{"trace_id": tid, "span_id": sid, "trace_flags": "01", "k": "v3"},
		{"trace_id": tid2, "span_id": sid2, "trace_flags": "00", "k": "v4"},
	}
	all := logs.All()
	for i, w := range want {
		for _, f := range all[i].Context {
			if _, isCtx := f.Interface.(context.Context); isCtx {
				t.Errorf("line %d: the observer got a context field %q", i, f.Key)
			}
		}
		got := all[i].ContextMap()
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("line %d: observer kept %v, want %v", i, got, w)
		}
	}
}

func TestCallerSliceUntouched(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, 1)
	fields := []zap.Field{zap.String("trace_id", "hand"), Context(ctx), zap.Int("n", 1)}
	before := append([]zap.Field(nil), fields...)
	l, _ := jsonLogger(zapcore.InfoLevel)
	l.Info("m", fields...)
	for i := range fields {
		if !fields[i].Equals(before[i]) || fields[i].Interface != before[i].Interface {
			t.Errorf("field %d changed: %v, was %v", i, fields[i], before[i])
		}
	}
}

func TestConcurrent(t *testing.T) {
	l, buf := jsonLogger(zapcore.InfoLevel, logbridge.WithBaggage("trial_id"))
	bound := l.With(Context(spanCtx(testTraceID, testSpanID, 1)))
	const goroutines, lines = 8, 200
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < lines; i++ {
				s := trace.SpanID{byte(g + 1), byte(i % 7), 3, 4, 5, 6, 7, 8}
				ctx := withBaggage(spanCtx(testTraceID, s, 1), "trial_id", s.String())
				switch i % 3 {
				case 0:
					l.Info(s.String(), Context(ctx), zap.Int("i", i))
				case 1:
					bound.Info(s.String(), zap.Any("ctx", ctx))
				default:
					New(l).Ctx(ctx).Info(s.String())
				}
			}
		}(g)
	}
	wg.Wait()
	got := decode(t, buf.String())
	if len(got) != goroutines*lines {
		t.Fatalf("got %d lines, want %d", len(got), goroutines*lines)
	}
	for _, line := range got {
		if line["span_id"] != line["msg"] || line["trial_id"] != line["msg"] || line["trace_id"] != tid {
			t.Fatalf("line mixes spans: %v", line)
		}
	}
}

type failingCore struct{ zapcore.Core }

func (failingCore) Enabled(zapcore.Level) bool { return true }

func (failingCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(ent, failingCore{})
}

func (failingCore) Write(zapcore.Entry, []zapcore.Field) error { return errors.New("disk full") }

func TestWriteErrorReachesErrorOutput(t *testing.T) {
	errOut := &syncBuffer{}
	l := zap.New(NewCore(failingCore{zapcore.NewNopCore()}), zap.ErrorOutput(errOut))
	l.Info("m", Context(spanCtx(testTraceID, testSpanID, 1)))
	if !strings.Contains(errOut.String(), "write error: disk full") {
		t.Errorf("ErrorOutput got %q", errOut.String())
	}
}

func TestLevelAndSync(t *testing.T) {
	c := NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), &syncBuffer{}, zapcore.WarnLevel))
	if got := zapcore.LevelOf(c); got != zapcore.WarnLevel {
		t.Errorf("LevelOf = %v, want warn", got)
	}
	if c.Enabled(zapcore.InfoLevel) || !c.Enabled(zapcore.ErrorLevel) {
		t.Error("Enabled does not follow the wrapped core")
	}
	if err := c.Sync(); err != nil {
		t.Error(err)
	}
	if NewCore(nil).Enabled(zapcore.FatalLevel) {
		t.Error("NewCore(nil) is not a no-op core")
	}
}

func TestEntryCallerAndStack(t *testing.T) {
	cfg := encoderConfig
	cfg.CallerKey, cfg.StacktraceKey, cfg.EncodeCaller = "caller", "stack", zapcore.ShortCallerEncoder
	for _, setup := range setups {
		buf := &syncBuffer{}
		l := zap.New(setup.core(cfg, buf, zapcore.InfoLevel), zap.AddCaller(), zap.AddStacktrace(zapcore.InfoLevel))
		l.Info("m", Context(spanCtx(testTraceID, testSpanID, 1)))
		line := decode(t, buf.String())[0]
		if c, _ := line["caller"].(string); !strings.HasPrefix(c, "zapbridge/core_test.go:") || line["stack"] == nil || line["trace_id"] != tid {
			t.Errorf("%s: line lost the caller or stack: %v", setup.name, line)
		}
	}

	// A core that keeps entries.
	obs, logs := observer.New(zapcore.InfoLevel)
	l := zap.New(NewCore(obs), zap.AddCaller(), zap.AddStacktrace(zapcore.InfoLevel))
	l.Info("m", Context(spanCtx(testTraceID, testSpanID, 1)))
	e := logs.All()[0]
	if !strings.HasSuffix(e.Caller.File, "core_test.go") || e.Stack == "" {
		t.Errorf("caller %v, stack %q: the entry lost what the logger added after Check", e.Caller, e.Stack)
	}
}

func TestSamplerBeneathStillSamples(t *testing.T) {
	buf := &syncBuffer{}
	sampled := zapcore.NewSamplerWithOptions(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), buf, zapcore.InfoLevel), time.Hour, 2, 0)
	l := zap.New(NewCore(sampled))
	for i := 0; i < 5; i++ {
		l.Info("same message", Context(spanCtx(testTraceID, testSpanID, 1)))
	}
	if n := strings.Count(buf.String(), tid); n != 2 {
		t.Errorf("sampler kept %d of 5 lines, want 2:\n%s", n, buf.String())
	}
}

func TestWriteErrorDirect(t *testing.T) {
	errOut := &syncBuffer{}
	l := zap.New(NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), failingWriter{}, zapcore.InfoLevel)), zap.ErrorOutput(errOut))
	l.Info("m", Context(spanCtx(testTraceID, testSpanID, 1)))
	if !strings.Contains(errOut.String(), "write error: disk full") {
		t.Errorf("ErrorOutput got %q", errOut.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
func (failingWriter) Sync() error               { return nil }

// valueCtx is a context of struct type that cannot be compared with ==.
type valueCtx struct {
	context.Context
	tags []string
}

// TestAlternatingContexts: lines alternate between bridges, spans and
// kinds of context on one goroutine, so they reuse the same pooled scratch
// space; no line takes another's span or baggage.
func TestAlternatingContexts(t *testing.T) {
	for _, setup := range setups {
		otelBuf, ecsBuf := &syncBuffer{}, &syncBuffer{}
		otelLog := zap.New(setup.core(encoderConfig, otelBuf, zapcore.InfoLevel, logbridge.WithBaggage("trial_id")))
		ecsLog := zap.New(setup.core(encoderConfig, ecsBuf, zapcore.InfoLevel, logbridge.WithProfile(logbridge.ECS)))
		ctx1 := withBaggage(spanCtx(testTraceID, testSpanID, 1), "trial_id", "A")
		ctx2 := spanCtx(otherTraceID, otherSpanID, 1)
		noncomparable := valueCtx{ctx2, []string{"x"}}
		for i := 0; i < 3; i++ {
			otelLog.Info("1", Context(ctx1))
			ecsLog.Info("1", Context(ctx1))
			otelLog.Info("2", Context(ctx2))
			otelLog.Info("2", Context(noncomparable))
			ecsLog.Info("2", zap.Any("ctx", noncomparable))
			otelLog.Info("none", Context(context.Background()))
		}
		for _, line := range decode(t, otelBuf.String()) {
			want := map[string]any{"1": tid, "2": tid2, "none": nil}[line["msg"].(string)]
			if line["trace_id"] != want {
				t.Errorf("%s: otel line %v: trace_id want %v", setup.name, line, want)
			}
			if (line["msg"] == "1") != (line["trial_id"] == "A") {
				t.Errorf("%s: otel line %v: baggage of another context", setup.name, line)
			}
		}
		for _, line := range decode(t, ecsBuf.String()) {
			want := map[string]any{"1": tid, "2": tid2}[line["msg"].(string)]
			if line["trace.id"] != want || line["trace_id"] != nil {
				t.Errorf("%s: ecs line %v: trace.id want %v", setup.name, line, want)
			}
		}
	}
}

// pooledCtx answers Value from its current request, and is reused for the
// next one, as *gin.Context is.
type pooledCtx struct {
	context.Context
	req context.Context
}

func (p *pooledCtx) Value(key any) any { return p.req.Value(key) }

// A context whose answers change is read again on every line: the same
// pointer serves the next request.
func TestPooledContext(t *testing.T) {
	for _, setup := range setups {
		buf := &syncBuffer{}
		log := zap.New(setup.core(encoderConfig, buf, zapcore.InfoLevel))
		p := &pooledCtx{Context: context.Background()}
		for i, id := range []string{tid, tid2, tid} {
			p.req = spanCtx(map[string]trace.TraceID{tid: testTraceID, tid2: otherTraceID}[id], testSpanID, 1)
			buf.b.Reset()
			log.Info("a", Context(p))
			log.Info("b", Context(p))
			for _, line := range decode(t, buf.String()) {
				if line["trace_id"] != id {
					t.Errorf("%s, request %d: %v, want trace %s", setup.name, i, line, id)
				}
			}
		}
	}
}
