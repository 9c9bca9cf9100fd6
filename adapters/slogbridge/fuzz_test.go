package slogbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/internal/fuzzcase"
)

// FuzzJSONHandlerMatchesHandler is TestJSONHandlerMatchesHandler with the
// fuzzer choosing the message, an attribute's key and value, a group's name,
// a baggage value, the profile and how the handler chain and the context
// are built. NewJSONHandler must write byte for byte what NewHandler over
// slog's JSONHandler writes, a valid JSON object with the span's fields.
// Its seeds run with every `go test`.
func FuzzJSONHandlerMatchesHandler(f *testing.F) {
	fuzzcase.AddSeeds(f)
	f.Fuzz(func(t *testing.T, msg, key, val, group, bag string, sel uint16) {
		opts, ctx := fuzzcase.Case(sel, group, bag)
		var want, got bytes.Buffer
		// Bits 10-11: a ReplaceAttr that keeps the trace fields, one that
		// rewrites the fuzzed key (a trace key, when the fuzzer names
		// one), or one that drops it.
		var hopts *slog.HandlerOptions
		switch (sel >> 10) & 3 {
		case 1:
			hopts = &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if len(groups) == 0 && a.Key == slog.MessageKey {
					a.Key = "message"
				}
				return a
			}}
		case 2:
			hopts = &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == key {
					return slog.String(strings.ToUpper(key), val)
				}
				return a
			}}
		case 3:
			hopts = &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == key && len(groups) == 0 {
					return slog.Attr{}
				}
				return a
			}}
		}
		var wh, gh slog.Handler = NewHandler(slog.NewJSONHandler(&want, hopts), opts...), NewJSONHandler(&got, hopts, opts...)
		recCtx := ctx
		attrs := []any{key, val}
		switch (sel >> 6) & 3 {
		case 1: // the context given to With, none with the record
			wh = slog.New(wh).With("ctx", ctx).Handler()
			gh = slog.New(gh).With("ctx", ctx).Handler()
			recCtx = nil
		case 2: // the context among the record's attributes
			attrs = append(attrs, "ctx", ctx)
			recCtx = nil
		case 3: // inside a group attribute
			attrs = []any{slog.Group(group, key, val, "ctx", ctx)}
			recCtx = context.Background()
		}
		if sel&256 != 0 {
			wh = slog.New(wh).With(key, val).Handler()
			gh = slog.New(gh).With(key, val).Handler()
		}
		if sel&512 != 0 {
			wh, gh = wh.WithGroup(group), gh.WithGroup(group)
		}
		for _, h := range []slog.Handler{wh, gh} {
			r := slog.NewRecord(time.Time{}, slog.LevelInfo, msg, 0) // zero time: not written
			r.Add(attrs...)
			if err := h.Handle(recCtx, r); err != nil {
				t.Fatal(err)
			}
		}
		if got.String() != want.String() {
			t.Fatalf("NewJSONHandler wrote\n%q\nNewHandler over JSONHandler wrote\n%q", got.String(), want.String())
		}
		if n := len(lines(t, &got)); n != 1 { // lines: each a JSON object
			t.Fatalf("%d lines: %q", n, got.String())
		}
		line := got.String()
		if strings.Contains(line, "context.Background") || strings.Contains(line, "WithValue") {
			t.Fatalf("the context's internals reached the line: %q", line)
		}
	})
}

// topLevelKeys counts the members of the JSON object line under each key,
// top-level only.
func topLevelKeys(t *testing.T, line []byte) map[string]int {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	n := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		n[tok.(string)]++
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
	}
	return n
}

// FuzzTraceFieldsTopLevel builds a handler chain from the fuzzer's bytes
// (With attributes, groups, a context given to With, a record's own
// attributes and groups, nested group attributes) over slog's JSONHandler,
// and checks the one rule groups must not break: the span's fields are
// top-level members of the line, each once, with the span's values,
// whatever groups are open. Its seeds run with every `go test`.
func FuzzTraceFieldsTopLevel(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, "g", "k", "v")
	f.Add([]byte{1, 1, 4, 2, 5, 0}, "trace_id", "span_id", "x")
	f.Add([]byte{2, 3, 1, 6, 6, 6}, "", "", "")
	f.Fuzz(func(t *testing.T, ops []byte, name, key, val string) {
		if len(ops) > 12 {
			ops = ops[:12]
		}
		sampled := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
		var buf bytes.Buffer
		var h slog.Handler = NewHandler(slog.NewJSONHandler(&buf, nil))
		var attrs []any
		recCtx := sampled
		for _, op := range ops {
			switch op % 7 {
			case 0:
				h = h.WithGroup(name)
			case 1:
				h = slog.New(h).With(key, val).Handler()
			case 2:
				h = slog.New(h).With("ctx", sampled).Handler()
				recCtx = nil
			case 3:
				attrs = append(attrs, key, val)
			case 4:
				attrs = append(attrs, slog.Group(name, key, val))
			case 5:
				attrs = append(attrs, slog.Group(name, "ctx", sampled))
				recCtx = nil
			case 6:
				attrs = append(attrs, "ctx", sampled)
			}
		}
		r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
		r.Add(attrs...)
		if err := h.Handle(recCtx, r); err != nil {
			t.Fatal(err)
		}
		line := buf.Bytes()
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("not a JSON object: %v\n%s", err, line)
		}
		for k, want := range map[string]string{"trace_id": testTraceID.String(), "span_id": testSpanID.String(), "trace_flags": "01"} {
			if got, ok := m[k]; !ok || got != want {
				t.Fatalf("top-level %s = %v, want %s\n%s", k, got, want, line)
			}
			if n := topLevelKeys(t, line)[k]; n != 1 {
				t.Fatalf("%s written %d times\n%s", k, n, line)
			}
		}
		if strings.Contains(string(line), "context.Background") || strings.Contains(string(line), "WithValue") {
			t.Fatalf("the context's internals reached the line: %s", line)
		}
	})
}
