package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/adapters/zerologbridge"
	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

var update = flag.Bool("update", false, "rewrite the golden files from the zap adapter's output")

// The span every adapter logs under.
var sc = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
	SpanID:     trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31},
	TraceFlags: trace.FlagsSampled,
	Remote:     true,
})

var profiles = []struct {
	name    string
	profile logbridge.Profile
}{
	{"otel", logbridge.OTel},
	{"ecs", logbridge.ECS},
	{"datadog", logbridge.Datadog},
	{"gcp", logbridge.GCP("epro-prod")},
	{"gozero", logbridge.GoZero},
}

// adapter logs one line, "form stored" with form=PHQ-9, under ctx and
// returns the JSON object written.
type adapter struct {
	name string
	log  func(ctx context.Context, opts []logbridge.Option) []byte
}

var adapters = []adapter{
	{"zap", zapLine(zapcore.NewJSONEncoder, func(ctx context.Context) zap.Field { return zapbridge.Context(ctx) })},
	{"zap-any", zapLine(zapcore.NewJSONEncoder, func(ctx context.Context) zap.Field { return zap.Any("ctx", ctx) })},
	{"zap-jsoncore", func(ctx context.Context, opts []logbridge.Option) []byte {
		var buf bytes.Buffer
		l := zap.New(zapbridge.NewJSONCore(zapConfig, zapcore.AddSync(&buf), zapcore.DebugLevel, opts...))
		l.Info("form stored", zap.String("form", "PHQ-9"), zapbridge.Context(ctx))
		return buf.Bytes()
	}},
	{"zerolog", func(ctx context.Context, opts []logbridge.Option) []byte {
		var buf bytes.Buffer
		l := zerolog.New(&buf).Hook(zerologbridge.NewHook(opts...))
		l.Info().Ctx(ctx).Str("form", "PHQ-9").Msg("form stored")
		return buf.Bytes()
	}},
	// The hook installed twice and the caller's own trace and span fields
	// under every profile's keys, behind the Writer: ours win, once.
	{"zerolog-writer", func(ctx context.Context, opts []logbridge.Option) []byte {
		var buf bytes.Buffer
		h := zerologbridge.NewHook(opts...)
		l := zerolog.New(zerologbridge.NewWriter(&buf, opts...)).Hook(h, h)
		e := l.Info().Ctx(ctx)
		for _, p := range profiles {
			e = e.Str(p.profile.TraceKey(), "caller's").Str(p.profile.SpanKey(), "caller's")
		}
		e.Str("form", "PHQ-9").Msg("form stored")
		return buf.Bytes()
	}},
	{"slog", func(ctx context.Context, opts []logbridge.Option) []byte {
		var buf bytes.Buffer
		noTime := func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
		l := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime}), opts...))
		l.InfoContext(ctx, "form stored", "form", "PHQ-9")
		return buf.Bytes()
	}},
	// No ReplaceAttr here, which would take NewJSONHandler off its spliced
	// path: the line keeps its time, which the test ignores.
	{"slog-json", func(ctx context.Context, opts []logbridge.Option) []byte {
		var buf bytes.Buffer
		slog.New(slogbridge.NewJSONHandler(&buf, nil, opts...)).InfoContext(ctx, "form stored", "form", "PHQ-9")
		return buf.Bytes()
	}},
}

// zapLine is the zap adapter with the encoder newEnc, given the context as
// the field ctxField makes.
func zapLine(newEnc func(zapcore.EncoderConfig) zapcore.Encoder, ctxField func(context.Context) zap.Field) func(context.Context, []logbridge.Option) []byte {
	return func(ctx context.Context, opts []logbridge.Option) []byte {
		var buf bytes.Buffer
		enc := newEnc(zapConfig)
		l := zap.New(zapbridge.NewCore(zapcore.NewCore(enc, zapcore.AddSync(&buf), zapcore.DebugLevel), opts...))
		l.Info("form stored", zap.String("form", "PHQ-9"), ctxField(ctx))
		return buf.Bytes()
	}
}

// zapConfig writes no time, so that zap's lines are deterministic.
var zapConfig = zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder}

// traceKeys keeps the keys a profile owns (trace, span, flags, service)
// from a line.
func traceKeys(t *testing.T, line []byte, owns func(string) bool) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(line, &obj); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, line)
	}
	out := map[string]any{}
	for k, v := range obj {
		if owns(k) {
			out[k] = v
		}
	}
	return out
}

func TestConformance(t *testing.T) {
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), sc)
	for _, p := range profiles {
		t.Run(p.name, func(t *testing.T) {
			opts := []logbridge.Option{logbridge.WithProfile(p.profile), logbridge.WithService("questionnaire")}
			owns := bridge.New(opts...).Owns
			golden := filepath.Join("testdata", p.name+".json")
			if *update {
				got := traceKeys(t, adapters[0].log(ctx, opts), owns)
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("golden file: %v (run go test -update once)", err)
			}
			var want map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			checkAgainstSpanContext(t, p.profile, want)
			for _, a := range adapters {
				t.Run(a.name, func(t *testing.T) {
					line := a.log(ctx, opts)
					got := traceKeys(t, line, owns)
					if !equal(got, want) {
						t.Errorf("trace keys differ from %s\n got %v\nwant %v\nline %s", golden, got, want, line)
					}
					// The context itself never reaches the line.
					if bytes.Contains(line, []byte("context.Background")) || bytes.Contains(line, []byte("WithValue")) {
						t.Errorf("the context leaked into the line: %s", line)
					}
					// Exactly once each: a JSON object with a duplicate key
					// decodes fine, so count the raw occurrences.
					for k := range want {
						if n := bytes.Count(line, []byte(`"`+k+`":`)); n != 1 {
							t.Errorf("key %q written %d times: %s", k, n, line)
						}
					}
				})
			}
		})
	}
}

// checkAgainstSpanContext ties the golden values to OpenTelemetry's own
// rendering of the span context, so a wrong golden file cannot pass.
func checkAgainstSpanContext(t *testing.T, p logbridge.Profile, want map[string]any) {
	t.Helper()
	tid, sid := sc.TraceID().String(), sc.SpanID().String()
	switch p.Name() {
	case "gcp":
		tid = "projects/epro-prod/traces/" + tid
	case "datadog":
		sid = "13235353014750950193" // 0xb7ad6b7169203331
	}
	if want[p.TraceKey()] != tid || want[p.SpanKey()] != sid {
		t.Errorf("golden %s: %s=%v %s=%v, want %s and %s", p.Name(), p.TraceKey(), want[p.TraceKey()], p.SpanKey(), want[p.SpanKey()], tid, sid)
	}
	if k := p.FlagsKey(); k != "" {
		var wantFlags any = sc.TraceFlags().String()
		if p.Name() == "gcp" {
			wantFlags = true
		}
		if want[k] != wantFlags {
			t.Errorf("golden %s: %s=%v, want %v", p.Name(), k, want[k], wantFlags)
		}
	}
	if want[p.ServiceKey()] != "questionnaire" {
		t.Errorf("golden %s: %s=%v, want questionnaire", p.Name(), p.ServiceKey(), want[p.ServiceKey()])
	}
}

func equal(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// callerKeyAdapter logs one line with the caller's own fields, named like
// the bridge's, and the context ctx (bound to a child logger when bind is
// set), and returns the line.
type callerKeyAdapter struct {
	name string
	log  func(ctx context.Context, bind bool, opts []logbridge.Option, own map[string]string) []byte
}

// callerKeyAdapters are the adapters held to the rule for a caller's own
// field named like one of the bridge's.
var callerKeyAdapters = []callerKeyAdapter{
	{"zap", zapOwnKeys(func(opts []logbridge.Option, buf *bytes.Buffer) zapcore.Core {
		return zapbridge.NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(zapConfig), zapcore.AddSync(buf), zapcore.DebugLevel), opts...)
	})},
	{"zap-jsoncore", zapOwnKeys(func(opts []logbridge.Option, buf *bytes.Buffer) zapcore.Core {
		return zapbridge.NewJSONCore(zapConfig, zapcore.AddSync(buf), zapcore.DebugLevel, opts...)
	})},
	// A zerolog Hook cannot see the caller's fields; behind the Writer the
	// rule holds.
	{"zerolog-writer", func(ctx context.Context, bind bool, opts []logbridge.Option, own map[string]string) []byte {
		var buf bytes.Buffer
		l := zerolog.New(zerologbridge.NewWriter(&buf, opts...)).Hook(zerologbridge.NewHook(opts...))
		if bind {
			c := l.With().Ctx(ctx)
			for _, k := range sortedKeys(own) {
				c = c.Str(k, own[k])
			}
			l = c.Logger()
			l.Info().Msg("form stored")
		} else {
			e := l.Info().Ctx(ctx)
			for _, k := range sortedKeys(own) {
				e = e.Str(k, own[k])
			}
			e.Msg("form stored")
		}
		return buf.Bytes()
	}},
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// zapOwnKeys logs through the core newCore makes, the caller's fields given
// with the line or, when bind is set, with the context to With.
func zapOwnKeys(newCore func([]logbridge.Option, *bytes.Buffer) zapcore.Core) func(context.Context, bool, []logbridge.Option, map[string]string) []byte {
	return func(ctx context.Context, bind bool, opts []logbridge.Option, own map[string]string) []byte {
		var buf bytes.Buffer
		fields := []zap.Field{zapbridge.Context(ctx)}
		for k, v := range own {
			fields = append(fields, zap.String(k, v))
		}
		l := zap.New(newCore(opts, &buf))
		if bind {
			l.With(fields...).Info("form stored")
		} else {
			l.Info("form stored", fields...)
		}
		return buf.Bytes()
	}
}

// TestCallerKeys pins one rule for a caller's own field whose key the
// bridge writes (a hand-written trace_id, a service.name, a baggage member):
// when the line has a valid span, the bridge's fields are written exactly
// once and the caller's field is dropped (ours win); without a valid span
// the caller's field passes untouched. The context is never printed.
func TestCallerKeys(t *testing.T) {
	opts := []logbridge.Option{logbridge.WithService("questionnaire"), logbridge.WithBaggage("trial_id")}
	own := map[string]string{"trace_id": "mine", "span_id": "mine", "trace_flags": "mine", "service.name": "mine", "trial_id": "mine"}
	withSpan := baggageContext(t, trace.ContextWithRemoteSpanContext(context.Background(), sc), "T-17")
	ours := map[string]any{"trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String(), "trace_flags": "01",
		"service.name": "questionnaire", "trial_id": "T-17"}
	mine := map[string]any{"trace_id": "mine", "span_id": "mine", "trace_flags": "mine", "service.name": "mine", "trial_id": "mine"}
	tests := []struct {
		name string
		ctx  context.Context
		want map[string]any
	}{
		{"valid span: ours win", withSpan, ours},
		{"no span: the caller's stay", context.Background(), mine},
	}
	for _, a := range callerKeyAdapters {
		for _, tt := range tests {
			for _, bind := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/bound=%v", a.name, tt.name, bind), func(t *testing.T) {
					line := a.log(tt.ctx, bind, opts, own)
					got := traceKeys(t, line, func(k string) bool { _, ok := ours[k]; return ok })
					if !equal(got, tt.want) {
						t.Errorf("got %v, want %v\nline %s", got, tt.want, line)
					}
					for k := range tt.want {
						if n := bytes.Count(line, []byte(`"`+k+`":`)); n != 1 {
							t.Errorf("key %q written %d times: %s", k, n, line)
						}
					}
					if bytes.Contains(line, []byte("context.Background")) || bytes.Contains(line, []byte("WithValue")) {
						t.Errorf("the context leaked into the line: %s", line)
					}
				})
			}
		}
	}
}

// baggageContext returns ctx with the baggage member trial_id=value.
func baggageContext(t *testing.T, ctx context.Context, value string) context.Context {
	t.Helper()
	m, err := baggage.NewMemberRaw("trial_id", value)
	if err != nil {
		t.Fatal(err)
	}
	b, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return baggage.ContextWithBaggage(ctx, b)
}
