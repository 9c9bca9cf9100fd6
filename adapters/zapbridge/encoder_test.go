package zapbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/logbridge"
)

// bothEncoders logs the same call through zap's JSON encoder and through
// NewJSONEncoder, each under a NewCore bridge, and returns the two outputs.
func bothEncoders(cfg zapcore.EncoderConfig, log func(*zap.Logger), opts ...logbridge.Option) (zapOut, ours string) {
	var a, b bytes.Buffer
	log(zap.New(NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(&a), zapcore.DebugLevel), opts...)))
	log(zap.New(NewCore(zapcore.NewCore(NewJSONEncoder(cfg), zapcore.AddSync(&b), zapcore.DebugLevel), opts...)))
	return a.String(), b.String()
}

func sameObject(t *testing.T, a, b string) {
	t.Helper()
	var x, y map[string]any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("zap's line is not JSON: %v: %q", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("NewJSONEncoder's line is not JSON: %v: %q", err, b)
	}
	// The two calls' stacks differ in one line number.
	delete(x, "stacktrace")
	delete(y, "stacktrace")
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	if !bytes.Equal(xs, ys) {
		t.Errorf("objects differ:\n zap  %s\n ours %s", a, b)
	}
}

// TestJSONEncoderSplices checks that the span's fields are copied in as
// ready JSON at the end of the line, and that the line is otherwise zap's.
func TestJSONEncoderSplices(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	zapOut, ours := bothEncoders(encoderConfig, func(l *zap.Logger) {
		l.With(zap.String("bound", "x")).Info("m", Context(ctx), zap.Int("n", 1))
	}, logbridge.WithService("questionnaire"))
	want := `{"level":"info","msg":"m","bound":"x","n":1,"trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01","service.name":"questionnaire"}` + "\n"
	if ours != want {
		t.Errorf("got  %s\nwant %s", ours, want)
	}
	sameObject(t, zapOut, ours)
}

// TestJSONEncoderEscapes: a service name that JSON must escape is left to
// zap's encoder, which escapes it.
func TestJSONEncoderEscapes(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	for _, name := range []string{`say "hi"`, `back\slash`, "tab\there", "é-service", "<b>"} {
		zapOut, ours := bothEncoders(encoderConfig, func(l *zap.Logger) { l.Info("m", Context(ctx)) },
			logbridge.WithService(name))
		if zapOut != ours {
			t.Errorf("service %q: got %s, want zap's own %s", name, ours, zapOut)
		}
	}
}

// TestJSONEncoderConfigs: line endings, an object with no other key, a
// stack trace, and lines without a span, which must be zap's byte for byte.
func TestJSONEncoderConfigs(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	full := zap.NewProductionEncoderConfig()
	full.TimeKey = "" // deterministic
	cfgs := map[string]zapcore.EncoderConfig{
		"production":      full,
		"CRLF":            {MessageKey: "msg", LineEnding: "\r\n"},
		"no line ending":  {MessageKey: "msg", SkipLineEnding: true},
		"no keys at all":  {},
		"ending with '}'": {MessageKey: "msg", LineEnding: "}\n"},
		// Too long to render the fields and the end into the stack
		// buffer: the bridge hands over encoded fields.
		"a 200-byte line ending": {MessageKey: "msg", LineEnding: strings.Repeat(" ", 199) + "\n"},
	}
	for name, cfg := range cfgs {
		t.Run(name, func(t *testing.T) {
			logs := map[string]func(*zap.Logger){
				"span":        func(l *zap.Logger) { l.Info("m", Context(ctx), zap.String("a", "b")) },
				"span, error": func(l *zap.Logger) { l.Error("m", Context(ctx), zap.Error(errors.New("x"))) },
				"no span":     func(l *zap.Logger) { l.Info("m", zap.String("a", "b")) },
			}
			for what, log := range logs {
				zapOut, ours := bothEncoders(cfg, func(l *zap.Logger) { log(l.WithOptions(zap.AddStacktrace(zapcore.ErrorLevel))) })
				end := cfg.LineEnding
				if end == "" {
					end = "\n"
				}
				if cfg.SkipLineEnding {
					end = ""
				}
				if !strings.HasSuffix(ours, "}"+end) || strings.Count(ours, "\n") != strings.Count(zapOut, "\n") {
					t.Errorf("%s: line %q does not end as zap's %q", what, ours, zapOut)
				}
				if what == "no span" && ours != zapOut {
					t.Errorf("%s: %q, want zap's %q", what, ours, zapOut)
				}
				if cfg.LineEnding == "}\n" { // not JSON; only the ids must be there
					if !strings.Contains(ours, `"trace_id":"`+tid+`"`) && what != "no span" {
						t.Errorf("%s: no trace id in %q", what, ours)
					}
					continue
				}
				sameObject(t, strings.TrimSuffix(zapOut, end), strings.TrimSuffix(ours, end))
			}
		})
	}
}

// TestJSONEncoderWithoutBridge: used alone, the encoder is zap's.
func TestJSONEncoderWithoutBridge(t *testing.T) {
	var a, b bytes.Buffer
	cfg := zap.NewDevelopmentEncoderConfig()
	cfg.TimeKey = ""
	za := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(&a), zapcore.DebugLevel))
	zb := zap.New(zapcore.NewCore(NewJSONEncoder(cfg), zapcore.AddSync(&b), zapcore.DebugLevel))
	for _, l := range []*zap.Logger{za, zb} {
		l.With(zap.Strings("s", []string{"x", "y"})).Warn("m", zap.Int("n", 2), Context(spanCtx(testTraceID, testSpanID, 1)), zap.Namespace("ns"), zap.Bool("b", true))
	}
	if a.String() != b.String() {
		t.Errorf("got %s, want zap's %s", b.String(), a.String())
	}
}

// TestJSONEncoderNamespace: the trace fields stay at the top level of the
// line when a zap.Namespace is open, from With or earlier in the call.
func TestJSONEncoderNamespace(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	for name, log := range map[string]func(*zap.Logger){
		"With": func(l *zap.Logger) {
			l.With(zap.Namespace("ns"), zap.Int("a", 1)).Info("m", Context(ctx), zap.Int("b", 2))
		},
		"the call": func(l *zap.Logger) { l.Info("m", zap.Namespace("ns"), zap.Int("b", 2), Context(ctx)) },
		"bound":    func(l *zap.Logger) { l.With(Context(ctx), zap.Namespace("ns")).Info("m", zap.Int("b", 2)) },
	} {
		_, ours := bothEncoders(encoderConfig, log)
		var obj map[string]any
		if err := json.Unmarshal([]byte(ours), &obj); err != nil {
			t.Fatalf("%s: %v: %s", name, err, ours)
		}
		if obj["trace_id"] != tid || obj["span_id"] != sid || obj["trace_flags"] != "01" {
			t.Errorf("%s: trace fields not top-level: %s", name, ours)
		}
		if ns, ok := obj["ns"].(map[string]any); !ok || ns["b"] != 2.0 {
			t.Errorf("%s: the namespace lost its fields: %s", name, ours)
		}
	}
}

// TestJSONEncoderLongFragments: many profiles, and a service name longer
// than the encoder's stack buffer, give the same object as zap's encoder,
// with the trace fields still spliced in at the end.
func TestJSONEncoderLongFragments(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	for _, service := range []string{"questionnaire", strings.Repeat("s", 300)} {
		opts := []logbridge.Option{logbridge.WithService(service),
			logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("epro-prod"), logbridge.GoZero)}
		zapOut, ours := bothEncoders(encoderConfig, func(l *zap.Logger) { l.Info("m", Context(ctx), zap.Int("n", 1)) }, opts...)
		sameObject(t, zapOut, ours)
		if !strings.HasPrefix(ours, `{"level":"info","msg":"m","n":1,"trace_id":"`) {
			t.Errorf("service of %d bytes: trace fields not spliced at the end: %s", len(service), ours)
		}
	}
}

// TestRendersFor pins which cores get a line's span context to render
// (NewJSONEncoder's encoder under zapcore.NewCore, also after With) and
// which get encoded fields.
func TestRendersFor(t *testing.T) {
	ours := zapcore.NewCore(NewJSONEncoder(encoderConfig), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	theirs := zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	long := logbridge.WithProfile(logbridge.OTel, logbridge.GCP("epro"), logbridge.Datadog)
	tests := []struct {
		name string
		core zapcore.Core
		want bool
	}{
		{"NewJSONEncoder", NewCore(ours), true},
		{"after With", NewCore(ours).With([]zapcore.Field{zap.String("a", "b")}), true},
		{"after With of a context", NewCore(ours).With([]zapcore.Field{Context(context.Background())}), true},
		{"zap's encoder", NewCore(theirs), false},
		{"a tee", NewCore(zapcore.NewTee(ours, theirs)), false},
		{"baggage", NewCore(ours, logbridge.WithBaggage("trial_id")), false},
		{"a service needing escapes", NewCore(ours, logbridge.WithService(`q"s`)), false},
		{"fields longer than the render buffer", NewCore(ours, long, logbridge.WithService("questionnaire")), false},
	}
	for _, tt := range tests {
		c := tt.core.(*core)
		if c.render != tt.want {
			t.Errorf("%s: renders %v, want %v", tt.name, c.render, tt.want)
		}
		if writes := c.out != nil; writes != tt.want {
			t.Errorf("%s: writes rendered lines itself %v, want %v", tt.name, writes, tt.want)
		}
	}
	if ioCoreEncOffset == noOffset {
		t.Error("zapcore.NewCore's encoder field not found: no core renders")
	}
	if ioCoreOutOffset == noOffset {
		t.Error("zapcore.NewCore's output field not found: rendered lines take the pooled rewrite")
	}
}

// syncCounter is a WriteSyncer that counts its Syncs and fails its writes
// when err is set.
type syncCounter struct {
	bytes.Buffer
	err   error
	syncs int
}

func (s *syncCounter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	return s.Buffer.Write(p)
}

func (s *syncCounter) Sync() error { s.syncs++; return nil }

// TestRenderedWriteLikeNewCore pins that the bridge, writing a rendered
// line itself, does what zapcore.NewCore's Write does: a failed write
// reaches the logger's ErrorOutput, and a line above the error level
// syncs the output while lower ones do not.
func TestRenderedWriteLikeNewCore(t *testing.T) {
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled}))
	run := func(enc zapcore.Encoder, fail bool) (out *syncCounter, errOut string) {
		out = &syncCounter{}
		if fail {
			out.err = errors.New("disk full")
		}
		var eb bytes.Buffer
		l := zap.New(NewCore(zapcore.NewCore(enc, out, zapcore.DebugLevel)), zap.ErrorOutput(zapcore.AddSync(&eb)))
		l.Error("stored", Context(ctx))
		if out.syncs != 0 {
			t.Errorf("an error line synced the output %d times", out.syncs)
		}
		l.DPanic("stored", Context(ctx))
		return out, eb.String()
	}
	for _, fail := range []bool{false, true} {
		theirs, theirErr := run(zapcore.NewJSONEncoder(encoderConfig), fail)
		ours, ourErr := run(NewJSONEncoder(encoderConfig), fail)
		// A failed write returns before the sync.
		if want := map[bool]int{false: 1, true: 0}[fail]; ours.syncs != theirs.syncs || ours.syncs != want {
			t.Errorf("fail=%v: a DPanic line synced %d times, zap's core %d, want %d", fail, ours.syncs, theirs.syncs, want)
		}
		if fail {
			if strings.Count(ourErr, "write error: disk full") != 2 || strings.Count(theirErr, "write error: disk full") != 2 {
				t.Errorf("write errors not reported twice:\nours:  %q\nzap's: %q", ourErr, theirErr)
			}
			continue
		}
		if ourErr != "" || !strings.Contains(ours.String(), `"trace_id":"01000000000000000000000000000000"`) {
			t.Errorf("rendered lines: %q (error output %q)", ours.String(), ourErr)
		}
	}
}

// TestRenderedWithoutOutput pins the path for a zap release whose
// zapcore.NewCore keeps its output under another name: the bridge then
// hands the span to the encoder through the core's own Write, and lines
// are the same.
func TestRenderedWithoutOutput(t *testing.T) {
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled}))
	line := func() (string, *core) {
		var b bytes.Buffer
		c := NewCore(zapcore.NewCore(NewJSONEncoder(encoderConfig), zapcore.AddSync(&b), zapcore.DebugLevel)).(*core)
		zap.New(c).Info("stored", Context(ctx), zap.String("form", "baseline"))
		return b.String(), c
	}
	direct, dc := line()
	saved := ioCoreOutOffset
	ioCoreOutOffset = noOffset
	defer func() { ioCoreOutOffset = saved }()
	through, tc := line()
	if dc.out == nil || tc.out != nil || !tc.render {
		t.Fatalf("paths not taken: direct core writes itself %v, fallback writes itself %v (renders %v)", dc.out != nil, tc.out != nil, tc.render)
	}
	if direct != through || !strings.Contains(direct, `"span_id":"0200000000000000"`) {
		t.Errorf("lines differ:\nwritten by the bridge: %q\nthrough the core:      %q", direct, through)
	}
}
