//go:build !race

package slogbridge

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// TestAllocs pins what the handler adds to the allocations of the same call
// through the bare JSONHandler.
func TestAllocs(t *testing.T) {
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	bare := slog.New(slog.NewJSONHandler(io.Discard, nil))
	otel := slog.New(NewHandler(slog.NewJSONHandler(io.Discard, nil)))
	tests := []struct {
		name   string
		logger *slog.Logger
		log    func(l *slog.Logger)
		added  float64
	}{
		{"no attributes", otel, func(l *slog.Logger) { l.InfoContext(ctx, "form stored") }, 0},
		{"two attributes", otel, func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2))
		}, 0},
		{"two attributes, key-value form", otel, func(l *slog.Logger) { l.InfoContext(ctx, "form stored", "form", "F1", "n", 2) }, 0},
		{"With attributes and two", otel.With("app", "epro", "route", "/forms"), func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2))
		}, 0},
		{"no span", otel, func(l *slog.Logger) {
			l.LogAttrs(context.Background(), slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2))
		}, 0},
		{"GCP", slog.New(NewHandler(slog.NewJSONHandler(io.Discard, nil), logbridge.WithProfile(logbridge.GCP("epro")))), func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2))
		}, 0},
		{"disabled level", otel, func(l *slog.Logger) { l.DebugContext(ctx, "form stored", "form", "F1") }, 0},
		// Past five attributes slog allocates the record's overflow array.
		{"three attributes", otel, func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2), slog.Bool("ok", true))
		}, 1},
		{"four attributes", otel, func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2), slog.Bool("ok", true), slog.Int("m", 3))
		}, 1},
		{"two profiles and a service", slog.New(NewHandler(slog.NewJSONHandler(io.Discard, nil),
			logbridge.WithProfile(logbridge.OTel, logbridge.Datadog), logbridge.WithService("svc"))), func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2))
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.log(tt.logger) // the span's first line encodes its fields
			base := testing.AllocsPerRun(500, func() { tt.log(bare) })
			got := testing.AllocsPerRun(500, func() { tt.log(tt.logger) })
			if got-base != tt.added {
				t.Errorf("added %v allocs per line (%v with the handler, %v bare), want %v", got-base, got, base, tt.added)
			}
		})
	}
}

// TestAllocsFirstLine pins the cost of a span's first line: one allocation,
// the span's encoded fields.
func TestAllocsFirstLine(t *testing.T) {
	if got := firstLineAllocs(slog.New(NewHandler(slog.NewJSONHandler(io.Discard, nil))), 1); got != 1 {
		t.Errorf("first line of a span adds %v allocs, want 1", got)
	}
}

// TestAllocsInGroup pins what an open group costs: the caller's attributes
// and each group level are rebuilt, the trace fields are not.
func TestAllocsInGroup(t *testing.T) {
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	l := slog.New(NewHandler(slog.NewJSONHandler(io.Discard, nil))).WithGroup("request")
	l.InfoContext(ctx, "m")
	bare := slog.New(slog.NewJSONHandler(io.Discard, nil)).WithGroup("request")
	log := func(l *slog.Logger) func() {
		return func() { l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2)) }
	}
	base := testing.AllocsPerRun(500, log(bare))
	// The caller's attributes gathered, the group's members, and the
	// group's attribute slice.
	if got := testing.AllocsPerRun(500, log(l)); got-base != 3 {
		t.Errorf("a line in a group adds %v allocs, want 3", got-base)
	}
}

// TestAllocsJSONHandler pins NewJSONHandler: nothing added to any line, an
// open group and a span's first line included: the trace fields never join
// the record, and are rendered from the span context without encoding the
// span ahead.
func TestAllocsJSONHandler(t *testing.T) {
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	two := func(l *slog.Logger) {
		l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2))
	}
	four := func(l *slog.Logger) {
		l.LogAttrs(ctx, slog.LevelInfo, "form stored", slog.String("form", "F1"), slog.Int("n", 2), slog.Bool("ok", true), slog.Int("m", 3))
	}
	bare := slog.New(slog.NewJSONHandler(io.Discard, nil))
	fast := slog.New(NewJSONHandler(io.Discard, nil))
	tests := []struct {
		name         string
		logger, bare *slog.Logger
		log          func(l *slog.Logger)
	}{
		{"two attributes", fast, bare, two},
		{"key-value form", fast, bare, func(l *slog.Logger) { l.InfoContext(ctx, "form stored", "form", "F1", "n", 2) }},
		{"four attributes", fast, bare, four},
		{"no span", fast, bare, func(l *slog.Logger) { l.InfoContext(context.Background(), "form stored", "form", "F1") }},
		{"With attributes", fast.With("app", "epro"), bare.With("app", "epro"), two},
		{"group open", fast.WithGroup("request").With("method", "POST"), bare.WithGroup("request").With("method", "POST"), four},
		{"three profiles and a service", slog.New(NewJSONHandler(io.Discard, nil,
			logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog), logbridge.WithService("svc"))), bare, two},
		{"disabled level", fast, bare, func(l *slog.Logger) { l.DebugContext(ctx, "form stored", "form", "F1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.log(tt.logger) // the span's first line encodes its fields
			base := testing.AllocsPerRun(500, func() { tt.log(tt.bare) })
			got := testing.AllocsPerRun(500, func() { tt.log(tt.logger) })
			if got != base {
				t.Errorf("added %v allocs per line (%v with the handler, %v bare), want 0", got-base, got, base)
			}
		})
	}

	if got := firstLineAllocs(fast, 2); got != 0 {
		t.Errorf("first line of a span adds %v allocs, want 0", got)
	}

	// With a ReplaceAttr that keeps the trace fields: spliced, nothing
	// added once a span's fields are encoded, one allocation on its first
	// line (the fields, encoded to be offered to ReplaceAttr).
	keep := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.MessageKey {
			a.Key = "message"
		}
		return a
	}}
	replBare := slog.New(slog.NewJSONHandler(io.Discard, keep))
	repl := slog.New(NewJSONHandler(io.Discard, keep))
	two(repl)
	base := testing.AllocsPerRun(500, func() { two(replBare) })
	if got := testing.AllocsPerRun(500, func() { two(repl) }); got != base {
		t.Errorf("with ReplaceAttr: added %v allocs per line, want 0", got-base)
	}
	if got := firstLineAllocsOver(replBare, repl, 4); got > 1 {
		t.Errorf("with ReplaceAttr: first line of a span adds %v allocs, want at most 1", got)
	}
}

// firstLineAllocs returns what l adds to the bare JSONHandler's allocations
// on lines that each start a new span; the spans' ids start with tag.
func firstLineAllocs(l *slog.Logger, tag byte) float64 {
	return firstLineAllocsOver(slog.New(slog.NewJSONHandler(io.Discard, nil)), l, tag)
}

// firstLineAllocsOver is firstLineAllocs against the given bare logger.
func firstLineAllocsOver(bare, l *slog.Logger, tag byte) float64 {
	var n uint64
	newSpan := func() context.Context {
		n++
		s := trace.SpanID{tag, byte(n), byte(n >> 8), 3, 4, 5, 6, 7}
		return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: s}))
	}
	base := testing.AllocsPerRun(200, func() { bare.LogAttrs(newSpan(), slog.LevelInfo, "m", slog.String("form", "F1")) })
	return testing.AllocsPerRun(200, func() { l.LogAttrs(newSpan(), slog.LevelInfo, "m", slog.String("form", "F1")) }) - base
}
