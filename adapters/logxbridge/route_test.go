package logxbridge

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/adapters/zerologbridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// routeTargets builds each routing writer over a real logger wrapped by
// its Traceline adapter, writing JSON to a buffer.
var routeTargets = []struct {
	name     string
	msgKey   string
	levelKey string
	build    func(out *syncBuffer, opts ...logbridge.Option) logx.Writer
}{
	{"zap", "msg", "level", func(out *syncBuffer, opts ...logbridge.Option) logx.Writer {
		enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
		core := zapcore.NewCore(enc, zapcore.AddSync(out), zapcore.DebugLevel)
		return NewZapWriter(zap.New(zapbridge.NewCore(core, opts...)), opts...)
	}},
	{"zerolog", "message", "level", func(out *syncBuffer, opts ...logbridge.Option) logx.Writer {
		return NewZerologWriter(zerolog.New(out).Hook(zerologbridge.NewHook(opts...)), opts...)
	}},
	{"slog", "msg", "level", func(out *syncBuffer, opts ...logbridge.Option) logx.Writer {
		h := slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})
		return NewSlogWriter(slogbridge.NewHandler(h, opts...), opts...)
	}},
}

func decodeJSONLine(t *testing.T, out *syncBuffer) (map[string]any, string) {
	t.Helper()
	got := lines(out.take())
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1: %q", len(got), got)
	}
	// Every key once: decode into a map and count the keys of the raw line.
	var m map[string]any
	if err := json.Unmarshal([]byte(got[0]), &m); err != nil {
		t.Fatalf("line %s: %v", got[0], err)
	}
	d := json.NewDecoder(strings.NewReader(got[0]))
	d.Token()
	n := 0
	for d.More() {
		d.Token()
		var skip json.RawMessage
		d.Decode(&skip)
		n++
	}
	if n != len(m) {
		t.Errorf("a key is written twice in %s", got[0])
	}
	return m, got[0]
}

// TestRouteThroughLogx routes real logx calls into each logger and checks
// the golden trace fields, the message, level and the caller's fields.
func TestRouteThroughLogx(t *testing.T) {
	opts := []logbridge.Option{logbridge.WithService("gateway"), logbridge.WithBaggage("trial_id")}
	calls := []struct {
		name  string
		log   func(ctx context.Context)
		msg   string
		level string
	}{
		{"Infow", func(ctx context.Context) { logx.WithContext(ctx).Infow("form stored", logx.Field("form", "F-1")) }, "form stored", "info"},
		{"Errorw", func(ctx context.Context) {
			logx.WithContext(ctx).Errorw("store failed", logx.Field("form", "F-1"), logx.Field("err", errors.New("disk full")))
		}, "store failed", "error"},
		{"Slowf", func(ctx context.Context) { logx.WithContext(ctx).Slowf("slow %s", "form") }, "slow form", "warn"},
		{"Debugw", func(ctx context.Context) { logx.WithContext(ctx).Debugw("form read", logx.Field("form", "F-1")) }, "form read", "debug"},
	}
	for _, target := range routeTargets {
		for _, c := range calls {
			t.Run(target.name+"/"+c.name, func(t *testing.T) {
				out := &syncBuffer{}
				logx.SetWriter(target.build(out, opts...))
				defer logx.SetWriter(logx.NewWriter(os.Stderr))
				ctx := NewEnricher(opts...).Context(goldenContext(trace.FlagsSampled))
				c.log(ctx)
				m, raw := decodeJSONLine(t, out)
				want := map[string]any{
					"trace_id": goldenTrace, "span_id": goldenSpan, "trace_flags": "01",
					"service.name": "gateway", target.msgKey: c.msg,
				}
				for k, v := range want {
					if m[k] != v {
						t.Errorf("%s = %v, want %v in %s", k, m[k], v, raw)
					}
				}
				if lvl, _ := m[target.levelKey].(string); !strings.EqualFold(lvl, c.level) {
					t.Errorf("level %v, want %s in %s", m[target.levelKey], c.level, raw)
				}
				for _, k := range []string{"trace", "span"} {
					if _, ok := m[k]; ok {
						t.Errorf("logx's %s passed on: %s", k, raw)
					}
				}
				if _, ok := m["caller"]; !ok {
					t.Errorf("logx's caller field lost: %s", raw)
				}
			})
		}
	}
}

// TestRouteNeverExits writes Severe, Stack and Alert lines and closes each
// routing writer: the test process still runs afterwards.
func TestRouteNeverExits(t *testing.T) {
	for _, target := range routeTargets {
		t.Run(target.name, func(t *testing.T) {
			out := &syncBuffer{}
			w := target.build(out)
			w.Severe("severe line")
			w.Stack("goroutine 1 [running]:")
			w.Alert("alert line")
			w.Info(struct{ Form string }{"F-1"})
			if err := w.Close(); err != nil && !strings.Contains(err.Error(), "sync") {
				t.Errorf("Close: %v", err)
			}
			got := lines(out.take())
			if len(got) != 4 {
				t.Fatalf("got %d lines, want 4: %q", len(got), got)
			}
			for _, l := range got[:3] {
				if !strings.Contains(strings.ToLower(l), `"error"`) {
					t.Errorf("line not at error level: %s", l)
				}
			}
			if !strings.Contains(got[3], `"content":{"Form":"F-1"}`) {
				t.Errorf("a value logged with Infov is not kept under content: %s", got[3])
			}
		})
	}
}

// TestRouteWithoutSpan checks a line without ids gets no trace fields.
func TestRouteWithoutSpan(t *testing.T) {
	for _, target := range routeTargets {
		t.Run(target.name, func(t *testing.T) {
			out := &syncBuffer{}
			w := target.build(out)
			w.Info("no span", logx.Field("trace", "not an id"))
			m, raw := decodeJSONLine(t, out)
			for _, k := range []string{"trace_id", "span_id", "trace_flags"} {
				if _, ok := m[k]; ok {
					t.Errorf("%s written without a span: %s", k, raw)
				}
			}
			if m["trace"] != "not an id" {
				t.Errorf("a field that is not an id was dropped: %s", raw)
			}
		})
	}
}
