package zerologbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// member is one top-level member of a JSON object line.
type member struct {
	key   string
	value string // the value's JSON, compacted
}

// topMembers decodes the top-level members of a JSON object line in
// order, duplicates included (a map would keep only the last).
func topMembers(t *testing.T, line string) []member {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object (%v): %s", err, line)
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			t.Fatal(err)
		}
		out = append(out, member{tok.(string), c.String()})
	}
	if _, err := dec.Token(); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	return out
}

// count returns how often key is a top-level key of ms, and its last value.
func count(ms []member, key string) (int, string) {
	n, v := 0, ""
	for _, m := range ms {
		if m.key == key {
			n, v = n+1, m.value
		}
	}
	return n, v
}

// TestExactlyOnce pins how often each trace key reaches the line: through
// the Hook alone, and behind a Writer (ours win: the caller's field with a
// key the Hook writes is dropped when the Hook wrote the span's fields).
func TestExactlyOnce(t *testing.T) {
	span := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	bag := withBaggage(t, span, "trial_id", "T-17")
	ecs := []logbridge.Option{logbridge.WithProfile(logbridge.ECS)}
	svc := []logbridge.Option{logbridge.WithService("questionnaire")}
	baggageOpt := []logbridge.Option{logbridge.WithBaggage("trial_id")}
	h := NewHook()
	tests := []struct {
		name string
		opts []logbridge.Option
		log  func(w io.Writer, opts []logbridge.Option)
		// want maps a key to its count through the Hook alone and behind
		// a Writer, and want its last value (JSON) in both.
		want map[string][2]int
		last map[string]string
	}{
		{"hook once", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h)
			l.Info().Ctx(span).Msg("m")
		}, map[string][2]int{"trace_id": {1, 1}, "span_id": {1, 1}, "trace_flags": {1, 1}}, map[string]string{"trace_id": `"` + tid + `"`}},
		{"hook installed twice", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h, h)
			l.Info().Ctx(span).Msg("m")
		}, map[string][2]int{"trace_id": {2, 1}, "span_id": {2, 1}, "trace_flags": {2, 1}}, map[string]string{"span_id": `"` + sid + `"`}},
		{"hook installed twice, trace_id nested in the caller's object", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h, h)
			l.Info().Ctx(span).Dict("upstream", zerolog.Dict().Str("trace_id", "x")).Msg("m")
		}, map[string][2]int{"trace_id": {2, 1}, "span_id": {2, 1}, "upstream": {1, 1}},
			map[string]string{"trace_id": `"` + tid + `"`, "upstream": `{"trace_id":"x"}`}},
		{"two hooks of one profile", svc, func(w io.Writer, opts []logbridge.Option) {
			l := zerolog.New(w).Hook(NewHook(opts...), NewHook(opts...))
			l.Info().Ctx(span).Msg("m")
		}, map[string][2]int{"trace_id": {2, 1}, "service.name": {2, 1}}, map[string]string{"service.name": `"questionnaire"`}},
		{"logger and event context", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h).With().Ctx(span).Logger()
			l.Info().Ctx(span).Msg("m")
		}, map[string][2]int{"trace_id": {1, 1}}, nil},
		{"caller's trace_id, valid span", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h)
			l.Info().Ctx(span).Str("trace_id", "mine").Msg("m")
		}, map[string][2]int{"trace_id": {2, 1}, "span_id": {1, 1}}, map[string]string{"trace_id": `"` + tid + `"`}},
		{"caller's span_id in the logger's fields, hook twice", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h, h).With().Str("span_id", "mine").Logger()
			l.Info().Ctx(span).Msg("m")
		}, map[string][2]int{"trace_id": {2, 1}, "span_id": {3, 1}}, map[string]string{"span_id": `"` + sid + `"`}},
		{"caller's trace_id, no span", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h)
			l.Info().Ctx(context.Background()).Str("trace_id", "mine").Msg("m")
		}, map[string][2]int{"trace_id": {1, 1}, "span_id": {0, 0}}, map[string]string{"trace_id": `"mine"`}},
		{"caller's trace_id twice, no span", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h, h)
			l.Info().Str("trace_id", "a").Str("trace_id", "b").Msg("m")
		}, map[string][2]int{"trace_id": {2, 2}}, map[string]string{"trace_id": `"b"`}},
		{"ECS, caller's trace.id, hook twice", ecs, func(w io.Writer, opts []logbridge.Option) {
			hk := NewHook(opts...)
			l := zerolog.New(w).Hook(hk, hk)
			l.Info().Ctx(span).Str("trace.id", "mine").Str("trace_id", "other").Msg("m")
		}, map[string][2]int{"trace.id": {3, 1}, "span.id": {2, 1}, "trace_id": {1, 1}},
			map[string]string{"trace.id": `"` + tid + `"`, "trace_id": `"other"`}},
		{"two profiles' hooks each write their own", nil, func(w io.Writer, _ []logbridge.Option) {
			l := zerolog.New(w).Hook(h, NewHook(logbridge.WithProfile(logbridge.Datadog)))
			l.Info().Ctx(span).Msg("m")
		}, map[string][2]int{"trace_id": {1, 1}, "dd.trace_id": {1, 1}, "dd.span_id": {1, 1}}, nil},
		{"baggage, hook twice", baggageOpt, func(w io.Writer, opts []logbridge.Option) {
			hk := NewHook(opts...)
			l := zerolog.New(w).Hook(hk, hk)
			l.Info().Ctx(bag).Msg("m")
		}, map[string][2]int{"trace_id": {2, 1}, "trial_id": {2, 1}}, map[string]string{"trial_id": `"T-17"`}},
		{"caller's baggage key, context carries the member", baggageOpt, func(w io.Writer, opts []logbridge.Option) {
			l := zerolog.New(w).Hook(NewHook(opts...)).With().Str("trial_id", "mine").Logger()
			l.Info().Ctx(bag).Str("trial_id", "also mine").Msg("m")
		}, map[string][2]int{"trace_id": {1, 1}, "trial_id": {3, 1}}, map[string]string{"trial_id": `"T-17"`}},
		{"caller's baggage key, context without the member", baggageOpt, func(w io.Writer, opts []logbridge.Option) {
			l := zerolog.New(w).Hook(NewHook(opts...), NewHook(opts...))
			l.Info().Ctx(span).Str("trial_id", "mine").Msg("m")
		}, map[string][2]int{"trace_id": {2, 1}, "trial_id": {1, 1}}, map[string]string{"trial_id": `"mine"`}},
		{"baggage key after the caller's fields, hook twice", baggageOpt, func(w io.Writer, opts []logbridge.Option) {
			hk := NewHook(opts...)
			l := zerolog.New(w).Hook(hk, hk)
			l.Info().Ctx(bag).Str("trial_id", "mine").Msg("m")
		}, map[string][2]int{"span_id": {2, 1}, "trial_id": {3, 1}}, map[string]string{"trial_id": `"T-17"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, through := range []string{"hook", "writer"} {
				var buf bytes.Buffer
				var w io.Writer = &buf
				if through == "writer" {
					w = NewWriter(&buf, tt.opts...)
				}
				tt.log(w, tt.opts)
				ms := topMembers(t, buf.String())
				for k, want := range tt.want {
					if n, _ := count(ms, k); n != want[i] {
						t.Errorf("%s: %q written %d times, want %d: %s", through, k, n, want[i], buf.String())
					}
				}
				for k, want := range tt.last {
					if _, v := count(ms, k); v != want {
						t.Errorf("%s: %q = %s, want %s: %s", through, k, v, want, buf.String())
					}
				}
				if n, _ := count(ms, "message"); n != 1 {
					t.Errorf("%s: message lost: %s", through, buf.String())
				}
			}
		})
	}
}

// levelRecorder is a zerolog.LevelWriter that records the levels and lines
// it is given.
type levelRecorder struct {
	levels []zerolog.Level
	lines  []string
	err    error
}

func (r *levelRecorder) Write(p []byte) (int, error) { return r.WriteLevel(zerolog.NoLevel, p) }

func (r *levelRecorder) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	r.levels = append(r.levels, l)
	r.lines = append(r.lines, string(p))
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

func TestWriter(t *testing.T) {
	ours := `"trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01"`
	tests := []struct {
		name, in, want string
	}{
		{"no repeated key", `{"level":"info",` + ours + `,"message":"m"}` + "\n", ""},
		{"caller's key before", `{"trace_id":"mine",` + ours + "}\n", "{" + ours + "}\n"},
		{"both blocks", `{"a":1,` + ours + `,"b":[1,{"c":"}"}],` + ours + `,"message":"m"}` + "\n",
			`{"a":1,"b":[1,{"c":"}"}],` + ours + `,"message":"m"}` + "\n"},
		{"key text inside strings and nested objects", `{"s":"\"trace_id\":","o":{"trace_id":"x","span_id":"y"},` + ours + `,"trace_id":"late"}` + "\n",
			`{"s":"\"trace_id\":","o":{"trace_id":"x","span_id":"y"},` + ours + "}\n"},
		{"colons in values", `{"t":"10:00:00","u":"http://x/trace_id\":",` + ours + `,"m":":"}` + "\n", ""},
		{"repeated, without our block", `{"trace_id":"a","trace_id":"b","span_id":"c"}` + "\n", ""},
		{"incomplete block", `{"trace_id":"a","span_id":"b","trace_id":"c","span_id":"d"}` + "\n", ""},
		{"malformed", `{"trace_id":"a",` + ours + `,"x":}` + "\n", ""},
		{"truncated", `{"trace_id":"a",` + ours, ""},
		{"not an object", `["trace_id":,"trace_id":]`, ""},
		{"CBOR", "\xbf" + `"trace_id":"trace_id":`, ""},
		{"white space", `{ "trace_id":"a" , ` + ours + " } \n", "{" + ours + "} \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &levelRecorder{}
			w := NewWriter(rec)
			n, err := w.WriteLevel(zerolog.WarnLevel, []byte(tt.in))
			if err != nil || n != len(tt.in) {
				t.Errorf("WriteLevel = %d, %v; want %d, nil", n, err, len(tt.in))
			}
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if len(rec.lines) != 1 || rec.lines[0] != want || rec.levels[0] != zerolog.WarnLevel {
				t.Errorf("wrote %q at %v\nwant %q at warn", rec.lines, rec.levels, want)
			}
		})
	}
}

func TestWriterNext(t *testing.T) {
	span := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	t.Run("plain writer", func(t *testing.T) {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		line := []byte(`{"trace_id":"a","trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"00"}`)
		n, err := w.Write(line)
		if err != nil || n != len(line) || buf.String() != `{"trace_id":"`+tid+`","span_id":"`+sid+`","trace_flags":"00"}` {
			t.Errorf("Write = %d, %v: %s", n, err, buf.String())
		}
	})
	t.Run("error of the next writer", func(t *testing.T) {
		failed := errors.New("disk full")
		w := NewWriter(&levelRecorder{err: failed})
		line := []byte(`{"trace_id":"a","trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"00"}`)
		if n, err := w.Write(line); !errors.Is(err, failed) || n != 0 {
			t.Errorf("Write = %d, %v; want 0, %v", n, err, failed)
		}
	})
	t.Run("ConsoleWriter", func(t *testing.T) {
		var buf bytes.Buffer
		cw := zerolog.ConsoleWriter{Out: &buf, NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}}
		h := NewHook()
		l := zerolog.New(NewWriter(cw)).Hook(h, h)
		l.Info().Ctx(span).Str("trace_id", "mine").Msg("form stored")
		if got := buf.String(); strings.Count(got, "trace_id=") != 1 || !strings.Contains(got, "trace_id="+tid) {
			t.Errorf("console line %q", got)
		}
	})
	t.Run("level writer", func(t *testing.T) {
		rec := &levelRecorder{}
		h := NewHook()
		l := zerolog.New(NewWriter(rec)).Hook(h, h)
		l.Error().Ctx(span).Msg("m")
		if len(rec.levels) != 1 || rec.levels[0] != zerolog.ErrorLevel || strings.Count(rec.lines[0], `"trace_id":`) != 1 {
			t.Errorf("levels %v lines %q", rec.levels, rec.lines)
		}
	})
}
