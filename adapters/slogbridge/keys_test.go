package slogbridge

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// TestOursWin pins the rule every adapter follows for a caller's attribute
// under a key the line carries a field of ours under: ours is written once,
// the caller's is dropped; elsewhere the caller's is written as given.
func TestOursWin(t *testing.T) {
	span := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	otel := `"trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01"`
	tests := []struct {
		name string
		opts []logbridge.Option
		log  func(l *slog.Logger)
		want string
	}{
		{"record attribute dropped", nil, func(l *slog.Logger) { l.InfoContext(span, "m", "trace_id", "mine", "a", 1) },
			`{"level":"INFO","msg":"m","a":1,` + otel + `}`},
		{"every key of ours", nil, func(l *slog.Logger) {
			l.InfoContext(span, "m", "span_id", 1, "trace_flags", "00", "a", 1)
		}, `{"level":"INFO","msg":"m","a":1,` + otel + `}`},
		{"no span: kept", nil, func(l *slog.Logger) { l.InfoContext(context.Background(), "m", "trace_id", "mine") },
			`{"level":"INFO","msg":"m","trace_id":"mine"}`},
		{"inside a group: kept", nil, func(l *slog.Logger) { l.InfoContext(span, "m", slog.Group("g", "trace_id", "mine")) },
			`{"level":"INFO","msg":"m","g":{"trace_id":"mine"},` + otel + `}`},
		{"inside WithGroup: kept", nil, func(l *slog.Logger) { l.WithGroup("g").InfoContext(span, "m", "trace_id", "mine") },
			`{"level":"INFO","msg":"m","g":{"trace_id":"mine"},` + otel + `}`},
		{"inlined group: dropped", nil, func(l *slog.Logger) {
			l.InfoContext(span, "m", slog.Group("", "trace_id", "mine", "a", 1))
		}, `{"level":"INFO","msg":"m","a":1,` + otel + `}`},
		{"group named like ours: dropped", nil, func(l *slog.Logger) {
			l.InfoContext(span, "m", slog.Group("trace_id", "a", 1), "b", 2)
		}, `{"level":"INFO","msg":"m","b":2,` + otel + `}`},
		{"WithGroup named like ours: dropped", nil, func(l *slog.Logger) {
			l.With("b", 2).WithGroup("span_id").InfoContext(span, "m", "a", 1)
		}, `{"level":"INFO","msg":"m","b":2,` + otel + `}`},
		{"WithGroup named like ours, no span: kept", nil, func(l *slog.Logger) {
			l.WithGroup("span_id").InfoContext(context.Background(), "m", "a", 1)
		}, `{"level":"INFO","msg":"m","span_id":{"a":1}}`},
		{"With attribute dropped", nil, func(l *slog.Logger) {
			l.With("a", 1, "trace_id", "mine", "b", 2).With("c", 3).InfoContext(span, "m", "d", 4)
		}, `{"level":"INFO","msg":"m","a":1,"b":2,"c":3,"d":4,` + otel + `}`},
		{"With attribute, no span: kept in place", nil, func(l *slog.Logger) {
			l.With("a", 1, "trace_id", "mine").With("c", 3).WithGroup("g").InfoContext(context.Background(), "m", "d", 4)
		}, `{"level":"INFO","msg":"m","a":1,"trace_id":"mine","c":3,"g":{"d":4}}`},
		{"With attribute before a group dropped", nil, func(l *slog.Logger) {
			l.With("trace_flags", "mine").WithGroup("g").With("trace_id", "kept").InfoContext(span, "m", "a", 1)
		}, `{"level":"INFO","msg":"m","g":{"trace_id":"kept","a":1},` + otel + `}`},
		{"service key", []logbridge.Option{logbridge.WithService("forms")}, func(l *slog.Logger) {
			l.InfoContext(span, "m", "service.name", "mine")
		}, `{"level":"INFO","msg":"m",` + otel + `,"service.name":"forms"}`},
		{"service key, no span: kept", []logbridge.Option{logbridge.WithService("forms")}, func(l *slog.Logger) {
			l.Info("m", "service.name", "mine")
		}, `{"level":"INFO","msg":"m","service.name":"mine"}`},
		{"baggage member copied: dropped", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *slog.Logger) {
			l.InfoContext(withBaggage(t, span, "trial_id", "T-17"), "m", "trial_id", "mine")
		}, `{"level":"INFO","msg":"m",` + otel + `,"trial_id":"T-17"}`},
		{"baggage member absent: kept", []logbridge.Option{logbridge.WithBaggage("trial_id")}, func(l *slog.Logger) {
			l.InfoContext(span, "m", "trial_id", "mine")
		}, `{"level":"INFO","msg":"m","trial_id":"mine",` + otel + `}`},
		{"span from a context attribute", nil, func(l *slog.Logger) { l.Info("m", "trace_id", "mine", "ctx", span) },
			`{"level":"INFO","msg":"m",` + otel + `}`},
		{"span from With's context", nil, func(l *slog.Logger) { l.With("ctx", span).Info("m", "trace_id", "mine") },
			`{"level":"INFO","msg":"m",` + otel + `}`},
		{"Datadog keys", []logbridge.Option{logbridge.WithProfile(logbridge.Datadog)}, func(l *slog.Logger) {
			l.InfoContext(span, "m", "dd.trace_id", "mine", "trace_id", "kept")
		}, `{"level":"INFO","msg":"m","trace_id":"kept","dd.trace_id":"` + tid + `","dd.span_id":"` + sidDec + `"}`},
	}
	for _, tt := range tests {
		for _, hk := range []string{"Handler", "JSONHandler"} {
			t.Run(hk+"/"+tt.name, func(t *testing.T) {
				var buf bytes.Buffer
				var h slog.Handler = NewHandler(jsonHandler(&buf, slog.LevelInfo), tt.opts...)
				if hk == "JSONHandler" {
					h = NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}, tt.opts...)
				}
				tt.log(slog.New(h))
				if got := strings.TrimSpace(buf.String()); got != tt.want {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			})
		}
	}
}

// TestWithReturnsCopies: deriving a handler leaves the receiver as it was.
func TestWithReturnsCopies(t *testing.T) {
	span := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	for _, hk := range []string{"Handler", "JSONHandler"} {
		t.Run(hk, func(t *testing.T) {
			var buf bytes.Buffer
			var h slog.Handler = NewHandler(jsonHandler(&buf, slog.LevelInfo))
			if hk == "JSONHandler" {
				h = NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime})
			}
			base := slog.New(h).With("a", 1).WithGroup("g")
			before := func() string {
				buf.Reset()
				base.InfoContext(span, "m", "b", 2)
				return buf.String()
			}
			want := before()
			derived := []*slog.Logger{
				base.With("c", 3), base.With("trace_id", "mine"), base.With("ctx", span),
				base.WithGroup("h"), base.WithGroup("trace_id").With("d", 4),
			}
			for _, d := range derived {
				d.InfoContext(span, "derived")
				if got := before(); got != want {
					t.Errorf("after a derived logger wrote, the base writes\n%s\nwant\n%s", got, want)
				}
			}
		})
	}
}
