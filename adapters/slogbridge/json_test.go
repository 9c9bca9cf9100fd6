package slogbridge

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// handlerOps builds a handler chain the same way on two handlers.
type handlerOps func(slog.Handler) slog.Handler

// TestJSONHandlerMatchesHandler checks that NewJSONHandler writes byte for
// byte what NewHandler over slog's JSONHandler writes, case by case, and
// that the plain cases take the spliced path.
func TestJSONHandlerMatchesHandler(t *testing.T) {
	sampled := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	child := spanCtx(context.Background(), childSpanID, 0)
	with := func(args ...any) handlerOps {
		return func(h slog.Handler) slog.Handler { return slog.New(h).With(args...).Handler() }
	}
	group := func(name string) handlerOps {
		return func(h slog.Handler) slog.Handler { return h.WithGroup(name) }
	}
	tests := []struct {
		name  string
		opts  []logbridge.Option
		ops   []handlerOps
		ctx   context.Context
		attrs []any
		fast  bool // NewJSONHandler takes the spliced path
	}{
		{"sampled span", nil, nil, sampled, []any{"form", "F1"}, true},
		{"unsampled span", nil, nil, child, []any{"form", "F1"}, true},
		{"nil context", nil, nil, nil, []any{"form", "F1"}, true},
		{"no span", nil, nil, context.Background(), nil, true},
		{"no attributes", nil, nil, sampled, nil, true},
		{"ECS", []logbridge.Option{logbridge.WithProfile(logbridge.ECS)}, nil, sampled, []any{"n", 1}, true},
		{"Datadog", []logbridge.Option{logbridge.WithProfile(logbridge.Datadog)}, nil, sampled, []any{"n", 1}, true},
		{"GCP bool sampled", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("epro"))}, nil, sampled, []any{"n", 1}, true},
		{"GCP unsampled", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("epro"))}, nil, child, []any{"n", 1}, true},
		{"GoZero", []logbridge.Option{logbridge.WithProfile(logbridge.GoZero)}, nil, sampled, []any{"n", 1}, true},
		{"several profiles and a service", []logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("a-long-project-name")),
			logbridge.WithService(strings.Repeat("questionnaire-", 30))}, nil, sampled, []any{"n", 1}, true},
		{"service needing escapes", []logbridge.Option{logbridge.WithService(`q"uest<ion>naire\`)}, nil, sampled, []any{"n", 1}, false},
		{"baggage", []logbridge.Option{logbridge.WithBaggage("trial_id")}, nil, withBaggage(t, sampled, "trial_id", "T-17"), []any{"n", 1}, false},
		{"group", nil, []handlerOps{group("request")}, sampled, []any{"form", "F1"}, true},
		{"group, no attributes", nil, []handlerOps{group("request")}, sampled, nil, true},
		{"nested groups with attributes", nil, []handlerOps{with("app", "epro"), group("request"), with("method", "POST"), group("body")}, sampled, []any{"form", "F1"}, true},
		{"context given to With", nil, []handlerOps{with("ctx", sampled), group("g")}, context.Background(), []any{"n", 1}, true},
		{"record's context over With's", nil, []handlerOps{with("ctx", sampled)}, child, []any{"n", 1}, true},
		{"context among the record's attributes", nil, []handlerOps{group("g")}, nil, []any{"ctx", sampled, "n", 1}, true},
		{"context nested in a group attribute", nil, nil, nil, []any{slog.Group("req", "ctx", sampled, "id", 7)}, true},
		{"caller's own trace_id dropped", nil, nil, sampled, []any{"trace_id", "mine"}, true},
		{"caller's own trace_id kept without a span", nil, nil, context.Background(), []any{"trace_id", "mine"}, true},
		{"caller's own trace_id in a group kept", nil, []handlerOps{group("g")}, sampled, []any{"trace_id", "mine"}, true},
		{"caller's own trace_id in With dropped", nil, []handlerOps{with("trace_id", "mine", "n", 1)}, sampled, []any{"span_id", "mine"}, true},
		{"caller's own trace_id in With kept without a span", nil, []handlerOps{with("trace_id", "mine"), group("g")}, nil, []any{"n", 1}, true},
		{"empty group name", nil, []handlerOps{group("")}, sampled, []any{"n", 1}, true},
		{"escapes in the message and attributes", nil, nil, sampled, []any{"text", "a \"quoted\"\n<b>&\x00 é \xff"}, true},
	}
	// busy is how many of the handler's splicers are held by other lines:
	// none (the first splicer writes), the first (another one, deriving
	// its handler on first use), or all (NewHandler's path).
	for _, busy := range []string{"none", "first", "all"} {
		for _, tt := range tests {
			t.Run(busy+"/"+tt.name, func(t *testing.T) {
				var want, got bytes.Buffer
				root := NewJSONHandler(&got, nil, tt.opts...)
				var wh, gh slog.Handler = NewHandler(slog.NewJSONHandler(&want, nil), tt.opts...), root
				if fast := !root.slowOnly; fast != tt.fast {
					t.Fatalf("spliced path %v, want %v", fast, tt.fast)
				}
				for _, op := range tt.ops {
					wh, gh = op(wh), op(gh)
				}
				var held []*splicer
				if tt.fast && busy == "first" {
					held = root.sps[:1]
				} else if tt.fast && busy == "all" {
					held = root.sps
				}
				for _, sp := range held {
					sp.mu.Lock()
				}
				for _, h := range []slog.Handler{wh, gh} {
					r := slog.NewRecord(time.Time{}, slog.LevelWarn, "form \"stored\"", 0) // zero time: not written
					r.Add(tt.attrs...)
					if err := h.Handle(tt.ctx, r); err != nil {
						t.Fatal(err)
					}
				}
				for _, sp := range held {
					sp.mu.Unlock()
				}
				if got.String() != want.String() {
					t.Errorf("NewJSONHandler wrote\n%s\nNewHandler over JSONHandler wrote\n%s", got.String(), want.String())
				}
				lines(t, &got) // valid JSON
			})
		}
	}
}

func TestJSONHandlerSlogtest(t *testing.T) {
	var buf bytes.Buffer
	h := NewJSONHandler(&buf, nil)
	results := func() []map[string]any { return lines(t, &buf) }
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Error(err)
	}
}

// loggingValuer logs through a logger while its own line is being written.
type loggingValuer struct {
	l   *slog.Logger
	ctx context.Context
}

func (v loggingValuer) LogValue() slog.Value {
	v.l.InfoContext(v.ctx, "inner")
	return slog.StringValue("outer value")
}

// TestJSONHandlerReentrant: a LogValue that logs through the same handler
// must neither wait for the line that called it nor get its fields.
func TestJSONHandlerReentrant(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewJSONHandler(&buf, nil))
	outer := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	inner := spanCtx(context.Background(), childSpanID, 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.InfoContext(outer, "outer", "v", loggingValuer{l, inner})
		l.InfoContext(context.Background(), "inner without span", "v", loggingValuer{l, context.Background()})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock: a LogValue that logs waited for its own line")
	}
	ls := lines(t, &buf)
	if len(ls) != 4 {
		t.Fatalf("%d lines, want 4: %s", len(ls), buf.String())
	}
	want := []map[string]any{
		{"trace_id": tid, "span_id": childSid, "trace_flags": "00"},
		{"trace_id": tid, "span_id": sid, "trace_flags": "01"},
		{},
		{},
	}
	for i, m := range ls {
		if got := traceFields(m); !equalFields(got, want[i]) {
			t.Errorf("line %d (%v) carries %v, want %v", i, m["msg"], got, want[i])
		}
	}
}

// nestingValuer logs through a logger, depth levels deep, while its own
// line is being written: deeper than the handler has splicers.
type nestingValuer struct {
	l     *slog.Logger
	depth int
}

func (v nestingValuer) LogValue() slog.Value {
	if v.depth > 0 {
		sid := trace.SpanID{byte(v.depth), 1}
		v.l.InfoContext(spanCtx(context.Background(), sid, trace.FlagsSampled), "nested", "depth", v.depth-1, "v", nestingValuer{v.l, v.depth - 1})
	}
	return slog.IntValue(v.depth)
}

// TestJSONHandlerNestedBeyondSplicers: lines that log from LogValue, more
// deeply nested than there are splicers, all get written with their own
// fields.
func TestJSONHandlerNestedBeyondSplicers(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewJSONHandler(&buf, nil))
	const depth = 2*maxSplicers + 1
	done := make(chan struct{})
	go func() {
		defer close(done)
		sid := trace.SpanID{byte(depth + 1), 1}
		l.InfoContext(spanCtx(context.Background(), sid, trace.FlagsSampled), "top", "depth", depth, "v", nestingValuer{l, depth})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock")
	}
	ls := lines(t, &buf)
	if len(ls) != depth+1 {
		t.Fatalf("%d lines, want %d", len(ls), depth+1)
	}
	for _, m := range ls {
		d := int(m["depth"].(float64))
		want := trace.SpanID{byte(d + 1), 1}.String()
		if m["span_id"] != want || m["trace_id"] != tid {
			t.Errorf("line at depth %d carries %v %v, want span %s", d, m["trace_id"], m["span_id"], want)
		}
	}
}

// TestJSONHandlerReplaceAttr: with a ReplaceAttr the trace fields go
// through it like every attribute, and NewJSONHandler writes what NewHandler
// over slog's JSONHandler writes; a line whose trace fields ReplaceAttr
// keeps is spliced (the fields offered once).
func TestJSONHandlerReplaceAttr(t *testing.T) {
	upper := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		a.Key = strings.ToUpper(a.Key)
		return a
	}
	tests := []struct {
		name    string
		replace func([]string, slog.Attr) slog.Attr
		fast    bool // the trace fields offered once per line: the spliced path
	}{
		{"keys renamed, trace keys too", upper, false},
		{"time dropped, msg renamed: trace fields kept", func(groups []string, a slog.Attr) slog.Attr {
			switch {
			case len(groups) == 0 && a.Key == slog.TimeKey:
				return slog.Attr{}
			case len(groups) == 0 && a.Key == slog.MessageKey:
				a.Key = "message"
			}
			return a
		}, true},
		{"trace id redacted", func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			if a.Key == "trace_id" {
				return slog.String("trace_id", "redacted")
			}
			return a
		}, false},
		{"span id dropped", func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "span_id" {
				return slog.Attr{}
			}
			return a
		}, false},
	}
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want, got bytes.Buffer
			offered := 0
			counting := func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == "trace_id" && len(groups) == 0 {
					offered++
				}
				return tt.replace(groups, a)
			}
			log := func(l *slog.Logger) {
				l.InfoContext(ctx, "m", "n", 1)
				l.WithGroup("g").With("a", "b").InfoContext(ctx, "m", "n", 2)
			}
			log(slog.New(NewHandler(slog.NewJSONHandler(&want, &slog.HandlerOptions{ReplaceAttr: tt.replace}))))
			log(slog.New(NewJSONHandler(&got, &slog.HandlerOptions{ReplaceAttr: counting})))
			if got.String() != want.String() {
				t.Errorf("NewJSONHandler wrote\n%s\nNewHandler over JSONHandler wrote\n%s", got.String(), want.String())
			}
			if fast := offered == 2; fast != tt.fast {
				t.Errorf("trace_id offered %d times for 2 lines: spliced %v, want %v", offered, fast, tt.fast)
			}
			lines(t, &got)
		})
	}
}

// TestJSONHandlerLevel: the options' level holds, and nothing is read from a
// disabled record's context.
func TestJSONHandlerLevel(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	l.InfoContext(panicContext{}, "dropped")
	if buf.Len() != 0 {
		t.Errorf("a disabled level wrote %q", buf.String())
	}
}

// panicContext fails any test that reads it.
type panicContext struct{ context.Context }

func (panicContext) Value(any) any { panic("context read for a disabled level") }

type failingWriter struct{ err error }

func (w failingWriter) Write(p []byte) (int, error) { return 0, w.err }

func TestJSONHandlerWriteError(t *testing.T) {
	boom := errors.New("disk full")
	h := NewJSONHandler(failingWriter{boom}, nil)
	for _, ctx := range []context.Context{spanCtx(context.Background(), testSpanID, 1), context.Background()} {
		r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
		if err := h.Handle(ctx, r); !errors.Is(err, boom) {
			t.Errorf("Handle returned %v, want %v", err, boom)
		}
	}
}

// TestJSONHandlerLongLine: a line longer than the kept buffer is written
// whole, and its buffer is not kept.
func TestJSONHandlerLongLine(t *testing.T) {
	var buf bytes.Buffer
	h := NewJSONHandler(&buf, nil)
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	long := strings.Repeat("x", 3*maxKeptLine)
	for _, msg := range []string{"short", long, "short again"} {
		r := slog.NewRecord(time.Time{}, slog.LevelInfo, msg, 0)
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		for _, sp := range h.sps {
			if cap(sp.buf) > maxKeptLine {
				t.Errorf("after a %d-byte message a splicer keeps %d bytes", len(msg), cap(sp.buf))
			}
		}
	}
	ls := lines(t, &buf)
	if len(ls) != 3 || ls[1]["msg"] != long {
		t.Fatalf("got %d lines", len(ls))
	}
	for i, m := range ls {
		if m["trace_id"] != tid || m["span_id"] != sid {
			t.Errorf("line %d lacks its trace fields", i)
		}
	}
}
