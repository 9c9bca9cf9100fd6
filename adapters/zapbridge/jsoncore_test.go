package zapbridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// zapWithFields logs through zap's own JSON core, with the bridge's fields
// for sc given as ordinary fields after the line's fields: the line that
// NewJSONCore must write byte for byte.
func zapWithFields(cfg zapcore.EncoderConfig, b *bridge.Bridge, sc trace.SpanContext, log func(*zap.Logger, ...zap.Field)) string {
	var buf bytes.Buffer
	log(zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(&buf), zapcore.DebugLevel)), inline(b.SpanFields(sc)))
	return buf.String()
}

// TestJSONCoreBytes: NewJSONCore writes zap's line byte for byte, with the
// trace fields after the line's other fields, under every line ending and
// set of keys, with a stack trace, and without a span.
func TestJSONCoreBytes(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	sc := trace.SpanContextFromContext(ctx)
	full := zap.NewProductionEncoderConfig()
	full.TimeKey = "" // deterministic
	cfgs := map[string]zapcore.EncoderConfig{
		"production":             full,
		"CRLF":                   {MessageKey: "msg", LineEnding: "\r\n"},
		"no line ending":         {MessageKey: "msg", SkipLineEnding: true},
		"no keys at all":         {},
		"ending with '}'":        {MessageKey: "msg", LineEnding: "}\n"},
		"a 300-byte line ending": {MessageKey: "msg", LineEnding: strings.Repeat(" ", 299) + "\n"},
	}
	calls := map[string]func(l *zap.Logger, bridge ...zap.Field){
		"span": func(l *zap.Logger, bridge ...zap.Field) {
			l.Info("m", append([]zap.Field{zap.String("a", "b")}, bridge...)...)
		},
		"span, hand-written trace_id": func(l *zap.Logger, bridge ...zap.Field) {
			if len(bridge) > 0 {
				bridge = append(bridge, zap.String("trace_id", "hand"))
			}
			l.Info("m", append([]zap.Field{zap.String("a", "b")}, bridge...)...)
		},
		"span, zap.Any": func(l *zap.Logger, bridge ...zap.Field) {
			if len(bridge) > 0 {
				bridge = []zap.Field{zap.Any("ctx", bridge[0].Interface)}
			}
			l.Info("m", append(bridge, zap.String("a", "b"))...)
		},
		"span, error with stack": func(l *zap.Logger, bridge ...zap.Field) {
			l.WithOptions(zap.AddStacktrace(zapcore.ErrorLevel)).Error("m", append([]zap.Field{zap.Error(errors.New("x"))}, bridge...)...)
		},
		"span, no other field": func(l *zap.Logger, bridge ...zap.Field) { l.Info("m", bridge...) },
		"bound field":          func(l *zap.Logger, bridge ...zap.Field) { l.With(zap.Int("n", 1)).Warn("m", bridge...) },
		"no span":              func(l *zap.Logger, bridge ...zap.Field) { l.Info("m", zap.String("a", "b")) },
	}
	services := []string{"", "questionnaire", `q"s`, "tab\there", "del\x7f", strings.Repeat("s", 300)}
	for cfgName, cfg := range cfgs {
		end := "}" + cfg.LineEnding
		if cfg.LineEnding == "" {
			end = "}\n"
		}
		if cfg.SkipLineEnding {
			end = "}"
		}
		for what, call := range calls {
			for _, service := range services {
				var opts []logbridge.Option
				if service != "" {
					opts = append(opts, logbridge.WithService(service))
				}
				var outs [2]bytes.Buffer
				loggers := [2]*zap.Logger{
					zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(&outs[0]), zapcore.DebugLevel)),
					zap.New(NewJSONCore(cfg, zapcore.AddSync(&outs[1]), zapcore.DebugLevel, opts...)),
				}
				for i, bridge := range [2][]zap.Field{nil, {Context(ctx)}} {
					call(loggers[i], bridge...) // one call site: the same stack
				}
				want := outs[0].String()
				if what != "no span" {
					// zap's line, and the span's fields as zap's encoder
					// writes them, inserted before its end.
					x := string(appendZapMembers(nil, false, []zapcore.Field{inline(bridge.New(opts...).SpanFields(sc))}))
					body := strings.TrimSuffix(want, end)
					if !strings.HasSuffix(body, "{") {
						x = "," + x
					}
					want = body + x + end
				}
				if got := outs[1].String(); got != want {
					t.Errorf("%s, %s, service %q:\n got %q\nwant %q", cfgName, what, service, got, want)
				}
			}
		}
	}
}

// TestJSONCoreTemplate pins when the bridge renders the span's fields from
// logbridge's template (it writes them as zap's encoder does) and when zap's
// encoder writes them (the template escapes some text otherwise).
func TestJSONCoreTemplate(t *testing.T) {
	tests := []struct {
		name string
		opts []logbridge.Option
		want bool
	}{
		{"OTel", nil, true},
		{"every profile and a service", []logbridge.Option{logbridge.WithService("questionnaire"),
			logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("epro"), logbridge.GoZero)}, true},
		{"service with a quote", []logbridge.Option{logbridge.WithService(`q"s`)}, true},
		{"service with HTML", []logbridge.Option{logbridge.WithService("<b>&")}, true},
		{"service with DEL", []logbridge.Option{logbridge.WithService("del\x7f")}, false},
		{"service with a tab", []logbridge.Option{logbridge.WithService("a\tb")}, true},
		{"service with a form feed", []logbridge.Option{logbridge.WithService("a\fb")}, false},
	}
	for _, tt := range tests {
		c := NewJSONCore(encoderConfig, zapcore.AddSync(&bytes.Buffer{}), zapcore.InfoLevel, tt.opts...)
		if got := c.tmpl != nil; got != tt.want {
			t.Errorf("%s: renders from the template %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestJSONCoreUnexpectedEnd: were zap's encoder to end a line otherwise
// than the core expects, zap's encoder writes the span's fields itself,
// first among the line's, and the line is still zap's.
func TestJSONCoreUnexpectedEnd(t *testing.T) {
	ctx := withBaggage(spanCtx(testTraceID, testSpanID, trace.FlagsSampled), "trial_id", "T-1")
	sc := trace.SpanContextFromContext(ctx)
	opts := []logbridge.Option{logbridge.WithBaggage("trial_id")}
	var buf bytes.Buffer
	c := NewJSONCore(encoderConfig, zapcore.AddSync(&buf), zapcore.InfoLevel, opts...)
	c.end = []byte("}\r\n")
	zap.New(c).Info("m", zap.String("trace_id", "hand"), Context(ctx), zap.Int("n", 1))
	want := zapWithFields(encoderConfig, bridge.New(opts...), sc, func(l *zap.Logger, bridge ...zap.Field) {
		l.Info("m", append(bridge, zap.String("trial_id", "T-1"), zap.Int("n", 1))...)
	})
	if buf.String() != want {
		t.Errorf("got  %q\nwant %q", buf.String(), want)
	}
}

// TestJSONCoreNamespace: the bridge's fields stay at the top level of the
// line when a zap.Namespace is open, from With or in the call.
func TestJSONCoreNamespace(t *testing.T) {
	ctx := withBaggage(spanCtx(testTraceID, testSpanID, trace.FlagsSampled), "trial_id", "T-1")
	for name, log := range map[string]func(*zap.Logger){
		"With": func(l *zap.Logger) {
			l.With(zap.Namespace("ns"), zap.Int("a", 1)).Info("m", Context(ctx), zap.Int("b", 2))
		},
		"the call": func(l *zap.Logger) { l.Info("m", zap.Namespace("ns"), zap.Int("b", 2), Context(ctx)) },
		"bound":    func(l *zap.Logger) { l.With(Context(ctx), zap.Namespace("ns")).Info("m", zap.Int("b", 2)) },
		"nested": func(l *zap.Logger) {
			l.With(zap.Namespace("ns"), zap.Namespace("in")).Info("m", zap.Int("b", 2), Context(ctx))
		},
	} {
		var buf bytes.Buffer
		log(zap.New(NewJSONCore(encoderConfig, zapcore.AddSync(&buf), zapcore.InfoLevel, logbridge.WithBaggage("trial_id"))))
		var obj map[string]any
		if err := json.Unmarshal(buf.Bytes(), &obj); err != nil {
			t.Fatalf("%s: %v: %s", name, err, buf.String())
		}
		if obj["trace_id"] != tid || obj["span_id"] != sid || obj["trace_flags"] != "01" || obj["trial_id"] != "T-1" {
			t.Errorf("%s: the bridge's fields are not at the top level: %s", name, buf.String())
		}
		if _, ok := obj["ns"].(map[string]any); !ok {
			t.Errorf("%s: the namespace is lost: %s", name, buf.String())
		}
	}
}

// TestNewCoreNamespace: the same through NewCore, which keeps the fields
// With binds from a namespace on and writes them after its own.
func TestNewCoreNamespace(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, trace.FlagsSampled)
	var buf bytes.Buffer
	l := zap.New(NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(&buf), zapcore.InfoLevel)))
	l.With(zap.String("top", "t"), zap.Namespace("ns"), zap.Int("a", 1)).Info("m", Context(ctx), zap.Int("b", 2))
	want := `{"level":"info","msg":"m","top":"t","trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01","ns":{"a":1,"b":2}}` + "\n"
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
}
